/**
 * Closing the app in the middle of installing MicroK8s: the next start picks the job up from the
 * nodes' real state (the practice Pis that were on come back after the "power cut").
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../app/create-app';
import { clusterSlice } from './cluster-service';
import { practiceNodesFound } from '../app/testing/practice-journey';
import { openTestApp, type TestApp } from '../app/testing/test-app';

let apps: App[] = [];
afterEach(async () => {
  for (const app of apps) await app.close();
  apps = [];
});

async function open(dataDir: string): Promise<TestApp> {
  const t = await openTestApp(dataDir);
  apps.push(t.app);
  return t;
}

describe('an install interrupted by closing the app', () => {
  it("is picked up on the next start and finishes from the nodes' real state", async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'pcw-resume-'));
    const first = await open(dataDir);
    await practiceNodesFound(first, 2);
    // Slow enough that closing lands in the middle of the snap install.
    await first.app.feature('practice').setSpeed(40);
    const { jobId } = await first.call('cluster.build', {});
    await expect.poll(async () => (await first.call('jobs.log', { id: jobId, from: 0 })).lines.some((l) => /installing|snap install/.test(l)), { timeout: 60_000 }).toBe(true);
    await first.app.close();
    apps = apps.filter((a) => a !== first.app);
    expect(first.app.store.slice(clusterSlice, 'practice').get().built).toBeUndefined();

    const second = await open(dataDir);
    await second.app.feature('practice').setSpeed(2000);
    const resumed = second.app.jobs.list().find((j) => j.kind === 'cluster.build');
    expect(resumed?.state).toBe('running');
    const done = await second.app.jobs.settled(resumed!.id);
    expect(done.error).toBeUndefined();
    expect(done.state).toBe('succeeded');
    const log = (await second.call('jobs.log', { id: resumed!.id, from: 0 })).lines.join('\n');
    expect(log).toMatch(/The app was closed while this job ran .* Picking up from each node's real state/);
    expect(second.app.feature('cluster').state().built?.nodes.map((n) => `${n.name}:${n.ready}`).sort()).toEqual(['pi-01:true', 'pi-02:true']);
    // Once finished, nothing is picked up again.
    await second.app.close();
    apps = apps.filter((a) => a !== second.app);
    const third = await open(dataDir);
    expect(third.app.jobs.list()).toEqual([]);
  }, 240_000);
});
