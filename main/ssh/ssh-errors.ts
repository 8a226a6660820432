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

/** For HOST_KEY_CHANGED: the pinned and the presented key, so the app can ask the user. */
export interface HostKeyChange {
  host: string;
  port: number;
  pinnedFingerprint: string;
  presentedFingerprint: string;
  keyType: string;
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
