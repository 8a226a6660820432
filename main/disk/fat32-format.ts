/**
 * Format a region of a device or image as FAT32, byte-compatible with what `mkfs.fat -F 32`
 * writes (boot sector + FSInfo + backups at sector 6/7, two FATs, root directory in cluster 2
 * holding the volume-label entry). Used by the practice lab to build virtual SD cards on any OS,
 * without dosfstools. The result passes `fsck.fat -n`.
 */
import { randomInt } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { fat32Geometry } from './fat-layout';
import { SECTOR_SIZE } from './mbr';

const FAT_EOC = 0x0fffffff;
const FAT_MEDIA = 0x0ffffff8;

export interface Fat32FormatOptions {
  /** Byte offset of the volume (the partition start). */
  offset: number;
  /** Volume size in bytes (multiple of 512). */
  size: number;
  /** Up to 11 characters, printable ASCII, e.g. 'system-boot'. */
  label: string;
  volumeId?: number;
}

export async function formatFat32(handle: FileHandle, options: Fat32FormatOptions): Promise<void> {
  const label = checkLabel(options.label);
  const totalSectors = Math.floor(options.size / SECTOR_SIZE);
  const g = fat32Geometry(totalSectors);
  const volumeId = options.volumeId ?? randomInt(0, 2 ** 32 - 1);
  const write = async (sector: number, data: Buffer) => {
    await handle.write(data, 0, data.length, options.offset + sector * SECTOR_SIZE);
  };

  const boot = Buffer.alloc(SECTOR_SIZE);
  boot.set([0xeb, 0x58, 0x90], 0);
  boot.write('mkfs.fat', 3, 'latin1');
  boot.writeUInt16LE(SECTOR_SIZE, 11);
  boot[13] = g.sectorsPerCluster;
  boot.writeUInt16LE(g.reservedSectors, 14);
  boot[16] = g.fatCount;
  boot[21] = 0xf8; // fixed disk
  boot.writeUInt16LE(63, 24); // sectors per track (geometry hint only)
  boot.writeUInt16LE(255, 26); // heads
  boot.writeUInt32LE(options.offset / SECTOR_SIZE, 28); // hidden sectors = partition start
  boot.writeUInt32LE(totalSectors, 32);
  boot.writeUInt32LE(g.fatSectors, 36);
  boot.writeUInt32LE(g.rootCluster, 44);
  boot.writeUInt16LE(g.fsInfoSector, 48);
  boot.writeUInt16LE(6, 50); // backup boot sector
  boot[64] = 0x80; // drive number
  boot[66] = 0x29; // extended boot signature
  boot.writeUInt32LE(volumeId >>> 0, 67);
  boot.write(label.padEnd(11, ' '), 71, 'latin1');
  boot.write('FAT32   ', 82, 'latin1');
  // Non-bootable stub, as mkfs.fat: print a message and wait for a key.
  boot.set([0x0e, 0x1f, 0xbe, 0x77, 0x7c, 0xac, 0x22, 0xc0, 0x74, 0x0b, 0x56, 0xb4, 0x0e, 0xbb, 0x07, 0x00, 0xcd, 0x10, 0x5e, 0xeb, 0xf0, 0x32, 0xe4, 0xcd, 0x16, 0xcd, 0x19, 0xeb, 0xfe], 90);
  boot.write('This is not a bootable disk.  Please insert a bootable floppy and\r\npress any key to try again ... \r\n', 119, 'latin1');
  boot[510] = 0x55;
  boot[511] = 0xaa;

  const fsInfo = Buffer.alloc(SECTOR_SIZE);
  fsInfo.writeUInt32LE(0x41615252, 0);
  fsInfo.writeUInt32LE(0x61417272, 484);
  fsInfo.writeUInt32LE(g.clusterCount - 1, 488); // every cluster but the root directory's is free
  fsInfo.writeUInt32LE(3, 492); // next free cluster hint
  fsInfo.writeUInt32LE(0xaa550000, 508);

  // Zero the reserved area first (it may hold an older file system's metadata).
  await write(0, Buffer.alloc(g.reservedSectors * SECTOR_SIZE));
  await write(0, boot);
  await write(1, fsInfo);
  await write(6, boot);
  await write(7, fsInfo);

  const fatBytes = g.fatSectors * SECTOR_SIZE;
  const fat = Buffer.alloc(fatBytes);
  fat.writeUInt32LE(FAT_MEDIA, 0);
  fat.writeUInt32LE(FAT_EOC, 4);
  fat.writeUInt32LE(FAT_EOC, 8); // root directory: one cluster
  for (let copy = 0; copy < g.fatCount; copy++) {
    await write(g.reservedSectors + copy * g.fatSectors, fat);
  }

  const root = Buffer.alloc(g.sectorsPerCluster * SECTOR_SIZE);
  if (label) {
    root.write(label.padEnd(11, ' '), 0, 'latin1');
    root[11] = 0x08; // ATTR_VOLUME_ID
    writeDosTimestamp(root, new Date());
  }
  await write(g.firstDataSector, root);
}

function checkLabel(label: string): string {
  if (label.length > 11 || !/^[\x20-\x7e]*$/.test(label) || /["*+,./:;<=>?[\\\]|]/.test(label)) {
    throw new RangeError(`Invalid FAT volume label ${JSON.stringify(label)}: at most 11 printable ASCII characters, no punctuation like . : / \\`);
  }
  return label;
}

/** Write-time and write-date fields (offsets 22 and 24) of a directory entry. */
function writeDosTimestamp(entry: Buffer, date: Date): void {
  const time = (date.getHours() << 11) | (date.getMinutes() << 5) | (date.getSeconds() >> 1);
  const day = ((date.getFullYear() - 1980) << 9) | ((date.getMonth() + 1) << 5) | date.getDate();
  entry.writeUInt16LE(time, 22);
  entry.writeUInt16LE(day, 24);
}
