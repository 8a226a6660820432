/**
 * Which drives may be offered as SD cards, the way Etcher and Raspberry Pi Imager decide:
 *  - system drives and the drive the app runs from are never offered;
 *  - an internal SD reader (Linux /dev/mmcblkN, SD bus) that reports itself non-removable (so
 *    drivelist also calls it "system") is still a card, unless it holds a system mount point
 *    (e.g. the app runs on a Pi booted from that card);
 *  - built-in eMMC storage is a fixed disk, never a card: Linux mmcblkN whose kernel card type is
 *    `MMC` (an SD card says `SD`; drive-scan reads it from sysfs), Windows bus type MMC;
 *  - virtual drives (disk images, zram), empty readers (no size) and fixed disks are not offered;
 *  - a write-protected (locked) card is shown but refused, with the reason;
 *  - cards above 128 GB carry a warning (Pi cards are 16-64 GB; bigger is often a backup disk),
 *    and above 256 GB writing needs a second confirmation that names the drive's size;
 *  - writing needs an explicit confirmation naming the drive (`checkWriteAllowed`).
 * The administrator helper checks again, by the platform's own facts (disk/elevated/system-disk.ts).
 */
import { AppError } from '../router/app-error';
import type { DriveInfo } from './drive-info';

export const LARGE_CARD_BYTES = 128e9;
/**
 * Above this, writing needs a second, explicit confirmation (`confirmLargeDrive`): 256 GiB, so a
 * card sold as "256 GB" (about 256.06e9 bytes; Pis boot from those) only gets the warning, and
 * anything sold as larger (400 GB, 512 GB, 1 TB: backup disks, mostly) needs both confirmations.
 */
export const VERY_LARGE_DRIVE_BYTES = 2 ** 38;

/** Why a drive is not offered or not writable: codes the window words (`cards.problem.<code>`, with `values`). */
export const DRIVE_PROBLEM_CODES = ['SYSTEM_DRIVE', 'APP_DRIVE', 'VIRTUAL_DRIVE', 'NO_MEDIA', 'FIXED_DISK', 'READ_ONLY'] as const;
export type DriveProblemCode = (typeof DRIVE_PROBLEM_CODES)[number];
export const DRIVE_WARNING_CODES = ['LARGE_DRIVE', 'VERY_LARGE_DRIVE'] as const;
export type DriveWarningCode = (typeof DRIVE_WARNING_CODES)[number];
type Values = Record<string, string | number>;

export interface DriveAssessment {
  drive: DriveInfo;
  /** Recognised as an SD card (also a non-removable internal reader). */
  isCard: boolean;
  /** Shown in the list of targets. */
  offered: boolean;
  /** Offered and may be written. */
  writable: boolean;
  /** Why it is not offered or not writable (first is the main reason). */
  problems: { code: DriveProblemCode; message: string; values?: Values }[];
  warnings: { code: DriveWarningCode; message: string; values?: Values }[];
  /** Over 256 GB: writing needs the second confirmation (the drive's size, confirmed). */
  needsLargeConfirmation: boolean;
}

export interface SafetyContext {
  /** A path inside the running app (process.execPath, app.getAppPath()). */
  appPaths: string[];
  /** Devices the environment vouches are card readers of its own (the lab's: image files, never a system disk). */
  knownCardReaders?: ReadonlySet<string>;
  /** Windows system drive letter (%SystemDrive%), default 'C:'. */
  systemDrive?: string;
}

const SYSTEM_MOUNTS = /^(\/|\/boot|\/boot\/efi|\/boot\/firmware|\/usr|\/var|\/home|\/etc|\/opt|\[SWAP\]|\/System\/Volumes\/.*|\/private\/var\/vm)$/;

function isSystemMount(path: string, systemDrive: string): boolean {
  return SYSTEM_MOUNTS.test(path) || path.replace(/\\$/, '').toUpperCase() === systemDrive.toUpperCase();
}

function normalise(path: string): string {
  const p = path.replace(/\\/g, '/');
  return /^[A-Za-z]:/.test(p) ? p.toLowerCase() : p;
}

/** The drive whose mount point is the longest prefix of one of the app's paths. */
export function appDriveDevice(drives: readonly DriveInfo[], appPaths: readonly string[]): string | undefined {
  let best: { device: string; length: number } | undefined;
  for (const appPath of appPaths.map(normalise)) {
    for (const drive of drives) {
      for (const mount of drive.mountpoints) {
        const m = normalise(mount.path).replace(/\/$/, '');
        const inside = appPath === m || appPath.startsWith(m + '/') || m === '';
        if (inside && (!best || m.length > best.length)) best = { device: drive.device, length: m.length };
      }
    }
  }
  return best?.device;
}

/** Built-in eMMC: the Linux kernel's card type (sysfs), or Windows' storage bus type (drivelist calls it a card). */
export function isEmmc(drive: DriveInfo): boolean {
  if (drive.mmcType) return drive.mmcType === 'MMC';
  return drive.busType === 'MMC' && !drive.enumerator.startsWith('lsblk');
}

function isInternalSdReader(drive: DriveInfo): boolean {
  if (isEmmc(drive)) return false;
  return /^\/dev\/mmcblk\d+$/.test(drive.device) || ['SD', 'Secure Digital'].includes(drive.busType) || drive.isCard === true;
}

function sizeText(bytes: number): string {
  return bytes >= 1e9 ? `${Math.round(bytes / 1e9)} GB` : `${Math.round(bytes / 1e6)} MB`;
}

export function assessDrives(drives: readonly DriveInfo[], context: SafetyContext): DriveAssessment[] {
  const appDevice = appDriveDevice(drives, context.appPaths);
  return drives.map((drive) => assessDrive(drive, appDevice, context));
}

function assessDrive(drive: DriveInfo, appDevice: string | undefined, context: SafetyContext): DriveAssessment {
  const knownReader = context.knownCardReaders?.has(drive.device) ?? false;
  const problems: DriveAssessment['problems'] = [];
  const warnings: DriveAssessment['warnings'] = [];
  const card = knownReader || isInternalSdReader(drive);
  const systemMount = drive.mountpoints.find((m) => isSystemMount(m.path, context.systemDrive ?? 'C:'));

  const emmc = !knownReader && isEmmc(drive);
  if (systemMount) {
    problems.push({ code: 'SYSTEM_DRIVE', message: `This drive holds your system (${systemMount.path}).`, values: { reason: 'mount', mount: systemMount.path } });
  } else if (emmc) {
    problems.push({ code: 'FIXED_DISK', message: 'This is built-in eMMC storage (a fixed disk inside the computer, often holding its system), not an SD card.', values: { kind: 'emmc' } });
  } else if (drive.isSystem && !card) {
    problems.push({ code: 'SYSTEM_DRIVE', message: 'The system reports this drive as a system drive.', values: { reason: 'reported', mount: '' } });
  }
  if (drive.device === appDevice) {
    problems.push({ code: 'APP_DRIVE', message: 'This is the drive Pi Cluster Wizard runs from.' });
  }
  if (drive.isVirtual && !knownReader) problems.push({ code: 'VIRTUAL_DRIVE', message: 'This is a virtual drive (a disk image or RAM disk), not a card.' });
  if (!drive.size) problems.push({ code: 'NO_MEDIA', message: 'No card in this reader.' });
  if (!card && !drive.isRemovable && !emmc) problems.push({ code: 'FIXED_DISK', message: 'This is a fixed disk, not a removable card.', values: { kind: 'disk' } });

  const offered = problems.length === 0;
  if (offered && drive.isReadOnly) {
    problems.push({
      code: 'READ_ONLY',
      message: 'The card is write-protected. Slide the lock switch on its side (or on the adapter) up to "unlocked", then take it out and put it back in.',
    });
  }
  const needsLargeConfirmation = offered && !knownReader && !!drive.size && drive.size > VERY_LARGE_DRIVE_BYTES;
  if (needsLargeConfirmation) {
    warnings.push({
      code: 'VERY_LARGE_DRIVE',
      message: `This drive is ${sizeText(drive.size!)}, far larger than an SD card for a Pi: it may be a backup or data disk. Writing to it needs a second confirmation.`,
      values: { gb: Math.round(drive.size! / 1e9) },
    });
  } else if (offered && drive.size && drive.size > LARGE_CARD_BYTES) {
    warnings.push({
      code: 'LARGE_DRIVE',
      message: `This drive is ${sizeText(drive.size)}, larger than SD cards for a Pi usually are. Make sure it is not a backup or data disk.`,
      values: { gb: Math.round(drive.size / 1e9) },
    });
  }
  return { drive, isCard: card, offered, writable: offered && !drive.isReadOnly, problems, warnings, needsLargeConfirmation };
}

/**
 * Throws an AppError unless the drive may be written and the user confirmed this very drive.
 * `confirmDevice` is what the user's confirmation named; it must equal the drive's device. Over
 * 256 GB, `confirmLargeDrive` is the size the user confirmed a second time; it must equal the drive's.
 */
export function checkWriteAllowed(assessment: DriveAssessment, confirmDevice: string | undefined, confirmLargeDrive?: number): void {
  const { drive } = assessment;
  if (!assessment.offered) {
    throw new AppError('DRIVE_NOT_ALLOWED', `${drive.description || drive.device} cannot be written: ${assessment.problems[0]?.message ?? 'it is not a card'}`, {
      key: 'cards.driveNotAllowed',
      values: { drive: drive.description || drive.device, problem: assessment.problems[0]?.code ?? 'FIXED_DISK' },
    });
  }
  if (!assessment.writable) throw new AppError('CARD_READ_ONLY', assessment.problems[0]?.message ?? 'The card is write-protected.', { key: 'cards.readOnly' });
  if (confirmDevice !== drive.device) {
    throw new AppError('CONFIRMATION_REQUIRED', `Confirm that ${drive.description || drive.device} (${drive.device}, ${drive.size ? sizeText(drive.size) : 'unknown size'}) may be written.`, {
      key: 'cards.confirmationRequired',
      values: { drive: drive.description || drive.device, device: drive.device },
    });
  }
  if (assessment.needsLargeConfirmation && confirmLargeDrive !== drive.size) {
    throw new AppError(
      'LARGE_DRIVE_CONFIRMATION_REQUIRED',
      `${drive.description || drive.device} (${drive.device}) is ${sizeText(drive.size!)}, far larger than an SD card for a Pi. Check that it is not a backup or data disk, then confirm its size a second time to write it.`,
      { key: 'cards.largeConfirmationRequired', values: { drive: drive.description || drive.device, device: drive.device, gb: Math.round(drive.size! / 1e9) } },
    );
  }
}
