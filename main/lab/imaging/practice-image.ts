/**
 * A small Ubuntu-like image for practice mode and tests, laid out as Ubuntu Server's preinstalled
 * raspi image: MBR; partition 1 FAT32 `system-boot` (bootable, at 1 MiB) holding the files that
 * release ships there (assets/lab/ubuntu-pi-system-boot/: README, cmdline.txt, config.txt,
 * network-config, user-data, meta-data) plus stand-ins for the kernel and initrd (random bytes,
 * as incompressible as the real ones); partition 2 ext4 `writable` (mkfs.ext4 -d with a minimal
 * /etc; left unformatted where e2fsprogs is missing). Compressed to `.img.xz`, with the hashes a
 * catalogue needs. The bench builds a larger one with the same code (more random and text data).
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, open, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { createCompressStream } from '@napi-rs/lzma/xz';
import type { UbuntuRelease } from '../../../preload/contract/plan';
import { UBUNTU_CODENAMES, ubuntuBootFiles } from '../../cards/ubuntu-boot-assets';
import { openBootPartition } from '../../disk/boot-partition';
import { formatFat32 } from '../../disk/fat32-format';
import { buildMbr, PARTITION_TYPE_FAT32_LBA, PARTITION_TYPE_LINUX, SECTOR_SIZE } from '../../disk/mbr';

const run = promisify(execFile);
const MIB = 1024 * 1024;

export interface PracticeImageOptions {
  release: UbuntuRelease;
  /** Whole image (default 64 MiB). */
  totalMiB?: number;
  /** system-boot partition (default 40 MiB; FAT32 needs 33 MiB at least). */
  bootMiB?: number;
  /** Random bytes split between vmlinuz and initrd.img on system-boot (default 6 MiB). */
  kernelBytes?: number;
  /** Extra random bytes in /usr/lib on writable (default 0). */
  randomRootBytes?: number;
  /** Extra text (compressible) bytes in /usr/share/doc on writable (default 0). */
  textRootBytes?: number;
  /** xz preset 0-9 (default 3). */
  xzPreset?: number;
  /** Seed so the same options give the same image (default: per release). */
  seed?: string;
}

export interface PracticeImage {
  release: UbuntuRelease;
  /** e.g. ubuntu-24.04-preinstalled-server-arm64+raspi.img.xz */
  fileName: string;
  /** The .img.xz on disk. */
  path: string;
  downloadSize: number;
  downloadSha256: string;
  extractSize: number;
  extractSha256: string;
  /** Whether `writable` holds a real ext4 file system. */
  rootFormatted: boolean;
}

/** Canonical's file name for this release (no point release: practice images are not Ubuntu's). */
export function practiceImageFileName(release: UbuntuRelease): string {
  return `ubuntu-${release}-preinstalled-server-arm64+raspi.img.xz`;
}

/** Deterministic pseudo-random bytes (so a cached image and a fresh one are byte-identical). */
function seededBytes(seed: string, length: number): Buffer {
  const out = Buffer.alloc(Math.floor(length));
  let counter = 0;
  for (let at = 0; at < out.length; ) {
    const block = createHash('sha512').update(`${seed}:${counter++}`).digest();
    at += block.copy(out, at);
  }
  return out;
}

export async function buildPracticeImage(dir: string, options: PracticeImageOptions): Promise<PracticeImage> {
  const totalMiB = options.totalMiB ?? 64;
  const bootMiB = options.bootMiB ?? 40;
  const seed = options.seed ?? `pcw-practice-${options.release}`;
  if (totalMiB < bootMiB + 9) throw new RangeError(`A ${bootMiB} MiB boot partition needs an image of at least ${bootMiB + 9} MiB`);
  await mkdir(dir, { recursive: true });
  const work = await mkdtemp(join(dir, '.build-'));
  try {
    const raw = join(work, 'image.img');
    const bootOffset = MIB;
    const bootBytes = bootMiB * MIB;
    const rootOffset = bootOffset + bootBytes;
    const rootBytes = totalMiB * MIB - rootOffset;
    const handle = await open(raw, 'w+');
    try {
      await handle.truncate(totalMiB * MIB);
      const diskId = seededBytes(seed + ':disk', 4).readUInt32LE(0) || 1;
      await handle.write(
        buildMbr(diskId, [
          { type: PARTITION_TYPE_FAT32_LBA, bootable: true, startSector: bootOffset / SECTOR_SIZE, sectors: bootBytes / SECTOR_SIZE },
          { type: PARTITION_TYPE_LINUX, startSector: rootOffset / SECTOR_SIZE, sectors: rootBytes / SECTOR_SIZE },
        ]),
        0,
        SECTOR_SIZE,
        0,
      );
      await formatFat32(handle, { offset: bootOffset, size: bootBytes, label: 'system-boot', volumeId: seededBytes(seed + ':vol', 4).readUInt32LE(0) });
    } finally {
      await handle.close();
    }
    const kernelBytes = options.kernelBytes ?? 6 * MIB;
    const files = new Map(await ubuntuBootFiles(options.release));
    files.set('vmlinuz', seededBytes(seed + ':vmlinuz', Math.floor(kernelBytes / 3)));
    files.set('initrd.img', seededBytes(seed + ':initrd', kernelBytes - Math.floor(kernelBytes / 3)));
    files.set('bcm2711-rpi-4-b.dtb', seededBytes(seed + ':dtb', 52_000));
    const boot = await openBootPartition(raw, { writable: true });
    try {
      for (const [name, data] of files) await boot.writeFile(name, data);
    } finally {
      await boot.close();
    }
    const rootFormatted = await formatWritable(raw, rootOffset, rootBytes, work, options, seed);
    return await compress(raw, dir, options.release, options.xzPreset ?? 3, rootFormatted);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** ext4 `writable` with a tiny root tree (mkfs.ext4 -d); false when e2fsprogs is not installed. */
async function formatWritable(raw: string, offset: number, size: number, work: string, options: PracticeImageOptions, seed: string): Promise<boolean> {
  const tree = join(work, 'root');
  await mkdir(join(tree, 'etc'), { recursive: true });
  await writeFile(join(tree, 'etc', 'hostname'), 'ubuntu\n');
  await writeFile(
    join(tree, 'etc', 'os-release'),
    `PRETTY_NAME="Ubuntu ${options.release} LTS"\nNAME="Ubuntu"\nVERSION_ID="${options.release}"\nVERSION_CODENAME=${UBUNTU_CODENAMES[options.release]}\nID=ubuntu\nID_LIKE=debian\n`,
  );
  if (options.randomRootBytes) {
    await mkdir(join(tree, 'usr', 'lib'), { recursive: true });
    const per = 8 * MIB;
    for (let i = 0, left = options.randomRootBytes; left > 0; i++, left -= per) {
      await writeFile(join(tree, 'usr', 'lib', `lib${i}.so`), seededBytes(`${seed}:lib${i}`, Math.min(per, left)));
    }
  }
  if (options.textRootBytes) {
    await mkdir(join(tree, 'usr', 'share', 'doc'), { recursive: true });
    const words = ['kernel', 'package', 'config', 'systemd', 'network', 'cloud-init', 'raspberry', 'ubuntu', 'service', 'module', 'firmware', 'boot', '\n'];
    const picks = seededBytes(`${seed}:text`, Math.floor(options.textRootBytes / 6));
    const text = Array.from(picks, (b) => words[b % words.length]).join(' ');
    const per = 4 * MIB;
    for (let i = 0; i * per < text.length; i++) await writeFile(join(tree, 'usr', 'share', 'doc', `notes${i}.txt`), text.slice(i * per, (i + 1) * per));
  }
  const args = ['-q', '-F', '-b', '4096', '-L', 'writable', '-U', uuidFrom(seed), '-E', `offset=${offset},lazy_itable_init=1,lazy_journal_init=1,root_owner=0:0`, '-d', tree, raw, String(Math.floor(size / 4096))];
  for (const mkfs of ['mkfs.ext4', '/usr/sbin/mkfs.ext4', '/sbin/mkfs.ext4']) {
    try {
      await run(mkfs, args, { env: { ...process.env, E2FSPROGS_FAKE_TIME: '1700000000' } });
      return true;
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'ENOENT') throw error;
    }
  }
  return false;
}

function uuidFrom(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

async function compress(raw: string, dir: string, release: UbuntuRelease, preset: number, rootFormatted: boolean): Promise<PracticeImage> {
  const fileName = practiceImageFileName(release);
  const target = join(dir, fileName);
  const extract = createHash('sha256');
  const download = createHash('sha256');
  const tap = async function* (source: AsyncIterable<Buffer>, hash: ReturnType<typeof createHash>) {
    for await (const chunk of source) {
      hash.update(chunk);
      yield chunk;
    }
  };
  await pipeline(
    createReadStream(raw, { highWaterMark: 4 * MIB }),
    (source: AsyncIterable<Buffer>) => tap(source, extract),
    createCompressStream({ preset }),
    (source: AsyncIterable<Buffer>) => tap(source, download),
    createWriteStream(`${target}.tmp`),
  );
  await rm(target, { force: true });
  await import('node:fs/promises').then((fs) => fs.rename(`${target}.tmp`, target));
  return {
    release,
    fileName,
    path: target,
    downloadSize: (await stat(target)).size,
    downloadSha256: download.digest('hex'),
    extractSize: (await stat(raw)).size,
    extractSha256: extract.digest('hex'),
    rootFormatted,
  };
}

/** A SHA256SUMS file (binary-mode lines, as Ubuntu writes them) for these images. */
export function sha256sumsText(images: readonly Pick<PracticeImage, 'fileName' | 'downloadSha256'>[]): string {
  return images.map((i) => `${i.downloadSha256} *${i.fileName}\n`).join('');
}

/** Random data helper for tests that need a damaged copy. */
export function noise(length: number): Buffer {
  return randomBytes(length);
}
