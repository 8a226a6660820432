import { mkdtemp, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { StateStore } from './state-store';

async function tempDir(): Promise<string> {
  return mkdtemp(path.join(tmpdir(), 'pcw-state-'));
}

describe('StateStore', () => {
  it('persists changes atomically with mode 0600 and reloads them', async () => {
    const dir = await tempDir();
    const store = new StateStore(dir);
    await store.load();
    await store.update((s) => ({ ...s, preferences: { ...s.preferences, language: 'zh-CN', currentStep: 'cards' } }));
    expect((await stat(store.file)).mode & 0o777).toBe(0o600);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    const again = new StateStore(dir);
    await again.load();
    expect(again.state.preferences).toEqual({ language: 'zh-CN', theme: 'system', currentStep: 'cards' });
    expect(again.recovery).toBeUndefined();
  });

  it('keeps a corrupt file aside, reports it, and starts fresh', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'state.json'), '{"version":1, "plan": {truncated');
    const store = new StateStore(dir);
    await store.load();
    expect(store.state.plan).toBeNull();
    expect(store.recovery?.reason).toMatch(/not valid JSON/);
    const kept = store.recovery?.keptAs ?? '';
    expect(await readFile(kept, 'utf8')).toContain('truncated');
  });

  it('keeps aside a file written by an incompatible version', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'state.json'), JSON.stringify({ version: 99 }));
    const store = new StateStore(dir);
    await store.load();
    expect(store.recovery?.reason).toMatch(/does not match/);
  });

  it('refuses to persist a state that breaks its schema, leaving the file intact', async () => {
    const dir = await tempDir();
    const store = new StateStore(dir);
    await store.load();
    await store.update((s) => s);
    const before = await readFile(store.file, 'utf8');
    await expect(store.update((s) => ({ ...s, preferences: { ...s.preferences, language: 'fr' as never } }))).rejects.toThrow();
    expect(await readFile(store.file, 'utf8')).toBe(before);
  });
});
