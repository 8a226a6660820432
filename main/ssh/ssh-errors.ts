/**
 * Errors of the SSH layer: a stable `code` the UI can branch on and a message that says what to do.
 * Messages never contain passwords or private keys.
 */

export const SSH_ERROR_CODES = [
  'AUTH_FAILED',
  'HOST_UNREACHABLE',
  'TIMEOUT',
  'ABORTED',
  'HOST_KEY_CHANGED',
  'HOST_KEY_REJECTED',
  /** The host answers where, or as, a node the app prepared, with a key that is not the one written to that node's card. */
  'HOST_KEY_NOT_PREPARED',
  /** First contact with a host whose key nobody confirmed yet (the app never trusts on first use silently). */
  'HOST_KEY_UNCONFIRMED',
  'SUDO_PASSWORD_REQUIRED',
  'SUDO_PASSWORD_WRONG',
  'SUDO_NOT_ALLOWED',
  'PASSWORD_EXPIRED',
  'PASSWORD_CHANGE_FAILED',
  'KEY_FILE_INSECURE',
  'KEY_FILE_UNREADABLE',
  'CONNECTION_LOST',
] as const;
export type SshErrorCode = (typeof SSH_ERROR_CODES)[number];

/** For HOST_KEY_CHANGED and HOST_KEY_NOT_PREPARED: the pinned and the presented key, so the app can ask or explain. */
export interface HostKeyChange {
  host: string;
  port: number;
  pinnedFingerprint: string;
  presentedFingerprint: string;
  keyType: string;
  /** HOST_KEY_NOT_PREPARED: the node whose card holds the pinned key (the host is not that node). */
  preparedNode?: string;
}

export class SshError extends Error {
  override readonly name = 'SshError';
  constructor(
    readonly code: SshErrorCode,
    message: string,
    readonly host?: string,
    readonly hostKeyChange?: HostKeyChange,
    /** For the window's wording of `ssh.<code>`: text the app did not write (the system's error) as `detail`. */
    readonly values?: Record<string, string | number>,
  ) {
    super(message);
  }
}

/** `host` or `[host]:port` as OpenSSH writes it. */
export function hostLabel(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** The explanation shown when a pinned host key no longer matches. */
export function hostKeyChangedMessage(label: string, pinned: string, presented: string, knownHostsPath: string): string {
  return (
    `The SSH host key of ${label} has changed: it was ${pinned} and is now ${presented}. ` +
    'This is expected if you re-imaged the SD card or re-installed this Pi, because a fresh system generates new host keys. ' +
    'If you did not, someone on the network may be pretending to be this Pi (a man-in-the-middle attack), so nothing was sent to it. ' +
    `If you re-installed it, choose "Forget this host key" (or remove its line from ${knownHostsPath}) and connect again to trust the new key; otherwise check your network before going on.`
  );
}

/** The explanation when a host answers at a prepared node's planned address with a key the app did not write. */
export function notPreparedMessage(label: string, node: string, expected: string, presented: string): string {
  return (
    `${label} is ${node}'s planned address, but it answered with the host key ${presented}, not the key ${expected} the app wrote to ${node}'s card. ` +
    `Something other than the Pi the app prepared is answering there (a device pretending to be ${node}), so the app refused it and sent it nothing. ` +
    `If you wrote ${node}'s card yourself or with another tool, prepare it again in step 2 so the app knows its key; otherwise check your network.`
  );
}

/** The explanation when a host says it is a prepared node but presents a key the app did not write to that node's card. */
export function claimsPreparedNodeMessage(label: string, node: string, expected: string, presented: string): string {
  return (
    `${label} says it is ${node}, but its host key ${presented} is not the key ${expected} the app wrote to ${node}'s card. ` +
    `A device is pretending to be ${node}: the app refused it (it only read its hostname; no password, no other command). ` +
    `If you wrote ${node}'s card yourself or with another tool, prepare it again in step 2 so the app knows its key; otherwise check your network.`
  );
}

/** The explanation when a job meets a host whose key nobody confirmed. */
export function unconfirmedMessage(label: string, fingerprint: string): string {
  return (
    `The app has not met ${label} before, and its host key ${fingerprint} is not confirmed, so nothing was sent to it. ` +
    'Confirm the key in step 3 (Boot & discover) after comparing it with the one the machine shows itself (sudo ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub).'
  );
}

/** Maps a low-level connection error (ssh2 or socket) to a stable code and a message saying what to do. */
export function toSshError(err: unknown, label: string, timeoutMs: number): SshError {
  if (err instanceof SshError) return err;
  const e = err as { code?: string; level?: string; message?: string };
  const code = e.code ?? '';
  if (e.level === 'client-authentication') {
    return new SshError('AUTH_FAILED', `${label} refused the login. Check the user name, and that the cluster key was installed on the Pi or the password is right (Ubuntu's first login is ubuntu/ubuntu).`, label);
  }
  if (e.level === 'client-timeout' || code === 'ETIMEDOUT') {
    return new SshError('TIMEOUT', `${label} did not complete the SSH handshake within ${Math.round(timeoutMs / 1000)} s. The Pi may still be booting; wait a minute and try again.`, label, undefined, { seconds: Math.round(timeoutMs / 1000) });
  }
  if (['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'EADDRNOTAVAIL'].includes(code)) {
    return new SshError('HOST_UNREACHABLE', `Cannot reach SSH on ${label} (${code}). Check that the Pi is powered on, on the same network, and has finished its first boot (which takes a few minutes).`, label, undefined, { detail: code });
  }
  return new SshError('CONNECTION_LOST', `The SSH connection to ${label} failed: ${e.message ?? String(err)}. Try again; if it keeps failing, power-cycle the Pi.`, label, undefined, { detail: e.message ?? String(err) });
}
