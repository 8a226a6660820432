/**
 * Ejecting a card after it was written and verified, best effort: the card is ready either
 * way, the result only says whether it is safe to pull it out now or the user should eject it.
 *  - Linux: `udisksctl unmount -b` each mounted partition (found with lsblk), then
 *    `udisksctl power-off -b` on the drive.
 *  - macOS: `diskutil eject`.
 *  - Windows: no standard command-line eject; the user is asked to use "Safely Remove".
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { DriveInfo } from './drive-info';

const run = promisify(execFile);

/** How an eject went, as codes the window words (`cards.eject.<code>`, with `values`). */
export const EJECT_CODES = ['ejected', 'practice-ejected', 'use-safely-remove', 'not-ejected'] as const;
export type EjectCode = (typeof EJECT_CODES)[number];

export interface EjectResult {
  ejected: boolean;
  /** English, for logs. */
  message: string;
  code: EjectCode;
  /** `drive`; `detail`: the eject tool's own words when it failed. */
  values?: Record<string, string | number>;
}

export type Ejector = (drive: DriveInfo) => Promise<EjectResult>;

/**
 * The commands that eject `drive` on `platform`, in order (empty: no command exists).
 * `mountedPartitions` are the drive's mounted partition devices (Linux unmounts them one by one;
 * udisks refuses to power off a drive with mounted file systems).
 */
export function ejectCommands(drive: Pick<DriveInfo, 'device'>, platform: NodeJS.Platform, mountedPartitions: readonly string[] = []): [string, string[]][] {
  if (platform === 'linux') {
    return [
      ...mountedPartitions.map((partition): [string, string[]] => ['udisksctl', ['unmount', '--no-user-interaction', '-b', partition]]),
      ['udisksctl', ['power-off', '--no-user-interaction', '-b', drive.device]],
    ];
  }
  if (platform === 'darwin') return [['diskutil', ['eject', drive.device]]];
  return [];
}

/** Linux: the drive's partitions that have a mount point, from lsblk. */
async function mountedLinuxPartitions(device: string): Promise<string[]> {
  try {
    const { stdout } = await run('lsblk', ['-lnpo', 'NAME,MOUNTPOINT', device], { timeout: 10_000 });
    return stdout
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter(([name, mount]) => name && name !== device && mount)
      .map(([name]) => name as string);
  } catch {
    return [];
  }
}

/** Eject a real drive with the platform's tool. Never throws. */
export async function ejectRealDrive(drive: DriveInfo): Promise<EjectResult> {
  const partitions = process.platform === 'linux' && drive.mountpoints.length > 0 ? await mountedLinuxPartitions(drive.device) : [];
  const commands = ejectCommands(drive, process.platform, partitions);
  if (commands.length === 0) {
    return { ejected: false, code: 'use-safely-remove', values: { drive: drive.description || drive.device }, message: `Use "Safely Remove Hardware" for ${drive.description || drive.device}, then take the card out.` };
  }
  let lastError = '';
  for (const [command, args] of commands) {
    try {
      await run(command, args, { timeout: 30_000 });
      lastError = '';
    } catch (error) {
      const e = error as { code?: unknown; stderr?: string; message?: string };
      lastError = e.code === 'ENOENT' ? `${command} is not installed` : (e.stderr || e.message || String(error)).trim();
    }
  }
  return lastError
    ? { ejected: false, code: 'not-ejected', values: { detail: lastError }, message: `The card is ready but could not be ejected automatically (${lastError}). Eject it from your file manager before taking it out.` }
    : { ejected: true, code: 'ejected', message: 'The card was ejected; you can take it out.' };
}
