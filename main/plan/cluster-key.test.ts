import { mkdtempSync, mkdirSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isUsableKey } from '../ssh/keygen';
import { ClusterKey } from './cluster-key';

// A pair as ssh2 1.17 produces about once in 256: the public key lost its leading zero byte.
const UNUSABLE_PRIVATE =
  '-----BEGIN OPENSSH PRIVATE KEY-----\n' +
  'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMgAAAAtz\n' +
  'c2gtZWQyNTUxOQAAAB8CvtlyNklLuoJxjyPxOQB/zaoskvbNuZFdkkncTk8KAAAA\n' +
  'iG9kZr1vZGa9AAAAC3NzaC1lZDI1NTE5AAAAHwK+2XI2SUu6gnGPI/E5AH/NqiyS\n' +
  '9s25kV2SSdxOTwoAAAA/kBFqZ08QQwA5BrQw1hr7DKcSMcnFAJ02grgwp6L090EC\n' +
  'vtlyNklLuoJxjyPxOQB/zaoskvbNuZFdkkncTk8KAAAAAAECAwQFBgc=\n' +
  '-----END OPENSSH PRIVATE KEY-----\n';
const UNUSABLE_PUBLIC = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAHwK+2XI2SUu6gnGPI/E5AH/NqiyS9s25kV2SSdxOTwo pcw';

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
