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
});
