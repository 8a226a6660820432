/**
 * Rebooting a node and reconnecting once it is back. A reboot is recognised by a new
 * `/proc/sys/kernel/random/boot_id`, so a node that merely dropped the connection is not mistaken
 * for one that rebooted.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { connectSsh, type SshConnectOptions, type SshConnection } from './ssh-client';
import { SshError, hostLabel } from './ssh-errors';
import type { SudoOptions } from './sudo';

export const BOOT_ID_COMMAND = 'cat /proc/sys/kernel/random/boot_id';
export const REBOOT_COMMAND = 'systemctl reboot';

export interface WaitForRebootOptions {
  /** Give up after this long. Default 10 minutes (a Pi 3 with an SD card can take several). */
  timeoutMs?: number;
  /** Pause between reconnect attempts. Default 5 s. */
  pollIntervalMs?: number;
  signal?: AbortSignal;
}

export async function readBootId(conn: SshConnection): Promise<string> {
  return (await conn.exec(BOOT_ID_COMMAND, { timeoutMs: 30_000 })).stdout.trim();
}

/** Errors that mean "not back yet": keep polling. Anything else (wrong key, changed host key) stops. */
const TRANSIENT = new Set(['HOST_UNREACHABLE', 'TIMEOUT', 'CONNECTION_LOST']);

/** Reconnects until the node answers with a boot id different from `previousBootId`. */
export async function waitForReboot(options: SshConnectOptions, previousBootId: string, wait: WaitForRebootOptions = {}): Promise<SshConnection> {
  const label = hostLabel(options.host, options.port ?? 22);
  const timeoutMs = wait.timeoutMs ?? 600_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) break;
    try {
      const conn = await connectSsh({ ...options, signal: wait.signal, connectTimeoutMs: Math.min(options.connectTimeoutMs ?? 10_000, remaining) });
      const bootId = await readBootId(conn).catch(() => previousBootId);
      if (bootId !== previousBootId) return conn;
      conn.close();
    } catch (err) {
      if (!(err instanceof SshError) || !TRANSIENT.has(err.code)) throw err;
    }
    await sleep(Math.max(0, Math.min(wait.pollIntervalMs ?? 5_000, deadline - Date.now())), undefined, { signal: wait.signal }).catch(() => {
      throw new SshError('ABORTED', `Waiting for ${label} to come back was cancelled.`, label);
    });
  }
  throw new SshError('TIMEOUT', `${label} did not come back within ${Math.round(timeoutMs / 60_000)} min after the reboot. Check its power and network; if the screen shows a boot error, re-check the SD card edits.`, label);
}

/** Reboots the node (via sudo when given) and returns a fresh connection after it came back. */
export async function rebootAndReconnect(conn: SshConnection, options: SshConnectOptions, sudo: SudoOptions | undefined, wait: WaitForRebootOptions = {}): Promise<SshConnection> {
  const bootId = await readBootId(conn);
  try {
    await conn.exec(REBOOT_COMMAND, { sudo, timeoutMs: 30_000 });
  } catch (err) {
    // The connection dropping while the node goes down is the expected outcome.
    if (!(err instanceof SshError) || !TRANSIENT.has(err.code)) throw err;
  }
  conn.close();
  return waitForReboot(options, bootId, wait);
}
