/**
 * The helper's own "not the system disk" check on each platform, fed with the platform's real
 * answers (fixtures/README.md says where each comes from) or, on Linux, a sysfs tree laid out the
 * way the kernel lays it out (symlinks included).
 */
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../testing/fat-test-tools';
import { HelperRefusal, linuxMmcType, macDisksBehind, macWholeDisk, parsePlist, parseWindowsDisks, refuseSystemDisk, WINDOWS_DISK_QUERY, windowsPowerShell } from './system-disk';
import type { PlatformFacts } from './system-disk';

const fixture = (name: string) => readFile(join(import.meta.dirname, 'fixtures', name), 'utf8');

/** What a whole-disk `diskutil info -plist diskN` says (only the keys the check reads, as diskutil names them). */
function wholeDiskInfo(disk: string, stores: string[] = []): string {
  const storeXml = stores.length ? `<key>APFSPhysicalStores</key><array>${stores.map((s) => `<dict><key>APFSPhysicalStore</key><string>${s}</string></dict>`).join('')}</array>` : '';
  return `<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0">\n<dict>\n\t<key>DeviceIdentifier</key>\n\t<string>${disk}</string>\n\t<key>ParentWholeDisk</key>\n\t<string>${disk}</string>${storeXml}\n\t<key>WholeDisk</key>\n\t<true/>\n</dict>\n</plist>\n`;
}

function macFacts(answers: Record<string, string | Error>, calls: string[][] = []): PlatformFacts {
  return {
    run: async (file, args) => {
      calls.push([file, ...args]);
      const answer = answers[args.at(-1)!];
      if (answer === undefined || answer instanceof Error) throw answer ?? new Error(`diskutil: no such disk ${args.at(-1)}`);
      return answer;
    },
    readFile: async () => {
      throw new Error('no sysfs on macOS');
    },
    readdir: async () => [],
  };
}

describe('macOS: APFS hides the real disk behind `/`', () => {
  it('parses diskutil\'s property list', async () => {
    const root = parsePlist(await fixture('diskutil-info-root-apfs.plist')) as Record<string, unknown>;
    expect(root.MountPoint).toBe('/');
    expect(root.DeviceIdentifier).toBe('disk1s5s1');
    expect(root.APFSPhysicalStores).toEqual([{ APFSPhysicalStore: 'disk0s2' }]);
    expect(root.Internal).toBe(true);
    expect(root.SMARTDeviceSpecificKeysMayVaryNotGuaranteed).toEqual({});
    expect(root.MediaName).toBe('');
    expect(root.Size).toBe(500068036608);
    expect(parsePlist('<plist version="1.0"><dict><key>a&amp;b</key><string>&lt;x&gt; &#233;</string><key>n</key><integer>0x10</integer></dict></plist>')).toEqual({ 'a&b': '<x> é', n: 16 });
    for (const bad of ['', 'garbage', '<plist><dict><key>k</key></dict></plist>', '<plist><dict><key>k</key><true/><key>k</key><false/></dict></plist>', '<plist><dict/></plist><plist/>', '<plist><integer>x</integer></plist>', '<plist>' + '<array>'.repeat(40) + '</array>'.repeat(40) + '</plist>']) {
      expect(() => parsePlist(bad), bad).toThrow();
    }
  });

  it('the disks behind `/` are the container (disk1) and its physical store\'s whole disk (disk0)', async () => {
    expect(macDisksBehind(parsePlist(await fixture('diskutil-info-root-apfs.plist')))).toEqual(new Set(['disk1', 'disk0']));
    expect(macDisksBehind(parsePlist(await fixture('diskutil-info-usb-hfs.plist')))).toEqual(new Set(['disk11']));
    expect(() => macDisksBehind(parsePlist('<plist><dict><key>Error</key><true/><key>ErrorMessage</key><string>Could not find disk: disk9</string></dict></plist>'))).toThrow(/Could not find disk/);
    expect(['/dev/rdisk4', '/dev/disk4s1', 'disk0s2', 'disk1s5s1', '/dev/sda', 'disk'].map(macWholeDisk)).toEqual(['disk4', 'disk4', 'disk0', 'disk1', undefined, undefined]);
  });

  it('refuses the physical disk under APFS and the APFS container, allows a USB disk, asks diskutil by absolute path', async () => {
    const answers = {
      '/': await fixture('diskutil-info-root-apfs.plist'),
      disk0: wholeDiskInfo('disk0'),
      disk1: wholeDiskInfo('disk1', ['disk0s2']),
      disk5: wholeDiskInfo('disk5', ['disk0s3']), // another APFS container on the internal SSD
      disk11: await fixture('diskutil-info-usb-hfs.plist'),
    };
    const calls: string[][] = [];
    const identity = { rdev: 0x1000004, rootDev: 0x1000005 }; // what st_rdev / st_dev look like for the SD card and the sealed snapshot
    for (const device of ['/dev/rdisk0', '/dev/disk0', '/dev/disk0s2', '/dev/rdisk1', '/dev/disk5']) {
      const error = await refuseSystemDisk('darwin', device, identity, macFacts(answers, calls)).catch((e: unknown) => e);
      expect(error, device).toBeInstanceOf(HelperRefusal);
      expect((error as Error).message).toMatch(/disk macOS runs from \(disk1, disk0\)/);
    }
    await expect(refuseSystemDisk('darwin', '/dev/rdisk11', identity, macFacts(answers, calls))).resolves.toBeUndefined();
    expect(calls[0]).toEqual(['/usr/sbin/diskutil', 'info', '-plist', '/']);
    expect(calls.at(-1)).toEqual(['/usr/sbin/diskutil', 'info', '-plist', 'disk11']);
  });

  it('fails closed: no diskutil answer, a garbled one, or a device that is not a disk is refused', async () => {
    const identity = { rdev: 1, rootDev: 2 };
    const root = await fixture('diskutil-info-root-apfs.plist');
    await expect(refuseSystemDisk('darwin', '/dev/rdisk4', identity, macFacts({ '/': new Error('spawn /usr/sbin/diskutil ENOENT') }))).rejects.toThrow(/cannot tell whether \/dev\/rdisk4 is the system disk \(spawn/);
    await expect(refuseSystemDisk('darwin', '/dev/rdisk4', identity, macFacts({ '/': root, disk4: 'Could not find disk' }))).rejects.toThrow(/cannot tell/);
    await expect(refuseSystemDisk('darwin', '/dev/rdisk4', identity, macFacts({ '/': root }))).rejects.toThrow(/cannot tell/);
    await expect(refuseSystemDisk('darwin', '/tmp/card.img', identity, macFacts({ '/': root }))).rejects.toThrow(/not a disk device/);
  });
});

describe('Windows: Get-Disk says which disks are boot and system', () => {
  function windowsFacts(answer: string | Error, calls: string[][] = []): PlatformFacts {
    return {
      run: async (file, args) => {
        calls.push([file, ...args]);
        if (answer instanceof Error) throw answer;
        return answer;
      },
      readFile: async () => '',
      readdir: async () => [],
    };
  }
  const identity = { rdev: 0, rootDev: 0 };

  it('parses PowerShell 5.1\'s ConvertTo-Json output (also a single disk that is not a list)', async () => {
    expect(parseWindowsDisks(await fixture('get-disk-runner.json'))).toEqual({
      SystemDriveDiskNumber: 0,
      Disks: [
        { Number: 2, FriendlyName: 'Msft Virtual Disk', BusType: 'File Backed Virtual', IsBoot: false, IsSystem: false },
        { Number: 0, FriendlyName: 'Msft Virtual Disk', BusType: 'SAS', IsBoot: true, IsSystem: true },
        { Number: 1, FriendlyName: 'Msft Virtual Disk', BusType: 'SAS', IsBoot: false, IsSystem: false },
      ],
    });
    expect(parseWindowsDisks('\uFEFF{"Disks":{"Number":3,"IsBoot":false,"IsSystem":false},"SystemDriveDiskNumber":null}')).toEqual({ SystemDriveDiskNumber: null, Disks: [{ Number: 3, IsBoot: false, IsSystem: false, FriendlyName: undefined, BusType: undefined }] });
    expect(() => parseWindowsDisks('{"Disks":[{"Number":0}]}')).toThrow(/IsBoot/);
    expect(() => parseWindowsDisks('Get-Disk : Access denied')).toThrow();
  });

  it('refuses \\\\.\\PhysicalDrive0 (boot and system) and allows the runner\'s data disks', async () => {
    const runner = await fixture('get-disk-runner.json');
    const calls: string[][] = [];
    await expect(refuseSystemDisk('win32', '\\\\.\\PhysicalDrive0', identity, windowsFacts(runner, calls))).rejects.toThrow(/PhysicalDrive0 is the disk Windows runs from \(boot and system disk\)/);
    await expect(refuseSystemDisk('win32', '\\\\.\\PhysicalDrive1', identity, windowsFacts(runner))).resolves.toBeUndefined();
    await expect(refuseSystemDisk('win32', '\\\\.\\PHYSICALDRIVE2', identity, windowsFacts(runner))).resolves.toBeUndefined();
    expect(calls[0]!.slice(0, 5)).toEqual([windowsPowerShell({ SystemRoot: 'C:\\Windows' }), '-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass']);
    expect(calls[0]!.slice(5)).toEqual(['-Command', WINDOWS_DISK_QUERY]);
  });

  it('refuses a disk that holds only the EFI system partition, the %SystemDrive% disk, and disks Windows does not list', async () => {
    const laptop = await fixture('get-disk-laptop.json');
    await expect(refuseSystemDisk('win32', '\\\\.\\PhysicalDrive0', identity, windowsFacts(laptop))).rejects.toThrow(/\(boot disk\)/);
    await expect(refuseSystemDisk('win32', '\\\\.\\PhysicalDrive1', identity, windowsFacts(laptop))).rejects.toThrow(/\(system disk\)/);
    await expect(refuseSystemDisk('win32', '\\\\.\\PhysicalDrive2', identity, windowsFacts(laptop))).resolves.toBeUndefined();
    const onlyDriveLetter = JSON.stringify({ Disks: [{ Number: 4, IsBoot: false, IsSystem: false }], SystemDriveDiskNumber: 4 });
    await expect(refuseSystemDisk('win32', '\\\\.\\PhysicalDrive4', identity, windowsFacts(onlyDriveLetter))).rejects.toThrow(/%SystemDrive% disk/);
    await expect(refuseSystemDisk('win32', '\\\\.\\PhysicalDrive7', identity, windowsFacts(laptop))).rejects.toThrow(/not a disk Windows lists/);
  });

  it('fails closed when PowerShell cannot answer, and refuses anything but \\\\.\\PhysicalDriveN', async () => {
    await expect(refuseSystemDisk('win32', '\\\\.\\PhysicalDrive2', identity, windowsFacts(new Error('Get-Disk : Invalid class')))).rejects.toThrow(/cannot tell whether .*PhysicalDrive2 is the system disk/);
    await expect(refuseSystemDisk('win32', 'C:\\Windows\\System32\\config\\SAM', identity, windowsFacts('{}'))).rejects.toThrow(/not a physical drive/);
    await expect(refuseSystemDisk('win32', '\\\\.\\C:', identity, windowsFacts('{}'))).rejects.toThrow(/not a physical drive/);
  });

  it('runs PowerShell from %SystemRoot% by absolute path, never through PATH', () => {
    expect(windowsPowerShell({ SystemRoot: 'D:\\WINDOWS' })).toBe('D:\\WINDOWS\\System32\\WindowsPowerShell\\v1.0\\powershell.exe');
    expect(windowsPowerShell({ SystemRoot: '..\\evil' })).toBe('C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe');
    expect(windowsPowerShell({})).toBe('C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe');
  });
});

describe('Linux: the root file system\'s disk and built-in eMMC', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let facts: PlatformFacts;
  const dev = (major: number, minor: number) => (major << 8) | minor; // glibc encoding for small numbers

  /** A sysfs laid out like the kernel's: /sys/dev/block/M:m are symlinks into /sys/devices. */
  async function blockDevice(name: string, number: string, parent: { name: string; type?: string } | undefined, devicesPath: string) {
    const real = parent ? join(dir, devicesPath, 'block', parent.name, name) : join(dir, devicesPath, 'block', name);
    await mkdir(real, { recursive: true });
    await writeFile(join(real, 'dev'), `${number}\n`);
    if (!parent) await symlink(join(dir, devicesPath), join(real, 'device'));
    await mkdir(join(dir, 'sys/dev/block'), { recursive: true });
    await symlink(real, join(dir, 'sys/dev/block', number));
    await mkdir(join(dir, 'sys/class/block'), { recursive: true });
    await symlink(real, join(dir, 'sys/class/block', name));
    return real;
  }

  beforeAll(async () => {
    ({ dir, cleanup } = await makeTempDir('sysfs-'));
    // The eMMC of a laptop (Linux root on it), and an SD card in the built-in reader.
    const emmc = await blockDevice('mmcblk0', '179:0', undefined, 'sys/devices/pci0000:00/0000:00:1c.0/mmc_host/mmc0/mmc0:0001');
    await writeFile(join(emmc, 'device', 'type'), 'MMC\n');
    await blockDevice('mmcblk0p2', '179:2', { name: 'mmcblk0' }, 'sys/devices/pci0000:00/0000:00:1c.0/mmc_host/mmc0/mmc0:0001');
    const sd = await blockDevice('mmcblk1', '179:8', undefined, 'sys/devices/pci0000:00/0000:00:1e.0/mmc_host/mmc1/mmc1:aaaa');
    await writeFile(join(sd, 'device', 'type'), 'SD\n');
    await blockDevice('mmcblk1p1', '179:9', { name: 'mmcblk1' }, 'sys/devices/pci0000:00/0000:00:1e.0/mmc_host/mmc1/mmc1:aaaa');
    // A USB disk whose partition holds an LVM volume (dm-0) that is `/` on a second machine layout.
    const sdb = await blockDevice('sdb', '8:16', undefined, 'sys/devices/pci0000:00/usb1/1-1/host0/target0:0:0/0:0:0:0');
    await writeFile(join(sdb, 'device', 'type'), '0\n'); // SCSI devices have a `type` too (0: direct-access disk)
    await blockDevice('sdb1', '8:17', { name: 'sdb' }, 'sys/devices/pci0000:00/usb1/1-1/host0/target0:0:0/0:0:0:0');
    const dm = await blockDevice('dm-0', '254:0', undefined, 'sys/devices/virtual');
    await mkdir(join(dm, 'slaves'));
    await symlink(join(dir, 'sys/class/block/sdb1'), join(dm, 'slaves', 'sdb1'));
    facts = {
      run: async () => {
        throw new Error('no commands on Linux');
      },
      // String concatenation, not path.join: `..` after a symlink must resolve the way the kernel does.
      readFile: (path) => readFile(dir + path, 'utf8'),
      readdir: (path) => readdir(dir + path),
    };
  });
  afterAll(async () => cleanup());

  it('reads the kernel\'s MMC card type for a disk and through a partition', async () => {
    expect(await linuxMmcType('179:0', facts)).toBe('MMC');
    expect(await linuxMmcType('179:2', facts)).toBe('MMC');
    expect(await linuxMmcType('179:8', facts)).toBe('SD');
    expect(await linuxMmcType('179:9', facts)).toBe('SD');
    expect(await linuxMmcType('8:16', facts)).toBeUndefined();
  });

  it('refuses built-in eMMC even when the system does not run from it, allows the SD card', async () => {
    const rootOnSdb = { rootDev: dev(254, 0) };
    await expect(refuseSystemDisk('linux', '/dev/mmcblk0', { rdev: dev(179, 0), ...rootOnSdb }, facts)).rejects.toThrow(/built-in eMMC storage/);
    await expect(refuseSystemDisk('linux', '/dev/mmcblk1', { rdev: dev(179, 8), ...rootOnSdb }, facts)).resolves.toBeUndefined();
  });

  it('refuses the disk under `/`, through LVM, and a partition that is `/` itself', async () => {
    await expect(refuseSystemDisk('linux', '/dev/sdb', { rdev: dev(8, 16), rootDev: dev(254, 0) }, facts)).rejects.toThrow(/holds the system's root file system/);
    await expect(refuseSystemDisk('linux', '/dev/mmcblk1', { rdev: dev(179, 8), rootDev: dev(179, 9) }, facts)).rejects.toThrow(/holds the system's root file system/);
    await expect(refuseSystemDisk('linux', '/dev/sdb1', { rdev: dev(8, 17), rootDev: dev(8, 17) }, facts)).rejects.toThrow(/root file system/);
  });
});
