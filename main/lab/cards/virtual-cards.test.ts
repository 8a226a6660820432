import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ubuntuBootFiles } from '../../cards/ubuntu-boot-assets';
import { openBootPartition } from '../../disk/boot-partition';
import { DiskError } from '../../disk/disk-errors';
import { parseMbr } from '../../disk/mbr';
import { fsckFat, hasFsckFat, makeTempDir } from '../../disk/testing/fat-test-tools';
import { createVirtualCard, DEFAULT_CARD_BYTES } from './virtual-card-image';
import { VirtualCardReaders } from './virtual-card-readers';

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;
let dir: string;
let cleanup: () => Promise<void>;
const fsckAvailable = await hasFsckFat();

beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir('virtual-cards-'));
});
afterAll(async () => cleanup());

async function readRange(path: string, offset: number, length: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, offset);
    return buffer;
  } finally {
    await handle.close();
  }
}

describe('virtual Ubuntu cards', () => {
  for (const release of ['24.04', '22.04'] as const) {
    it(`${release}: MBR, FAT32 system-boot with the files Ubuntu ships, writable partition`, async () => {
      const path = join(dir, `ubuntu-${release}.img`);
      const card = await createVirtualCard(path, { os: 'ubuntu', release });
      expect(card.sizeBytes).toBe(DEFAULT_CARD_BYTES);
      const table = parseMbr(await readRange(path, 0, 512));
      if (table.kind !== 'mbr') throw new Error('no MBR');
      expect(table.partitions.map((p) => [p.index, p.type, p.offset, p.bootable])).toEqual([
        [1, 0x0c, MIB, true],
        [2, 0x83, 513 * MIB, false],
      ]);
      expect(table.partitions[1]!.offset + table.partitions[1]!.size).toBe(DEFAULT_CARD_BYTES);

      const shipped = await ubuntuBootFiles(release);
      const boot = await openBootPartition(path);
      try {
        expect(boot.label).toBe('system-boot');
        expect(boot.geometry.type).toBe('FAT32');
        expect(await boot.listFiles()).toEqual([...shipped.keys()].sort());
        for (const [name, bytes] of shipped) expect((await boot.readFile(name)).equals(bytes), name).toBe(true);
        expect((await boot.readFile('cmdline.txt')).toString().trim().split('\n')).toHaveLength(1);
      } finally {
        await boot.close();
      }
      if (fsckAvailable) {
        const fsck = await fsckFat(path, MIB, 512 * MIB);
        expect(fsck.ok, fsck.output).toBe(true);
      }
      if (card.rootFormatted) {
        const superblock = await readRange(path, 513 * MIB + 1024, 1024);
        expect(superblock.readUInt16LE(0x38)).toBe(0xef53);
        expect(superblock.toString('latin1', 0x78, 0x78 + 8)).toBe('writable');
      }
    });
  }

  it('the shipped files tell the releases apart (as card identification needs)', async () => {
    const noble = await ubuntuBootFiles('24.04');
    const jammy = await ubuntuBootFiles('22.04');
    expect(noble.get('cmdline.txt')!.toString()).toContain('multipath=off');
    expect(jammy.get('cmdline.txt')!.toString()).not.toContain('multipath=off');
    expect(noble.get('user-data')!.toString()).toContain('ssh_pwauth: false');
    expect(jammy.get('user-data')!.toString()).toContain('ssh_pwauth: true');
  });
});

describe('other virtual cards', () => {
  it('a Raspberry Pi OS card has a bootfs FAT partition without Ubuntu files', async () => {
    const path = join(dir, 'raspios.img');
    await createVirtualCard(path, { os: 'raspios' }, { sizeBytes: 2 * GIB });
    const boot = await openBootPartition(path);
    try {
      expect(boot.label).toBe('bootfs');
      expect(await boot.listFiles()).toEqual(['cmdline.txt', 'config.txt', 'issue.txt']);
      expect((await boot.readFile('cmdline.txt')).toString()).toContain('root=PARTUUID=');
    } finally {
      await boot.close();
    }
  });

  it('a blank card is all zeros and has no partition table', async () => {
    const path = join(dir, 'blank.img');
    await createVirtualCard(path, { os: 'blank' }, { sizeBytes: 64 * MIB });
    expect((await readRange(path, 0, 4096)).every((b) => b === 0)).toBe(true);
    const error = await openBootPartition(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiskError);
    expect((error as DiskError).code).toBe('NO_PARTITION_TABLE');
  });
});

describe('VirtualCardReaders', () => {
  it('reports inserted cards in drivelist shape, locks, and ejects them', async () => {
    const image = join(dir, 'reader-card.img');
    await createVirtualCard(image, { os: 'ubuntu', release: '24.04' }, { sizeBytes: 2 * GIB });
    const readers = new VirtualCardReaders({ dir: join(dir, 'readers'), readers: 2 });
    let changes = 0;
    readers.on('change', () => changes++);
    expect(await readers.list()).toEqual([]);

    const device = await readers.insert(2, image);
    const [drive] = await readers.list();
    expect(drive).toEqual({
      enumerator: 'practice-lab',
      busType: 'SD',
      busVersion: null,
      device,
      devicePath: null,
      raw: device,
      description: 'Practice SD card reader 2',
      error: null,
      size: 2 * GIB,
      blockSize: 512,
      logicalBlockSize: 512,
      mountpoints: [],
      isReadOnly: false,
      isSystem: false,
      isVirtual: false,
      isRemovable: true,
      isCard: true,
      isSCSI: false,
      isUSB: false,
      isUAS: null,
      partitionTableType: 'mbr',
    });
    expect(readers.isVirtualDevice(device)).toBe(true);

    // Writing through the reader's device writes the card image.
    const boot = await openBootPartition(device, { writable: true, sizeBytes: drive!.size });
    await boot.writeFile('ssh', '');
    await boot.close();
    const direct = await openBootPartition(image);
    expect(await direct.exists('ssh')).toBe(true);
    await direct.close();

    readers.lock(2);
    expect((await readers.list())[0]!.isReadOnly).toBe(true);
    await expect(readers.insert(1, image)).rejects.toThrow(/already in another reader/);

    const open = await openBootPartition(device, { writable: true });
    expect(await readers.ejectDevice(device)).toBe(true);
    expect(await readers.list()).toEqual([]);
    const pulled = await open.writeFile('user-data', '#cloud-config\n').catch((e: unknown) => e);
    expect((pulled as DiskError).code).toBe('DEVICE_GONE');
    await open.close().catch(() => undefined);
    expect(changes).toBe(3);
    expect(readers.slots()).toEqual([{ reader: 1 }, { reader: 2 }]);
    // The card itself survives the eject.
    expect((await stat(image)).size).toBe(2 * GIB);
  });
});
