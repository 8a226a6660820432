/**
 * The SSH client every node operation goes through (ssh2 underneath).
 * - Login with the cluster private key (0600 file, never logged or returned), the password as fallback
 *   (password and keyboard-interactive), and Ubuntu's forced first-login password change when the
 *   caller supplies the new password.
 * - Host keys checked against a KnownHostsStore (fingerprints shown as OpenSSH does): a pinned key
 *   passes; the key the app wrote to a prepared node's card passes and is pinned at that address; a
 *   prepared node's planned address answering with another key refuses with HOST_KEY_NOT_PREPARED;
 *   a changed key refuses with HOST_KEY_CHANGED; a key never seen is the caller's decision
 *   (`onNewHostKey`: pin it, refuse, or log in unpinned only to ask the host who it is).
 * - `exec` streams output, runs under sudo without echoing the password (and redacts it should a
 *   command print it; login passwords are never sent into a command, and redacting them would mangle
 *   output such as the default hostname `ubuntu`), and honours timeouts and AbortSignals.
 */
import { readFile, stat } from 'node:fs/promises';
import ssh2 from 'ssh2'; // CommonJS: default import works under both Node ESM and bundlers
import type { AnyAuthMethod, AuthenticationType, Client, ClientChannel } from 'ssh2';
import { fingerprintOf, keyTypeOf, type KnownHostsStore } from './known-hosts';
import { changeExpiredPassword, isPasswordExpiredNotice, kbdInteractiveAnswer } from './password-change';
import { SshError, hostKeyChangedMessage, hostLabel, notPreparedMessage, toSshError } from './ssh-errors';
import { sudoSession, type SudoOptions } from './sudo';

export interface HostKeyInfo {
  host: string;
  port: number;
  keyType: string;
  /** `SHA256:` + unpadded base64, exactly as `ssh` and `ssh-keygen -l` print it. */
  fingerprint: string;
  /** The planned node whose card the app wrote this key to. */
  preparedFor?: string;
}

/**
 * What to do with a key never seen: true pins it, false refuses (HOST_KEY_REJECTED; throw an
 * SshError for a more precise refusal), 'unconfirmed' logs in without pinning it, only so the
 * caller can ask the host its name: nothing else may be sent over such a connection.
 */
export type NewHostKeyDecision = boolean | 'unconfirmed';

/** How the connection's host key was trusted. */
export type HostKeyTrust = 'pinned' | 'prepared' | 'unconfirmed';

export interface SshConnectOptions {
  host: string;
  /** Default 22; the practice lab's virtual Pis use other ports. */
  port?: number;
  username: string;
  /** Path of the cluster private key file (must not be readable by group or others). */
  privateKeyPath?: string;
  /** Password: fallback when the key is refused, and the current password for a forced change. */
  password?: string;
  /** Set when the server forces a password change on first login (Ubuntu's ubuntu/ubuntu). */
  newPassword?: string;
  knownHosts: KnownHostsStore;
  /**
   * Asked when a key is seen for the first time (not pinned at this address, not a prepared
   * node's). Default: trust and pin it (tests and tools; the app always decides itself).
   */
  onNewHostKey?: (key: HostKeyInfo, keyBlob: Buffer) => NewHostKeyDecision | Promise<NewHostKeyDecision>;
  /** Handshake + login deadline. Default 20 s. */
  connectTimeoutMs?: number;
  /** SSH keepalive interval; the connection is dropped after 3 unanswered. Default 15 s. */
  keepaliveIntervalMs?: number;
  signal?: AbortSignal;
}

export interface ExecOptions {
  /** Run under sudo; give the password unless sudo is passwordless. */
  sudo?: SudoOptions;
  /** Data for the command's stdin (sent after sudo has accepted the password). */
  stdin?: string | Buffer;
  onStdout?: (text: string) => void;
  onStderr?: (text: string) => void;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface ExecResult {
  /** null when the command was ended by a signal. */
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

export type AuthMethodUsed = 'publickey' | 'password' | 'keyboard-interactive';

const REDACTED = '********';

export class SshConnection {
  private closedFlag = false;
  readonly closed: Promise<void>;

  constructor(
    private readonly client: Client,
    readonly hostKey: HostKeyInfo,
    /** How the login succeeded: 'password' means the cluster key is not installed yet. */
    readonly authMethod: AuthMethodUsed,
    /** True when this login changed an expired password to `newPassword`. */
    readonly passwordChanged: boolean,
    /** 'unconfirmed': the key is not trusted; the connection may only be used to ask the host its name. */
    readonly hostKeyTrust: HostKeyTrust = 'pinned',
  ) {
    // Late errors (keepalive timeout, reset) end in 'close', which marks the connection closed.
    client.on('error', () => undefined);
    this.closed = new Promise((resolve) => client.once('close', () => {
      this.closedFlag = true;
      resolve();
    }));
  }

  get label(): string {
    return hostLabel(this.hostKey.host, this.hostKey.port);
  }

  get isOpen(): boolean {
    return !this.closedFlag;
  }

  /**
   * Runs a command (built with the quoting helper). Non-zero exit codes are returned, not thrown.
   * On timeout or abort the channel is closed; OpenSSH does not kill a command that has no terminal,
   * so commands that may hang should carry their own limit (e.g. `timeout 600 ...`).
   */
  exec(cmd: string, options: ExecOptions = {}): Promise<ExecResult> {
    const { sudo, signal, timeoutMs } = options;
    const redact = (text: string) => (sudo?.password ? text.split(sudo.password).join(REDACTED) : text);
    return new Promise<ExecResult>((resolve, reject) => {
      if (signal?.aborted) return reject(abortError(this.label));
      if (this.closedFlag) return reject(lostError(this.label));
      let channel: ClientChannel | undefined;
      let settled = false;
      let stdout = '';
      let stderr = '';
      let exitCode: number | null = null;
      let exitSignal: string | null = null;
      let sawExit = false;
      const outDecoder = new TextDecoder();
      const errDecoder = new TextDecoder();
      const finish = (err?: SshError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        channel?.close();
        if (err) reject(err);
        else resolve({ exitCode, signal: exitSignal, stdout, stderr });
      };
      const onAbort = () => finish(abortError(this.label));
      signal?.addEventListener('abort', onAbort, { once: true });
      const timer = timeoutMs
        ? setTimeout(() => finish(new SshError('TIMEOUT', `The command on ${this.label} did not finish within ${formatDuration(timeoutMs)}; the app stopped waiting for it.`, this.label)), timeoutMs)
        : undefined;
      const emitOut = (text: string) => {
        const safe = redact(text);
        if (!safe) return;
        stdout += safe;
        options.onStdout?.(safe);
      };
      const emitErr = (text: string) => {
        const safe = redact(text);
        if (!safe) return;
        stderr += safe;
        options.onStderr?.(safe);
      };
      const sendStdin = () => {
        if (options.stdin !== undefined) channel?.write(options.stdin);
        channel?.end();
      };
      const session = sudo
        ? sudoSession(cmd, sudo, this.label, (line) => channel?.write(line), sendStdin, (err) => finish(err))
        : undefined;

      const onChannel = (err: Error | undefined, ch: ClientChannel) => {
        if (err) return finish(lostError(this.label));
        channel = ch;
        if (settled) return ch.close();
        ch.on('data', (d: Buffer) => emitOut(outDecoder.decode(d, { stream: true })));
        ch.stderr.on('data', (d: Buffer) => {
          const text = errDecoder.decode(d, { stream: true });
          emitErr(session ? session.filterStderr(text) : text);
        });
        ch.on('exit', (code: number | null, sig?: string) => {
          sawExit = true;
          exitCode = code ?? null;
          exitSignal = sig ?? null;
        });
        ch.on('close', () => {
          emitOut(outDecoder.decode());
          emitErr((session ? session.filterStderr(errDecoder.decode()) + session.flush() : errDecoder.decode()));
          if (session && !session.started && /sudoers|not allowed to (run|execute)|may not run sudo/i.test(stderr)) {
            return finish(new SshError('SUDO_NOT_ALLOWED', `${this.label}: the user may not use sudo (${stderr.trim().split('\n').pop()}). Log in as the user created on first boot (ubuntu on Ubuntu images), which is in the sudo group.`, this.label));
          }
          finish(sawExit ? undefined : lostError(this.label));
        });
        if (!session) sendStdin();
      };
      try {
        this.client.exec(session ? session.remoteCommand : cmd, onChannel);
      } catch {
        finish(lostError(this.label)); // the socket closed before 'close' was emitted
      }
    });
  }

  close(): void {
    this.client.end();
  }
}

function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`;
}

function abortError(label: string): SshError {
  return new SshError('ABORTED', `The operation on ${label} was cancelled.`, label);
}

function lostError(label: string): SshError {
  return new SshError('CONNECTION_LOST', `The SSH connection to ${label} was lost before the command finished. The Pi may have rebooted or lost power; reconnect and check its state.`, label);
}

async function readPrivateKey(path: string): Promise<Buffer> {
  try {
    const info = await stat(path);
    if (process.platform !== 'win32' && (info.mode & 0o077) !== 0) {
      throw new SshError('KEY_FILE_INSECURE', `The cluster key file ${path} can be read by other users of this computer. Restrict it to your user (chmod 600) and try again.`);
    }
    return await readFile(path);
  } catch (err) {
    if (err instanceof SshError) throw err;
    throw new SshError('KEY_FILE_UNREADABLE', `The cluster key file ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}). Re-create the cluster key in Settings.`);
  }
}

interface Login {
  client: Client;
  hostKey: HostKeyInfo;
  hostKeyTrust: HostKeyTrust;
  authMethod: AuthMethodUsed;
}

/** One TCP connection + handshake + login. */
async function login(options: SshConnectOptions, key: Buffer | undefined, password: string | undefined): Promise<Login> {
  const port = options.port ?? 22;
  const label = hostLabel(options.host, port);
  const timeoutMs = options.connectTimeoutMs ?? 20_000;
  const client = new ssh2.Client();
  let hostKeyError: SshError | undefined;
  let hostKey: HostKeyInfo | undefined;
  let hostKeyTrust: HostKeyTrust = 'pinned';
  let lastMethod: AuthMethodUsed = 'publickey';

  const methods: AnyAuthMethod[] = [];
  const username = options.username;
  if (key) methods.push({ type: 'publickey', username, key });
  if (password !== undefined) {
    methods.push({ type: 'password', username, password });
    methods.push({
      type: 'keyboard-interactive',
      username,
      prompt: (_name, _instructions, _lang, prompts, finish) =>
        finish(prompts.map((p) => kbdInteractiveAnswer(p.prompt, password, options.newPassword))),
    });
  }

  return new Promise<Login>((resolve, reject) => {
    const onAbort = () => {
      client.end();
      reject(abortError(label));
    };
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    let settled = false;
    const done = (err?: SshError) => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener('abort', onAbort);
      if (err) {
        client.end();
        reject(err);
      } else resolve({ client, hostKey: hostKey!, hostKeyTrust, authMethod: lastMethod });
    };
    client.once('ready', () => done());
    client.on('error', (err) => done(hostKeyError ?? toSshError(err, label, timeoutMs)));
    client.on('close', () =>
      done(hostKeyError ?? new SshError('CONNECTION_LOST', `${label} closed the connection during the SSH handshake. It may be busy starting up, or it is not a Pi running OpenSSH; try again in a minute.`, label)),
    );
    client.connect({
      host: options.host,
      port,
      username,
      readyTimeout: timeoutMs,
      keepaliveInterval: options.keepaliveIntervalMs ?? 15_000,
      keepaliveCountMax: 3,
      hostVerifier: (blob: Buffer, verify: (ok: boolean) => void) => {
        hostKey = { host: options.host, port, keyType: keyTypeOf(blob), fingerprint: fingerprintOf(blob) };
        const presented = hostKey;
        void verifyHostKey(options, presented, blob).then(
          (trust) => {
            hostKeyTrust = trust;
            verify(true);
          },
          (err: SshError) => {
            hostKeyError = err;
            verify(false);
          },
        );
      },
      authHandler: (authsLeft: AuthenticationType[] | null, _partial: boolean, next: (m: AnyAuthMethod | false) => void) => {
        const method = methods.find((m) => !authsLeft || authsLeft.includes(m.type));
        if (method) methods.splice(methods.indexOf(method), 1);
        if (method) lastMethod = method.type as AuthMethodUsed;
        next(method ?? false);
      },
    } as Parameters<Client['connect']>[0]);
  });
}

async function verifyHostKey(options: SshConnectOptions, presented: HostKeyInfo, blob: Buffer): Promise<HostKeyTrust> {
  const check = await options.knownHosts.check(presented.host, presented.port, blob);
  const label = hostLabel(presented.host, presented.port);
  if (check.status === 'trusted') {
    if (check.node) presented.preparedFor = check.node;
    return check.node ? 'prepared' : 'pinned';
  }
  if (check.status === 'prepared') {
    // The key the app wrote to that node's card: the node answers here now; the pin follows it.
    presented.preparedFor = check.node;
    await options.knownHosts.pin(presented.host, presented.port, blob);
    return 'prepared';
  }
  if (check.status === 'changed') {
    const change = { host: presented.host, port: presented.port, pinnedFingerprint: check.pinnedFingerprint, presentedFingerprint: presented.fingerprint, keyType: presented.keyType };
    if (check.node) {
      throw new SshError('HOST_KEY_NOT_PREPARED', notPreparedMessage(label, check.node, check.pinnedFingerprint, presented.fingerprint), label, { ...change, preparedNode: check.node });
    }
    throw new SshError('HOST_KEY_CHANGED', hostKeyChangedMessage(label, check.pinnedFingerprint, presented.fingerprint, options.knownHosts.path), label, change);
  }
  const decision = options.onNewHostKey ? await options.onNewHostKey(presented, blob) : true;
  if (decision === 'unconfirmed') return 'unconfirmed';
  if (!decision) {
    throw new SshError('HOST_KEY_REJECTED', `You did not trust the host key ${presented.fingerprint} of ${label}, so the app did not log in. Compare it with the key the Pi shows on its console (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub).`, label);
  }
  await options.knownHosts.pin(presented.host, presented.port, blob);
  return 'pinned';
}

/** Runs `true` to find out whether the login lands in a usable session or a forced password change. */
async function passwordExpired(client: Client): Promise<boolean> {
  return new Promise((resolve) => {
    client.exec('true', (err, ch) => {
      if (err) return resolve(false);
      let stderr = '';
      ch.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
      ch.on('data', () => undefined);
      ch.on('close', () => resolve(isPasswordExpiredNotice(stderr)));
    });
  });
}

/**
 * Connects and logs in. Throws SshError: AUTH_FAILED, HOST_UNREACHABLE, TIMEOUT, HOST_KEY_CHANGED, HOST_KEY_NOT_PREPARED,
 * HOST_KEY_REJECTED, PASSWORD_EXPIRED (no `newPassword` given), PASSWORD_CHANGE_FAILED, KEY_FILE_*, ABORTED.
 */
export async function connectSsh(options: SshConnectOptions): Promise<SshConnection> {
  const label = hostLabel(options.host, options.port ?? 22);
  const key = options.privateKeyPath ? await readPrivateKey(options.privateKeyPath) : undefined;
  const first = await login(options, key, options.password);
  if (!(await passwordExpired(first.client))) {
    return new SshConnection(first.client, first.hostKey, first.authMethod, false, first.hostKeyTrust);
  }
  if (!options.newPassword || options.password === undefined) {
    first.client.end();
    throw new SshError('PASSWORD_EXPIRED', `The password of ${options.username} on ${label} has expired and must be changed before the first login (Ubuntu does this for ubuntu/ubuntu). Choose a new password and the app will change it for you.`, label);
  }
  await changeExpiredPassword(first.client, label, options.password, options.newPassword);
  // The server disconnects after the change; log in again with the new password.
  const second = await login({ ...options, password: options.newPassword }, key, options.newPassword);
  return new SshConnection(second.client, second.hostKey, second.authMethod, true, second.hostKeyTrust);
}
