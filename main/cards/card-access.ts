/**
 * Opening a card's boot partition the least intrusive way: through the mount point when the OS
 * has mounted it (no admin rights needed), otherwise straight into the FAT partition on the raw
 * device (main/disk), which may need admin rights (error NEEDS_ADMIN). Then, for a writable open,
 * the administrator helper is started through the platform's password prompt and does the sector
 * I/O (main/disk/elevated/); a read-only open only reuses a helper already running for the card.
 */
import { BOOT_PARTITION_LABEL, openBootPartition } from '../disk/boot-partition';
import type { BootFiles } from '../disk/boot-partition';
import { platformElevatedAccess } from '../disk/elevated/elevated-device';
import type { ElevatedAccess } from '../disk/elevated/elevated-device';
import { openMountedBootFiles } from '../disk/mounted-boot-files';
import type { DriveInfo } from './drive-info';

export type CardDrive = Pick<DriveInfo, 'device' | 'raw' | 'size' | 'mountpoints'>;

/** The mount point of the card's boot partition, if the OS mounted it. */
export function bootMountpoint(drive: CardDrive): { path: string; label: string } | undefined {
  const named = (m: { path: string; label: string | null }) => (m.label ?? m.path.split(/[\\/]/).filter(Boolean).pop() ?? '').toLowerCase();
  const match = drive.mountpoints.find((m) => named(m) === BOOT_PARTITION_LABEL) ?? drive.mountpoints.find((m) => ['bootfs', 'boot'].includes(named(m)));
  return match ? { path: match.path, label: match.label ?? named(match) } : undefined;
}

export interface OpenCardOptions {
  writable: boolean;
  /** Ignore mount points and always use the raw device (tests, or when the mount is stale). */
  raw?: boolean;
  /**
   * How to get administrator rights when the raw device refuses the app (NEEDS_ADMIN): default
   * the platform's password prompt (pkexec, osascript, UAC); `false` never asks. Tests pass an
   * ElevatedAccess whose strategy starts the helper directly.
   */
  elevate?: ElevatedAccess | false;
  /** Cancels a pending administrator prompt. */
  signal?: AbortSignal;
}

export async function openCardBootFiles(drive: CardDrive, options: OpenCardOptions): Promise<BootFiles & { via: 'mount' | 'raw' }> {
  const mounted = options.raw ? undefined : bootMountpoint(drive);
  if (mounted) return Object.assign(openMountedBootFiles(mounted.path, mounted.label), { via: 'mount' as const });
  const elevate = options.elevate ?? platformElevatedAccess();
  const boot = await openBootPartition(drive.raw || drive.device, {
    writable: options.writable,
    sizeBytes: drive.size,
    ...(elevate ? { openDevice: (path: string, o: { writable: boolean; sizeBytes?: number | null }) => elevate.openDevice(path, { ...o, ...(options.signal ? { signal: options.signal } : {}) }) } : {}),
  });
  return Object.assign(boot, { via: 'raw' as const });
}
