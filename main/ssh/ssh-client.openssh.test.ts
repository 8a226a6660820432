/**
 * The SSH client against Debian's real OpenSSH server on a loopback address (root only).
 */
import { randomInt } from 'node:crypto';
import { chmod, copyFile, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestUser,
  freeLoopbackPort,
  generateKeyPair,
  makeTempDir,
  realSshdUnavailable,
  startSshd,
  sudoUnavailable,
  type RunningSshd,
  type TestUser,
} from '../../tests/netns/sshd';
import { KnownHostsStore } from './known-hosts';
import { connectSsh, type SshConnectOptions } from './ssh-client';
import type { SshError } from './ssh-errors';

const skipReason = realSshdUnavailable();
if (skipReason) console.warn(`Skipping real OpenSSH client tests: ${skipReason}`);

async function rejection(p: Promise<unknown>): Promise<SshError> {
  try {
    await p;
  } catch (err) {
    return err as SshError;
  }
  throw new Error('expected a rejection');
}

describe.skipIf(!!skipReason)('SSH client against real OpenSSH', () => {
  let dir: string;
  let sshd: RunningSshd;
  let user: TestUser;
  let expiredUser: TestUser;
  let nopasswdUser: TestUser;
  let plainUser: TestUser;
  let clusterKey: string;
  let strangerKey: string;
  let knownHosts: KnownHostsStore;
  const address = `127.${randomInt(1, 255)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;

  beforeAll(async () => {
    dir = await makeTempDir('pcw-ssh-');
    await chmod(dir, 0o755);
    const cluster = await generateKeyPair(dir, 'cluster_ed25519');
    clusterKey = cluster.privateKeyPath;
    strangerKey = (await generateKeyPair(dir, 'stranger_ed25519')).privateKeyPath;
    user = await createTestUser({ sudo: 'password', homeDir: dir });
    expiredUser = await createTestUser({ expired: true, homeDir: dir });
    nopasswdUser = await createTestUser({ sudo: 'nopasswd', homeDir: dir });
    plainUser = await createTestUser({ homeDir: dir });
    sshd = await startSshd({ listenAddress: address, port: await freeLoopbackPort(address), authorizedKeys: cluster.publicKey, dir });
    knownHosts = new KnownHostsStore(join(dir, 'app-data', 'known_hosts'));
  });

  afterAll(async () => {
    await sshd?.stop();
    await user?.remove();
    await expiredUser?.remove();
    await nopasswdUser?.remove();
    await plainUser?.remove();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const opts = (extra: Partial<SshConnectOptions> = {}): SshConnectOptions => ({
    host: sshd.address,
    port: sshd.port,
    username: user.name,
    privateKeyPath: clusterKey,
    knownHosts,
    connectTimeoutMs: 10_000,
    ...extra,
  });

  it('logs in with the cluster key, shows the fingerprint as OpenSSH does, pins it and runs commands', async () => {
    const seen: string[] = [];
    const conn = await connectSsh(opts({ onNewHostKey: (k) => (seen.push(k.fingerprint), true) }));
    try {
      expect(seen).toEqual([sshd.fingerprint()]);
      expect(conn.hostKey).toMatchObject({ keyType: 'ssh-ed25519', fingerprint: sshd.fingerprint() });
      expect(conn.authMethod).toBe('publickey');
      const chunks: string[] = [];
      const r = await conn.exec(`echo "out $(id -un)"; echo err >&2; exit 3`, { onStdout: (t) => chunks.push(t) });
      expect(r).toEqual({ exitCode: 3, signal: null, stdout: `out ${user.name}\n`, stderr: 'err\n' });
      expect(chunks.join('')).toBe(`out ${user.name}\n`);
    } finally {
      conn.close();
    }
    const file = await readFile(knownHosts.path, 'utf8');
    expect(file).toMatch(new RegExp(`^\\[${address.replace(/\./g, '\\.')}\\]:${sshd.port} ssh-ed25519 AAAA`));
    // Second time: trusted silently.
    const again = await connectSsh(opts({ onNewHostKey: () => { throw new Error('asked twice'); } }));
    again.close();
  });

  it('falls back to the password when the key is not installed, and refuses a wrong password without echoing it', async () => {
    const conn = await connectSsh(opts({ privateKeyPath: strangerKey, password: user.password }));
    expect(conn.authMethod).toBe('password');
    expect((await conn.exec('id -un')).stdout.trim()).toBe(user.name);
    conn.close();
    const err = await rejection(connectSsh(opts({ privateKeyPath: strangerKey, password: 'Wrong-Secret-123' })));
    expect(err.code).toBe('AUTH_FAILED');
    expect(err.message).not.toContain('Wrong-Secret-123');
  });

  it.skipIf(!!sudoUnavailable())('runs sudo with a password that never appears in the output', async () => {
    const conn = await connectSsh(opts());
    try {
      const out: string[] = [];
      const r = await conn.exec('id -u; cat > /dev/null; echo done', {
        sudo: { password: user.password },
        stdin: 'line for the command\n',
        onStdout: (t) => out.push(t),
        onStderr: (t) => out.push(t),
      });
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toBe('0\ndone\n');
      expect(r.stderr).toBe('');
      const printed = await conn.exec(`printf '%s\\n' ${user.password}`, { sudo: { password: user.password } });
      expect(printed.stdout).toBe('********\n');
      for (const text of [...out, r.stdout, r.stderr, printed.stdout, printed.stderr]) expect(text).not.toContain(user.password);

      const missing = await rejection(conn.exec('id -u', { sudo: {} }));
      expect(missing.code).toBe('SUDO_PASSWORD_REQUIRED');
      const wrong = await rejection(conn.exec('id -u', { sudo: { password: 'not-the-password' } }));
      expect(wrong.code).toBe('SUDO_PASSWORD_WRONG');
    } finally {
      conn.close();
    }
  });

  it.skipIf(!!sudoUnavailable())('never feeds the password to the command when sudo does not ask for it', async () => {
    const conn = await connectSsh(opts({ username: nopasswdUser.name }));
    try {
      // NOPASSWD sudo: the command's stdin must hold only the caller's data, not the password.
      const r = await conn.exec('id -u; cat', { sudo: { password: nopasswdUser.password }, stdin: 'only this\n' });
      expect(r).toMatchObject({ exitCode: 0, stdout: '0\nonly this\n' });
    } finally {
      conn.close();
    }
  });

  it.skipIf(!!sudoUnavailable())('explains when the user may not use sudo at all', async () => {
    const conn = await connectSsh(opts({ username: plainUser.name }));
    try {
      const err = await rejection(conn.exec('id -u', { sudo: { password: plainUser.password } }));
      expect(err.code).toBe('SUDO_NOT_ALLOWED');
      expect(err.message).not.toContain(plainUser.password);
    } finally {
      conn.close();
    }
  });

  it('stops commands on timeout and on abort', async () => {
    const conn = await connectSsh(opts());
    try {
      const timedOut = await rejection(conn.exec('sleep 5', { timeoutMs: 200 }));
      expect(timedOut).toMatchObject({ code: 'TIMEOUT', message: expect.stringContaining('200 ms') });
      const ac = new AbortController();
      const p = conn.exec('sleep 5', { signal: ac.signal });
      setTimeout(() => ac.abort(), 100);
      expect((await rejection(p)).code).toBe('ABORTED');
      expect((await conn.exec('echo still usable')).stdout).toBe('still usable\n');
    } finally {
      conn.close();
    }
  });

  it('handles the forced first-login password change', async () => {
    const expired = { username: expiredUser.name, privateKeyPath: undefined, password: expiredUser.password };
    const err = await rejection(connectSsh(opts(expired)));
    expect(err.code).toBe('PASSWORD_EXPIRED');
    // passwd refuses a weak password; its own reason is passed on, the passwords are not.
    const weak = await rejection(connectSsh(opts({ ...expired, newPassword: 'abc' })));
    expect(weak.code).toBe('PASSWORD_CHANGE_FAILED');
    expect(weak.message).toMatch(/longer|short|simple|BAD PASSWORD/i);
    expect(weak.message).not.toContain(expiredUser.password);
    const newPassword = 'Kube-Pi-Cluster-2026!';
    const conn = await connectSsh(opts({ ...expired, newPassword }));
    expect(conn.passwordChanged).toBe(true);
    expect((await conn.exec('id -un')).stdout.trim()).toBe(expiredUser.name);
    conn.close();
    const later = await connectSsh(opts({ ...expired, password: newPassword }));
    expect(later.passwordChanged).toBe(false);
    later.close();
  });

  it('reports unreachable hosts and insecure key files with stable codes', async () => {
    const closedPort = await freeLoopbackPort(address);
    expect((await rejection(connectSsh(opts({ port: closedPort })))).code).toBe('HOST_UNREACHABLE');
    const loose = join(dir, 'loose_key');
    await copyFile(clusterKey, loose);
    await chmod(loose, 0o644);
    const err = await rejection(connectSsh(opts({ privateKeyPath: loose })));
    expect(err.code).toBe('KEY_FILE_INSECURE');
    expect(err.message).not.toContain('PRIVATE KEY');
  });

  it('refuses a changed host key with an explanation, and trusts the new key once forgotten', async () => {
    const before = sshd.fingerprint();
    await sshd.regenerateHostKey();
    const err = await rejection(connectSsh(opts()));
    expect(err.code).toBe('HOST_KEY_CHANGED');
    expect(err.message).toContain(before);
    expect(err.message).toContain(sshd.fingerprint());
    expect(err.message).toMatch(/re-imaged|re-installed/);
    expect(err.message).toMatch(/man-in-the-middle/);
    await knownHosts.forget(sshd.address, sshd.port);
    const conn = await connectSsh(opts());
    expect(conn.hostKey.fingerprint).toBe(sshd.fingerprint());
    conn.close();
  });
});
