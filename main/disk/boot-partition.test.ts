import { execFile } from 'node:child_process';
import { chmod, open, readFile, rename, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBootPartition } from './boot-partition';
import { DiskError, toDiskError } from './disk-errors';
import { formatFat32 } from './fat32-format';
import { buildMbr, PARTITION_TYPE_FAT32_LBA, PARTITION_TYPE_LINUX, parseMbr } from './mbr';
import { fsckFat, hasFsckFat, makeFat32Image, makeTempDir } from './testing/fat-test-tools';

const MIB = 1024 * 1024;
const run = promisify(execFile);
let dir: string;
let cleanup: () => Promise<void>;
const fsckAvailable = await hasFsckFat();

beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir('boot-partition-'));
});
afterAll(async () => cleanup());

async function expectDiskError(promise: Promise<unknown>, code: DiskError['code']): Promise<DiskError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DiskError);
  expect((error as DiskError).code).toBe(code);
  return error as DiskError;
}

describe('openBootPartition on a FAT32 image', () => {
  it('reads the label, writes, lists and reads files back, and leaves a volume fsck.fat accepts', async () => {
    const image = join(dir, 'rw.img');
    const { offset, size } = await makeFat32Image(image);
    const boot = await openBootPartition(image, { writable: true });
    try {
      expect(boot.label).toBe('system-boot');
      expect(boot.geometry.type).toBe('FAT32');
      expect(boot.partition).toMatchObject({ index: 1, offset });
      const freeBefore = await boot.freeBytes();
      expect(freeBefore).toBeGreaterThan(38 * MIB);
      await boot.writeFile('cmdline.txt', 'console=tty1 root=LABEL=writable\n');
      await boot.writeFile('network-config', 'x'.repeat(20_000));
      await boot.writeFile('ssh', '');
      await boot.writeFile('cmdline.txt', 'short\n');
      await boot.writeFile('network-config', 'network: {}\n');
      expect(await boot.listFiles()).toEqual(['cmdline.txt', 'network-config', 'ssh']);
      expect((await boot.readFile('cmdline.txt')).toString()).toBe('short\n');
      expect((await boot.readFile('ssh')).length).toBe(0);
      expect(await boot.exists('ssh')).toBe(true);
      expect(await boot.exists('meta-data')).toBe(false);
      await expectDiskError(boot.readFile('meta-data'), 'FILE_NOT_FOUND');
      expect(await boot.freeBytes()).toBeLessThan(freeBefore);
    } finally {
      await boot.close();
    }
    if (fsckAvailable) {
      const fsck = await fsckFat(image, offset, size);
      expect(fsck.output).toContain('4 files');
      expect(fsck.ok, fsck.output).toBe(true);
    }
  });

  it('keeps empty files empty (start cluster 0) and can fill and empty them again', async () => {
    const image = join(dir, 'empty.img');
    const { offset, size } = await makeFat32Image(image);
    const boot = await openBootPartition(image, { writable: true });
    try {
      await boot.writeFile('ssh', '');
      await boot.writeFile('ssh', '');
      await boot.writeFile('ssh', 'now with content');
      expect((await boot.readFile('ssh')).toString()).toBe('now with content');
      await boot.writeFile('ssh', Buffer.alloc(0));
      expect((await boot.readFile('ssh')).length).toBe(0);
    } finally {
      await boot.close();
    }
    if (fsckAvailable) {
      const fsck = await fsckFat(image, offset, size);
      expect(fsck.ok, fsck.output).toBe(true);
    }
    // Re-opened, the file is still there and empty.
    const again = await openBootPartition(image);
    try {
      expect(await again.listFiles()).toEqual(['ssh']);
    } finally {
      await again.close();
    }
  });

  it.skipIf(!fsckAvailable)('formats volumes fsck.fat accepts, and reads volumes made by mkfs.fat', async () => {
    const image = join(dir, 'mkfs.img');
    const handle = await open(image, 'w+');
    await handle.truncate(65 * MIB);
    await handle.write(buildMbr(1, [{ type: PARTITION_TYPE_FAT32_LBA, startSector: 2048, sectors: 64 * 2048 }]), 0, 512, 0);
    await handle.close();
    await run('mkfs.fat', ['-F', '32', '-n', 'system-boot', '--offset', '2048', image, String(64 * 1024)]);
    const boot = await openBootPartition(image, { writable: true });
    try {
      expect(boot.label).toBe('system-boot');
      await boot.writeFile('user-data', '#cloud-config\n');
      expect((await boot.readFile('user-data')).toString()).toBe('#cloud-config\n');
    } finally {
      await boot.close();
    }
    const fsck = await fsckFat(image, MIB, 64 * MIB);
    expect(fsck.ok, fsck.output).toBe(true);
  });

  it('prefers the partition labelled system-boot and otherwise takes the first FAT partition', async () => {
    const image = join(dir, 'two.img');
    const handle = await open(image, 'w+');
    await handle.truncate(1 * MIB + 80 * MIB);
    await handle.write(
      buildMbr(2, [
        { type: PARTITION_TYPE_FAT32_LBA, startSector: 2048, sectors: 40 * 2048 },
        { type: PARTITION_TYPE_FAT32_LBA, startSector: 2048 + 40 * 2048, sectors: 40 * 2048 },
      ]),
      0,
      512,
      0,
    );
    await formatFat32(handle, { offset: MIB, size: 40 * MIB, label: 'DATA' });
    await formatFat32(handle, { offset: 41 * MIB, size: 40 * MIB, label: 'system-boot' });
    await handle.close();
    const boot = await openBootPartition(image);
    expect(boot.partition.index).toBe(2);
    await boot.close();

    const other = join(dir, 'other.img');
    await makeFat32Image(other, { label: 'bootfs' });
    const first = await openBootPartition(other);
    expect(first.label).toBe('bootfs');
    expect(first.partition.index).toBe(1);
    await first.close();
  });
});

describe('openBootPartition errors', () => {
  it('reports a blank card as having no partition table', async () => {
    const image = join(dir, 'blank.img');
    await writeFile(image, '');
    await truncate(image, 8 * MIB);
    const error = await expectDiskError(openBootPartition(image), 'NO_PARTITION_TABLE');
    expect(error.message).toMatch(/Write Ubuntu Server for Raspberry Pi/);
  });

  it('reports a card without a FAT partition', async () => {
    const image = join(dir, 'linux-only.img');
    const handle = await open(image, 'w+');
    await handle.truncate(8 * MIB);
    await handle.write(buildMbr(3, [{ type: PARTITION_TYPE_LINUX, startSector: 2048, sectors: 4096 }]), 0, 512, 0);
    await handle.close();
    expect(parseMbr((await readFile(image)).subarray(0, 512))).toMatchObject({ kind: 'mbr' });
    await expectDiskError(openBootPartition(image), 'NO_FAT_PARTITION');
  });

  it('reports a full partition as PARTITION_FULL with advice', async () => {
    const image = join(dir, 'full.img');
    await makeFat32Image(image, { partitionMiB: 34 });
    const boot = await openBootPartition(image, { writable: true });
    try {
      const error = await expectDiskError(boot.writeFile('big.bin', Buffer.alloc(40 * MIB, 1)), 'PARTITION_FULL');
      expect(error.message).toMatch(/boot partition is full/);
    } finally {
      await boot.close().catch(() => undefined);
    }
  });

  it('reports a card removed before or during a write as DEVICE_GONE', async () => {
    const image = join(dir, 'pulled.img');
    await makeFat32Image(image);
    const boot = await openBootPartition(image, { writable: true });
    await boot.writeFile('before', 'ok');
    await rename(image, join(dir, 'elsewhere.img'));
    const error = await expectDiskError(boot.writeFile('user-data', '#cloud-config\n'), 'DEVICE_GONE');
    expect(error.message).toMatch(/Put it back/);
    await boot.close().catch(() => undefined);
    await expectDiskError(openBootPartition(image), 'DEVICE_GONE');
  });

  it('refuses writes on a partition opened read-only', async () => {
    const image = join(dir, 'ro.img');
    await makeFat32Image(image);
    const boot = await openBootPartition(image);
    await expectDiskError(boot.writeFile('x', 'y'), 'READ_ONLY');
    await boot.close();
  });

  it.skipIf(process.getuid?.() !== 0)('as an ordinary user: a root-only device needs admin rights, a root-only image is refused', async () => {
    await chmod(dir, 0o755); // the folder is open to everyone, the files are not
    const image = join(dir, 'root-only.img');
    await makeFat32Image(image);
    await chmod(image, 0o600);
    const device = join(dir, 'root-only-device');
    // A character device only root may open (where this machine lets root create device nodes).
    const canMknod = await run('mknod', ['-m', '600', device, 'c', '1', '3']).then(() => true, () => false);
    const script = `
      import { openBootPartition } from ${JSON.stringify(pathToFileURL(join(import.meta.dirname, 'boot-partition.ts')).href)};
      const codes = [];
      for (const path of process.argv.slice(1)) codes.push(await openBootPartition(path, { writable: true }).then(() => 'OPENED', (e) => e.code));
      console.log(JSON.stringify(codes));`;
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, image, ...(canMknod ? [device] : [])], {
      uid: 65534,
      gid: 65534,
      cwd: process.cwd(),
      env: { ...process.env, HOME: dir },
    });
    expect(JSON.parse(stdout)).toEqual(canMknod ? ['PERMISSION_DENIED', 'NEEDS_ADMIN'] : ['PERMISSION_DENIED']);
  });

  it('maps permission errors on raw devices to NEEDS_ADMIN and on files to PERMISSION_DENIED', () => {
    const eacces = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    expect(toDiskError(eacces, '/dev/sdb', true).code).toBe('NEEDS_ADMIN');
    expect(toDiskError(eacces, '/media/user/system-boot', false).code).toBe('PERMISSION_DENIED');
    expect(toDiskError(Object.assign(new Error('x'), { code: 'EROFS' }), '/dev/sdb').code).toBe('READ_ONLY');
    expect(toDiskError(Object.assign(new Error('x'), { code: 'ENOMEDIUM' }), '/dev/sdb').code).toBe('DEVICE_GONE');
  });
});

describe('loading balena-image-fs', () => {
  it('leaves no process-wide error listeners behind (ext2fs installs rethrowing ones)', async () => {
    const { imageFs } = await import('./image-fs');
    await imageFs();
    expect(process.listeners('uncaughtException').filter((l) => String(l).includes('ExitStatus'))).toEqual([]);
    expect(process.listeners('unhandledRejection').filter((l) => String(l).includes('throw reason'))).toEqual([]);
  });
});
