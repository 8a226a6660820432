/**
 * Test helpers shared by the disk and lab-card tests: build a small MBR + FAT32 image in a
 * temp folder, and run dosfstools' `fsck.fat -n` on one partition of an image.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { formatFat32 } from '../fat32-format';
import { buildMbr, PARTITION_TYPE_FAT32_LBA, SECTOR_SIZE } from '../mbr';

const run = promisify(execFile);
const MIB = 1024 * 1024;

export async function makeTempDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A sparse image: MBR with one FAT32 partition at 1 MiB of `partitionMiB` MiB, labelled `label`. */
export async function makeFat32Image(path: string, options: { partitionMiB?: number; label?: string; type?: number } = {}): Promise<{ offset: number; size: number }> {
  const size = (options.partitionMiB ?? 40) * MIB;
  const offset = MIB;
  const handle = await open(path, 'w+');
  try {
    await handle.truncate(offset + size);
    await handle.write(buildMbr(0x1234abcd, [{ type: options.type ?? PARTITION_TYPE_FAT32_LBA, startSector: offset / SECTOR_SIZE, sectors: size / SECTOR_SIZE }]), 0, SECTOR_SIZE, 0);
    await formatFat32(handle, { offset, size, label: options.label ?? 'system-boot', volumeId: 0x5ca1ab1e });
  } finally {
    await handle.close();
  }
  return { offset, size };
}

export async function hasFsckFat(): Promise<boolean> {
  try {
    await run('fsck.fat', ['--help']);
    return true;
  } catch (error) {
    return (error as { code?: unknown }).code !== 'ENOENT';
  }
}

/** Run `fsck.fat -n` (check only) on the partition at [offset, offset+size) of an image. */
export async function fsckFat(image: string, offset: number, size: number): Promise<{ ok: boolean; output: string }> {
  const { dir, cleanup } = await makeTempDir('fsck-');
  try {
    const part = join(dir, 'part.img');
    await run('dd', [`if=${image}`, `of=${part}`, 'bs=1M', `skip=${offset}`, `count=${size}`, 'iflag=skip_bytes,count_bytes', 'conv=sparse', 'status=none']);
    try {
      const { stdout, stderr } = await run('fsck.fat', ['-n', part]);
      return { ok: true, output: stdout + stderr };
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string };
      return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
    }
  } finally {
    await cleanup();
  }
}
