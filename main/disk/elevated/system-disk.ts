/**
 * "Is this the disk the computer runs from?", answered inside the administrator helper from the
 * platform's own facts, because the helper runs as root/Administrator and must not take the app's
 * word for it (the app's drive list is only a first filter):
 *  - Linux: the device (or one of its partitions) is, or lies beneath, the root file system
 *    (sysfs, through LVM/dm-crypt/md slaves); built-in eMMC storage (`/sys/.../device/type` is
 *    `MMC`; an SD card says `SD`) is a fixed disk, never a card.
 *  - macOS: `diskutil info -plist /` names the boot volume's whole disk (ParentWholeDisk), and for
 *    APFS the container and the container's physical store(s) (APFSPhysicalStores, e.g. disk0s2 ->
 *    disk0): `/`'s own st_dev names only the synthesized APFS volume, never the real disk. The
 *    target's own physical stores are checked too (an APFS container on the system disk).
 *  - Windows: `Get-Disk` reports IsBoot (holds the Windows volume) and IsSystem (holds the EFI /
 *    active system partition); the disk behind %SystemDrive% is looked up too.
 * Any fact that cannot be read makes the answer "refused" (fail closed). Node built-ins only: this
 * runs inside the helper.
 */
import { readdir, readFile } from 'node:fs/promises';
import { basename } from 'node:path';

/** A refusal the helper reports as ERROR {code: REFUSED}. */
export class HelperRefusal extends Error {
  readonly code = 'REFUSED';
}

/** How the checks reach the platform; the real commands by default, fixtures in tests. */
export interface PlatformFacts {
  /** Runs a program (absolute path, no shell) and resolves with its standard output. */
  run(file: string, args: readonly string[]): Promise<string>;
  readFile(path: string): Promise<string>;
  readdir(path: string): Promise<string[]>;
}

// ---------------------------------------------------------------------------------------------
// macOS: property lists

export type PlistValue = string | number | boolean | PlistValue[] | { [key: string]: PlistValue };

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function unescapeXml(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|lt|gt|amp|quot|apos);/gi, (_, name: string) =>
    name.startsWith('#x') || name.startsWith('#X') ? String.fromCodePoint(parseInt(name.slice(2), 16)) : name.startsWith('#') ? String.fromCodePoint(Number(name.slice(1))) : ENTITIES[name.toLowerCase()]!,
  );
}

/** Parses an XML property list (what `diskutil ... -plist` prints). Throws on anything malformed. */
export function parsePlist(xml: string): PlistValue {
  const body = xml.replace(/<\?xml[^>]*\?>/, '').replace(/<!DOCTYPE[^>]*>/, '').replace(/<!--[\s\S]*?-->/g, '');
  const tokens = [...body.matchAll(/<(\/?)([A-Za-z]+)(?:\s+[^<>]*?)?\s*(\/?)>|([^<]+)/g)].filter((m) => m[4] === undefined || m[4].trim() !== '');
  let at = 0;
  const fail = (why: string): never => {
    throw new Error(`Not a property list: ${why}`);
  };
  const expectClose = (name: string) => {
    const token = tokens[at++];
    if (!token || token[1] !== '/' || token[2] !== name) fail(`expected </${name}>`);
  };
  const text = (name: string): string => {
    // Whitespace-only text is dropped by the tokenizer, so an empty or blank element has no text token.
    const token = tokens[at];
    if (token && token[4] !== undefined) {
      at++;
      expectClose(name);
      return unescapeXml(token[4]);
    }
    expectClose(name);
    return '';
  };
  const value = (depth: number): PlistValue => {
    if (depth > 32) fail('nested too deeply');
    const token = tokens[at++];
    if (!token || token[4] !== undefined || token[1] === '/') fail('expected a value');
    const [, , name, selfClosing] = token!;
    if (selfClosing) {
      if (name === 'true') return true;
      if (name === 'false') return false;
      if (name === 'dict') return {};
      if (name === 'array') return [];
      if (name === 'string') return '';
      fail(`unexpected <${name}/>`);
    }
    switch (name) {
      case 'string':
      case 'date':
      case 'data':
        return text(name!);
      case 'integer':
      case 'real': {
        const raw = text(name!).trim();
        const number = /^-?0x[0-9a-f]+$/i.test(raw) ? Number.parseInt(raw, 16) : Number(raw);
        if (raw === '' || !Number.isFinite(number)) fail(`bad number ${raw}`);
        return number;
      }
      case 'true':
      case 'false':
        expectClose(name);
        return name === 'true';
      case 'array': {
        const items: PlistValue[] = [];
        while (tokens[at] && !(tokens[at]![1] === '/' && tokens[at]![2] === 'array')) items.push(value(depth + 1));
        expectClose('array');
        return items;
      }
      case 'dict': {
        const dict: Record<string, PlistValue> = {};
        while (tokens[at] && !(tokens[at]![1] === '/' && tokens[at]![2] === 'dict')) {
          const key = tokens[at++]!;
          if (key[2] !== 'key' || key[1] === '/') fail('expected <key>');
          const name = text('key');
          if (Object.hasOwn(dict, name)) fail(`duplicate key ${name}`);
          dict[name] = value(depth + 1);
        }
        expectClose('dict');
        return dict;
      }
      default:
        return fail(`unknown element <${name}>`);
    }
  };
  const open = tokens[at++];
  if (!open || open[2] !== 'plist' || open[1] === '/') fail('no <plist>');
  const root = value(0);
  expectClose('plist');
  if (at !== tokens.length) fail('trailing content');
  return root;
}

function dictOf(value: PlistValue): Record<string, PlistValue> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('Not a property list dictionary');
  return value;
}

/** "disk0s2" / "/dev/rdisk4" / "disk4" -> "disk4" (the whole disk); undefined for anything else. */
export function macWholeDisk(name: string): string | undefined {
  return /^(?:\/dev\/r?)?(disk\d+)(?:s\d+)*$/.exec(name)?.[1];
}

/**
 * The whole disks a `diskutil info -plist` answer depends on: its own whole disk, the APFS container
 * it lives in, and the container's physical stores.
 */
export function macDisksBehind(info: PlistValue): Set<string> {
  const dict = dictOf(info);
  if (dict.Error === true) throw new Error(`diskutil: ${String(dict.ErrorMessage ?? 'error')}`);
  const disks = new Set<string>();
  const add = (value: PlistValue | undefined) => {
    const whole = typeof value === 'string' ? macWholeDisk(value) : undefined;
    if (whole) disks.add(whole);
  };
  add(dict.DeviceIdentifier);
  add(dict.ParentWholeDisk);
  add(dict.APFSContainerReference);
  const stores = dict.APFSPhysicalStores;
  if (Array.isArray(stores)) {
    for (const store of stores) {
      if (typeof store === 'string') add(store);
      else if (typeof store === 'object' && !Array.isArray(store)) add(store.APFSPhysicalStore ?? store.DeviceIdentifier);
    }
  }
  if (disks.size === 0) throw new Error('diskutil named no disk');
  return disks;
}

const DISKUTIL = '/usr/sbin/diskutil';

async function checkMac(device: string, facts: PlatformFacts): Promise<void> {
  const target = macWholeDisk(device);
  if (!target) throw new HelperRefusal(`${device} is not a disk device (/dev/diskN or /dev/rdiskN)`);
  let system: Set<string>;
  let behindTarget: Set<string>;
  try {
    system = macDisksBehind(parsePlist(await facts.run(DISKUTIL, ['info', '-plist', '/'])));
    behindTarget = macDisksBehind(parsePlist(await facts.run(DISKUTIL, ['info', '-plist', target])));
  } catch (error) {
    throw new HelperRefusal(`cannot tell whether ${device} is the system disk (${error instanceof Error ? error.message : String(error)})`);
  }
  for (const disk of behindTarget) {
    if (system.has(disk)) throw new HelperRefusal(`${device} is (or lies on) the disk macOS runs from (${[...system].join(', ')})`);
  }
}

// ---------------------------------------------------------------------------------------------
// Windows

export interface WindowsDisk {
  Number: number;
  IsBoot: boolean;
  IsSystem: boolean;
  FriendlyName?: string;
  BusType?: string;
}

export interface WindowsDiskFacts {
  /** The disk holding %SystemDrive% (null when Windows could not say). */
  SystemDriveDiskNumber: number | null;
  Disks: WindowsDisk[];
}

/**
 * What the helper asks PowerShell (Windows 10+ ships the Storage module): every disk with IsBoot /
 * IsSystem, and the disk behind %SystemDrive%. `-InputObject @(...)` keeps a one-disk list a list.
 */
export const WINDOWS_DISK_QUERY = [
  "$ErrorActionPreference = 'Stop'",
  '$disks = @(Get-Disk | Select-Object Number, FriendlyName, BusType, IsBoot, IsSystem)',
  '$system = $null',
  'try { $system = (Get-Partition -DriveLetter $env:SystemDrive[0] | Get-Disk).Number } catch { }',
  'ConvertTo-Json -Depth 3 -InputObject @{ SystemDriveDiskNumber = $system; Disks = $disks }',
].join('; ');

/** Parses WINDOWS_DISK_QUERY's answer (Windows PowerShell 5.1's ConvertTo-Json). */
export function parseWindowsDisks(json: string): WindowsDiskFacts {
  const parsed = JSON.parse(json.replace(/^\uFEFF/, '')) as { SystemDriveDiskNumber?: unknown; Disks?: unknown };
  const list = Array.isArray(parsed.Disks) ? parsed.Disks : parsed.Disks && typeof parsed.Disks === 'object' ? [parsed.Disks] : undefined;
  if (!list) throw new Error('Get-Disk listed no disks');
  const disks = list.map((d: Record<string, unknown>) => {
    if (!Number.isInteger(d.Number) || typeof d.IsBoot !== 'boolean' || typeof d.IsSystem !== 'boolean') throw new Error('Get-Disk answered without Number/IsBoot/IsSystem');
    return { Number: d.Number as number, IsBoot: d.IsBoot, IsSystem: d.IsSystem, FriendlyName: typeof d.FriendlyName === 'string' ? d.FriendlyName : undefined, BusType: typeof d.BusType === 'string' ? d.BusType : undefined };
  });
  const system = parsed.SystemDriveDiskNumber;
  return { SystemDriveDiskNumber: Number.isInteger(system) ? (system as number) : null, Disks: disks };
}

/** Absolute path of Windows PowerShell (never found through PATH by a process running as Administrator). */
export function windowsPowerShell(env: NodeJS.ProcessEnv = process.env): string {
  const root = env.SystemRoot && /^[A-Za-z]:\\[^"<>|?*]*$/.test(env.SystemRoot) ? env.SystemRoot.replace(/\\$/, '') : 'C:\\Windows';
  return `${root}\\System32\\WindowsPowerShell\\v1.0\\powershell.exe`;
}

const WINDOWS_DRIVE = /^\\\\\.\\PhysicalDrive(\d{1,3})$/i;

async function checkWindows(device: string, facts: PlatformFacts): Promise<void> {
  const number = WINDOWS_DRIVE.exec(device)?.[1];
  if (number === undefined) throw new HelperRefusal(`${device} is not a physical drive`);
  let disks: WindowsDiskFacts;
  try {
    disks = parseWindowsDisks(await facts.run(windowsPowerShell(), ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-Command', WINDOWS_DISK_QUERY]));
  } catch (error) {
    throw new HelperRefusal(`cannot tell whether ${device} is the system disk (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`);
  }
  const disk = disks.Disks.find((d) => d.Number === Number(number));
  if (!disk) throw new HelperRefusal(`${device} is not a disk Windows lists`);
  if (disk.IsBoot || disk.IsSystem || disks.SystemDriveDiskNumber === disk.Number) {
    throw new HelperRefusal(`${device} is the disk Windows runs from (${disk.IsBoot ? 'boot' : ''}${disk.IsBoot && disk.IsSystem ? ' and ' : ''}${disk.IsSystem ? 'system' : ''}${!disk.IsBoot && !disk.IsSystem ? '%SystemDrive%' : ''} disk)`);
  }
}

// ---------------------------------------------------------------------------------------------
// Linux

/** Linux dev_t (glibc encoding) -> "major:minor". */
export function majorMinor(dev: number): string {
  const d = BigInt(dev);
  const major = ((d >> 8n) & 0xfffn) | ((d >> 32n) & ~0xfffn);
  const minor = (d & 0xffn) | ((d >> 12n) & ~0xffn);
  return `${major}:${minor}`;
}

/** Device numbers ("major:minor") of a Linux disk and its partitions, from sysfs. */
async function linuxDiskAndPartitions(number: string, facts: PlatformFacts): Promise<Set<string>> {
  const numbers = new Set([number]);
  const folder = `/sys/dev/block/${number}`;
  for (const entry of await facts.readdir(folder).catch(() => [] as string[])) {
    const dev = await facts.readFile(`${folder}/${entry}/dev`).catch(() => undefined);
    if (dev) numbers.add(dev.trim());
  }
  return numbers;
}

/** Device numbers under the root file system: its own, and (for LVM, dm-crypt, md) the devices beneath it. */
async function linuxRootDevices(rootNumber: string, facts: PlatformFacts): Promise<Set<string>> {
  const found = new Set<string>();
  const visit = async (number: string, depth: number): Promise<void> => {
    found.add(number);
    if (depth > 4) return;
    for (const slave of await facts.readdir(`/sys/dev/block/${number}/slaves`).catch(() => [] as string[])) {
      const dev = await facts.readFile(`/sys/class/block/${basename(slave)}/dev`).catch(() => undefined);
      if (dev) await visit(dev.trim(), depth + 1);
    }
  };
  await visit(rootNumber, 0);
  return found;
}

/**
 * The MMC card type the kernel reports for a Linux block device ("MMC" for eMMC, "SD", "SDIO", ...;
 * drivers/mmc/core/bus.c, type_show), or undefined when it is not an MMC device. Partitions are
 * looked up through their disk.
 */
export async function linuxMmcType(number: string, facts: Pick<PlatformFacts, 'readFile'>): Promise<string | undefined> {
  for (const path of [`/sys/dev/block/${number}/device/type`, `/sys/dev/block/${number}/../device/type`]) {
    const type = await facts.readFile(path).then((t) => t.trim(), () => undefined);
    // SCSI devices have a `type` attribute too (a number): only MMC's names count.
    if (type && /^(MMC|SD|SDIO|SDcombo)$/.test(type)) return type;
  }
  return undefined;
}

async function checkLinux(device: string, rdev: number, rootDev: number, facts: PlatformFacts): Promise<void> {
  const number = majorMinor(rdev);
  if (rdev === rootDev) throw new HelperRefusal(`${device} holds the system's root file system`);
  const disk = await linuxDiskAndPartitions(number, facts);
  for (const root of await linuxRootDevices(majorMinor(rootDev), facts)) {
    if (disk.has(root)) throw new HelperRefusal(`${device} holds the system's root file system`);
  }
  if ((await linuxMmcType(number, facts)) === 'MMC') throw new HelperRefusal(`${device} is built-in eMMC storage (a fixed disk), not an SD card`);
}

// ---------------------------------------------------------------------------------------------

export interface DeviceIdentity {
  /** st_rdev of the opened device (Linux, macOS). */
  rdev: number;
  /** st_dev of `/` (Linux). */
  rootDev: number;
}

/** Throws HelperRefusal when `device` is a system or boot disk of the running computer. */
export async function refuseSystemDisk(platform: NodeJS.Platform, device: string, identity: DeviceIdentity, facts: PlatformFacts): Promise<void> {
  if (platform === 'win32') return await checkWindows(device, facts);
  if (platform === 'darwin') {
    if (identity.rdev === identity.rootDev) throw new HelperRefusal(`${device} holds the system's root file system`);
    return await checkMac(device, facts);
  }
  return await checkLinux(device, identity.rdev, identity.rootDev, facts);
}

/** The real platform: commands without a shell, 64 KiB of output at most, 30 s at most. */
export async function realPlatformFacts(): Promise<PlatformFacts> {
  const { execFile } = await import('node:child_process');
  return {
    run: (file, args) =>
      new Promise((resolve, reject) => {
        execFile(file, [...args], { encoding: 'utf8', maxBuffer: 1 << 16, timeout: 30_000, windowsHide: true }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
      }),
    readFile: (path) => readFile(path, 'utf8'),
    readdir: (path) => readdir(path),
  };
}
