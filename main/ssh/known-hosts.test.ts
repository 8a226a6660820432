import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateEd25519 } from './keygen';
import { fingerprintOf, keyTypeOf, KnownHostsStore, publicKeyBlob } from './known-hosts';

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

describe('node pins (host keys written to prepared cards)', () => {
  it('keys a prepared node by its hostname and planned address, in a line OpenSSH itself reads', async () => {
    const path = join(dir, 'known_hosts');
    const store = new KnownHostsStore(path);
    const pi01 = publicBlob();
    await store.pinNode('pi-01', pi01.blob, ['192.168.1.11']);
    expect(await readFile(path, 'utf8')).toBe(`pi-01,192.168.1.11 ssh-ed25519 ${pi01.blob.toString('base64')} pcw-prepared-node\n`);
    expect(await store.nodes()).toEqual([{ node: 'pi-01', keyType: 'ssh-ed25519', fingerprint: fingerprintOf(pi01.blob), addresses: ['192.168.1.11'] }]);
    expect(await store.list()).toEqual([]); // no address pin yet
    // `ssh-keygen -F` (OpenSSH's known_hosts lookup) finds the node by name and by address.
    for (const name of ['pi-01', '192.168.1.11']) expect(execFileSync('ssh-keygen', ['-F', name, '-f', path], { encoding: 'utf8' })).toContain(pi01.blob.toString('base64'));
  });

  it('recognises the node by its key wherever it answers, and pins that address', async () => {
    const store = new KnownHostsStore(join(dir, 'known_hosts'));
    const pi01 = publicBlob().blob;
    await store.pinNode('pi-01', pi01);
    expect(await store.check('10.0.0.7', 22, pi01)).toEqual({ status: 'prepared', node: 'pi-01' });
    await store.pin('10.0.0.7', 22, pi01);
    expect(await store.check('10.0.0.7', 22, pi01)).toEqual({ status: 'trusted', node: 'pi-01' });
    expect(await store.check('127.0.0.2', 2222, pi01)).toEqual({ status: 'prepared', node: 'pi-01' });
  });

  it('refuses another key at the planned static address as not that node', async () => {
    const store = new KnownHostsStore(join(dir, 'known_hosts'));
    const pi01 = publicBlob().blob;
    const impostor = publicBlob().blob;
    await store.pinNode('pi-01', pi01, ['192.168.1.11']);
    expect(await store.check('192.168.1.11', 22, pi01)).toEqual({ status: 'trusted', node: 'pi-01' });
    expect(await store.check('192.168.1.11', 22, impostor)).toEqual({ status: 'changed', pinnedFingerprint: fingerprintOf(pi01), node: 'pi-01' });
    // forget() concerns address pins only: the node's pin stays.
    await store.forget('192.168.1.11', 22);
    expect(await store.check('192.168.1.11', 22, impostor)).toMatchObject({ status: 'changed', node: 'pi-01' });
  });

  it('an address where a prepared node answered before is no claim: another key there is a new host', async () => {
    const store = new KnownHostsStore(join(dir, 'known_hosts'));
    const pi01 = publicBlob().blob;
    const other = publicBlob().blob;
    await store.pinNode('pi-01', pi01);
    await store.pin('10.0.0.7', 22, pi01);
    expect(await store.check('10.0.0.7', 22, other)).toEqual({ status: 'unknown' });
    // A key confirmed at an address (not a node's) that changes is a change.
    await store.pin('10.0.0.8', 22, other);
    expect(await store.check('10.0.0.8', 22, publicBlob().blob)).toEqual({ status: 'changed', pinnedFingerprint: fingerprintOf(other) });
  });

  it('a re-prepared card replaces the node pin, and the addresses where it was found follow', async () => {
    const path = join(dir, 'known_hosts');
    const store = new KnownHostsStore(path);
    const first = publicBlob().blob;
    const second = publicBlob().blob;
    const pi02 = publicBlob().blob;
    await store.pinNode('pi-01', first);
    await store.pinNode('pi-02', pi02);
    await store.pin('10.0.0.7', 22, first);
    await store.pin('10.0.0.9', 22, pi02);
    await store.pinNode('pi-01', second);
    const reloaded = new KnownHostsStore(path);
    expect(await reloaded.check('10.0.0.7', 22, second)).toEqual({ status: 'trusted', node: 'pi-01' });
    expect(await reloaded.check('10.0.0.7', 22, first)).toEqual({ status: 'unknown' }); // the old key is nobody's now
    expect(await reloaded.check('10.0.0.9', 22, pi02)).toEqual({ status: 'trusted', node: 'pi-02' });
    expect((await reloaded.nodes()).map((n) => [n.node, n.fingerprint])).toEqual([
      ['pi-02', fingerprintOf(pi02)],
      ['pi-01', fingerprintOf(second)],
    ]);
    expect((await readFile(path, 'utf8')).match(/pcw-prepared-node/g)).toHaveLength(2);
  });

  it('reads the public key blob of an OpenSSH public key line, and refuses anything else', () => {
    const { blob, line } = publicBlob();
    expect(publicKeyBlob(line).equals(blob)).toBe(true);
    expect(() => publicKeyBlob('ssh-rsa ' + blob.toString('base64'))).toThrow(/public key/);
    expect(() => publicKeyBlob('-----BEGIN OPENSSH PRIVATE KEY-----')).toThrow(/public key/);
  });
});
