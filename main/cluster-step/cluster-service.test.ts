/**
 * The practice journey through the app's router, past discovery: preflight on both found
 * nodes, then install + join as one job, ending with every node Ready through the lab's
 * Kubernetes API and a kubeconfig saved for this computer.
 */
import { readFile, stat } from 'node:fs/promises';
import { describe, expect, it, vi } from 'vitest';
import { appPerTest } from '../app/testing/test-app';
import { listApiNodes } from '../cluster/cluster-api';
import { bootPracticePi, findPracticeNodes, practiceNodesFound, practiceOn, practicePlanDraft as draft } from '../app/testing/practice-journey';

const t = appPerTest('pcw-cluster-');

const refused = async (node: string) => {
  const envelope = await t.app.router.dispatch('cluster.addNode', { node });
  return envelope.ok ? { ok: true } : { code: envelope.error.code, message: envelope.error.message };
};

describe('installing MicroK8s and forming the cluster (practice lab)', () => {
  it('checks, installs and joins two found nodes; every node Ready through the API', async () => {
    await t.start();
    await t.call('plan.save', { draft: draft(['pi-01', 'pi-02']) });
    await expect(t.app.router.dispatch('cluster.preflight', {})).resolves.toMatchObject({ ok: false, error: { code: 'UNAVAILABLE', message: expect.stringMatching(/Find every node first/) } });
    await practiceNodesFound(t, 2);

    const preflight = await t.app.jobs.settled((await t.call('cluster.preflight', {})).jobId);
    expect(preflight.error).toBeUndefined();
    const checks = t.app.feature('cluster').state().preflight?.checks ?? [];
    expect(checks.filter((c) => c.node === 'pi-01').map((c) => c.id)).toEqual(expect.arrayContaining(['architecture', 'memory-cgroup', 'hostname', 'ports']));
    expect(checks.find((c) => c.node === 'pi-01' && c.id === 'memory-cgroup')?.status).toBe('pass'); // the card got the cgroup flags
    expect(t.app.feature('cluster').state().preflight?.ok).toBe(true);

    const build = await t.app.jobs.settled((await t.call('cluster.build', {})).jobId);
    expect(build.error).toBeUndefined();
    expect(build.state).toBe('succeeded');
    // Each node's stage, as step 4 shows it: the first control plane is the cluster, pi-02 joined it.
    expect((await t.call('cluster.state', {})).progress).toEqual({ 'pi-01': { stage: 'member', fraction: null }, 'pi-02': { stage: 'joined', fraction: null } });
    const built = (await t.call('cluster.state', {})).built;
    expect(built?.nodes.map((n) => `${n.name}:${n.role}:${n.ready}`).sort()).toEqual(['pi-01:control-plane:true', 'pi-02:worker:true']);
    expect((await stat(built!.kubeconfigPath)).mode & 0o777).toBe(0o600);
    const kubeconfig = await readFile(built!.kubeconfigPath, 'utf8');
    expect(kubeconfig).toContain('home-lab');
    expect(kubeconfig).not.toContain('microk8s-cluster');
    const state = await t.call('app.getState', {});
    expect(state.steps.install).toBe('done');
    expect(state.steps.cluster).toBe('done');
    const log = (await t.call('jobs.log', { id: build.id, from: 0 })).lines.join('\n');
    expect(log).not.toMatch(/:25000\/[0-9a-f]{32}/); // join tokens never reach the log

    // Changing it later, the tutorial's way: pi-02 leaves, then the whole cluster is reset.
    expect(await t.app.router.dispatch('cluster.removeNode', { node: 'pi-01' })).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    const removed = await t.app.jobs.settled((await t.call('cluster.removeNode', { node: 'pi-02' })).jobId);
    expect(removed.error).toBeUndefined();
    expect((await t.call('cluster.state', {})).built?.nodes.map((n) => n.name)).toEqual(['pi-01']);
    expect((await t.call('cluster.state', {})).progress).toBeUndefined(); // that table was about the install
    const reset = await t.app.jobs.settled((await t.call('cluster.reset', {})).jobId);
    expect(reset.error).toBeUndefined();
    expect((await t.call('cluster.state', {})).built).toBeUndefined();
    expect((await t.call('app.getState', {})).steps.cluster).toBe('not-started');
  }, 180_000);

  it('adds a planned third node to the formed cluster; removing it and adding it back works too', async () => {
    await t.start();
    await practiceOn(t);
    await t.call('plan.save', { draft: draft(['pi-01', 'pi-02']) });
    expect(await refused('pi-03')).toEqual({ code: 'UNAVAILABLE', message: 'There is no cluster to add pi-03 to yet: form the cluster first (steps 4 and 5).' });
    for (const n of [1, 2]) await bootPracticePi(t, n);
    await findPracticeNodes(t);
    expect((await t.app.jobs.settled((await t.call('cluster.build', {})).jobId)).error).toBeUndefined();
    expect((await t.call('cluster.state', {})).notInCluster).toEqual([]);

    // pi-03 is not planned yet; pi-02 is a member already.
    expect(await refused('pi-03')).toEqual({ code: 'NOT_FOUND', message: 'pi-03 is not in the plan: add it in step 1 and prepare its card first.' });
    expect(await refused('pi-02')).toEqual({ code: 'CONFLICT', message: 'pi-02 is already in the cluster.' });

    // Planned, card not prepared, not found: the state says so, and adding it is refused.
    await t.call('plan.save', { draft: draft(['pi-01', 'pi-02', 'pi-03', 'pi-04'], ['pi-01', 'pi-04']) });
    expect((await t.call('cluster.state', {})).notInCluster).toEqual([
      { name: 'pi-03', role: 'worker', cardPrepared: false },
      { name: 'pi-04', role: 'control-plane', cardPrepared: false },
    ]);
    expect(await refused('pi-03')).toEqual({ code: 'UNAVAILABLE', message: 'pi-03 has not been found yet: power it on and search in step 3.' });

    // pi-04 stays off: adding pi-03 needs only the members and pi-03 to be found.
    await bootPracticePi(t, 3);
    await findPracticeNodes(t, ['pi-04']);
    const waiting = (await t.call('cluster.state', {})).notInCluster;
    expect(waiting).toEqual([
      { name: 'pi-03', role: 'worker', cardPrepared: true, found: { address: expect.any(String), port: 22 } },
      { name: 'pi-04', role: 'control-plane', cardPrepared: false },
    ]);

    const { jobId } = await t.call('cluster.addNode', { node: 'pi-03' });
    expect(await refused('pi-03')).toEqual({ code: 'CONFLICT', message: 'Another cluster job is still running: wait for it or cancel it.' });
    expect((await t.call('cluster.state', {})).jobId).toBe(jobId);
    // While it runs, the state says where pi-03 is (and only pi-03: the others are members already).
    await vi.waitFor(async () => expect(Object.keys((await t.call('cluster.state', {})).progress ?? {})).toEqual(['pi-03']), { timeout: 30_000, interval: 50 });
    const added = await t.app.jobs.settled(jobId);
    expect((await t.call('cluster.state', {})).progress).toBeUndefined();
    expect(added.error).toBeUndefined();
    expect(added.state).toBe('succeeded');
    expect(added.kind).toBe('cluster.addNode');
    const state = await t.call('cluster.state', {});
    expect(state.jobId).toBeUndefined();
    expect(state.notInCluster?.map((n) => n.name)).toEqual(['pi-04']);
    expect(state.built?.nodes.map((n) => `${n.name}:${n.role}:${n.ready}`)).toEqual(['pi-01:control-plane:true', 'pi-02:worker:true', 'pi-03:worker:true']);
    expect(state.built?.nodes.find((n) => n.name === 'pi-03')?.internalIP).toMatch(/^\d+\.\d+\.\d+\.\d+$/); // the node's LAN address, as the API lists it
    // The Kubernetes API (through the saved kubeconfig) lists three Ready nodes.
    const api = await listApiNodes(await readFile(state.built!.kubeconfigPath, 'utf8'));
    expect(api.map((n) => `${n.name}:${n.ready}`).sort()).toEqual(['pi-01:true', 'pi-02:true', 'pi-03:true']);
    const log = (await t.call('jobs.log', { id: added.id, from: 0 })).lines.join('\n');
    expect(log).toMatch(/pi-03: .*microk8s join .*--worker/);
    expect(log).toMatch(/pi-02: .*\/etc\/hosts|pi-02: \$ .*hosts/);
    expect(log).not.toMatch(/:25000\/[0-9a-f]{32}/); // join tokens never reach the log
    expect(await refused('pi-03')).toMatchObject({ code: 'CONFLICT' });

    // The tutorial's round trip: pi-03 leaves, then joins again.
    expect((await t.app.jobs.settled((await t.call('cluster.removeNode', { node: 'pi-03' })).jobId)).error).toBeUndefined();
    expect((await t.call('cluster.state', {})).notInCluster?.map((n) => n.name)).toEqual(['pi-03', 'pi-04']);
    const again = await t.app.jobs.settled((await t.call('cluster.addNode', { node: 'pi-03' })).jobId);
    expect(again.error).toBeUndefined();
    expect((await t.call('cluster.state', {})).built?.nodes.map((n) => `${n.name}:${n.ready}`)).toEqual(['pi-01:true', 'pi-02:true', 'pi-03:true']);
    const apiAgain = await listApiNodes(await readFile(state.built!.kubeconfigPath, 'utf8'));
    expect(apiAgain.map((n) => `${n.name}:${n.ready}`).sort()).toEqual(['pi-01:true', 'pi-02:true', 'pi-03:true']);

    // A second control plane joins without --worker and is recorded as one.
    await bootPracticePi(t, 4);
    await findPracticeNodes(t);
    const cp = await t.app.jobs.settled((await t.call('cluster.addNode', { node: 'pi-04' })).jobId);
    expect(cp.error).toBeUndefined();
    const withCp = await t.call('cluster.state', {});
    expect(withCp.built?.nodes.map((n) => `${n.name}:${n.role}:${n.ready}`)).toEqual(['pi-01:control-plane:true', 'pi-02:worker:true', 'pi-03:worker:true', 'pi-04:control-plane:true']);
    expect(withCp.built?.highAvailability).toBe(false); // two control planes: MicroK8s needs three for HA
    expect(withCp.notInCluster).toEqual([]);
    const cpLog = (await t.call('jobs.log', { id: cp.id, from: 0 })).lines.join('\n');
    expect(cpLog).toMatch(/pi-04: .*microk8s join /);
    expect(cpLog).not.toMatch(/microk8s join .*--worker/);
  }, 180_000);
});
