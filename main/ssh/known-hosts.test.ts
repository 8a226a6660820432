import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateEd25519 } from './keygen';
import { fingerprintOf, keyTypeOf, KnownHostsStore } from './known-hosts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pcw-known-hosts-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function publicBlob(): { blob: Buffer; line: string } {
  const { public: line } = generateEd25519();
  return { blob: Buffer.from(line.split(' ')[1]!, 'base64'), line };
}

describe('known hosts store', () => {
  it('computes fingerprints exactly like ssh-keygen -l', async () => {
    const { blob, line } = publicBlob();
    const file = join(dir, 'key.pub');
    await writeFile(file, `${line}\n`);
    const keygen = execFileSync('ssh-keygen', ['-l', '-f', file], { encoding: 'utf8' }).split(' ')[1];
    expect(fingerprintOf(blob)).toBe(keygen);
    expect(keyTypeOf(blob)).toBe('ssh-ed25519');
  });

  it('pins keys per host and port in OpenSSH format, 0600, survives reloads, forgets on request', async () => {
    const path = join(dir, 'data', 'known_hosts');
    const store = new KnownHostsStore(path);
    const a = publicBlob().blob;
    const b = publicBlob().blob;
    expect(await store.check('10.0.0.5', 22, a)).toEqual({ status: 'unknown' });
    await Promise.all([store.pin('10.0.0.5', 22, a), store.pin('127.0.0.2', 2222, b)]);
    const text = await readFile(path, 'utf8');
    expect(text).toBe(`10.0.0.5 ssh-ed25519 ${a.toString('base64')}\n[127.0.0.2]:2222 ssh-ed25519 ${b.toString('base64')}\n`);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readdir(join(dir, 'data'))).toEqual(['known_hosts']); // no temp files left

    const reloaded = new KnownHostsStore(path);
    expect(await reloaded.check('10.0.0.5', 22, a)).toEqual({ status: 'trusted' });
    expect(await reloaded.check('10.0.0.5', 2222, a)).toEqual({ status: 'unknown' });
    expect(await reloaded.check('10.0.0.5', 22, b)).toEqual({ status: 'changed', pinnedFingerprint: fingerprintOf(a) });
    expect((await reloaded.list()).map((k) => [k.host, k.port])).toEqual([['10.0.0.5', 22], ['127.0.0.2', 2222]]);
    await reloaded.forget('10.0.0.5', 22);
    expect(await new KnownHostsStore(path).check('10.0.0.5', 22, b)).toEqual({ status: 'unknown' });
  });
});
