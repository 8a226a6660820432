import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DriveInfo } from './drive-info';
import { appDriveDevice, assessDrives, checkWriteAllowed } from './drive-safety';
import type { DriveAssessment } from './drive-safety';

interface Fixture {
  source: string;
  appPaths: string[];
  expected: Record<string, string>;
  drives: DriveInfo[];
}

function loadFixture(name: string): Fixture {
  return JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8')) as Fixture;
}

/** 'writable', 'writable+LARGE_DRIVE', or the code of the main problem. */
function verdict(a: DriveAssessment): string {
  if (a.writable) return ['writable', ...a.warnings.map((w) => w.code)].join('+');
  return a.problems[0]!.code;
}

describe.each(['drivelist-linux.json', 'drivelist-macos.json', 'drivelist-windows.json'])('safety rules on %s', (name) => {
  const fixture = loadFixture(name);
  const assessments = assessDrives(fixture.drives, { appPaths: fixture.appPaths });

  it('offers exactly the cards, refusing system, app, virtual and empty drives with a reason', () => {
    expect(Object.fromEntries(assessments.map((a) => [a.drive.device, verdict(a)]))).toEqual(fixture.expected);
    for (const a of assessments) {
      for (const problem of a.problems) expect(problem.message.length).toBeGreaterThan(10);
    }
  });

  it('never lets anything but a confirmed, writable card be written', () => {
    for (const a of assessments) {
      if (a.writable) {
        expect(() => checkWriteAllowed(a, undefined)).toThrow(expect.objectContaining({ code: 'CONFIRMATION_REQUIRED' }));
        expect(() => checkWriteAllowed(a, a.drive.device + 'x')).toThrow(expect.objectContaining({ code: 'CONFIRMATION_REQUIRED' }));
        expect(() => checkWriteAllowed(a, a.drive.device)).not.toThrow();
      } else {
        const code = a.offered ? 'CARD_READ_ONLY' : 'DRIVE_NOT_ALLOWED';
        expect(() => checkWriteAllowed(a, a.drive.device)).toThrow(expect.objectContaining({ code }));
      }
    }
  });
});

describe('drive safety details', () => {
  const linux = loadFixture('drivelist-linux.json');
  const mmc = linux.drives.find((d) => d.device === '/dev/mmcblk0')!;

  it('recognises a non-removable internal mmcblk reader as a card, unless the system runs from it', () => {
    const [asCard] = assessDrives([mmc], { appPaths: ['/usr/bin/app'] });
    expect(asCard).toMatchObject({ isCard: true, offered: true, writable: true });
    const piHost = { ...mmc, mountpoints: [{ path: '/boot/firmware', label: 'system-boot' }, { path: '/', label: 'writable' }] };
    const [asSystem] = assessDrives([piHost], { appPaths: ['/usr/bin/app'] });
    expect(asSystem).toMatchObject({ offered: false, problems: [{ code: 'SYSTEM_DRIVE' }, { code: 'APP_DRIVE' }] });
  });

  it('finds the app drive by the longest mount point containing the app', () => {
    const drives = linux.drives.map((d) => (d.device === '/dev/sdb' ? { ...d, mountpoints: [{ path: '/media/pi-user/TOOLS', label: 'TOOLS' }] } : d));
    expect(appDriveDevice(drives, ['/media/pi-user/TOOLS/wizard.AppImage'])).toBe('/dev/sdb');
    expect(appDriveDevice(drives, ['/opt/wizard'])).toBe('/dev/sda');
  });

  it('refuses a locked card with the reason and warns about drives above 128 GB', () => {
    const locked = { ...mmc, isReadOnly: true };
    const [a] = assessDrives([locked], { appPaths: [] });
    expect(a).toMatchObject({ offered: true, writable: false });
    expect(a!.problems[0]!.message).toMatch(/write-protected.*lock switch/);
    const [big] = assessDrives([{ ...mmc, size: 256e9 }], { appPaths: [] });
    expect(big!.warnings[0]!.message).toMatch(/256 GB/);
    const [card128] = assessDrives([{ ...mmc, size: 127_865_454_592 }], { appPaths: [] });
    expect(card128!.warnings).toEqual([]);
  });

  it('treats practice-lab devices as cards', () => {
    const practice: DriveInfo = { ...mmc, device: '/tmp/lab/practice-reader-1.img', raw: '/tmp/lab/practice-reader-1.img', isSystem: false, isRemovable: true };
    const [a] = assessDrives([practice], { appPaths: ['/tmp/lab/app'], knownCardReaders: new Set([practice.device]) });
    expect(a).toMatchObject({ isCard: true, writable: true });
  });

  it('built-in eMMC is a fixed disk, never a card: Linux mmcblk of kernel type MMC, Windows bus MMC', () => {
    // The same internal mmcblk0 as above, but the kernel says its card is eMMC (a laptop's or a CM4's storage).
    const [emmc] = assessDrives([{ ...mmc, mmcType: 'MMC' }], { appPaths: ['/usr/bin/app'] });
    expect(emmc).toMatchObject({ isCard: false, offered: false, writable: false });
    expect(emmc!.problems[0]).toMatchObject({ code: 'FIXED_DISK', message: expect.stringMatching(/built-in eMMC storage/) });
    const [sd] = assessDrives([{ ...mmc, mmcType: 'SD' }], { appPaths: ['/usr/bin/app'] });
    expect(sd).toMatchObject({ isCard: true, writable: true });
    const windows = loadFixture('drivelist-windows.json').drives.find((d) => d.busType === 'SD')!;
    const [winEmmc] = assessDrives([{ ...windows, busType: 'MMC', isRemovable: false, description: 'SanDisk DA4064 eMMC', mountpoints: [] }], { appPaths: [] });
    expect(winEmmc).toMatchObject({ isCard: false, offered: false, problems: [{ code: 'FIXED_DISK' }] });
    // lsblk may call an mmc transport "MMC" for SD cards too: there the kernel's card type decides.
    const [lsblkMmc] = assessDrives([{ ...mmc, busType: 'MMC', mmcType: 'SD' }], { appPaths: [] });
    expect(lsblkMmc).toMatchObject({ isCard: true, writable: true });
    // An eMMC the system runs from says so first.
    const [root] = assessDrives([{ ...mmc, mmcType: 'MMC', mountpoints: [{ path: '/', label: 'rootfs' }] }], { appPaths: [] });
    expect(root!.problems[0]!.code).toBe('SYSTEM_DRIVE');
  });

  it('over 256 GB writing needs a second confirmation naming the drive\'s size', () => {
    const usbDisk = linux.drives.find((d) => d.device === '/dev/sdb')!;
    const [huge] = assessDrives([{ ...usbDisk, size: 512_110_190_592 }], { appPaths: [] });
    expect(huge).toMatchObject({ writable: true, needsLargeConfirmation: true, warnings: [{ code: 'VERY_LARGE_DRIVE', message: expect.stringMatching(/512 GB.*second confirmation/) }] });
    expect(() => checkWriteAllowed(huge!, '/dev/sdb')).toThrow(expect.objectContaining({ code: 'LARGE_DRIVE_CONFIRMATION_REQUIRED', message: expect.stringMatching(/512 GB.*confirm its size a second time/) }));
    expect(() => checkWriteAllowed(huge!, '/dev/sdb', 256e9)).toThrow(expect.objectContaining({ code: 'LARGE_DRIVE_CONFIRMATION_REQUIRED' }));
    expect(() => checkWriteAllowed(huge!, '/dev/sdb', 512_110_190_592)).not.toThrow();
    // The first confirmation is still needed too.
    expect(() => checkWriteAllowed(huge!, undefined, 512_110_190_592)).toThrow(expect.objectContaining({ code: 'CONFIRMATION_REQUIRED' }));
    // A card sold as 256 GB (a Pi boots from those) only carries the warning.
    const [card256] = assessDrives([{ ...usbDisk, size: 256_060_514_304 }], { appPaths: [] });
    expect(card256).toMatchObject({ needsLargeConfirmation: false, warnings: [{ code: 'LARGE_DRIVE' }] });
    expect(() => checkWriteAllowed(card256!, '/dev/sdb')).not.toThrow();
  });
});
