import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { cp, mkdir, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { openBootPartition } from '../disk/boot-partition';
import { SECTOR_SIZE } from '../disk/mbr';
import { fsckFat, hasFsckFat, makeTempDir } from '../disk/testing/fat-test-tools';
import { createVirtualCard } from '../lab/cards/virtual-card-image';
import type { VirtualCardContent } from '../lab/cards/virtual-card-image';
import { VirtualCardReaders } from '../lab/cards/virtual-card-readers';
import { identifyCard } from './card-identify';
import { prepareCard } from './card-writer';
import type { PrepareCardRequest, PrepareProgress } from './card-writer';
import type { DriveInfo } from './drive-info';
import { testPlan, wifiPlan } from './testing/plan-fixtures';
import { ubuntuBootAssetsDir, ubuntuBootFiles } from './ubuntu-boot-assets';

const MIB = 1024 * 1024;
const CARD_BYTES = 2048 * MIB;
let dir: string;
let cleanup: () => Promise<void>;
let readers: VirtualCardReaders;
let cardNumber = 0;
const fsckAvailable = await hasFsckFat();

beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir('card-writer-'));
  readers = new VirtualCardReaders({ dir: join(dir, 'readers'), readers: 4 });
});
afterAll(async () => cleanup());

/** A new virtual card in reader 1 (emptied first); returns its device and image. */
async function insertCard(content: VirtualCardContent, options: { locked?: boolean } = {}): Promise<{ device: string; image: string }> {
  await readers.eject(1);
  const image = join(dir, `card-${++cardNumber}.img`);
  await createVirtualCard(image, content, { sizeBytes: CARD_BYTES });
  const device = await readers.insert(1, image, options);
  return { device, image };
}

async function request(device: string, overrides: Partial<PrepareCardRequest> = {}): Promise<PrepareCardRequest> {
  return {
    plan: testPlan(),
    hostname: 'pi-01',
    device,
    confirmDevice: device,
    drives: await readers.list(),
    safety: { appPaths: ['/opt/pi-cluster-wizard/app'], knownCardReaders: new Set([device]) },
    eject: async (drive) => ({ ejected: await readers.ejectDevice(drive.device), code: 'practice-ejected', message: 'Practice card ejected.' }),
    ...overrides,
  };
}

async function readCardFiles(image: string): Promise<Map<string, string>> {
  const boot = await openBootPartition(image);
  try {
    const files = new Map<string, string>();
    for (const name of await boot.listFiles()) files.set(name, (await boot.readFile(name)).toString('utf8'));
    return files;
  } finally {
    await boot.close();
  }
}

async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  const error = await promise.then(
    () => {
      throw new Error('expected the preparation to fail');
    },
    (e: unknown) => e as { code: string; message: string },
  );
  return error;
}

describe('prepareCard on virtual cards', () => {
  it('writes, verifies and ejects a 24.04 card, and every file parses as Ubuntu will read it', async () => {
    const { device, image } = await insertCard({ os: 'ubuntu', release: '24.04' });
    const shipped = await ubuntuBootFiles('24.04');
    const progress: PrepareProgress[] = [];
    const report = await prepareCard(await request(device, { onProgress: (p) => progress.push(p) }));

    expect(report).toMatchObject({ hostname: 'pi-01', release: '24.04', via: 'raw', drive: { device, description: 'Practice SD card reader 1', size: CARD_BYTES }, eject: { ejected: true } });
    expect(report.files.map((f) => f.name)).toEqual(['cmdline.txt.orig', 'cmdline.txt', 'ssh', 'network-config', 'user-data', 'meta-data']);
    for (const f of report.files) expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(Date.parse(report.finishedAt)).toBeGreaterThanOrEqual(Date.parse(report.startedAt));
    expect(progress.map((p) => p.phase)).toEqual(expect.arrayContaining(['checking', 'writing', 'verifying', 'ejecting']));
    expect(progress.at(-1)!.fraction).toBe(1);
    expect(progress.map((p) => p.fraction)).toEqual([...progress.map((p) => p.fraction)].sort((a, b) => a - b));
    expect(await readers.list()).toEqual([]); // ejected from the reader

    const files = await readCardFiles(image);
    expect(files.get('cmdline.txt.orig')).toBe(shipped.get('cmdline.txt')!.toString());
    expect(files.get('cmdline.txt')).toBe(`cgroup_enable=memory cgroup_memory=1 ${shipped.get('cmdline.txt')!.toString()}`);
    expect(files.get('ssh')).toBe('');
    expect(files.get('config.txt')).toBe(shipped.get('config.txt')!.toString());
    const network = parse(files.get('network-config')!, { version: '1.1' }) as { network: { ethernets: { eth0: { addresses: string[] } } } };
    expect(network.network.ethernets.eth0.addresses).toEqual(['192.168.1.101/24']);
    const userData = files.get('user-data')!;
    expect(userData.startsWith('#cloud-config\n')).toBe(true);
    expect((parse(userData, { version: '1.1' }) as { hostname: string }).hostname).toBe('pi-01');
    // The node's host key: the private half only on the card, the report names the public half.
    const sshKeys = (parse(userData, { version: '1.1' }) as { ssh_keys: Record<string, string> }).ssh_keys;
    expect(sshKeys['ed25519_private']).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----\n/);
    expect(sshKeys['ed25519_public']!.trim()).toBe(report.hostKey.publicKey);
    expect(report.hostKey).toMatchObject({ keyType: 'ssh-ed25519', fingerprint: expect.stringMatching(/^SHA256:[A-Za-z0-9+/]{43}$/) });
    expect(JSON.stringify(report)).not.toContain('PRIVATE KEY');
    expect(JSON.stringify(report)).not.toContain(sshKeys['ed25519_private']!.split('\n')[2]);
    const meta = parse(files.get('meta-data')!, { version: '1.1' }) as Record<string, string>;
    expect(meta['instance-id']).toBe(report.instanceId);
    if (fsckAvailable) {
      const fsck = await fsckFat(image, MIB, 512 * MIB);
      expect(fsck.ok, fsck.output).toBe(true);
    }
    expect(await identifyCard({ device: image, raw: image, size: CARD_BYTES, mountpoints: [] })).toMatchObject({ kind: 'ubuntu', release: '24.04', preparedFor: 'pi-01' });
  });

  it('re-preparing keeps one copy of the cgroup flags, the original backup, and changes the instance-id', async () => {
    const { device, image } = await insertCard({ os: 'ubuntu', release: '22.04' });
    const plan = wifiPlan('Caf\u00e9 "Pi": #1', { country: 'CN', hidden: true });
    const first = await prepareCard(await request(device, { plan, hostname: 'pi-02' }));
    const afterFirst = await readCardFiles(image);
    await readers.insert(1, image);
    const second = await prepareCard(await request(device, { plan, hostname: 'pi-02' }));
    const afterSecond = await readCardFiles(image);

    expect(second.instanceId).not.toBe(first.instanceId);
    expect(second.hostKey.fingerprint).not.toBe(first.hostKey.fingerprint); // a new card, a new host key
    expect(second.files.map((f) => f.name)).not.toContain('cmdline.txt.orig');
    expect(afterSecond.get('cmdline.txt')).toBe(afterFirst.get('cmdline.txt'));
    expect(afterSecond.get('cmdline.txt')!.match(/cgroup_enable=memory/g)).toHaveLength(1);
    expect(afterSecond.get('cmdline.txt')).toMatch(/^cgroup_enable=memory cgroup_memory=1 cfg80211\.ieee80211_regdom=CN console=serial0/);
    expect(afterSecond.get('cmdline.txt.orig')).toBe((await ubuntuBootFiles('22.04')).get('cmdline.txt')!.toString());
    const network = parse(afterSecond.get('network-config')!, { version: '1.1' }) as { network: { wifis: { wlan0: { 'access-points': Record<string, { hidden: boolean }> } } } };
    expect(Object.keys(network.network.wifis.wlan0['access-points'])).toEqual(['Caf\u00e9 "Pi": #1']);
    expect((parse(afterSecond.get('user-data')!, { version: '1.1' }) as { packages: string[] }).packages).toEqual(['linux-modules-extra-raspi']);
    if (fsckAvailable) expect((await fsckFat(image, MIB, 512 * MIB)).ok).toBe(true);
  });

  it.each([
    ['a blank card', { os: 'blank' } as const, 'NOT_UBUNTU', /blank card/],
    ['a Raspberry Pi OS card', { os: 'raspios' } as const, 'NOT_UBUNTU', /Raspberry Pi OS/],
  ])('refuses %s and says what to do', async (_what, content, code, message) => {
    const { device } = await insertCard(content);
    const error = await failure(prepareCard(await request(device)));
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
    expect(error.message).toMatch(/Write Ubuntu Server 24.04 or 22.04/);
  });

  it('refuses a locked card and an unconfirmed drive without touching the card', async () => {
    const { device, image } = await insertCard({ os: 'ubuntu', release: '24.04' }, { locked: true });
    const before = await bootRegionDigest(image);
    expect((await failure(prepareCard(await request(device)))).code).toBe('CARD_READ_ONLY');
    readers.lock(1, false);
    const unconfirmed = await failure(prepareCard(await request(device, { confirmDevice: '/dev/sda' })));
    expect(unconfirmed.code).toBe('CONFIRMATION_REQUIRED');
    expect(unconfirmed.message).toContain(device);
    expect(await bootRegionDigest(image)).toBe(before);
  });

  it('a drive over 256 GB is written only after the second confirmation of its size', async () => {
    const { device, image } = await insertCard({ os: 'ubuntu', release: '24.04' });
    const before = await bootRegionDigest(image);
    // As a real 512 GB USB disk would be listed (not a practice device, so no practice exemption).
    const drives = (await readers.list()).map((d) => (d.device === device ? { ...d, size: 512_110_190_592 } : d));
    const safety = { appPaths: ['/opt/pi-cluster-wizard/app'] };
    const refused = await failure(prepareCard(await request(device, { drives, safety })));
    expect(refused.code).toBe('LARGE_DRIVE_CONFIRMATION_REQUIRED');
    expect(refused.message).toMatch(/512 GB/);
    expect(await bootRegionDigest(image)).toBe(before);
    const report = await prepareCard(await request(device, { drives, safety, confirmLargeDrive: 512_110_190_592 }));
    expect(report.hostname).toBe('pi-01');
    expect(await bootRegionDigest(image)).not.toBe(before);
  });

  it('a card pulled out while it is written ends in DEVICE_GONE and no report', async () => {
    const { device } = await insertCard({ os: 'ubuntu', release: '24.04' });
    let pulled = false;
    const error = await failure(
      prepareCard(
        await request(device, {
          onProgress: (p) => {
            if (p.phase === 'writing' && !pulled) {
              pulled = true;
              void readers.eject(1);
            }
          },
        }),
      ),
    );
    expect(pulled).toBe(true);
    expect(error.code).toBe('DEVICE_GONE');
    expect(error.message).toMatch(/not ready.*Put it back/s);
  });

  it('a full boot partition ends in PARTITION_FULL', async () => {
    const { device, image } = await insertCard({ os: 'ubuntu', release: '24.04' });
    await fillFat32(image);
    const error = await failure(prepareCard(await request(device)));
    expect(error.code).toBe('PARTITION_FULL');
    expect(error.message).toMatch(/boot partition is full/);
  });

  it('cancelling stops the preparation with CANCELLED', async () => {
    const { device } = await insertCard({ os: 'ubuntu', release: '24.04' });
    const controller = new AbortController();
    const error = await failure(
      prepareCard(await request(device, { signal: controller.signal, onProgress: (p) => p.phase === 'writing' && controller.abort() })),
    );
    expect(error.code).toBe('CANCELLED');
  });
});

describe('prepareCard through a mounted system-boot partition', () => {
  it('writes the files into the mount point when the OS mounted the card', async () => {
    const mount = join(dir, 'media', 'system-boot');
    await mkdir(mount, { recursive: true });
    await cp(join(ubuntuBootAssetsDir(), 'noble-arm64-server'), mount, { recursive: true });
    const drive: DriveInfo = {
      enumerator: 'lsblk:json', busType: 'USB', busVersion: null, device: '/dev/sdz', devicePath: null, raw: '/dev/sdz', description: 'Generic- SD/MMC',
      error: null, size: 31914983424, blockSize: 512, logicalBlockSize: 512, mountpoints: [{ path: mount, label: 'system-boot' }],
      isReadOnly: false, isSystem: false, isVirtual: false, isRemovable: true, isCard: null, isSCSI: false, isUSB: true, isUAS: null, partitionTableType: 'mbr',
    };
    const report = await prepareCard({
      plan: testPlan(),
      hostname: 'pi-02',
      device: drive.device,
      confirmDevice: drive.device,
      drives: [drive],
      safety: { appPaths: ['/opt/app'] },
      eject: async () => ({ ejected: false, code: 'not-ejected', message: 'Eject it from your file manager.' }),
    });
    expect(report.via).toBe('mount');
    expect(await readFile(join(mount, 'ssh'), 'utf8')).toBe('');
    expect(await readFile(join(mount, 'user-data'), 'utf8')).toContain('hostname: pi-02');
  });
});

/** SHA-256 of the first 8 MiB: MBR, FATs, root directory and the boot files' clusters. */
async function bootRegionDigest(image: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(image, { start: 0, end: 8 * MIB - 1 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Mark every free cluster of the card's FAT32 system-boot partition as bad: a full partition. */
async function fillFat32(image: string): Promise<void> {
  const boot = await openBootPartition(image);
  const { partition, geometry } = boot;
  await boot.close();
  const handle = await open(image, 'r+');
  try {
    const fatBytes = geometry.fatSectors * SECTOR_SIZE;
    const fat = Buffer.alloc(fatBytes);
    const start = partition.offset + geometry.reservedSectors * SECTOR_SIZE;
    await handle.read(fat, 0, fatBytes, start);
    for (let cluster = 2; cluster < geometry.clusterCount + 2; cluster++) {
      if (fat.readUInt32LE(cluster * 4) === 0) fat.writeUInt32LE(0x0ffffff7, cluster * 4);
    }
    for (let copy = 0; copy < geometry.fatCount; copy++) await handle.write(fat, 0, fatBytes, start + copy * fatBytes);
  } finally {
    await handle.close();
  }
}
