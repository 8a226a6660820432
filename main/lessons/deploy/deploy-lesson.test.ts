/**
 * Step 6 against the practice lab through the app's router: the tutorial's deployment, shown as
 * YAML and kubectl before it runs, two pods on two nodes, a NodePort Service, and the welcome
 * page with nginx's own Server header fetched from this computer.
 */
import { describe, expect, it } from 'vitest';
import { appPerTest } from '../../app/testing/test-app';
import { formedPracticeCluster } from '../testing/lesson-cluster';

const t = appPerTest('pcw-deploy-');

describe('step 6, deploy nginx', () => {
  it('is locked until a cluster exists, then applies the tutorial deployment: one pod on each node', async () => {
    await t.start();
    expect((await t.call('app.getState', {})).locked.deploy).toBe('needs-cluster');
    await formedPracticeCluster(t, 2);
    expect((await t.call('app.getState', {})).available).toContain('deploy');

    const preview = await t.call('lessons.preview', { action: 'deploy.apply', params: {} });
    expect(preview.yaml).toContain('image: nginx:1.14.2');
    expect(preview.yaml).toContain('topologyKey: kubernetes.io/hostname');
    expect(preview.yaml).toContain('app.kubernetes.io/managed-by: pi-cluster-wizard');
    expect(preview.kubectl[0]).toBe('kubectl apply -f deployment.yaml');
    expect(preview.plan?.[0]).toMatchObject({ kind: 'Deployment', name: 'nginx-deployment', action: 'create' });

    const applied = await t.call('lessons.run', { action: 'deploy.apply', params: {} });
    expect(applied).toMatchObject({ ok: true, code: 'applied' });
    expect(applied.applied?.objects[0]).toMatchObject({ kind: 'Deployment', action: 'created' });

    await expect
      .poll(async () => {
        const pods = (await t.call('liveCluster.state', {})).snapshot?.pods ?? [];
        return pods.filter((p) => p.status === 'Running').map((p) => p.node).sort();
      }, { timeout: 60_000 })
      .toEqual(['pi-01', 'pi-02']);
    await expect.poll(async () => (await t.call('app.getState', {})).steps.deploy).toBe('done');

    // Applying the same again changes nothing.
    expect((await t.call('lessons.run', { action: 'deploy.apply', params: {} })).applied?.objects[0]?.action).toBe('unchanged');

    const exposed = await t.call('lessons.run', { action: 'deploy.expose', params: {} });
    expect(exposed).toMatchObject({ ok: true });
    const service = (await t.call('liveCluster.state', {})).snapshot?.services?.find((s) => s.name === 'nginx-service');
    await expect.poll(async () => (await t.call('liveCluster.state', {})).snapshot?.services?.find((s) => s.name === 'nginx-service')?.ports[0]?.nodePort).toBeGreaterThanOrEqual(30000);
    void service;

    const opened = await t.call('lessons.run', { action: 'deploy.open', params: {} });
    expect(opened.probe?.status, JSON.stringify(opened)).toBe(200);
    expect(opened.probe?.headers.server).toBe('nginx/1.14.2');
    expect(opened.probe?.body).toContain('<title>Welcome to nginx!</title>');
    expect((await t.call('lessons.state', {})).progress.deploy).toEqual(expect.arrayContaining(['applied', 'exposed', 'opened']));
  }, 300_000);

  it('refuses unknown actions and bad parameters', async () => {
    await t.start();
    expect(await t.app.router.dispatch('lessons.run', { action: 'deploy.nope', params: {} })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await t.app.router.dispatch('lessons.run', { action: 'deploy.apply', params: { replicas: 3 } })).toMatchObject({ ok: false, error: { code: 'INVALID_PARAMS' } });
    expect(await t.app.router.dispatch('lessons.run', { action: 'rm -rf', params: {} })).toMatchObject({ ok: false, error: { code: 'INVALID_PARAMS' } });
  });
});
