/**
 * The formed practice cluster, live through its API: nodes Ready after forming; a Pi whose power
 * is pulled turns NotReady (the node controller's grace period, at lab speed) and step 5 says so.
 */
import { describe, expect, it } from 'vitest';
import { appPerTest } from '../app/testing/test-app';
import { practiceNodesFound } from '../app/testing/practice-journey';

const t = appPerTest('pcw-live-');

describe('the live cluster', () => {
  it('shows every node Ready after forming, and a powered-off Pi NotReady with the kubelet’s reason', async () => {
    await t.start();
    expect((await t.call('liveCluster.state', {})).status).toBe('none');
    await practiceNodesFound(t, 2);
    const build = await t.app.jobs.settled((await t.call('cluster.build', {})).jobId);
    expect(build.error).toBeUndefined();

    await expect
      .poll(async () => (await t.call('liveCluster.state', {})).snapshot?.nodes?.map((n) => `${n.name}:${n.ready.status}`).sort(), { timeout: 30_000 })
      .toEqual(['pi-01:True', 'pi-02:True']);
    await expect.poll(async () => (await t.call('liveCluster.state', {})).status, { timeout: 30_000 }).toBe('connected');
    expect((await t.call('liveCluster.state', {})).snapshot?.pods).toEqual([]); // the default namespace is empty
    expect((await t.call('app.getState', {})).steps.cluster).toBe('done');

    await t.call('practice.power', { pi: 'pi-2', on: false });
    await expect
      .poll(async () => (await t.call('liveCluster.state', {})).snapshot?.nodes?.find((n) => n.name === 'pi-02')?.ready.status, { timeout: 60_000 })
      .not.toBe('True');
    expect((await t.call('liveCluster.state', {})).snapshot?.nodes?.find((n) => n.name === 'pi-02')?.ready.message).toBeTruthy();
    await expect.poll(async () => (await t.call('app.getState', {})).steps.cluster).toBe('needs-attention');
  }, 240_000);

  it('refuses to watch a namespace before a cluster exists, and refuses bad names', async () => {
    await t.start();
    expect(await t.app.router.dispatch('liveCluster.watch', { namespace: 'limits-lesson' })).toMatchObject({ ok: false });
    expect(await t.app.router.dispatch('liveCluster.watch', { namespace: 'Bad Name' })).toMatchObject({ ok: false, error: { code: 'INVALID_PARAMS' } });
  });
});
