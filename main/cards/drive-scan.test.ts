import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../disk/testing/fat-test-tools';
import { createVirtualCard } from '../lab/cards/virtual-card-image';
import { VirtualCardReaders } from '../lab/cards/virtual-card-readers';
import { ejectCommands } from './card-eject';
import type { DriveInfo } from './drive-info';
import { DriveScanner, withMmcTypes } from './drive-scan';
import { createRealEnvironment } from '../environment/real-environment';

let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir('drive-scan-'));
});
afterAll(async () => cleanup());

describe('DriveScanner', () => {
  it('lists this computer\'s drives (drivelist) on real hardware', async () => {
    const scanner = new DriveScanner({ listDrives: createRealEnvironment().drives.list });
    const changes: DriveInfo[][] = [];
    scanner.on('change', (drives) => changes.push(drives));
    const real = await scanner.rescan(); // real drivelist on this machine
    expect(changes).toHaveLength(1);
    expect(real.every((d) => typeof d.device === 'string')).toBe(true);
    await scanner.rescan();
    expect(changes).toHaveLength(1);
  });

  it('lists the practice readers\' cards and emits only when the list changes', async () => {
    const readers = new VirtualCardReaders({ dir: join(dir, 'readers'), readers: 2 });
    const image = join(dir, 'card.img');
    await createVirtualCard(image, { os: 'blank' }, { sizeBytes: 64 * 1024 * 1024 });
    const scanner = new DriveScanner({ listDrives: () => readers.list() });
    const changes: DriveInfo[][] = [];
    scanner.on('change', (drives) => changes.push(drives));
    expect(await scanner.rescan()).toEqual([]);
    expect(changes).toHaveLength(1);
    const device = await readers.insert(1, image);
    const withCard = await scanner.rescan();
    expect(changes).toHaveLength(2);
    expect(withCard.map((d) => d.device)).toEqual([device]);

    readers.lock(1);
    expect((await scanner.rescan()).find((d) => d.device === device)?.isReadOnly).toBe(true);
    expect(changes).toHaveLength(3);
    await readers.eject(1);
    expect((await scanner.rescan()).some((d) => d.device === device)).toBe(false);
    expect(changes).toHaveLength(4);
  });

  it('rescans on its own once started, until stopped', async () => {
    const readers = new VirtualCardReaders({ dir: join(dir, 'readers-2') });
    const scanner = new DriveScanner({ listDrives: () => readers.list(), intervalMs: 20 });
    scanner.start();
    try {
      await once(scanner, 'change');
      const image = join(dir, 'card-2.img');
      await createVirtualCard(image, { os: 'blank' }, { sizeBytes: 64 * 1024 * 1024 });
      const next = once(scanner, 'change');
      await readers.insert(1, image);
      const [drives] = (await next) as [DriveInfo[]];
      expect(drives.some((d) => d.description === 'Practice SD card reader 1')).toBe(true);
    } finally {
      scanner.stop();
    }
  });
});

describe('ejectCommands', () => {
  it('unmounts each mounted partition then powers the drive off on Linux; diskutil on macOS; nothing on Windows', () => {
    expect(ejectCommands({ device: '/dev/sdb' }, 'linux', ['/dev/sdb1', '/dev/sdb2'])).toEqual([
      ['udisksctl', ['unmount', '--no-user-interaction', '-b', '/dev/sdb1']],
      ['udisksctl', ['unmount', '--no-user-interaction', '-b', '/dev/sdb2']],
      ['udisksctl', ['power-off', '--no-user-interaction', '-b', '/dev/sdb']],
    ]);
    expect(ejectCommands({ device: '/dev/disk4' }, 'darwin')).toEqual([['diskutil', ['eject', '/dev/disk4']]]);
    expect(ejectCommands({ device: '\\\\.\\PhysicalDrive1' }, 'win32')).toEqual([]);
  });
});

describe('the kernel\'s MMC card type', () => {
  it('is read from sysfs for mmcblk devices only (MMC: built-in eMMC, SD: a card)', async () => {
    const sys = join(dir, 'sys');
    for (const [name, type] of [['mmcblk0', 'MMC'], ['mmcblk1', 'SD']] as const) {
      await mkdir(join(sys, 'class', 'block', name, 'device'), { recursive: true });
      await writeFile(join(sys, 'class', 'block', name, 'device', 'type'), `${type}\n`);
    }
    const drive = (device: string) => ({ device }) as DriveInfo;
    const typed = await withMmcTypes([drive('/dev/mmcblk0'), drive('/dev/mmcblk1'), drive('/dev/mmcblk2'), drive('/dev/sda'), drive('/dev/mmcblk0p1')], sys);
    expect(typed.map((d) => d.mmcType)).toEqual(['MMC', 'SD', null, undefined, undefined]);
    // The scanner applies it to what the enumeration reports.
    const scanner = new DriveScanner({ listDrives: async () => [drive('/dev/mmcblk0')], sysfsRoot: sys });
    expect((await scanner.rescan())[0]!.mmcType).toBe('MMC');
  });
});
