/** Test helper: an app with a formed practice cluster of `count` nodes (the first `controlPlanes` of them control planes), ready for the lessons. */
import { expect } from 'vitest';
import type { TestApp } from '../../app/testing/test-app';
import { practiceNodesFound } from '../../app/testing/practice-journey';

export async function formedPracticeCluster(t: Pick<TestApp, 'app' | 'call' | 'dataDir'>, count = 2, controlPlanes = 1): Promise<void> {
  await practiceNodesFound(t, count, controlPlanes);
  const build = await t.app.jobs.settled((await t.call('cluster.build', {})).jobId);
  expect(build.error).toBeUndefined();
  await expect
    .poll(async () => {
      const s = await t.call('liveCluster.state', {});
      return s.status === 'connected' && (s.snapshot?.nodes ?? []).filter((n) => n.ready.status === 'True').length;
    }, { timeout: 60_000 })
    .toBe(count);
}
