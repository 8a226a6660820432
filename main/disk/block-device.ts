/**
 * A raw device or disk-image file opened for sector access, as a file-disk `Disk` (the interface
 * balena-image-fs and partitioninfo read through). Unlike file-disk's FileDisk it
 *  - works on block devices, whose `stat().size` is 0 (the capacity comes from the caller,
 *    e.g. drivelist's `size`, or from Linux sysfs);
 *  - turns every failure into a typed DiskError (EACCES on a raw device -> NEEDS_ADMIN, ...);
 *  - notices a card pulled out mid-write: after each write it checks that the path still names
 *    the same device (inode), so a vanished /dev/sdb or an ejected virtual card ends in DEVICE_GONE
 *    instead of silently writing into a stale handle.
 */
import { open, readFile, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';
import { Disk } from 'file-disk';
import type { ReadResult, WriteResult } from 'file-disk';
import { DiskError, toDiskError } from './disk-errors';

export interface OpenBlockDeviceOptions {
  writable: boolean;
  /** Capacity in bytes when known (drivelist `size`); needed for block devices outside Linux. */
  sizeBytes?: number | null;
  /** Stops waiting for an administrator password prompt (elevated opens only). */
  signal?: AbortSignal;
}

/**
 * What boot-partition.ts needs from an opened device: a BlockDevice, or an ElevatedDevice
 * (main/disk/elevated/) whose sector I/O goes through the administrator helper.
 */
export interface RawDisk extends Disk {
  readonly path: string;
  readonly isRawDevice: boolean;
  /** Capacity in bytes; 0 when unknown. */
  readonly sizeBytes: number;
  protectFat32(start: number, bytes: number, copies: number): void;
  /**
   * Read up to `length` bytes at `position` into `buffer` at `offset`; resolves with how many were
   * read (fewer where the device ends). file-disk's `read` always reports `length`.
   */
  readSome(buffer: Buffer, offset: number, length: number, position: number): Promise<number>;
  close(): Promise<void>;
}

/** FAT32 tables declared with `protectFat32`. */
export interface Fat32Tables {
  start: number;
  end: number;
  copies: number;
  bytes: number;
}

/**
 * The writes that store `length` bytes of `buffer` at `fileOffset` on a device whose FAT32 tables
 * are `fat`: the data itself (free markers fixed inside the first table) and its copies into the
 * other tables. Shared by BlockDevice and ElevatedDevice.
 */
export function fat32Writes(fat: Fat32Tables | undefined, buffer: Buffer, bufferOffset: number, length: number, fileOffset: number): { data: Buffer; position: number }[] {
  let data = buffer.subarray(bufferOffset, bufferOffset + length);
  if (!fat) return [{ data, position: fileOffset }];
  const from = Math.max(fileOffset, fat.start);
  const to = Math.min(fileOffset + length, fat.end);
  if (from >= to) return [{ data, position: fileOffset }];
  data = fixFreeMarkers(data, fileOffset, from, to, fat.start);
  const writes = [{ data, position: fileOffset }];
  for (let copy = 1; copy < fat.copies; copy++) {
    writes.push({ data: data.subarray(from - fileOffset, to - fileOffset), position: from + copy * fat.bytes });
  }
  return writes;
}

export class BlockDevice extends Disk implements RawDisk {
  readonly path: string;
  readonly isRawDevice: boolean;
  #handle: FileHandle;
  #capacity: number;
  /** Inode of the path at open; undefined where stat cannot identify it (Windows physical drives). */
  #inode: number | undefined;
  #fat: Fat32Tables | undefined;

  private constructor(path: string, handle: FileHandle, capacity: number, inode: number | undefined, isRawDevice: boolean, writable: boolean) {
    super(!writable, false, false, false);
    this.path = path;
    this.#handle = handle;
    this.#capacity = capacity;
    this.#inode = inode;
    this.isRawDevice = isRawDevice;
  }

  static async open(path: string, options: OpenBlockDeviceOptions): Promise<BlockDevice> {
    let handle: FileHandle;
    try {
      handle = await open(path, options.writable ? 'r+' : 'r');
    } catch (error) {
      throw toDiskError(error, path, !(await isRegularFile(path)));
    }
    try {
      const info = await handle.stat();
      const isRawDevice = !info.isFile();
      const capacity = info.isFile() ? info.size : (options.sizeBytes ?? (await linuxBlockDeviceSize(path)) ?? 0);
      const inode = await stat(path).then((s) => s.ino || undefined, () => undefined);
      return new BlockDevice(path, handle, capacity, inode, isRawDevice, options.writable);
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw toDiskError(error, path);
    }
  }

  /** Capacity in bytes; 0 when it could not be determined (partition bounds are then trusted). */
  get sizeBytes(): number {
    return this.#capacity;
  }

  /**
   * Declare the FAT32 tables at [start, start + bytes * copies). Writes into the first table are
   * repeated in the other copies, and fatfs's broken "free" marker (0x0FFFFF00: it adds the EOC
   * prefix to 0, an impossible cluster number) is stored as 0, the real free value.
   */
  protectFat32(start: number, bytes: number, copies: number): void {
    this.#fat = { start, end: start + bytes, copies, bytes };
  }

  protected async _getCapacity(): Promise<number> {
    return this.#capacity;
  }

  async readSome(buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    return (await this._read(buffer, offset, length, position)).bytesRead;
  }

  protected async _read(buffer: Buffer, bufferOffset: number, length: number, fileOffset: number): Promise<ReadResult> {
    try {
      const { bytesRead } = await this.#handle.read(buffer, bufferOffset, length, fileOffset);
      if (bytesRead < length && (this.#capacity === 0 || fileOffset + length <= this.#capacity)) {
        await this.#checkPresent();
      }
      return { bytesRead, buffer };
    } catch (error) {
      throw toDiskError(error, this.path, this.isRawDevice);
    }
  }

  protected async _write(buffer: Buffer, bufferOffset: number, length: number, fileOffset: number): Promise<WriteResult> {
    try {
      const [first, ...mirrors] = fat32Writes(this.#fat, buffer, bufferOffset, length, fileOffset);
      const { bytesWritten } = await this.#handle.write(first!.data, 0, length, fileOffset);
      for (const mirror of mirrors) await this.#handle.write(mirror.data, 0, mirror.data.length, mirror.position);
      await this.#checkPresent();
      return { bytesWritten, buffer };
    } catch (error) {
      throw toDiskError(error, this.path, this.isRawDevice);
    }
  }

  protected async _flush(): Promise<void> {
    try {
      await this.#handle.sync();
      await this.#checkPresent();
    } catch (error) {
      throw toDiskError(error, this.path, this.isRawDevice);
    }
  }

  async close(): Promise<void> {
    await this.#handle.close().catch(() => undefined);
  }

  async #checkPresent(): Promise<void> {
    if (this.#inode === undefined) return;
    let inode: number | undefined;
    try {
      inode = (await stat(this.path)).ino;
    } catch {
      inode = undefined;
    }
    if (inode !== this.#inode) throw new DiskError('DEVICE_GONE', `${this.path} was removed`);
  }
}

/** Copy of `data` (written at `position`) with 0x0FFFFF00 FAT32 entries in [from, to) set to 0. */
function fixFreeMarkers(data: Buffer, position: number, from: number, to: number, fatStart: number): Buffer {
  let fixed: Buffer | undefined;
  const firstEntry = from + ((4 - ((from - fatStart) % 4)) % 4);
  for (let entry = firstEntry; entry + 4 <= to; entry += 4) {
    const at = entry - position;
    if ((data.readUInt32LE(at) & 0x0fffffff) === 0x0fffff00) {
      fixed ??= Buffer.from(data);
      fixed.writeUInt32LE(0, at);
    }
  }
  return fixed ?? data;
}

async function isRegularFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return true; // a missing path is reported as DEVICE_GONE, not as an admin problem
  }
}

/** Size of a Linux block device from sysfs (512-byte units), or undefined elsewhere. */
async function linuxBlockDeviceSize(path: string): Promise<number | undefined> {
  if (process.platform !== 'linux') return undefined;
  try {
    const sectors = Number((await readFile(`/sys/class/block/${basename(path)}/size`, 'utf8')).trim());
    return Number.isFinite(sectors) ? sectors * 512 : undefined;
  } catch {
    return undefined;
  }
}
