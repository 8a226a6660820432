/**
 * The practice journey through the app's router, past discovery: preflight on both found
 * nodes, then install + join as one job, ending with every node Ready through the lab's
 * Kubernetes API and a kubeconfig saved for this computer.
 */
import { readFile, stat } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../app/create-app';
import { startTestApp } from '../app/testing/test-app';
import type { TestApp } from '../app/testing/test-app';
import { practiceLoopbackBase } from '../practice/practice-service';

let app: App | undefined;
let call: TestApp['call'];
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** The app of the running test. */
function running(): App {
  if (!app) throw new Error('start() first');
  return app;
}

async function start(): Promise<string> {
  const started = await startTestApp('pcw-cluster-');
  app = started.app;
  call = started.call;
  return started.dataDir;
}

describe('installing MicroK8s and forming the cluster (practice lab)', () => {
  it('checks, installs and joins two found nodes; every node Ready through the API', async () => {
    const dataDir = await start();
    await call('plan.save', {
      draft: { clusterName: 'home-lab', nodes: [{ hostname: 'pi-01', role: 'control-plane' }, { hostname: 'pi-02', role: 'worker' }], network: { kind: 'ethernet', mode: 'dhcp' }, microk8sChannel: '1.32/stable', ubuntuRelease: '24.04', timezone: 'UTC' },
    });
    await expect(running().router.dispatch('cluster.preflight', {})).resolves.toMatchObject({ ok: false, error: { code: 'UNAVAILABLE', message: expect.stringMatching(/Find every node first/) } });

    await call('practice.setEnabled', { enabled: true });
    await running().practice.setSpeed(2000);
    for (const n of [1, 2]) {
      const card = (await call('practice.newCard', { content: 'ubuntu-24.04', sizeGB: 2 })).cards[n - 1]!;
      const device = (await call('practice.insertCard', { id: card.id, reader: 1 })).cards[n - 1]!.device!;
      const { jobId } = await call('cards.prepare', { hostname: `pi-0${n}`, device, confirmDevice: device });
      expect((await running().jobs.settled(jobId)).state).toBe('succeeded');
      await call('practice.addPi', {});
      await call('practice.plugCard', { id: card.id, pi: `pi-${n}` });
      await call('practice.power', { pi: `pi-${n}`, on: true });
    }
    await call('findNodes.start', { subnets: [`${practiceLoopbackBase(dataDir)}.0/24`] });
    await expect.poll(() => running().findNodes.state().missing, { timeout: 60_000 }).toEqual([]);
    await call('findNodes.stop', {});

    const preflight = await running().jobs.settled((await call('cluster.preflight', {})).jobId);
    expect(preflight.error).toBeUndefined();
    const checks = running().cluster.state().preflight?.checks ?? [];
    expect(checks.filter((c) => c.node === 'pi-01').map((c) => c.id)).toEqual(expect.arrayContaining(['architecture', 'memory-cgroup', 'hostname', 'ports']));
    expect(checks.find((c) => c.node === 'pi-01' && c.id === 'memory-cgroup')?.status).toBe('pass'); // the card got the cgroup flags
    expect(running().cluster.state().preflight?.ok).toBe(true);

    const build = await running().jobs.settled((await call('cluster.build', {})).jobId);
    expect(build.error).toBeUndefined();
    expect(build.state).toBe('succeeded');
    const built = (await call('cluster.state', {})).built;
    expect(built?.nodes.map((n) => `${n.name}:${n.role}:${n.ready}`).sort()).toEqual(['pi-01:control-plane:true', 'pi-02:worker:true']);
    expect((await stat(built!.kubeconfigPath)).mode & 0o777).toBe(0o600);
    const kubeconfig = await readFile(built!.kubeconfigPath, 'utf8');
    expect(kubeconfig).toContain('home-lab');
    expect(kubeconfig).not.toContain('microk8s-cluster');
    const state = await call('app.getState', {});
    expect(state.steps.install).toBe('done');
    expect(state.steps.cluster).toBe('done');
    const log = (await call('jobs.log', { id: build.id, from: 0 })).lines.join('\n');
    expect(log).not.toMatch(/:25000\/[0-9a-f]{32}/); // join tokens never reach the log
  }, 180_000);
});
