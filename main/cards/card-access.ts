/**
 * Opening a card's boot partition the least intrusive way: through the mount point when the OS
 * has mounted it (no admin rights needed), otherwise straight into the FAT partition on the raw
 * device (main/disk), which may need admin rights (error NEEDS_ADMIN).
 */
import { BOOT_PARTITION_LABEL, openBootPartition } from '../disk/boot-partition';
import type { BootFiles } from '../disk/boot-partition';
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
}

export async function openCardBootFiles(drive: CardDrive, options: OpenCardOptions): Promise<BootFiles & { via: 'mount' | 'raw' }> {
  const mounted = options.raw ? undefined : bootMountpoint(drive);
  if (mounted) return Object.assign(openMountedBootFiles(mounted.path, mounted.label), { via: 'mount' as const });
  const boot = await openBootPartition(drive.raw || drive.device, { writable: options.writable, sizeBytes: drive.size });
  return Object.assign(boot, { via: 'raw' as const });
}
