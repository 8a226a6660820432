/**
 * Read and write files on a card's FAT boot partition straight through the raw device or a
 * disk-image file: no mounting, no admin tools (FAT cannot be mounted on every machine, and
 * Raspberry Pi Imager does the same). Used by card preparation and by the virtual Pis.
 *
 *   const boot = await openBootPartition('/dev/sdb', { writable: true, sizeBytes: drive.size });
 *   try { await boot.writeFile('ssh', ''); } finally { await boot.close(); }
 *
 * The partition is the FAT partition labelled `system-boot` (Ubuntu), else the first FAT
 * partition. File names are relative to the partition root ('cmdline.txt', 'overlays/x.dtbo').
 * Every failure is a DiskError with a code and a human message (see disk-errors.ts).
 *
 * Files go through balena-image-fs (fatfs). fatfs updates only the first FAT, marks freed clusters
 * with an invalid value, leaves FSInfo stale and gives empty files a cluster; this module (with
 * BlockDevice.protectFat32) mirrors FAT writes into the second copy, stores freed clusters as 0,
 * gives empty root files start cluster 0 and rewrites FSInfo on close, so the volume stays clean
 * for fsck.fat and for the Pi's kernel.
 */
import type * as NodeFs from 'node:fs';
import { BlockDevice } from './block-device';
import type { RawDisk } from './block-device';
import { DiskError, toDiskError } from './disk-errors';
import { FatTables } from './fat-directory';
import { imageFs } from './image-fs';
import { parseFatBootSector } from './fat-layout';
import type { FatGeometry } from './fat-layout';
import { FAT_PARTITION_TYPES, parseMbr, SECTOR_SIZE } from './mbr';
import type { MbrPartition } from './mbr';

export const BOOT_PARTITION_LABEL = 'system-boot';

/** The files of one boot partition. Implemented on a raw FAT partition and on a mounted folder. */
export interface BootFiles {
  /** Where the files live: the device path, or the mount point. */
  readonly location: string;
  /** Volume label, e.g. 'system-boot' or 'bootfs'. */
  readonly label: string;
  readFile(name: string): Promise<Buffer>;
  /** Create or replace a file; parent folders must exist. */
  writeFile(name: string, data: Buffer | string): Promise<void>;
  /** Names in a folder of the partition (default: its root), sorted. */
  listFiles(folder?: string): Promise<string[]>;
  exists(name: string): Promise<boolean>;
  freeBytes(): Promise<number>;
  /** Flush everything to the device and release it. Always call it, also after an error. */
  close(): Promise<void>;
}

export interface BootPartition extends BootFiles {
  /** The partition's place on the device. */
  readonly partition: MbrPartition;
  readonly geometry: FatGeometry;
}

export interface OpenBootPartitionOptions {
  writable?: boolean;
  /** Device capacity when known (drivelist `size`); block devices report 0 through stat. */
  sizeBytes?: number | null;
  /**
   * Opens the device (default: BlockDevice.open). Card preparation passes one that falls back to
   * the administrator helper (main/disk/elevated/) when the raw device needs admin rights.
   */
  openDevice?: (path: string, options: { writable: boolean; sizeBytes?: number | null }) => Promise<RawDisk>;
}

export async function openBootPartition(devicePath: string, options: OpenBootPartitionOptions = {}): Promise<BootPartition> {
  const open = options.openDevice ?? ((path, o) => BlockDevice.open(path, o));
  const device = await open(devicePath, { writable: options.writable ?? false, sizeBytes: options.sizeBytes });
  try {
    const { partition, geometry } = await findBootPartition(device);
    const label = (await readRootDirectoryLabel(device, partition, geometry)) ?? geometry.bootSectorLabel;
    return new RawBootPartition(device, partition, geometry, label);
  } catch (error) {
    await device.close();
    throw toDiskError(error, devicePath, device.isRawDevice);
  }
}

/** Read the partition table and pick the boot partition. Throws NO_PARTITION_TABLE / NO_FAT_PARTITION. */
async function findBootPartition(device: RawDisk): Promise<{ partition: MbrPartition; geometry: FatGeometry }> {
  const table = parseMbr(await readExactly(device, 0, SECTOR_SIZE));
  if (table.kind === 'none') throw new DiskError('NO_PARTITION_TABLE', `${device.path} has no partition table`);
  if (table.kind === 'gpt') throw new DiskError('NO_FAT_PARTITION', `${device.path} uses a GPT partition table, not the MBR table Raspberry Pi images use`);
  const candidates: { partition: MbrPartition; geometry: FatGeometry }[] = [];
  for (const partition of table.partitions) {
    if (!FAT_PARTITION_TYPES.has(partition.type)) continue;
    if (device.sizeBytes > 0 && partition.offset + partition.size > device.sizeBytes) continue;
    const geometry = parseFatBootSector(await readExactly(device, partition.offset, SECTOR_SIZE));
    if (geometry && geometry.bytesPerSector === SECTOR_SIZE && geometry.totalSectors * SECTOR_SIZE <= partition.size) {
      candidates.push({ partition, geometry });
    }
  }
  const labelled = candidates.find((c) => c.geometry.bootSectorLabel.toLowerCase() === BOOT_PARTITION_LABEL);
  const chosen = labelled ?? candidates[0];
  if (!chosen) throw new DiskError('NO_FAT_PARTITION', `${device.path} has no FAT partition`);
  return chosen;
}

class RawBootPartition implements BootPartition {
  readonly location: string;
  #device: RawDisk;
  #tables: FatTables;
  #dirty = false;
  #closed = false;

  constructor(
    device: RawDisk,
    readonly partition: MbrPartition,
    readonly geometry: FatGeometry,
    readonly label: string,
  ) {
    this.#device = device;
    this.location = device.path;
    this.#tables = new FatTables(device, partition.offset, geometry);
    if (geometry.type === 'FAT32') {
      device.protectFat32(partition.offset + geometry.reservedSectors * SECTOR_SIZE, geometry.fatSectors * SECTOR_SIZE, geometry.fatCount);
    }
  }

  async readFile(name: string): Promise<Buffer> {
    return await this.#withFs(name, (fs) => fs.promises.readFile(fatPath(name)));
  }

  async writeFile(name: string, data: Buffer | string): Promise<void> {
    if (this.#device.readOnly) throw new DiskError('READ_ONLY', `${this.location} was opened read-only`);
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    const inRoot = !fatPath(name).slice(1).includes('/');
    try {
      await this.#markDirty();
      const existing = inRoot ? await this.#tables.findRootEntry(fatPath(name).slice(1)) : undefined;
      if (existing && !existing.isDirectory) {
        // Empty the file ourselves (fatfs truncation corrupts chains), then give it a fresh cluster.
        if (existing.firstCluster !== 0) await this.#tables.freeChain(existing.firstCluster);
        const cluster = bytes.length === 0 ? 0 : await this.#tables.allocateCluster();
        await this.#tables.setClusterAndSize(existing, cluster, 0);
        if (bytes.length === 0) return;
      }
      await this.#ensureSpace(bytes.length, existing !== undefined);
    } catch (error) {
      throw fatfsError(error, name, this.location, this.#device.isRawDevice);
    }
    await this.#withFs(name, (fs) => fs.promises.writeFile(fatPath(name), bytes));
    if (bytes.length === 0 && inRoot) {
      try {
        const entry = await this.#tables.findRootEntry(fatPath(name).slice(1));
        if (entry && entry.firstCluster !== 0) {
          await this.#tables.setClusterAndSize(entry, 0, 0);
          await this.#tables.freeChain(entry.firstCluster);
        }
      } catch (error) {
        throw fatfsError(error, name, this.location, this.#device.isRawDevice);
      }
    }
  }

  async listFiles(folder = ''): Promise<string[]> {
    const names = await this.#withFs(folder || '/', (fs) => fs.promises.readdir(fatPath(folder)));
    return names.map(String).sort();
  }

  async exists(name: string): Promise<boolean> {
    try {
      await this.#withFs(name, (fs) => fs.promises.stat(fatPath(name)));
      return true;
    } catch (error) {
      if (error instanceof DiskError && error.code === 'FILE_NOT_FOUND') return false;
      throw error;
    }
  }

  async freeBytes(): Promise<number> {
    try {
      const { free } = await this.#tables.countFreeClusters();
      return free * this.geometry.sectorsPerCluster * this.geometry.bytesPerSector;
    } catch (error) {
      throw toDiskError(error, this.location, this.#device.isRawDevice);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      if (this.#dirty) {
        const { free, firstFree } = await this.#tables.countFreeClusters();
        await this.#tables.writeFsInfo(free, firstFree);
      }
      if (!this.#device.readOnly) await this.#device.flush();
    } catch (error) {
      throw toDiskError(error, this.location, this.#device.isRawDevice);
    } finally {
      await this.#device.close();
    }
  }

  async #withFs<T>(name: string, fn: (fs: typeof NodeFs) => Promise<T>): Promise<T> {
    if (this.#closed) throw new DiskError('IO_ERROR', `${this.location} is already closed`);
    try {
      const { interact } = await imageFs();
      return await interact(this.#device, this.partition.index, fn);
    } catch (error) {
      throw fatfsError(error, name, this.location, this.#device.isRawDevice);
    }
  }

  /** Fail fast with PARTITION_FULL (fatfs would search the whole FAT, one cluster at a time). */
  async #ensureSpace(bytes: number, entryExists: boolean): Promise<void> {
    const clusterBytes = this.geometry.sectorsPerCluster * this.geometry.bytesPerSector;
    // A fresh cluster was already taken for an existing file; a new entry may grow the directory.
    const needed = Math.ceil(bytes / clusterBytes) - (entryExists ? 1 : 0) + (entryExists ? 0 : 1);
    const { free } = await this.#tables.countFreeClusters();
    if (needed > free) {
      throw new DiskError('PARTITION_FULL', `${bytes} bytes do not fit on the boot partition of ${this.location} (${free * clusterBytes} bytes free)`);
    }
  }

  /**
   * Before the first change, mark FSInfo's free count "unknown" (0xFFFFFFFF): if the card is pulled
   * before close() writes the real count, the kernel and fsck recount instead of trusting it.
   */
  async #markDirty(): Promise<void> {
    if (this.#dirty) return;
    this.#dirty = true;
    await this.#tables.writeFsInfo(0xffffffff, 0xffffffff);
  }
}

function fatPath(name: string): string {
  return '/' + name.replace(/^\/+/, '');
}

/** fatfs reports errors with codes like 'NOSPC' (no E prefix); map them to DiskErrors. */
function fatfsError(error: unknown, name: string, location: string, raw: boolean): DiskError {
  if (error instanceof DiskError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'NOENT' || code === 'ENOENT') return new DiskError('FILE_NOT_FOUND', `${name} is not on ${location}`, { cause: error });
  if (code === 'NOSPC') return toDiskError({ code: 'ENOSPC', message: String(error) }, `the boot partition of ${location}`, raw);
  if (code === 'ROFS') return new DiskError('READ_ONLY', `${location} is read-only`, { cause: error });
  if (error instanceof Error && /Unsupported filesystem|Invalid volume signature|Volume size mismatch/.test(error.message)) {
    return new DiskError('NOT_FAT', `The boot partition of ${location} is not a readable FAT file system`, { cause: error });
  }
  return toDiskError(error, location, raw);
}

/** Read exactly `length` bytes; a short read inside the device means the card is unreadable or gone. */
async function readExactly(device: RawDisk, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await device.read(buffer, 0, length, position);
  if (bytesRead < length) {
    throw new DiskError(position === 0 && bytesRead === 0 ? 'NO_PARTITION_TABLE' : 'IO_ERROR', `Could not read ${length} bytes at offset ${position} of ${device.path}`);
  }
  return buffer;
}

/** Volume label from the root directory's volume-label entry (what blkid and Windows show), if any. */
async function readRootDirectoryLabel(device: RawDisk, partition: MbrPartition, g: FatGeometry): Promise<string | undefined> {
  const rootSector = g.type === 'FAT32' ? g.firstDataSector + (g.rootCluster - 2) * g.sectorsPerCluster : g.firstDataSector - Math.ceil((g.rootEntries * 32) / g.bytesPerSector);
  const bytes = g.type === 'FAT32' ? g.sectorsPerCluster * g.bytesPerSector : Math.ceil((g.rootEntries * 32) / g.bytesPerSector) * g.bytesPerSector;
  const dir = await readExactly(device, partition.offset + rootSector * SECTOR_SIZE, bytes);
  for (let offset = 0; offset + 32 <= dir.length; offset += 32) {
    const first = dir[offset];
    if (first === 0) break;
    const attr = dir[offset + 11] ?? 0;
    if (first !== 0xe5 && attr !== 0x0f && (attr & 0x08) !== 0) {
      return dir.toString('latin1', offset, offset + 11).replace(/ +$/, '');
    }
  }
  return undefined;
}
