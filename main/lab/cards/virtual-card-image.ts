/**
 * Virtual SD cards for the practice lab: sparse disk-image files laid out like the real thing.
 *  - 'ubuntu': what Ubuntu Server 24.04 / 22.04 for Raspberry Pi writes on a card: MBR,
 *    partition 1 FAT32 `system-boot` (512 MiB at 1 MiB, bootable) holding the files that release
 *    ships, partition 2 `writable` (type 0x83, rest of the card; ext4 when mkfs.ext4 exists here).
 *  - 'raspios': a Raspberry Pi OS card (`bootfs` + `rootfs`), i.e. "another OS".
 *  - 'blank': zeros, no partition table (a new card).
 * Images are sparse: a "32 GB" card takes a few MiB on disk.
 */
import { execFile } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { open } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { UbuntuRelease } from '../../../preload/contract/plan';
import { ubuntuBootFiles } from '../../cards/ubuntu-boot-assets';
import { openBootPartition } from '../../disk/boot-partition';
import { formatFat32 } from '../../disk/fat32-format';
import { buildMbr, PARTITION_TYPE_FAT32_LBA, PARTITION_TYPE_LINUX, SECTOR_SIZE } from '../../disk/mbr';

const run = promisify(execFile);
const MIB = 1024 * 1024;

/** What a "32 GB" card really holds (a SanDisk 32 GB card as reported by lsblk). */
export const DEFAULT_CARD_BYTES = 31_914_983_424;
const BOOT_OFFSET = MIB;
const BOOT_BYTES = 512 * MIB;

export type VirtualCardContent = { os: 'ubuntu'; release: UbuntuRelease } | { os: 'raspios' } | { os: 'blank' };

export interface VirtualCardImage {
  path: string;
  sizeBytes: number;
  content: VirtualCardContent;
  /** Whether the second partition holds a real ext4 file system (mkfs.ext4 was available). */
  rootFormatted: boolean;
}

export interface CreateVirtualCardOptions {
  /** Card capacity in bytes (multiple of 512; an OS card needs room for boot + 256 MiB). */
  sizeBytes?: number;
  /** Size of the boot partition (default 512 MiB as Ubuntu; at least 33 MiB for FAT32). */
  bootBytes?: number;
}

/** Raspberry Pi OS (bookworm) boot files: enough to be recognised as "another OS". */
const RASPIOS_BOOT_FILES: Record<string, string> = {
  'cmdline.txt': 'console=serial0,115200 console=tty1 root=PARTUUID=4e639091-02 rootfstype=ext4 fsck.repair=yes rootwait quiet init=/usr/lib/raspberrypi-sys-mods/firstboot\n',
  'config.txt': '# For more options and information see\n# http://rptl.io/configtxt\n\ndtparam=audio=on\ncamera_auto_detect=1\ndisplay_auto_detect=1\nauto_initramfs=1\ndtoverlay=vc4-kms-v3d\nmax_framebuffers=2\ndisable_fw_kms_setup=1\narm_64bit=1\ndisable_overscan=1\narm_boost=1\n\n[cm4]\notg_mode=1\n\n[all]\n',
  'issue.txt': 'Raspberry Pi reference 2024-11-19\nGenerated using pi-gen, https://github.com/RPi-Distro/pi-gen, 891df1e21ed2b6099a2e6a13e26c91dea44b34d4, stage2\n',
};

export async function createVirtualCard(path: string, content: VirtualCardContent, options: CreateVirtualCardOptions = {}): Promise<VirtualCardImage> {
  const sizeBytes = options.sizeBytes ?? DEFAULT_CARD_BYTES;
  const bootBytes = options.bootBytes ?? BOOT_BYTES;
  if (sizeBytes % SECTOR_SIZE !== 0 || bootBytes % MIB !== 0) throw new RangeError('Card sizes must be multiples of 512 bytes, the boot partition of 1 MiB');
  if (content.os !== 'blank' && sizeBytes < BOOT_OFFSET + bootBytes + 256 * MIB) {
    throw new RangeError(`An OS card with a ${bootBytes / MIB} MiB boot partition needs at least ${BOOT_OFFSET + bootBytes + 256 * MIB} bytes`);
  }
  const handle = await open(path, 'w+');
  try {
    await handle.truncate(sizeBytes);
    if (content.os === 'blank') return { path, sizeBytes, content, rootFormatted: false };
    const rootOffset = BOOT_OFFSET + bootBytes;
    await handle.write(
      buildMbr(randomInt(1, 2 ** 32 - 1), [
        { type: PARTITION_TYPE_FAT32_LBA, bootable: true, startSector: BOOT_OFFSET / SECTOR_SIZE, sectors: bootBytes / SECTOR_SIZE },
        { type: PARTITION_TYPE_LINUX, startSector: rootOffset / SECTOR_SIZE, sectors: (sizeBytes - rootOffset) / SECTOR_SIZE },
      ]),
      0,
      SECTOR_SIZE,
      0,
    );
    await formatFat32(handle, { offset: BOOT_OFFSET, size: bootBytes, label: content.os === 'ubuntu' ? 'system-boot' : 'bootfs' });
  } finally {
    await handle.close();
  }
  const files = content.os === 'ubuntu' ? await ubuntuBootFiles(content.release) : new Map(Object.entries(RASPIOS_BOOT_FILES).map(([n, t]) => [n, Buffer.from(t)]));
  const boot = await openBootPartition(path, { writable: true });
  try {
    for (const [name, data] of files) await boot.writeFile(name, data);
  } finally {
    await boot.close();
  }
  const rootFormatted = await formatExt4(path, BOOT_OFFSET + bootBytes, sizeBytes - BOOT_OFFSET - bootBytes, content.os === 'ubuntu' ? 'writable' : 'rootfs');
  return { path, sizeBytes, content, rootFormatted };
}

/** ext4 on the second partition with e2fsprogs when installed; otherwise it stays typed but empty. */
async function formatExt4(path: string, offset: number, size: number, label: string): Promise<boolean> {
  const args = ['-q', '-F', '-b', '4096', '-L', label, '-E', `offset=${offset},lazy_itable_init=1,lazy_journal_init=1`, path, String(Math.floor(size / 4096))];
  for (const mkfs of ['mkfs.ext4', '/usr/sbin/mkfs.ext4', '/sbin/mkfs.ext4']) {
    try {
      await run(mkfs, args);
      return true;
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'ENOENT') return false;
    }
  }
  return false;
}
