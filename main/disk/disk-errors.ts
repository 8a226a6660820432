/**
 * Typed errors for everything that can go wrong while reading or writing a card's partitions.
 * Each code carries a human message that says what happened *and* what the user should do;
 * `toDiskError` maps raw Node/fatfs errors (EACCES, ENOSPC, EIO, ...) onto these codes.
 */

export const DISK_ERROR_CODES = [
  'NO_PARTITION_TABLE',
  'NO_FAT_PARTITION',
  'NOT_FAT',
  'PARTITION_FULL',
  'DEVICE_GONE',
  'PERMISSION_DENIED',
  'NEEDS_ADMIN',
  'READ_ONLY',
  'FILE_NOT_FOUND',
  'IO_ERROR',
] as const;
export type DiskErrorCode = (typeof DISK_ERROR_CODES)[number];

const ADVICE: Record<DiskErrorCode, string> = {
  NO_PARTITION_TABLE:
    'The card has no partition table (it is blank or was wiped). Write Ubuntu Server for Raspberry Pi onto it first (for example with Raspberry Pi Imager), then try again.',
  NO_FAT_PARTITION:
    'The card has partitions but none of them is a FAT "system-boot" partition. Write Ubuntu Server for Raspberry Pi onto it first, then try again.',
  NOT_FAT:
    'The boot partition is not a readable FAT file system. The card may be damaged: write Ubuntu Server for Raspberry Pi onto it again.',
  PARTITION_FULL:
    'The card\'s boot partition is full. Remove unneeded files from it or write a fresh Ubuntu image onto the card, then try again.',
  DEVICE_GONE:
    'The card disappeared while it was being used. Put it back into the reader, wait until it shows up again and repeat the step; the card is not ready until it has been written and checked completely.',
  PERMISSION_DENIED:
    'The system refused access to the card. Check that no other program is using it and that you are allowed to write to it.',
  NEEDS_ADMIN:
    'Writing directly to a card needs administrator rights on this computer. Let the system mount the card (re-insert it) so the app can write through the mounted partition, or restart the app with administrator rights.',
  READ_ONLY:
    'The card is write-protected. Slide the lock switch on the side of the card (or its adapter) up to "unlocked", re-insert it and try again.',
  FILE_NOT_FOUND: 'The file does not exist on the card.',
  IO_ERROR:
    'Reading or writing the card failed. Re-insert the card and try again; if it keeps failing, the card or the reader may be faulty.',
};

export class DiskError extends Error {
  override readonly name = 'DiskError';
  readonly code: DiskErrorCode;
  /** What the user should do about it (already included in `message`). */
  readonly advice: string;
  /** What happened, without the advice (the system's words, for the window's `detail`). */
  readonly detail: string;

  constructor(code: DiskErrorCode, detail: string, options?: { cause?: unknown }) {
    super(`${detail}. ${ADVICE[code]}`, options);
    this.code = code;
    this.advice = ADVICE[code];
    this.detail = detail;
  }
}

/** Error codes of Node and fatfs that mean "the device is no longer there". */
const GONE_CODES = new Set(['ENXIO', 'ENODEV', 'ENOMEDIUM', 'EIO', 'ESHUTDOWN', 'EBADF']);

/**
 * Convert any error thrown while touching `what` (a device or file path) into a DiskError.
 * `raw` tells whether the path is a raw device, where EACCES means admin rights are needed.
 */
export function toDiskError(error: unknown, what: string, raw = false): DiskError {
  if (error instanceof DiskError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  switch (code) {
    case 'ENOSPC':
      return new DiskError('PARTITION_FULL', `No space left on ${what}`, { cause: error });
    case 'EACCES':
    case 'EPERM':
      return raw
        ? new DiskError('NEEDS_ADMIN', `Access to ${what} was refused (${String(code)})`, { cause: error })
        : new DiskError('PERMISSION_DENIED', `Access to ${what} was refused (${String(code)})`, { cause: error });
    case 'EROFS':
      return new DiskError('READ_ONLY', `${what} is read-only`, { cause: error });
    case 'ENOENT':
      return new DiskError('DEVICE_GONE', `${what} no longer exists`, { cause: error });
    case 'EBUSY':
      return new DiskError('PERMISSION_DENIED', `${what} is busy (another program is using it)`, { cause: error });
    default:
      if (typeof code === 'string' && GONE_CODES.has(code)) {
        return new DiskError('DEVICE_GONE', `${what} stopped answering (${code})`, { cause: error });
      }
      return new DiskError('IO_ERROR', `Input/output error on ${what}: ${message}`, { cause: error });
  }
}
