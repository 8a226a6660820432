/**
 * Test helper: real Debian OpenSSH servers (`/usr/sbin/sshd -D`) with generated config, host key and
 * authorized key, optionally inside a network namespace, plus throwaway system users (password,
 * sudo, expired password). Everything is created under a unique temp dir and removed by `stop()`.
 * Needs root, sshd and ssh-keygen; `realSshdUnavailable()` says why a test must skip.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processAlive } from './netns-lab';

export const SSHD = '/usr/sbin/sshd';

/** Why real-sshd tests cannot run here, or undefined when they can. */
export function realSshdUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'real OpenSSH tests need root (to start sshd and create test users)';
  for (const bin of [SSHD, '/usr/bin/ssh-keygen', '/usr/sbin/useradd', '/usr/sbin/chpasswd']) {
    if (!existsSync(bin)) return `${bin} is missing (apt-get install openssh-server passwd)`;
  }
  return undefined;
}

export function sudoUnavailable(): string | undefined {
  return existsSync('/usr/bin/sudo') ? undefined : '/usr/bin/sudo is missing (apt-get install sudo)';
}

export async function makeTempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Generates an ed25519 key pair; returns the private key path (0600) and the public key line. */
export async function generateKeyPair(dir: string, name: string): Promise<{ privateKeyPath: string; publicKey: string }> {
  const privateKeyPath = join(dir, name);
  await rm(privateKeyPath, { force: true });
  await rm(`${privateKeyPath}.pub`, { force: true });
  execFileSync('/usr/bin/ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', privateKeyPath]);
  await chmod(privateKeyPath, 0o600);
  return { privateKeyPath, publicKey: (await readFile(`${privateKeyPath}.pub`, 'utf8')).trim() };
}

/** A free TCP port on a loopback address of the root namespace. */
export function freeLoopbackPort(address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, address, () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface SshdOptions {
  listenAddress: string;
  port?: number;
  /** Run inside this network namespace (ip netns exec). */
  netns?: string;
  /** Give this sshd its own UTS namespace with this hostname (so `hostname` over SSH answers it). */
  hostname?: string;
  /** authorized_keys content for every user. */
  authorizedKeys: string;
  /** Temp dir for config, keys and logs. */
  dir: string;
}

export interface RunningSshd {
  address: string;
  port: number;
  /** The host key fingerprint as `ssh-keygen -l` prints it. */
  fingerprint(): string;
  /** Replaces the host key (a "re-installed Pi") and restarts sshd on the same address. */
  regenerateHostKey(): Promise<void>;
  stop(): Promise<void>;
}

export async function startSshd(options: SshdOptions): Promise<RunningSshd> {
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 }); // privilege separation directory
  const port = options.port ?? 22;
  const id = `${options.listenAddress}-${port}`;
  const hostKey = join(options.dir, `host-${id}`);
  const authorized = join(options.dir, `authorized-${id}`);
  const config = join(options.dir, `sshd-${id}.conf`);
  await writeFile(authorized, `${options.authorizedKeys}\n`, { mode: 0o644 });
  await writeFile(
    config,
    [
      `ListenAddress ${options.listenAddress}`,
      `Port ${port}`,
      `HostKey ${hostKey}`,
      `AuthorizedKeysFile ${authorized}`,
      'UsePAM no',
      'PasswordAuthentication yes',
      'KbdInteractiveAuthentication no',
      'StrictModes no',
      'PidFile none',
      'LogLevel INFO',
      'MaxStartups 200:30:400',
      '',
    ].join('\n'),
  );
  let child: ChildProcess | undefined;
  const launch = async () => {
    let argv = [SSHD, '-D', '-e', '-f', config];
    if (options.hostname) argv = ['unshare', '--uts', '/bin/sh', '-c', 'hostname "$0" && exec "$@"', options.hostname, ...argv];
    if (options.netns) argv = ['ip', 'netns', 'exec', options.netns, ...argv];
    child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
    await waitForListening(child);
  };
  const kill = async () => {
    const c = child;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    await exited;
  };
  const genHostKey = async () => {
    await rm(hostKey, { force: true });
    await rm(`${hostKey}.pub`, { force: true });
    execFileSync('/usr/bin/ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
  };
  await genHostKey();
  await launch();
  return {
    address: options.listenAddress,
    port,
    fingerprint: () => execFileSync('/usr/bin/ssh-keygen', ['-l', '-f', `${hostKey}.pub`], { encoding: 'utf8' }).split(' ')[1]!,
    async regenerateHostKey() {
      await kill();
      await genHostKey();
      await launch();
    },
    stop: kill,
  };
}

function waitForListening(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let log = '';
    const onData = (d: Buffer) => {
      log += d.toString();
      if (log.includes('Server listening on')) {
        child.stderr?.off('data', onData);
        child.stderr?.resume(); // keep draining
        resolve();
      }
    };
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`sshd exited (${code}) before listening: ${log.trim()}`)));
  });
}

export interface TestUser {
  name: string;
  password: string;
  remove(): Promise<void>;
}

/** Runs a shadow-utils command, retrying while another test process holds the /etc/passwd lock. */
async function withPasswdLock(file: string, args: string[], input?: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      execFileSync(file, args, { input, stdio: ['pipe', 'ignore', 'pipe'] });
      return;
    } catch (err) {
      if (attempt >= 50) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Removes test users of test processes that were killed before their teardown ran. */
async function removeStaleTestUsers(): Promise<void> {
  const passwd = await readFile('/etc/passwd', 'utf8');
  for (const m of passwd.matchAll(/^(pcw(\d+)u[0-9a-f]{8}):/gm)) {
    if (processAlive(Number(m[2]))) continue;
    await rm(`/etc/sudoers.d/${m[1]}`, { force: true });
    await withPasswdLock('/usr/sbin/userdel', ['-f', m[1]!]).catch(() => undefined);
  }
}

/**
 * Creates a system user with a password; `sudo: 'password'` lets it sudo with its password,
 * `sudo: 'nopasswd'` without one; `expired` forces a password change at the next login.
 */
export async function createTestUser(options: { sudo?: 'password' | 'nopasswd'; expired?: boolean; homeDir: string }): Promise<TestUser> {
  await removeStaleTestUsers();
  const name = `pcw${process.pid}u${randomBytes(4).toString('hex')}`;
  const password = `Pw-${randomBytes(9).toString('base64url')}`;
  await withPasswdLock('/usr/sbin/useradd', ['-M', '-d', options.homeDir, '-s', '/bin/sh', name]);
  await withPasswdLock('/usr/sbin/chpasswd', [], `${name}:${password}\n`);
  if (options.expired) await withPasswdLock('/usr/bin/chage', ['-d', '0', name]);
  const sudoers = `/etc/sudoers.d/${name}`;
  if (options.sudo) await writeFile(sudoers, `${name} ALL=(ALL:ALL) ${options.sudo === 'nopasswd' ? 'NOPASSWD: ' : ''}ALL\n`, { mode: 0o440 });
  return {
    name,
    password,
    async remove() {
      await rm(sudoers, { force: true });
      // -f: remove it even while a session of it is still winding down
      await withPasswdLock('/usr/sbin/userdel', ['-f', name]).catch(() => undefined);
    },
  };
}
