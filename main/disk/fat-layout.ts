/**
 * FAT boot-sector (BPB) geometry: parsing any FAT12/16/32 boot sector, and choosing the
 * geometry of a new FAT32 volume the way mkfs.fat does (32 reserved sectors, two FATs,
 * 4 KiB clusters while that keeps at least 65525 clusters).
 */
import { SECTOR_SIZE } from './mbr';

export interface FatGeometry {
  type: 'FAT12' | 'FAT16' | 'FAT32';
  bytesPerSector: number;
  sectorsPerCluster: number;
  reservedSectors: number;
  fatCount: number;
  /** Sectors per FAT copy. */
  fatSectors: number;
  rootEntries: number;
  totalSectors: number;
  /** First cluster of the root directory (FAT32 only; 0 otherwise). */
  rootCluster: number;
  /** Sector of the FSInfo structure (FAT32 only; 0 otherwise). */
  fsInfoSector: number;
  firstDataSector: number;
  clusterCount: number;
  /** Label stored in the boot sector, trailing spaces removed ('' for "NO NAME"). */
  bootSectorLabel: string;
  volumeId: number;
}

/** Parse a FAT boot sector, or return undefined when the sector is not one. */
export function parseFatBootSector(sector: Buffer): FatGeometry | undefined {
  if (sector.length < SECTOR_SIZE || sector[510] !== 0x55 || sector[511] !== 0xaa) return undefined;
  const bytesPerSector = sector.readUInt16LE(11);
  const sectorsPerCluster = sector[13] ?? 0;
  const reservedSectors = sector.readUInt16LE(14);
  const fatCount = sector[16] ?? 0;
  const rootEntries = sector.readUInt16LE(17);
  const totalSectors = sector.readUInt16LE(19) || sector.readUInt32LE(32);
  const fat16Size = sector.readUInt16LE(22);
  const fatSectors = fat16Size || sector.readUInt32LE(36);
  const validSectorSize = [512, 1024, 2048, 4096].includes(bytesPerSector);
  const validCluster = sectorsPerCluster > 0 && (sectorsPerCluster & (sectorsPerCluster - 1)) === 0;
  if (!validSectorSize || !validCluster || reservedSectors === 0 || fatCount === 0 || fatSectors === 0 || totalSectors === 0) {
    return undefined;
  }
  const rootDirSectors = Math.ceil((rootEntries * 32) / bytesPerSector);
  const firstDataSector = reservedSectors + fatCount * fatSectors + rootDirSectors;
  if (firstDataSector >= totalSectors) return undefined;
  const clusterCount = Math.floor((totalSectors - firstDataSector) / sectorsPerCluster);
  const type = clusterCount < 4085 ? 'FAT12' : clusterCount < 65525 ? 'FAT16' : 'FAT32';
  const extended = type === 'FAT32' ? 64 : 36; // offset of the extended BPB
  const hasExtendedBpb = sector[extended + 2] === 0x29;
  const rawLabel = hasExtendedBpb ? sector.toString('latin1', extended + 7, extended + 18) : '';
  const label = rawLabel.replace(/[ \0]+$/, '');
  return {
    type,
    bytesPerSector,
    sectorsPerCluster,
    reservedSectors,
    fatCount,
    fatSectors,
    rootEntries,
    totalSectors,
    rootCluster: type === 'FAT32' ? sector.readUInt32LE(44) : 0,
    fsInfoSector: type === 'FAT32' ? sector.readUInt16LE(48) : 0,
    firstDataSector,
    clusterCount,
    bootSectorLabel: label === 'NO NAME' ? '' : label,
    volumeId: hasExtendedBpb ? sector.readUInt32LE(extended + 3) : 0,
  };
}

/** Smallest FAT32 volume we format: 65525 clusters of one sector plus metadata. */
export const MIN_FAT32_SECTORS = 66_600;

/** Geometry of a new FAT32 volume of `totalSectors` 512-byte sectors (Microsoft's FAT32 sizing formula). */
export function fat32Geometry(totalSectors: number): Omit<FatGeometry, 'bootSectorLabel' | 'volumeId'> {
  if (totalSectors < MIN_FAT32_SECTORS) {
    throw new RangeError(`A FAT32 volume needs at least ${MIN_FAT32_SECTORS} sectors, got ${totalSectors}`);
  }
  const reservedSectors = 32;
  const fatCount = 2;
  const compute = (sectorsPerCluster: number) => {
    const fatSectors = Math.ceil((totalSectors - reservedSectors) / ((256 * sectorsPerCluster + fatCount) / 2));
    const firstDataSector = reservedSectors + fatCount * fatSectors;
    const clusterCount = Math.floor((totalSectors - firstDataSector) / sectorsPerCluster);
    return { fatSectors, firstDataSector, clusterCount };
  };
  let sectorsPerCluster = 8;
  while (sectorsPerCluster > 1 && compute(sectorsPerCluster).clusterCount < 65_525) sectorsPerCluster /= 2;
  const { fatSectors, firstDataSector, clusterCount } = compute(sectorsPerCluster);
  return {
    type: 'FAT32',
    bytesPerSector: SECTOR_SIZE,
    sectorsPerCluster,
    reservedSectors,
    fatCount,
    fatSectors,
    rootEntries: 0,
    totalSectors,
    rootCluster: 2,
    fsInfoSector: 1,
    firstDataSector,
    clusterCount,
  };
}
