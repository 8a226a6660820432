/**
 * Step 7 against the practice lab through the app's router: the tutorial's update to 1.16.1 one
 * pod at a time while the Service keeps answering (both versions, no failed request), rollout
 * history with change-causes, undo to a chosen revision, pause and resume, a tag that does not
 * exist (ImagePullBackOff, the rollout stalls, one old pod still answers) undone by a rollback, and
 * a change made behind the app's back shown before it is overwritten.
 */
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { KubeProbeSample } from '../../../preload/contract/kube';
import { appPerTest } from '../../app/testing/test-app';
import type { TestApp } from '../../app/testing/test-app';
import { formedPracticeCluster } from '../testing/lesson-cluster';

const t = appPerTest('pcw-update-');
const runFile = promisify(execFile);
const kubectlPath = spawnSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).stdout.trim();

type Call = TestApp['call'];

async function snapshot(call: Call) {
  return (await call('liveCluster.state', {})).snapshot;
}

async function nginxPods(call: Call) {
  return ((await snapshot(call))?.pods ?? []).filter((p) => p.labels['app'] === 'nginx' && !p.deletingAt);
}

/** Waits until the Deployment has rolled out to `image`: every pod of it running that image. */
async function rolledOutTo(call: Call, image: string) {
  await expect
    .poll(async () => (await call('lessons.run', { action: 'update.status', params: {} })).values?.['message'], { timeout: 90_000 })
    .toBe('deployment "nginx-deployment" successfully rolled out');
  await expect
    .poll(async () => (await nginxPods(call)).map((p) => `${p.images[0]} ${p.status}`), { timeout: 60_000 })
    .toEqual([`${image} Running`, `${image} Running`]);
}

/** Collects the samples of a probe the app streams to the window. */
function probeSamples(app: TestApp['app']) {
  const samples: KubeProbeSample[] = [];
  let done = false;
  const off = app.events.subscribe((name, payload) => {
    if (name !== 'lessons.probe') return;
    const p = payload as { samples: KubeProbeSample[]; done: boolean };
    samples.push(...p.samples);
    if (p.done) done = true;
  });
  return { samples, done: () => done, off };
}

async function deployed(call: Call) {
  expect(await call('lessons.run', { action: 'deploy.apply', params: {} })).toMatchObject({ ok: true });
  await expect.poll(async () => (await nginxPods(call)).filter((p) => p.status === 'Running').length, { timeout: 60_000 }).toBe(2);
}

describe('step 7, rolling update and rollback', () => {
  it('updates to 1.16.1 one pod at a time while the Service answers, then rolls back to a chosen revision', async () => {
    await t.start();
    await formedPracticeCluster(t, 2);
    expect((await t.call('app.getState', {})).locked.update).toBe('needs-deployment');
    await deployed(t.call);
    await expect.poll(async () => (await t.call('app.getState', {})).available).toContain('update');

    // The preview: the tutorial's file with its change-cause, and step 6's Service created since it is missing.
    const preview = await t.call('lessons.preview', { action: 'update.apply', params: {} });
    expect(preview.yaml).toContain('image: nginx:1.16.1');
    expect(preview.yaml).toContain('maxSurge: 0');
    expect(preview.yaml).toContain('maxUnavailable: 1');
    expect(preview.yaml).toContain('kubernetes.io/change-cause:');
    expect(preview.yaml).toContain('kind: Service');
    expect(preview.kubectl[0]).toBe('kubectl apply -f deployment-update.yaml');
    const imageChange = preview.plan?.[0]?.changes.find((c) => c.path.endsWith('.image'));
    expect(imageChange).toMatchObject({ live: 'nginx:1.14.2', desired: 'nginx:1.16.1' });

    const updated = await t.call('lessons.run', { action: 'update.apply', params: {} });
    expect(updated, JSON.stringify(updated)).toMatchObject({ ok: true, code: 'update-started' });
    expect(updated.applied?.objects.map((o) => `${o.kind} ${o.action}`)).toEqual(['Deployment configured', 'Service created']);

    // The version answered by the Service, sampled during the rollout.
    const probe = probeSamples(t.app);
    const { probeId } = await t.call('lessons.probeStart', { service: 'nginx-service', ratePerSecond: 5, durationMs: 60_000 });
    // One pod at a time: never more than two nginx pods, and the old and new ReplicaSets side by side.
    let most = 0;
    const seen = new Set<string>();
    await expect
      .poll(
        async () => {
          const s = await snapshot(t.call);
          const pods = (s?.pods ?? []).filter((p) => p.labels['app'] === 'nginx');
          most = Math.max(most, pods.filter((p) => !p.deletingAt).length);
          for (const p of pods) seen.add(p.images[0] ?? '');
          return (await t.call('lessons.run', { action: 'update.status', params: {} })).values?.['done'];
        },
        { timeout: 90_000, interval: 100 },
      )
      .toBe(1);
    expect(most).toBeLessThanOrEqual(2);
    await rolledOutTo(t.call, 'nginx:1.16.1');
    await expect.poll(() => probe.samples.filter((s) => s.nginxVersion === '1.16.1').length, { timeout: 30_000 }).toBeGreaterThanOrEqual(3);
    await t.call('lessons.probeStop', { probeId });
    await expect.poll(() => probe.done(), { timeout: 10_000 }).toBe(true);
    probe.off();
    expect(probe.samples.length).toBeGreaterThan(0);
    expect(probe.samples.filter((s) => s.status !== 200), JSON.stringify(probe.samples)).toEqual([]);
    expect(new Set(probe.samples.map((s) => s.nginxVersion))).toContain('1.16.1');

    // History: revision 1 without a cause, revision 2 with the update's.
    const history = await t.call('lessons.history', {});
    expect(history.revisions.map((r) => [r.revision, r.images[0], r.changeCause ?? '<none>', r.current])).toEqual([
      [1, 'nginx:1.14.2', '<none>', false],
      [2, 'nginx:1.16.1', 'kubectl apply -f deployment-update.yaml (nginx 1.14.2 → 1.16.1)', true],
    ]);
    expect(history.text).toContain('REVISION  CHANGE-CAUSE');
    if (kubectlPath) {
      const kubeconfig = t.app.feature('cluster').built()!.kubeconfigPath;
      const { stdout } = await runFile('kubectl', ['--kubeconfig', kubeconfig, 'rollout', 'history', 'deployment/nginx-deployment']);
      expect(stdout).toBe(history.text);
    }

    // Back to revision 1 by number: it comes back as revision 3, running 1.14.2 again.
    const undone = await t.call('lessons.run', { action: 'update.undo', params: { toRevision: 1 } });
    expect(undone).toMatchObject({ ok: true, code: 'rolled-back', rollout: { message: 'deployment.apps/nginx-deployment rolled back' } });
    await rolledOutTo(t.call, 'nginx:1.14.2');
    const after = await t.call('lessons.history', {});
    expect(after.revisions.map((r) => [r.revision, r.images[0]])).toEqual([
      [2, 'nginx:1.16.1'],
      [3, 'nginx:1.14.2'],
    ]);
    expect((await t.call('lessons.state', {})).progress.update).toEqual(expect.arrayContaining(['updated', 'rolled-back']));
    await expect.poll(async () => (await t.call('app.getState', {})).steps.update).toBe('done');

    // Undoing to the revision it already runs is skipped, as kubectl says; an unknown revision is refused.
    expect(await t.call('lessons.run', { action: 'update.undo', params: { toRevision: 3 } })).toMatchObject({ ok: true, code: 'rollback-skipped', rollout: { message: 'deployment.apps/nginx-deployment skipped rollback (current template already matches revision 3)' } });
    expect(await t.call('lessons.run', { action: 'update.undo', params: { toRevision: 9 } })).toMatchObject({ ok: false, error: { code: 'REVISION_NOT_FOUND' } });
  }, 400_000);

  it('pauses and resumes; a tag that does not exist stalls the rollout in ImagePullBackOff until a rollback', async () => {
    await t.start();
    await formedPracticeCluster(t, 2);
    await deployed(t.call);
    expect(await t.call('lessons.run', { action: 'update.apply', params: {} })).toMatchObject({ ok: true });
    await rolledOutTo(t.call, 'nginx:1.16.1');

    // Pause, resume, and kubectl's refusals around them.
    expect(await t.call('lessons.run', { action: 'update.pause', params: {} })).toMatchObject({ ok: true, code: 'paused', rollout: { message: 'deployment.apps/nginx-deployment paused' } });
    await expect.poll(async () => (await t.call('lessons.run', { action: 'update.status', params: {} })).values?.['paused']).toBe(1);
    expect(await t.call('lessons.run', { action: 'update.pause', params: {} })).toMatchObject({ ok: false, error: { code: 'ALREADY_PAUSED' } });
    expect(await t.call('lessons.run', { action: 'update.undo', params: {} })).toMatchObject({ ok: false, error: { code: 'DEPLOYMENT_PAUSED' } });
    expect(await t.call('lessons.run', { action: 'update.resume', params: {} })).toMatchObject({ ok: true, code: 'resumed', rollout: { message: 'deployment.apps/nginx-deployment resumed' } });
    expect(await t.call('lessons.run', { action: 'update.resume', params: {} })).toMatchObject({ ok: false, error: { code: 'NOT_PAUSED' } });

    // The mistake: the new pod cannot pull its image; with maxUnavailable 1 one old pod keeps answering.
    expect(await t.call('lessons.run', { action: 'update.badImage', params: {} })).toMatchObject({ ok: true, code: 'bad-image-set' });
    await expect
      .poll(async () => (await t.call('lessons.run', { action: 'update.status', params: {} })).values, { timeout: 90_000 })
      .toMatchObject({ stalledBy: 'ImagePullBackOff', image: 'nginx:1.16.1x', done: 0 });
    const status = await t.call('lessons.run', { action: 'update.status', params: {} });
    expect(status.values?.['message']).toMatch(/^Waiting for deployment "nginx-deployment" rollout to finish: /);
    const pods = await nginxPods(t.call);
    expect(pods.filter((p) => p.status === 'Running').map((p) => p.images[0])).toEqual(['nginx:1.16.1']);
    const events = (await snapshot(t.call))?.events ?? [];
    expect(events.some((e) => e.reason === 'Failed' && e.message.includes('nginx:1.16.1x'))).toBe(true);
    const opened = await t.call('lessons.run', { action: 'deploy.open', params: {} });
    expect(opened.probe?.headers.server).toBe('nginx/1.16.1');
    const history = await t.call('lessons.history', {});
    expect(history.revisions.at(-1)).toMatchObject({ images: ['nginx:1.16.1x'], changeCause: 'kubectl set image deployment/nginx-deployment nginx=nginx:1.16.1x', current: true });

    // The way out: roll back to the previous revision.
    expect(await t.call('lessons.run', { action: 'update.undo', params: {} })).toMatchObject({ ok: true, code: 'rolled-back' });
    await rolledOutTo(t.call, 'nginx:1.16.1');
    expect((await t.call('lessons.run', { action: 'update.status', params: {} })).values?.['stalledBy']).toBeUndefined();
  }, 400_000);

  it('shows a change made behind the app’s back and overwrites it only when asked', async () => {
    await t.start();
    await formedPracticeCluster(t, 2);
    await deployed(t.call);
    // Someone sets another image with their own tool (kubectl edit's field manager).
    const cluster = await t.app.feature('lessons').cluster();
    await cluster.conn.request({
      method: 'PATCH',
      path: '/apis/apps/v1/namespaces/default/deployments/nginx-deployment',
      query: { fieldManager: 'kubectl-edit' },
      contentType: 'application/strategic-merge-patch+json',
      body: { spec: { template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.15.0' }] } } } },
    });
    const asked = await t.call('lessons.run', { action: 'update.apply', params: {} });
    expect(asked.ok).toBe(false);
    expect(asked.code).toBe('drift');
    expect(asked.drift?.[0]?.drift).toContainEqual(expect.objectContaining({ path: expect.stringContaining('.image'), live: 'nginx:1.15.0', owners: [expect.objectContaining({ manager: 'kubectl-edit' })] }));
    // Nothing was applied while the app asked.
    expect((await cluster.history('default', 'nginx-deployment')).revisions.at(-1)?.images).toEqual(['nginx:1.15.0']);
    const forced = await t.call('lessons.run', { action: 'update.apply', params: {}, force: true });
    expect(forced).toMatchObject({ ok: true, code: 'update-started' });
    await rolledOutTo(t.call, 'nginx:1.16.1');
  }, 300_000);
});
