/**
 * The practice journey through the app's router, past discovery: preflight on both found
 * nodes, then install + join as one job, ending with every node Ready through the lab's
 * Kubernetes API and a kubeconfig saved for this computer.
 */
import { readFile, stat } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { appPerTest } from '../app/testing/test-app';
import { practiceLoopbackBase } from '../practice/practice-service';

const t = appPerTest('pcw-cluster-');

describe('installing MicroK8s and forming the cluster (practice lab)', () => {
  it('checks, installs and joins two found nodes; every node Ready through the API', async () => {
    const { dataDir } = await t.start();
    await t.call('plan.save', {
      draft: { clusterName: 'home-lab', nodes: [{ hostname: 'pi-01', role: 'control-plane' }, { hostname: 'pi-02', role: 'worker' }], network: { kind: 'ethernet', mode: 'dhcp' }, microk8sChannel: '1.32/stable', ubuntuRelease: '24.04', timezone: 'UTC' },
    });
    await expect(t.app.router.dispatch('cluster.preflight', {})).resolves.toMatchObject({ ok: false, error: { code: 'UNAVAILABLE', message: expect.stringMatching(/Find every node first/) } });

    await t.call('practice.setEnabled', { enabled: true });
    await t.app.practice.setSpeed(2000);
    for (const n of [1, 2]) {
      const card = (await t.call('practice.newCard', { content: 'ubuntu-24.04', sizeGB: 2 })).cards[n - 1]!;
      const device = (await t.call('practice.insertCard', { id: card.id, reader: 1 })).cards[n - 1]!.device!;
      const { jobId } = await t.call('cards.prepare', { hostname: `pi-0${n}`, device, confirmDevice: device });
      expect((await t.app.jobs.settled(jobId)).state).toBe('succeeded');
      await t.call('practice.addPi', {});
      await t.call('practice.plugCard', { id: card.id, pi: `pi-${n}` });
      await t.call('practice.power', { pi: `pi-${n}`, on: true });
    }
    await t.call('findNodes.start', { subnets: [`${practiceLoopbackBase(dataDir)}.0/24`] });
    await expect.poll(() => t.app.findNodes.state().missing, { timeout: 60_000 }).toEqual([]);
    await t.call('findNodes.stop', {});

    const preflight = await t.app.jobs.settled((await t.call('cluster.preflight', {})).jobId);
    expect(preflight.error).toBeUndefined();
    const checks = t.app.cluster.state().preflight?.checks ?? [];
    expect(checks.filter((c) => c.node === 'pi-01').map((c) => c.id)).toEqual(expect.arrayContaining(['architecture', 'memory-cgroup', 'hostname', 'ports']));
    expect(checks.find((c) => c.node === 'pi-01' && c.id === 'memory-cgroup')?.status).toBe('pass'); // the card got the cgroup flags
    expect(t.app.cluster.state().preflight?.ok).toBe(true);

    const build = await t.app.jobs.settled((await t.call('cluster.build', {})).jobId);
    expect(build.error).toBeUndefined();
    expect(build.state).toBe('succeeded');
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
    const reset = await t.app.jobs.settled((await t.call('cluster.reset', {})).jobId);
    expect(reset.error).toBeUndefined();
    expect((await t.call('cluster.state', {})).built).toBeUndefined();
    expect((await t.call('app.getState', {})).steps.cluster).toBe('not-started');
  }, 180_000);
});
