/**
 * The MBR (DOS) partition table in sector 0: parsing the four primary entries, and building one
 * for the practice lab's virtual cards. Raspberry Pi images (Ubuntu, Raspberry Pi OS) use MBR.
 */

export const SECTOR_SIZE = 512;

/** MBR partition type bytes that hold a FAT file system. */
export const FAT_PARTITION_TYPES: ReadonlySet<number> = new Set([0x01, 0x04, 0x06, 0x0b, 0x0c, 0x0e]);
export const PARTITION_TYPE_FAT32_LBA = 0x0c;
export const PARTITION_TYPE_LINUX = 0x83;
const PROTECTIVE_GPT = 0xee;

export interface MbrPartition {
  /** 1-based, as Linux numbers them (sdb1, mmcblk0p1). */
  index: number;
  type: number;
  bootable: boolean;
  /** Byte offset of the partition on the device. */
  offset: number;
  /** Size in bytes. */
  size: number;
}

export type PartitionTableRead =
  | { kind: 'none' }
  | { kind: 'gpt' }
  | { kind: 'mbr'; diskId: number; partitions: MbrPartition[] };

/** Parse sector 0. Returns `none` without the 0x55AA signature or entries, `gpt` for a protective MBR. */
export function parseMbr(sector0: Buffer): PartitionTableRead {
  if (sector0.length < SECTOR_SIZE || sector0[510] !== 0x55 || sector0[511] !== 0xaa) return { kind: 'none' };
  const partitions: MbrPartition[] = [];
  for (let i = 0; i < 4; i++) {
    const entry = 446 + i * 16;
    const type = sector0[entry + 4] ?? 0;
    const start = sector0.readUInt32LE(entry + 8);
    const sectors = sector0.readUInt32LE(entry + 12);
    if (type === 0 || sectors === 0) continue;
    if (type === PROTECTIVE_GPT) return { kind: 'gpt' };
    partitions.push({
      index: i + 1,
      type,
      bootable: sector0[entry] === 0x80,
      offset: start * SECTOR_SIZE,
      size: sectors * SECTOR_SIZE,
    });
  }
  // A FAT boot sector also ends in 0x55AA; a real table has at least one sane entry.
  if (partitions.length === 0) return { kind: 'none' };
  return { kind: 'mbr', diskId: sector0.readUInt32LE(440), partitions };
}

export interface MbrEntrySpec {
  type: number;
  bootable?: boolean;
  startSector: number;
  sectors: number;
}

/** Build sector 0 with up to four primary partitions (LBA addressing; CHS fields set to the LBA marker). */
export function buildMbr(diskId: number, entries: readonly MbrEntrySpec[]): Buffer {
  if (entries.length > 4) throw new RangeError('An MBR holds at most four primary partitions');
  const sector = Buffer.alloc(SECTOR_SIZE);
  sector.writeUInt32LE(diskId >>> 0, 440);
  entries.forEach((spec, i) => {
    const entry = 446 + i * 16;
    sector[entry] = spec.bootable ? 0x80 : 0x00;
    // CHS 1023/254/63 for both ends: every modern system uses the LBA fields.
    sector.set([0xfe, 0xff, 0xff], entry + 1);
    sector[entry + 4] = spec.type;
    sector.set([0xfe, 0xff, 0xff], entry + 5);
    sector.writeUInt32LE(spec.startSector, entry + 8);
    sector.writeUInt32LE(spec.sectors, entry + 12);
  });
  sector[510] = 0x55;
  sector[511] = 0xaa;
  return sector;
}
