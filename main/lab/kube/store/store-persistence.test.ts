/**
 * The saved store: the file is exactly the store's JSON, written in slices without holding the
 * API's thread, and always a whole snapshot (what a restarted lab reads back).
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../api/types';
import { ObjectStore } from './object-store';
import { StorePersistence, readStoreSnapshot, snapshotChunks } from './store-persistence';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function pod(name: string, i: number): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels: { app: 'nginx', n: String(i) } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.14.2' }] } } as KubeObject;
}

function filled(pods: number): ObjectStore {
  const store = new ObjectStore();
  for (let i = 0; i < pods; i++) store.create('pods', pod(`nginx-${i}`, i));
  store.create('nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'pi-01' } } as KubeObject);
  return store;
}

describe('store persistence', () => {
  it('writes the store as one JSON document, identical to the objects, in slices that leave the event loop free', async () => {
    const store = filled(450);
    const snapshot = store.snapshot();
    // Other work queued before the save runs before the save is done (the slices yield to it).
    let otherWorkRan = false;
    setImmediate(() => (otherWorkRan = true));
    let otherWorkBeforeDone = false;
    const chunks = await snapshotChunks(snapshot).then((c) => ((otherWorkBeforeDone = otherWorkRan), c));
    expect(otherWorkBeforeDone).toBe(true);
    expect(chunks.length).toBeGreaterThan(4);
    expect(JSON.parse(Buffer.concat(chunks).toString('utf8'))).toEqual(JSON.parse(JSON.stringify(snapshot)));
  });

  it('keeps a snapshot as it was when taken while the store changes during the slices', async () => {
    const store = filled(450);
    const snapshot = store.snapshot();
    const building = snapshotChunks(snapshot);
    store.create('pods', pod('late', 999));
    const first = store.get('pods', 'default', 'nginx-0')!;
    store.update('pods', { ...first, metadata: { ...first.metadata, labels: { app: 'changed' } } });
    store.remove('pods', 'default', 'nginx-449');
    const saved = JSON.parse(Buffer.concat(await building).toString('utf8')) as { resourceVersion: number; buckets: Record<string, KubeObject[]> };
    expect(saved.resourceVersion).toBe(snapshot.resourceVersion);
    const names = saved.buckets['pods']!.map((p) => p.metadata.name);
    expect(names).toHaveLength(450);
    expect(names).not.toContain('late');
    expect(names).toContain('nginx-449');
    expect(saved.buckets['pods']!.find((p) => p.metadata.name === 'nginx-0')!.metadata.labels).toEqual({ app: 'nginx', n: '0' });
  });

  it('saves after changes and on stop, atomically: the file reads back as the store, no temporary files left', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pcw-store-'));
    dirs.push(dir);
    const store = filled(300);
    const saver = new StorePersistence(store, dir, 50);
    saver.start();
    await saver.flush();
    expect(readStoreSnapshot(dir)!.buckets['pods']).toHaveLength(300);
    store.create('pods', pod('late', 999));
    await saver.stop();
    const last = readStoreSnapshot(dir)!;
    expect(last.buckets['pods']!.map((p) => p.metadata.name)).toContain('late');
    expect(last.resourceVersion).toBe(store.resourceVersion);
    expect(readdirSync(dir)).toEqual(['store.json']);
  });
});
