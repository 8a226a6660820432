import { execFileSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { StateStore } from './state-store';
import type { SliceDef } from './state-store';

async function tempDir(): Promise<string> {
  return mkdtemp(path.join(tmpdir(), 'pcw-state-'));
}

const counter: SliceDef<{ count: number }> = { id: 'counter', version: 1, schema: z.object({ count: z.number().int() }), initial: () => ({ count: 0 }) };

describe('StateStore', () => {
  it('persists changes atomically with mode 0600 and reloads them', async () => {
    const dir = await tempDir();
    const store = new StateStore(dir);
    await store.load();
    await store.setPreferences({ language: 'zh-CN', currentStep: 'cards' });
    expect((await stat(store.file)).mode & 0o777).toBe(0o600);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    const again = new StateStore(dir);
    await again.load();
    expect(again.state.preferences).toEqual({ language: 'zh-CN', theme: 'system', currentStep: 'cards' });
    expect(again.recovery).toBeUndefined();
  });

  it('keeps each world apart: a slice in the practice world is not the real one', async () => {
    const store = new StateStore(await tempDir());
    await store.load();
    await store.slice(counter, 'practice').update(() => ({ count: 3 }));
    expect(store.slice(counter, 'real').get()).toEqual({ count: 0 });
    expect(store.slice(counter, 'practice').get()).toEqual({ count: 3 });
    expect(store.worldDir('practice')).toBe(path.join(store.dataDir, 'practice'));
  });

  it('migrates a slice written by an older version of its feature', async () => {
    const dir = await tempDir();
    const store = new StateStore(dir);
    await store.load();
    await store.slice({ ...counter, schema: z.object({ n: z.number() }) as never, initial: () => ({ n: 0 }) as never }, 'real').update(() => ({ n: 7 }) as never);
    const v2: SliceDef<{ count: number }> = { ...counter, version: 2, migrate: (from, data) => (from === 1 ? { count: (data as { n: number }).n } : data) };
    const again = new StateStore(dir);
    await again.load();
    expect(again.slice(v2, 'real').get()).toEqual({ count: 7 });
  });

  it('keeps a corrupt file aside, reports it, and starts fresh', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'state.json'), '{"version":2, "plan": {truncated');
    const store = new StateStore(dir);
    await store.load();
    expect(store.state.mode).toBe('real');
    expect(store.recovery?.code).toBe('NOT_JSON');
    const kept = store.recovery?.keptAs ?? '';
    expect(await readFile(kept, 'utf8')).toContain('truncated');
  });

  it('keeps aside a file written by an incompatible version', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'state.json'), JSON.stringify({ version: 99 }));
    const store = new StateStore(dir);
    await store.load();
    expect(store.recovery?.code).toBe('UNKNOWN_FORMAT');
  });

  it('starts when state.json is a directory, keeps it aside and says so', async () => {
    const dir = await tempDir();
    await mkdir(path.join(dir, 'state.json'));
    await writeFile(path.join(dir, 'state.json', 'inside'), 'x');
    const store = new StateStore(dir);
    await store.load();
    expect(store.recovery).toMatchObject({ code: 'UNREADABLE', detail: 'EISDIR' });
    expect((await stat(store.recovery!.keptAs)).isDirectory()).toBe(true);
    await store.setPreferences({ theme: 'dark' });
    expect(JSON.parse(await readFile(store.file, 'utf8')).preferences.theme).toBe('dark');
  });

  it('resets only a slice its owner cannot read, keeping a copy of the file', async () => {
    const dir = await tempDir();
    const store = new StateStore(dir);
    await store.load();
    await store.slice(counter, 'real').update(() => ({ count: 2 }));
    const raw = JSON.parse(await readFile(store.file, 'utf8'));
    raw.worlds.real.counter.data = { count: 'many' };
    await writeFile(store.file, JSON.stringify(raw));
    const again = new StateStore(dir);
    await again.load();
    expect(again.slice(counter, 'real').get()).toEqual({ count: 0 });
    await expect.poll(() => again.recovery?.code).toBe('SLICE_RESET');
    expect(again.recovery?.detail).toMatch(/real\/counter/);
  });

  it('refuses to persist a state that breaks its schema, leaving the file intact', async () => {
    const dir = await tempDir();
    const store = new StateStore(dir);
    await store.load();
    await store.update((s) => s);
    const before = await readFile(store.file, 'utf8');
    await expect(store.setPreferences({ language: 'fr' as never })).rejects.toThrow();
    expect(await readFile(store.file, 'utf8')).toBe(before);
  });

  it.runIf(process.getuid?.() === 0 && existsSync('/bin/mount'))('on a full disk: the change is refused with DISK_FULL and memory keeps what was saved', async () => {
    const dir = await tempDir();
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir]);
    try {
      const store = new StateStore(dir);
      await store.load();
      await store.slice(counter, 'real').update(() => ({ count: 1 }));
      // Fill the disk.
      await writeFile(path.join(dir, 'filler'), Buffer.alloc(60 * 1024)).catch(() => undefined);
      const big: SliceDef<{ text: string }> = { id: 'big', version: 1, schema: z.object({ text: z.string() }), initial: () => ({ text: '' }) };
      await expect(store.slice(big, 'real').update(() => ({ text: 'x'.repeat(32 * 1024) }))).rejects.toMatchObject({ code: 'DISK_FULL' });
      expect(store.slice(big, 'real').get()).toEqual({ text: '' });
      expect(store.slice(counter, 'real').get()).toEqual({ count: 1 });
      expect(JSON.parse(await readFile(store.file, 'utf8')).worlds.real.counter.data).toEqual({ count: 1 });
      expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    } finally {
      execFileSync('umount', [dir]);
    }
  });
});

describe('state written by version 1 (before typed slices)', () => {
  it('keeps a practice user\'s plan, card reports, pinned keys and formed cluster, in the practice world', async () => {
    const dir = await tempDir();
    await cp(path.join(import.meta.dirname, 'fixtures', 'v1-practice'), dir, { recursive: true });
    await mkdir(path.join(dir, 'keys'));
    await writeFile(path.join(dir, 'keys', 'cluster_ed25519'), 'private', { mode: 0o600 });
    await mkdir(path.join(dir, 'clusters', 'home-lab'), { recursive: true });
    await writeFile(path.join(dir, 'clusters', 'home-lab', 'kubeconfig'), 'apiVersion: v1\n', { mode: 0o600 });

    const store = new StateStore(dir);
    await store.load();
    expect(store.recovery).toBeUndefined();
    expect(store.state).toMatchObject({ version: 2, mode: 'practice', preferences: { language: 'zh-CN', theme: 'dark' } });
    const world = store.state.worlds.practice;
    expect((world['plan']?.data as { plan: { clusterName: string } }).plan.clusterName).toBe('home-lab');
    expect(Object.keys((world['cards']?.data as { reports: object }).reports)).toEqual(['pi-01', 'pi-02']);
    expect(Object.keys((world['findNodes']?.data as { found: object }).found)).toEqual(['pi-01', 'pi-02']);
    expect((world['cluster']?.data as { built: { clusterName: string; nodes: unknown[] } }).built).toMatchObject({ clusterName: 'home-lab', nodes: [{ name: 'pi-01' }, { name: 'pi-02' }] });
    expect(store.state.worlds.real).toEqual({});
    expect((store.state.app['practice']?.data as { cards: unknown[] }).cards).toHaveLength(2);
    // The practice world's files moved with it; the pinned host keys are intact.
    expect(await readFile(path.join(dir, 'practice', 'known_hosts'), 'utf8')).toContain('127.77.96.11 ssh-ed25519');
    expect(existsSync(path.join(dir, 'practice', 'keys', 'cluster_ed25519'))).toBe(true);
    expect(existsSync(path.join(dir, 'practice', 'clusters', 'home-lab', 'kubeconfig'))).toBe(true);
    expect(existsSync(path.join(dir, 'known_hosts'))).toBe(false);
    // Saved as version 2, with the old file kept.
    expect(JSON.parse(await readFile(store.file, 'utf8')).version).toBe(2);
    expect(JSON.parse(await readFile(`${store.file}.v1-backup`, 'utf8')).version).toBe(1);
  });

  it('keeps a real user\'s journey in the real world, files where they were', async () => {
    const dir = await tempDir();
    await cp(path.join(import.meta.dirname, 'fixtures', 'v1-practice'), dir, { recursive: true });
    const raw = JSON.parse(await readFile(path.join(dir, 'state.json'), 'utf8'));
    raw.records.practice = false;
    await writeFile(path.join(dir, 'state.json'), JSON.stringify(raw));
    const store = new StateStore(dir);
    await store.load();
    expect(store.state.mode).toBe('real');
    expect(Object.keys(store.state.worlds.real)).toEqual(expect.arrayContaining(['plan', 'cards', 'findNodes', 'cluster']));
    expect(existsSync(path.join(dir, 'known_hosts'))).toBe(true);
  });
});
