/**
 * Fast unit tests of the SSH client against an in-process ssh2 server on loopback addresses.
 * (Behaviour against real OpenSSH is covered by ssh-client.openssh.test.ts.)
 */
import { randomInt } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server as NetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateEd25519 } from './keygen';
import { fingerprintOf, KnownHostsStore, publicKeyBlob } from './known-hosts';
import { rebootAndReconnect, readBootId } from './reboot';
import { connectSsh, type SshConnectOptions } from './ssh-client';
import type { SshError } from './ssh-errors';
import { SshPool } from './ssh-pool';
import { Ssh2TestServer, type TestServerOptions } from './ssh2-test-server';

const subnet = `127.${randomInt(1, 255)}.${randomInt(0, 256)}`;
let dir: string;
let knownHosts: KnownHostsStore;
const servers: Ssh2TestServer[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pcw-ssh-unit-'));
  knownHosts = new KnownHostsStore(join(dir, 'known_hosts'));
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
  await rm(dir, { recursive: true, force: true });
});

async function server(host: number, options: Omit<TestServerOptions, 'address'> = {}) {
  const s = await Ssh2TestServer.start({ address: `${subnet}.${host}`, ...options });
  servers.push(s);
  return s;
}
const target = (s: Ssh2TestServer, extra: Partial<SshConnectOptions> = {}): SshConnectOptions => ({
  host: s.address,
  port: s.port,
  username: 'ubuntu',
  knownHosts,
  connectTimeoutMs: 5_000,
  ...extra,
});
async function rejection(p: Promise<unknown>): Promise<SshError> {
  try {
    await p;
  } catch (err) {
    return err as SshError;
  }
  throw new Error('expected a rejection');
}

describe('SSH client (in-process server)', () => {
  it('logs in with keyboard-interactive when password auth is not offered', async () => {
    const s = await server(1, { kbdPrompts: ['Password: '], kbdAccept: (a) => a[0] === 'ubuntu' });
    const conn = await connectSsh(target(s, { password: 'ubuntu' }));
    expect(conn.authMethod).toBe('keyboard-interactive');
    conn.close();
    expect((await rejection(connectSsh(target(s, { password: 'nope' })))).code).toBe('AUTH_FAILED');
  });

  it('returns output verbatim even when it contains the login password (default hostname ubuntu)', async () => {
    const s = await server(10, { password: 'ubuntu', onExec: (cmd) => (cmd === 'hostname' ? { stdout: 'ubuntu\n' } : undefined) });
    const conn = await connectSsh(target(s, { password: 'ubuntu' }));
    expect((await conn.exec('hostname')).stdout).toBe('ubuntu\n');
    conn.close();
  });

  it('answers a PAM-style password change during keyboard-interactive login', async () => {
    const s = await server(2, { kbdPrompts: ['Current password: ', 'New password: ', 'Retype new password: '] });
    const conn = await connectSsh(target(s, { password: 'ubuntu', newPassword: 'Better-Pass-42' }));
    conn.close();
    expect(s.kbdAnswers).toEqual([['ubuntu', 'Better-Pass-42', 'Better-Pass-42']]);
  });

  it('refuses a host key the user does not trust and pins nothing', async () => {
    const s = await server(3, { password: 'ubuntu' });
    const err = await rejection(connectSsh(target(s, { password: 'ubuntu', onNewHostKey: () => false })));
    expect(err.code).toBe('HOST_KEY_REJECTED');
    expect(await knownHosts.list()).toEqual([]);
  });

  it("trusts the key the app wrote to a prepared node's card without asking, and pins it where the node answers", async () => {
    const s = await server(11, { password: 'ubuntu' });
    await knownHosts.pinNode('pi-01', s.hostKeyBlob);
    const asked: string[] = [];
    const conn = await connectSsh(target(s, { password: 'ubuntu', onNewHostKey: (key) => (asked.push(key.fingerprint), false) }));
    expect(conn.hostKey.preparedFor).toBe('pi-01');
    expect(conn.hostKeyTrust).toBe('prepared');
    conn.close();
    expect(asked).toEqual([]);
    expect(await knownHosts.list()).toEqual([expect.objectContaining({ host: s.address, port: s.port, fingerprint: fingerprintOf(s.hostKeyBlob) })]);
  });

  it("refuses another key at a prepared node's planned address as not that node, before logging in", async () => {
    const s = await server(12, { password: 'ubuntu' });
    const pi01 = generateEd25519().public;
    // The planned static address as OpenSSH labels a non-default port.
    await knownHosts.pinNode('pi-01', publicKeyBlob(pi01), [`[${s.address}]:${s.port}`]);
    const err = await rejection(connectSsh(target(s, { password: 'ubuntu' })));
    expect(err.code).toBe('HOST_KEY_NOT_PREPARED');
    expect(err.message).toContain(`not the key ${fingerprintOf(publicKeyBlob(pi01))} the app wrote to pi-01's card`);
    expect(err.hostKeyChange).toMatchObject({ preparedNode: 'pi-01', presentedFingerprint: fingerprintOf(s.hostKeyBlob) });
    expect(s.connections).toBe(1);
    expect(await knownHosts.list()).toEqual([]);
  });

  it("logs in without pinning when the caller only wants to ask an unconfirmed host its name", async () => {
    const s = await server(13, { password: 'ubuntu', onExec: (cmd) => (cmd === 'hostname' ? { stdout: 'vm-1\n' } : undefined) });
    let blob: Buffer | undefined;
    const conn = await connectSsh(target(s, { password: 'ubuntu', onNewHostKey: (_key, keyBlob) => ((blob = keyBlob), 'unconfirmed') }));
    expect(conn.hostKeyTrust).toBe('unconfirmed');
    expect((await conn.exec('hostname')).stdout).toBe('vm-1\n');
    conn.close();
    expect(blob?.equals(s.hostKeyBlob)).toBe(true);
    expect(await knownHosts.list()).toEqual([]);
  });

  it('reconnects after a reboot, recognised by a new boot id', async () => {
    const s = await server(4, { password: 'ubuntu' });
    const options = target(s, { password: 'ubuntu' });
    const conn = await connectSsh(options);
    const before = await readBootId(conn);
    const after = await rebootAndReconnect(conn, options, undefined, { pollIntervalMs: 100, timeoutMs: 20_000 });
    expect(conn.isOpen).toBe(false);
    expect(await readBootId(after)).not.toBe(before);
    expect(await readBootId(after)).toBe(s.bootId);
    after.close();
  });

  it('reports a dropped connection during a command as CONNECTION_LOST', async () => {
    const s = await server(5, { password: 'ubuntu', onExec: () => undefined });
    const conn = await connectSsh(target(s, { password: 'ubuntu' }));
    const pending = conn.exec('sleep 100');
    setTimeout(() => s.dropClients(), 100);
    expect((await rejection(pending)).code).toBe('CONNECTION_LOST');
  });

  it('times out a host that accepts TCP but never speaks SSH', async () => {
    const silent: NetServer = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, `${subnet}.6`, r));
    try {
      const port = (silent.address() as { port: number }).port;
      const err = await rejection(connectSsh({ host: `${subnet}.6`, port, username: 'ubuntu', password: 'x', knownHosts, connectTimeoutMs: 300 }));
      expect(err.code).toBe('TIMEOUT');
    } finally {
      silent.close();
    }
  });

  it('pools one connection per node and runs on several nodes in parallel', async () => {
    const nodes = await Promise.all([7, 8, 9].map((n) => server(n, { password: 'ubuntu', onExec: (cmd) => (cmd === 'hostname' ? { stdout: `pi-${n}\n` } : undefined) })));
    const pool = new SshPool();
    const targets = nodes.map((s) => target(s, { password: 'ubuntu' }));
    const first = await pool.runOnNodes(targets, async (conn) => (await conn.exec('hostname')).stdout.trim());
    const second = await pool.runOnNodes([...targets, { ...targets[0]!, port: 1 }], async (conn) => (await conn.exec('hostname')).stdout.trim());
    expect(first).toEqual(['pi-7', 'pi-8', 'pi-9'].map((value) => ({ status: 'fulfilled', value })));
    expect(second.slice(0, 3)).toEqual(first);
    expect(second[3]).toMatchObject({ status: 'rejected', reason: { code: 'HOST_UNREACHABLE' } });
    expect(nodes.map((s) => s.connections)).toEqual([1, 1, 1]);
    await pool.closeAll();
  });
});
