import { mkdtempSync, mkdirSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isUsableKey } from '../ssh/keygen';
import { UNUSABLE_PRIVATE, UNUSABLE_PUBLIC } from '../ssh/testing/unusable-key';
import { ClusterKey } from './cluster-key';

describe('ClusterKey', () => {
  it('generates a 0600 key once and returns the same one afterwards', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pcw-key-'));
    const key = new ClusterKey(dir);
    const first = await key.ensure('pi-cluster-wizard');
    expect(statSync(key.privateKeyPath).mode & 0o777).toBe(0o600);
    expect(first.publicKey).toMatch(/^ssh-ed25519 \S+ pi-cluster-wizard$/);
    expect(first.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(await key.ensure('other')).toEqual(first);
  });

  it('replaces a pair that no SSH implementation can read, keeping it aside', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pcw-key-'));
    const key = new ClusterKey(dir);
    mkdirSync(path.dirname(key.privateKeyPath), { recursive: true });
    writeFileSync(key.privateKeyPath, UNUSABLE_PRIVATE, { mode: 0o600 });
    writeFileSync(key.publicKeyPath, UNUSABLE_PUBLIC + '\n');
    const fresh = await key.ensure('pi-cluster-wizard');
    expect(fresh.publicKey).not.toBe(UNUSABLE_PUBLIC);
    expect(isUsableKey(readFileSync(key.privateKeyPath, 'utf8'))).toBe(true);
    expect(isUsableKey(fresh.publicKey)).toBe(true);
    expect(existsSync(`${key.privateKeyPath}.unusable`)).toBe(true);
  });
});
