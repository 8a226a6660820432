/**
 * One card being imaged: the raw device (or a practice card's image file) opened the way step 2
 * opens it (BlockDevice, or the administrator helper when the app may not open the device:
 * main/disk/elevated/), following Raspberry Pi Imager's order so a failed or cancelled write never
 * leaves a card that looks bootable:
 *   1. unmount its partitions; open writable; check the capacity against the image size;
 *   2. zero the first MiB (partition table) and the last MiB (a backup GPT), flush;
 *   3. write everything after the first MiB as it streams in (the first MiB is held back);
 *   4. flush (one more flush runs in the background every FLUSH_EVERY bytes of step 3); only
 *      then write the first MiB; flush; close;
 *   5. reopen read-only (on Linux the last close drops the device's page cache, so the read-back
 *      comes from the card) and compare the XXH3 of what is on the card with the image's
 *      (card-hash.ts; the image itself was checked by SHA-256 as it streamed);
 *   6. on any failure after step 2: zero the first MiB again (best effort).
 * Errors become ImagingErrors with the card's device in their values: CARD_GONE, CARD_READ_ONLY,
 * CARD_TOO_SMALL, CARD_BUSY, CARD_WRITE_FAILED, CARD_VERIFY_FAILED, CANCELLED.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { DriveInfo } from '../cards/drive-info';
import type { RawDisk } from '../disk/block-device';
import { DiskError } from '../disk/disk-errors';
import { AppError } from '../router/app-error';
import { cardHash } from './card-hash';
import { cancelled } from './http-download';
import { errnoOf, ImagingError, ImagingErrorCode } from './imaging-errors';

const run = promisify(execFile);
export const HEAD_BYTES = 1024 * 1024;
const READ_CHUNK = 4 * 1024 * 1024;
/**
 * A flush is started in the background every this many bytes written (one at a time, never
 * waited for by the writes): the card writes while the image still decodes instead of taking
 * every dirty page at the end, and the progress shown is what reached the card, as Raspberry Pi
 * Imager's periodic sync does. The final flush in `finish` then has little left to do.
 */
export const FLUSH_EVERY = 64 * 1024 * 1024;

export type OpenRawDevice = (path: string, options: { writable: boolean; sizeBytes?: number | null; signal?: AbortSignal }) => Promise<RawDisk>;

const GONE = new Set(['ENOENT', 'ENXIO', 'ENODEV', 'ENOMEDIUM', 'EIO', 'ESHUTDOWN', 'EBADF']);
const REFUSED = new Set(['EROFS', 'EPERM', 'EACCES']);

/** An error met while touching `device` as an ImagingError (`opened`: after a successful writable open). */
export function cardError(error: unknown, device: string, opened: boolean): AppError {
  if (error instanceof ImagingError) return error;
  const errno = errnoOf(error);
  const disk = error instanceof DiskError ? error.code : undefined;
  const reason = error instanceof Error ? error.message : String(error);
  if (disk === 'DEVICE_GONE' || (errno && GONE.has(errno))) {
    return new ImagingError(ImagingErrorCode.CARD_GONE, `${device} was removed or stopped answering (${errno ?? disk})`, { device }, { cause: error });
  }
  if (disk === 'READ_ONLY' || errno === 'EROFS' || (opened && (disk === 'NEEDS_ADMIN' || disk === 'PERMISSION_DENIED' || (errno && REFUSED.has(errno))))) {
    return new ImagingError(ImagingErrorCode.CARD_READ_ONLY, `${device} refuses writes (${errno ?? disk}): the card is write-protected`, { device }, { cause: error });
  }
  if (errno === 'ENOSPC') return new ImagingError(ImagingErrorCode.CARD_TOO_SMALL, `${device} ended before the image did`, { device, cardBytes: 0, imageBytes: 0 }, { cause: error });
  if (error instanceof DiskError) return new AppError(error.code, error.message, { cause: error }); // NEEDS_ADMIN (prompt refused), ...
  if (error instanceof AppError) return error;
  return new ImagingError(ImagingErrorCode.CARD_WRITE_FAILED, `Writing ${device} failed: ${reason}`, { device, reason }, { cause: error });
}

/** Unmount the card's mounted partitions before writing it (Linux: udisksctl or umount; macOS: diskutil). */
export async function unmountDrive(drive: Pick<DriveInfo, 'device' | 'mountpoints'>): Promise<void> {
  if (drive.mountpoints.length === 0) return;
  const fail = (reason: string) => new ImagingError(ImagingErrorCode.CARD_BUSY, `${drive.device} has mounted partitions that could not be unmounted: ${reason}`, { device: drive.device, reason });
  if (process.platform === 'darwin') {
    await run('diskutil', ['unmountDisk', drive.device], { timeout: 30_000 }).catch((e: { stderr?: string; message?: string }) => {
      throw fail((e.stderr || e.message || '').trim());
    });
    return;
  }
  if (process.platform !== 'linux') return; // Windows: the helper's exclusive open and diskpart are not used; volumes stay until the write
  for (const mount of drive.mountpoints) {
    try {
      await run('udisksctl', ['unmount', '--no-user-interaction', '-b', await partitionOf(mount.path)], { timeout: 30_000 });
    } catch {
      try {
        await run('umount', [mount.path], { timeout: 30_000 });
      } catch (error) {
        const e = error as { stderr?: string; message?: string };
        throw fail((e.stderr || e.message || String(error)).trim());
      }
    }
  }
}

/** The device mounted at `path` (from findmnt); the path itself when unknown. */
async function partitionOf(path: string): Promise<string> {
  try {
    const { stdout } = await run('findmnt', ['-no', 'SOURCE', path], { timeout: 10_000 });
    return stdout.trim() || path;
  } catch {
    return path;
  }
}

export interface CardTargetOptions {
  drive: Pick<DriveInfo, 'device' | 'raw' | 'size' | 'mountpoints'>;
  openDevice: OpenRawDevice;
  /** Decompressed image size when known before writing (extract_size, xz index). */
  imageBytes?: number;
  signal?: AbortSignal;
}

export class CardTarget {
  readonly device: string;
  readonly #path: string;
  readonly #openDevice: OpenRawDevice;
  readonly #sizeHint: number | null;
  #disk: RawDisk | undefined;
  #capacity = 0;
  #headWritten = false;
  #closed = false;
  #unflushed = 0;
  #flushing: Promise<void> | undefined;
  #flushError: unknown;
  bytesWritten = 0;

  private constructor(options: CardTargetOptions) {
    this.device = options.drive.device;
    this.#path = options.drive.raw || options.drive.device;
    this.#openDevice = options.openDevice;
    this.#sizeHint = options.drive.size;
  }

  /** Steps 1 and 2 of the file comment. */
  static async open(options: CardTargetOptions): Promise<CardTarget> {
    const target = new CardTarget(options);
    const { signal } = options;
    if (signal?.aborted) throw cancelled();
    try {
      await unmountDrive(options.drive);
      target.#disk = await options.openDevice(target.#path, { writable: true, sizeBytes: options.drive.size, ...(signal ? { signal } : {}) });
    } catch (error) {
      throw cardError(error, target.device, false);
    }
    target.#capacity = target.#disk.sizeBytes || target.#sizeHint || 0;
    if (options.imageBytes !== undefined && target.#capacity > 0 && options.imageBytes > target.#capacity) {
      await target.#disk.close();
      throw target.tooSmall(options.imageBytes);
    }
    try {
      const zeros = Buffer.alloc(HEAD_BYTES);
      await target.#write(zeros, 0);
      if (target.#capacity >= 2 * HEAD_BYTES) await target.#write(zeros, target.#capacity - HEAD_BYTES);
      await target.#disk.flush();
    } catch (error) {
      await target.#disk.close().catch(() => undefined);
      throw cardError(error, target.device, true);
    }
    return target;
  }

  /** Capacity in bytes (0 when unknown). */
  get capacity(): number {
    return this.#capacity;
  }

  tooSmall(imageBytes: number): ImagingError {
    return new ImagingError(ImagingErrorCode.CARD_TOO_SMALL, `${this.device} holds ${this.#capacity} bytes, the image needs ${imageBytes}`, { device: this.device, cardBytes: this.#capacity, imageBytes });
  }

  /** Write image bytes at `offset` (never inside the first MiB: that is `finish`'s). */
  async write(chunk: Buffer, offset: number): Promise<void> {
    if (this.#capacity > 0 && offset + chunk.length > this.#capacity) throw this.tooSmall(offset + chunk.length);
    try {
      if (this.#flushError !== undefined) throw this.#flushError;
      await this.#write(chunk, offset);
      this.bytesWritten = Math.max(this.bytesWritten, offset + chunk.length);
      this.#unflushed += chunk.length;
      if (this.#unflushed >= FLUSH_EVERY && !this.#flushing) {
        this.#unflushed = 0;
        const disk = this.#requireDisk();
        this.#flushing = disk.flush().then(
          () => (this.#flushing = undefined),
          (error: unknown) => {
            this.#flushError ??= error;
            this.#flushing = undefined;
          },
        );
      }
    } catch (error) {
      const failure = cardError(error, this.device, true);
      if (failure.code === ImagingErrorCode.CARD_TOO_SMALL) throw this.tooSmall(offset + chunk.length);
      throw failure;
    }
  }

  /** Step 4: flush, write the held first MiB, flush, close. */
  async finish(head: Buffer): Promise<void> {
    const disk = this.#requireDisk();
    try {
      await this.#flushing;
      if (this.#flushError !== undefined) throw this.#flushError;
      await disk.flush();
      if (head.length > 0) await this.#write(head, 0);
      this.#headWritten = head.length > 0;
      await disk.flush();
      await disk.close();
      this.#closed = true;
    } catch (error) {
      throw cardError(error, this.device, true);
    }
  }

  /**
   * Step 5: read [0, length) back and compare its XXH3 (card-hash.ts) with `expected`. Two buffers
   * take turns: the next read is under way while the last one is hashed.
   */
  async verify(length: number, expected: string, options: { signal?: AbortSignal; onProgress?: (bytes: number) => void } = {}): Promise<string> {
    let disk: RawDisk;
    try {
      disk = await this.#openDevice(this.#path, { writable: false, sizeBytes: this.#sizeHint, ...(options.signal ? { signal: options.signal } : {}) });
    } catch (error) {
      throw cardError(error, this.device, false);
    }
    const hash = cardHash();
    let actual: string;
    try {
      const chunk = Math.min(READ_CHUNK, Math.max(length, 1));
      const buffers = [Buffer.allocUnsafeSlow(chunk), Buffer.allocUnsafeSlow(chunk)];
      const readAt = async (offset: number, buffer: Buffer): Promise<Buffer> => {
        const size = Math.min(READ_CHUNK, length - offset);
        const target = buffer.subarray(0, size);
        // The bytes actually read (file-disk's `read` reports the full length even where the device
        // ended early, and the buffer's old bytes would then be hashed).
        const bytesRead = await disk.readSome(target, 0, size, offset);
        if (bytesRead < size) throw new ImagingError(ImagingErrorCode.CARD_GONE, `${this.device} ended at byte ${offset + bytesRead} while reading back`, { device: this.device });
        return target;
      };
      let turn = 0;
      let reading: Promise<Buffer> | undefined = length > 0 ? readAt(0, buffers[0]!) : undefined;
      for (let offset = 0; reading; ) {
        const data = await reading;
        const next = offset + data.length;
        if (options.signal?.aborted) throw cancelled();
        turn ^= 1;
        reading = next < length ? readAt(next, buffers[turn]!) : undefined;
        reading?.catch(() => undefined);
        hash.update(data);
        offset = next;
        options.onProgress?.(offset);
      }
      actual = hash.digest();
    } catch (error) {
      throw cardError(error, this.device, false);
    } finally {
      await disk.close().catch(() => undefined);
    }
    if (actual !== expected) {
      throw new ImagingError(ImagingErrorCode.CARD_VERIFY_FAILED, `${this.device} reads back with XXH3 ${actual}, the image has ${expected}`, { device: this.device, expected, actual });
    }
    return actual;
  }

  /**
   * Step 6: make sure the card does not look bootable (zero the first MiB) and release it. Never
   * throws: a card that is gone cannot be written, and that is fine.
   */
  async abandon(): Promise<void> {
    try {
      await this.#flushing;
      if (!this.#closed && this.#disk) {
        if (this.#headWritten) await this.#write(Buffer.alloc(HEAD_BYTES), 0);
        await this.#disk.flush().catch(() => undefined);
      } else if (this.#headWritten) {
        const disk = await this.#openDevice(this.#path, { writable: true, sizeBytes: this.#sizeHint });
        try {
          await disk.write(Buffer.alloc(HEAD_BYTES), 0, HEAD_BYTES, 0);
          await disk.flush();
        } finally {
          await disk.close();
        }
      }
    } catch {
      // gone or refused: nothing more can be done
    } finally {
      if (!this.#closed) {
        this.#closed = true;
        await this.#disk?.close().catch(() => undefined);
      }
    }
  }

  async #write(buffer: Buffer, offset: number): Promise<void> {
    const disk = this.#requireDisk();
    let done = 0;
    while (done < buffer.length) {
      const { bytesWritten } = await disk.write(buffer, done, buffer.length - done, offset + done);
      if (bytesWritten <= 0) throw Object.assign(new Error(`no progress writing ${this.device} at ${offset + done}`), { code: 'EIO' });
      done += bytesWritten;
    }
  }

  #requireDisk(): RawDisk {
    if (!this.#disk || this.#closed) throw new ImagingError(ImagingErrorCode.CARD_WRITE_FAILED, `${this.device} is not open`, { device: this.device, reason: 'closed' });
    return this.#disk;
  }
}
