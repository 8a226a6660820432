/**
 * One connected node: the SSH connection, how to log in again, and a small runner for commands
 * built with the quoting helper. Output streams into the operation's log line by line, prefixed
 * with the node's name; `sudo` runs without a terminal (`sudo -n`) when sudo is passwordless (the
 * wizard's cards configure that) and through the SSH layer's no-echo password handling otherwise.
 * Reboots are recognised by a new boot id (or, where the kernel lacks one, a smaller uptime).
 *
 *   const node = await NodeSession.open({ hostname: 'pi-01', role: 'control-plane', host: '192.168.1.21' }, login, ctx);
 *   const r = await node.run(command(['snap', 'list', 'microk8s']));            // quoting helper
 *   await node.run(command(['snap', 'install', 'microk8s', '--classic']), { sudo: true });
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { NodeRole } from '../../preload/contract/plan';
import { connectSsh, type HostKeyInfo, type NewHostKeyDecision, type SshConnection } from '../ssh/ssh-client';
import type { KnownHostsStore } from '../ssh/known-hosts';
import { SshError } from '../ssh/ssh-errors';
import { quote } from '../ssh/shell-quote';
import { ClusterError, toClusterError } from './cluster-errors';

/** The time source long waits use: real time, or the practice lab's clock (which runs faster). */
export interface Pace {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realPace: Pace = {
  now: () => Date.now(),
  sleep: (ms, signal) => delay(ms, undefined, { signal }),
};

/** What every long cluster operation gets: cancel, log lines, and the pace of waiting. */
export interface OperationContext {
  signal?: AbortSignal;
  log?: (line: string) => void;
  /** Default: real time. The practice lab passes its LabClock. */
  pace?: Pace;
}

export interface NodeTarget {
  /** The planned hostname (also the Kubernetes node name). */
  hostname: string;
  role: NodeRole;
  /** Where this computer reaches the node's sshd (its LAN address; 127.0.0.x in the practice lab). */
  host: string;
  port?: number;
  /** The planned LAN address other nodes use; default: the node's first address (`hostname -I`). */
  address?: string;
}

/** How to log in to every node (the cluster key; the password only as fallback). */
export interface NodeLogin {
  username: string;
  privateKeyPath?: string;
  password?: string;
  /** Only when sudo asks for a password (the wizard's cards make it passwordless). */
  sudoPassword?: string;
  knownHosts: KnownHostsStore;
  onNewHostKey?: (key: HostKeyInfo, keyBlob: Buffer) => NewHostKeyDecision | Promise<NewHostKeyDecision>;
  connectTimeoutMs?: number;
  keepaliveIntervalMs?: number;
}

export interface RunOptions {
  sudo?: boolean;
  stdin?: string;
  /** Real milliseconds; default 10 minutes. */
  timeoutMs?: number;
  /** Logged instead of the command (e.g. with a join token masked). */
  show?: string;
  /** Do not stream this command's output into the log (facts gathering). */
  quiet?: boolean;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** SSH errors that mean "the node is not reachable right now" (booting, rebooting, power lost). */
const TRANSIENT = new Set<SshError['code']>(['HOST_UNREACHABLE', 'TIMEOUT', 'CONNECTION_LOST']);

export function isTransient(err: unknown): boolean {
  return (err instanceof SshError && TRANSIENT.has(err.code)) || (err instanceof ClusterError && err.code === 'SSH' && !!err.sshCode && TRANSIENT.has(err.sshCode));
}

/** SSH round trips take real time whatever the pace: waits that should succeed never give up before this. */
const MIN_REAL_WAIT_MS = 20_000;

/** A deadline `ms` ahead in pace time that also lasts at least MIN_REAL_WAIT_MS of real time. */
export function deadlineAfter(pace: Pace, ms: number): { passed(): boolean } {
  const at = pace.now() + ms;
  const realAt = Date.now() + MIN_REAL_WAIT_MS;
  return { passed: () => pace.now() > at && Date.now() > realAt };
}

/** Prints the boot id, or the uptime where /proc has no boot id. */
const BOOT_MARKER = 'cat /proc/sys/kernel/random/boot_id 2>/dev/null || cat /proc/uptime';

export class NodeSession {
  #conn: SshConnection;

  private constructor(
    readonly target: NodeTarget,
    private readonly login: NodeLogin,
    readonly ctx: OperationContext,
    conn: SshConnection,
  ) {
    this.#conn = conn;
  }

  static async open(target: NodeTarget, login: NodeLogin, ctx: OperationContext = {}): Promise<NodeSession> {
    const conn = await NodeSession.#connect(target, login, ctx).catch((err: unknown) => {
      throw toClusterError(err, target.hostname);
    });
    return new NodeSession(target, login, ctx, conn);
  }

  /** Async so that a target whose address is not known right now rejects instead of throwing. */
  static async #connect(target: NodeTarget, login: NodeLogin, ctx: OperationContext): Promise<SshConnection> {
    return connectSsh({
      host: target.host,
      port: target.port,
      username: login.username,
      privateKeyPath: login.privateKeyPath,
      password: login.password,
      knownHosts: login.knownHosts,
      onNewHostKey: login.onNewHostKey,
      connectTimeoutMs: login.connectTimeoutMs,
      keepaliveIntervalMs: login.keepaliveIntervalMs,
      signal: ctx.signal,
    });
  }

  get name(): string {
    return this.target.hostname;
  }

  get pace(): Pace {
    return this.ctx.pace ?? realPace;
  }

  get username(): string {
    return this.login.username;
  }

  /** Logs a line for this node; the sudo password (the one secret sent into commands) is masked. */
  log(line: string): void {
    const secret = this.login.sudoPassword;
    this.ctx.log?.(`${this.name}: ${secret ? line.split(secret).join('********') : line}`);
  }

  /** Runs a command line built with the quoting helper. Non-zero exits are returned, not thrown. */
  async run(cmd: string, options: RunOptions = {}): Promise<RunResult> {
    const passwordless = options.sudo && this.login.sudoPassword === undefined;
    const line = passwordless ? `sudo -n sh -c ${quote(cmd)}` : cmd;
    if (!options.quiet) this.log(`$ ${displayed(options.show ?? cmd, options.sudo)}`);
    const out = this.#lineSink(options.quiet);
    const err = this.#lineSink(options.quiet);
    try {
      const r = await this.#conn.exec(line, {
        sudo: options.sudo && !passwordless ? { password: this.login.sudoPassword } : undefined,
        stdin: options.stdin,
        signal: this.ctx.signal,
        timeoutMs: options.timeoutMs ?? 600_000,
        onStdout: out.push,
        onStderr: err.push,
      });
      out.flush();
      err.flush();
      if (passwordless && r.exitCode === 1 && /^sudo: a (terminal is required|password is required)/m.test(r.stderr)) {
        throw new ClusterError('SUDO_PASSWORD_REQUIRED', `sudo on ${this.name} asks for a password. Enter the password of ${this.login.username} so the app can run administrative commands.`, this.name);
      }
      return { code: r.exitCode, stdout: r.stdout, stderr: r.stderr };
    } catch (e) {
      throw toClusterError(e, this.name);
    }
  }

  /** Runs a command that must succeed; otherwise throws COMMAND_FAILED saying `what` failed. */
  async expect(cmd: string, what: string, options: RunOptions = {}): Promise<RunResult> {
    const r = await this.run(cmd, options);
    if (r.code !== 0) throw new ClusterError('COMMAND_FAILED', `${what} failed on ${this.name} (exit ${r.code ?? 'signal'}): ${lastLine(r.stderr || r.stdout)}`, this.name, undefined, undefined, { node: this.name, exit: r.code ?? -1, detail: lastLine(r.stderr || r.stdout) });
    return r;
  }

  #lineSink(quiet: boolean | undefined): { push: (text: string) => void; flush: () => void } {
    let pending = '';
    return {
      push: (text) => {
        if (quiet) return;
        pending += text;
        const lines = pending.split(/\r?\n/);
        pending = lines.pop() ?? '';
        for (const l of lines) if (l.trim()) this.log(l);
      },
      flush: () => {
        if (pending.trim()) this.log(pending);
        pending = '';
      },
    };
  }

  /**
   * A fresh SSH session (a new login picks up new group memberships). When the node is not
   * reachable, keeps trying until it is back or `timeoutMs` (pace time) passed.
   */
  async reconnect(timeoutMs = 900_000): Promise<void> {
    this.#conn.close();
    this.#conn = await this.#connectWhenBack(timeoutMs, () => Promise.resolve(true));
  }

  /** Reboots (sudo) and returns once the node answers from a new boot. */
  async reboot(timeoutMs = 900_000): Promise<void> {
    const before = await this.#bootMarker(this.#conn);
    this.log('rebooting');
    try {
      await this.run('systemctl reboot', { sudo: true, timeoutMs: 60_000 });
    } catch (e) {
      if (!isTransient(e)) throw e;
    }
    this.#conn.close();
    this.#conn = await this.#connectWhenBack(timeoutMs, async (conn) => rebooted(before, await this.#bootMarker(conn)));
    this.log('back after the reboot');
  }

  async #bootMarker(conn: SshConnection): Promise<string> {
    return (await conn.exec(BOOT_MARKER, { timeoutMs: 30_000, signal: this.ctx.signal })).stdout.trim();
  }

  async #connectWhenBack(timeoutMs: number, accept: (conn: SshConnection) => Promise<boolean>): Promise<SshConnection> {
    const deadline = deadlineAfter(this.pace, timeoutMs);
    for (;;) {
      try {
        const conn = await NodeSession.#connect(this.target, this.login, this.ctx);
        if (await accept(conn).catch(() => false)) return conn;
        conn.close();
      } catch (e) {
        if (!isTransient(e)) throw toClusterError(e, this.name);
      }
      if (deadline.passed()) {
        throw new ClusterError('NODE_DID_NOT_COME_BACK', `${this.name} did not answer over SSH again within ${Math.round(timeoutMs / 60_000)} minutes. Check its power and network cable; if it shows a boot error on a screen, re-check the SD card.`, this.name, undefined, undefined, { node: this.name, minutes: Math.round(timeoutMs / 60_000) });
      }
      await this.pace.sleep(3_000, this.ctx.signal).catch(() => {
        throw new ClusterError('CANCELLED', `Waiting for ${this.name} was cancelled.`, this.name);
      });
    }
  }

  close(): void {
    this.#conn.close();
  }
}

/** The command as the user would type it: `sudo cmd`, or `sudo sh -c '...'` for a compound line. */
function displayed(cmd: string, sudo: boolean | undefined): string {
  if (!sudo) return cmd;
  return /[;|&<>]/.test(cmd) ? `sudo sh -c ${quote(cmd)}` : `sudo ${cmd}`;
}

function rebooted(before: string, after: string): boolean {
  if (!after) return false;
  const uptime = (s: string) => (/^\d+(\.\d+)?\s/.test(`${s} `) ? Number(s.split(/\s+/)[0]) : undefined);
  const [u0, u1] = [uptime(before), uptime(after)];
  return u0 !== undefined && u1 !== undefined ? u1 < u0 : after !== before;
}

export function lastLine(text: string): string {
  return (
    text
      .trim()
      .split('\n')
      .filter((l) => l.trim())
      .pop()
      ?.trim() ?? 'no output'
  );
}

/** Opens a session to every node in parallel; closes the opened ones if any fails. */
export async function openAll(targets: readonly NodeTarget[], login: NodeLogin, ctx: OperationContext = {}): Promise<NodeSession[]> {
  const settled = await Promise.allSettled(targets.map((t) => NodeSession.open(t, login, ctx)));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    for (const s of settled) if (s.status === 'fulfilled') s.value.close();
    throw failed.reason;
  }
  return settled.map((s) => (s as PromiseFulfilledResult<NodeSession>).value);
}
