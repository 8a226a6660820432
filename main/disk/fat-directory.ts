/**
 * Low-level FAT table and root-directory access, for the few things fatfs gets wrong:
 * empty files must have start cluster 0 (fatfs always allocates one, which fsck.fat flags and
 * which fatfs itself cannot later write into), truncating a file must end its chain (fatfs
 * leaves the last kept cluster pointing at freed ones), and FSInfo's free count must be kept.
 * Only the root directory is handled: boot files of a Pi card live there.
 */
import type { Disk } from 'file-disk';
import type { FatGeometry } from './fat-layout';
import { SECTOR_SIZE } from './mbr';

const FREE = 0;
const EOC = 0x0fffffff;
const ATTR_LFN = 0x0f;
const ATTR_VOLUME = 0x08;

export interface RootEntry {
  /** Absolute byte offset of the 32-byte short entry on the device. */
  position: number;
  firstCluster: number;
  size: number;
  isDirectory: boolean;
}

export class FatTables {
  readonly #disk: Disk;
  readonly #g: FatGeometry;
  readonly #base: number;

  constructor(disk: Disk, partitionOffset: number, geometry: FatGeometry) {
    if (geometry.type === 'FAT12') throw new RangeError('FAT12 volumes are not supported for writing');
    this.#disk = disk;
    this.#g = geometry;
    this.#base = partitionOffset;
  }

  get #entryBytes(): number {
    return this.#g.type === 'FAT32' ? 4 : 2;
  }

  #fatPosition(cluster: number): number {
    return this.#base + this.#g.reservedSectors * SECTOR_SIZE + cluster * this.#entryBytes;
  }

  async getEntry(cluster: number): Promise<number> {
    const buffer = await this.#readAligned(this.#fatPosition(cluster), this.#entryBytes);
    return this.#g.type === 'FAT32' ? buffer.readUInt32LE(0) & 0x0fffffff : buffer.readUInt16LE(0);
  }

  /** Write one FAT entry (the disk mirrors it into the other FAT copies). */
  async setEntry(cluster: number, value: number): Promise<void> {
    const position = this.#fatPosition(cluster);
    const buffer = Buffer.alloc(this.#entryBytes);
    if (this.#g.type === 'FAT32') {
      const current = (await this.#readAligned(position, 4)).readUInt32LE(0);
      buffer.writeUInt32LE(((current & 0xf0000000) | (value & 0x0fffffff)) >>> 0, 0);
    } else {
      buffer.writeUInt16LE(value & 0xffff, 0);
    }
    await this.#writeSectorAligned(position, buffer);
  }

  isEndOfChain(value: number): boolean {
    return this.#g.type === 'FAT32' ? value >= 0x0ffffff8 : value >= 0xfff8;
  }

  async allocateCluster(): Promise<number> {
    const fat = await this.#readFat();
    for (let cluster = 2; cluster < this.#g.clusterCount + 2; cluster++) {
      if (this.#read(fat, cluster) === FREE) {
        await this.setEntry(cluster, this.#g.type === 'FAT32' ? EOC : 0xffff);
        return cluster;
      }
    }
    throw Object.assign(new Error('No free cluster'), { code: 'ENOSPC' });
  }

  async freeChain(first: number): Promise<void> {
    let cluster = first;
    for (let guard = 0; cluster >= 2 && cluster < this.#g.clusterCount + 2 && guard <= this.#g.clusterCount; guard++) {
      const next = await this.getEntry(cluster);
      await this.setEntry(cluster, FREE);
      if (this.isEndOfChain(next) || next === FREE) break;
      cluster = next;
    }
  }

  async countFreeClusters(): Promise<{ free: number; firstFree: number }> {
    const fat = await this.#readFat();
    let free = 0;
    let firstFree = 0xffffffff;
    for (let cluster = 2; cluster < this.#g.clusterCount + 2; cluster++) {
      if (this.#read(fat, cluster) === FREE) {
        free++;
        if (firstFree === 0xffffffff) firstFree = cluster;
      }
    }
    return { free, firstFree };
  }

  /** Store the free count and next-free hint in FSInfo and its backup (FAT32 only). */
  async writeFsInfo(free: number, nextFree: number): Promise<void> {
    if (this.#g.type !== 'FAT32') return;
    for (const sector of [this.#g.fsInfoSector, this.#g.fsInfoSector + 6]) {
      const position = this.#base + sector * SECTOR_SIZE;
      const info = Buffer.alloc(SECTOR_SIZE);
      await this.#disk.read(info, 0, SECTOR_SIZE, position);
      if (info.readUInt32LE(0) !== 0x41615252) continue;
      info.writeUInt32LE(free >>> 0, 488);
      info.writeUInt32LE(nextFree >>> 0, 492);
      await this.#disk.write(info, 0, SECTOR_SIZE, position);
    }
  }

  /** Find a file or folder in the root directory by its (long or short) name, case-insensitively. */
  async findRootEntry(name: string): Promise<RootEntry | undefined> {
    const wanted = name.toLowerCase();
    let longName: string[] = [];
    for (const segment of await this.#rootSegments()) {
      const dir = Buffer.alloc(segment.length);
      await this.#disk.read(dir, 0, dir.length, segment.position);
      for (let offset = 0; offset + 32 <= dir.length; offset += 32) {
        const first = dir[offset];
        if (first === 0) return undefined;
        const attr = dir[offset + 11] ?? 0;
        if (first === 0xe5) {
          longName = [];
        } else if (attr === ATTR_LFN) {
          longName.unshift(lfnPart(dir, offset));
        } else if ((attr & ATTR_VOLUME) === 0) {
          const names = [longName.join(''), shortName(dir, offset)].filter(Boolean).map((n) => n.toLowerCase());
          longName = [];
          if (names.includes(wanted)) {
            return {
              position: segment.position + offset,
              firstCluster: (dir.readUInt16LE(offset + 20) << 16) | dir.readUInt16LE(offset + 26),
              size: dir.readUInt32LE(offset + 28),
              isDirectory: (attr & 0x10) !== 0,
            };
          }
        } else {
          longName = [];
        }
      }
    }
    return undefined;
  }

  /** Point a root entry at another first cluster and set its size (the FAT chain is not touched). */
  async setClusterAndSize(entry: RootEntry, cluster: number, size: number): Promise<void> {
    const short = await this.#readAligned(entry.position, 32);
    short.writeUInt16LE(cluster >>> 16, 20);
    short.writeUInt16LE(cluster & 0xffff, 26);
    short.writeUInt32LE(size >>> 0, 28);
    await this.#writeSectorAligned(entry.position, short);
  }

  /** Absolute [position, length) ranges of the root directory. */
  async #rootSegments(): Promise<{ position: number; length: number }[]> {
    const g = this.#g;
    if (g.type !== 'FAT32') {
      const sectors = Math.ceil((g.rootEntries * 32) / SECTOR_SIZE);
      return [{ position: this.#base + (g.firstDataSector - sectors) * SECTOR_SIZE, length: sectors * SECTOR_SIZE }];
    }
    const segments: { position: number; length: number }[] = [];
    let cluster = g.rootCluster;
    while (cluster >= 2 && cluster < g.clusterCount + 2 && segments.length <= g.clusterCount) {
      segments.push({
        position: this.#base + (g.firstDataSector + (cluster - 2) * g.sectorsPerCluster) * SECTOR_SIZE,
        length: g.sectorsPerCluster * SECTOR_SIZE,
      });
      const next = await this.getEntry(cluster);
      if (this.isEndOfChain(next)) break;
      cluster = next;
    }
    return segments;
  }

  async #readFat(): Promise<Buffer> {
    const fat = Buffer.alloc(Math.ceil(((this.#g.clusterCount + 2) * this.#entryBytes) / SECTOR_SIZE) * SECTOR_SIZE);
    await this.#disk.read(fat, 0, fat.length, this.#fatPosition(0));
    return fat;
  }

  #read(fat: Buffer, cluster: number): number {
    return this.#g.type === 'FAT32' ? fat.readUInt32LE(cluster * 4) & 0x0fffffff : fat.readUInt16LE(cluster * 2);
  }

  /**
   * Raw devices (macOS /dev/rdisk, Windows \\.\PhysicalDrive) accept whole, aligned sectors only:
   * read the covering sectors and return a copy of the wanted bytes.
   */
  async #readAligned(position: number, length: number): Promise<Buffer> {
    const start = Math.floor(position / SECTOR_SIZE) * SECTOR_SIZE;
    const end = Math.ceil((position + length) / SECTOR_SIZE) * SECTOR_SIZE;
    const sectors = Buffer.alloc(end - start);
    await this.#disk.read(sectors, 0, sectors.length, start);
    return Buffer.from(sectors.subarray(position - start, position - start + length));
  }

  /** Write `data` at `position` by read-modify-write of the covering sector (aligned I/O only). */
  async #writeSectorAligned(position: number, data: Buffer): Promise<void> {
    const start = Math.floor(position / SECTOR_SIZE) * SECTOR_SIZE;
    const sector = Buffer.alloc(SECTOR_SIZE);
    await this.#disk.read(sector, 0, SECTOR_SIZE, start);
    data.copy(sector, position - start);
    await this.#disk.write(sector, 0, SECTOR_SIZE, start);
  }
}

function lfnPart(dir: Buffer, offset: number): string {
  const units: number[] = [];
  for (const [from, count] of [[1, 5], [14, 6], [28, 2]] as const) {
    for (let i = 0; i < count; i++) units.push(dir.readUInt16LE(offset + from + i * 2));
  }
  const end = units.indexOf(0);
  return String.fromCharCode(...(end >= 0 ? units.slice(0, end) : units));
}

function shortName(dir: Buffer, offset: number): string {
  const base = dir.toString('latin1', offset, offset + 8).replace(/ +$/, '');
  const ext = dir.toString('latin1', offset + 8, offset + 11).replace(/ +$/, '');
  return ext ? `${base}.${ext}` : base;
}
