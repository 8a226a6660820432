/**
 * The administrator helper end to end, with real processes and a real loop device:
 *  - the helper (raw-device-helper.ts, run by Node through tsx) serves a card writer that writes
 *    an Ubuntu card's boot configuration through balena-image-fs; the card reads back equal and
 *    fsck.fat accepts it;
 *  - an unprivileged app (user nobody) gets NEEDS_ADMIN on the root-only loop device, then a
 *    cancelled prompt (a process exiting 126 like pkexec), then writes through a helper that the
 *    test (root) starts for it, the way pkexec would.
 * Needs root and losetup; skipped with the reason printed otherwise.
 */
import { execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmod, copyFile, mkdir, mkdtemp, open, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootConfig, CMDLINE, CMDLINE_BACKUP } from '../../cards/boot-config';
import { identifyBootFiles } from '../../cards/card-identify';
import { testPlan } from '../../cards/testing/plan-fixtures';
import { createVirtualCard } from '../../lab/cards/virtual-card-image';
import { openBootPartition } from '../boot-partition';
import { DiskError } from '../disk-errors';
import { parseMbr, SECTOR_SIZE } from '../mbr';
import { fsckFat, hasFsckFat, makeTempDir } from '../testing/fat-test-tools';
import { ElevatedAccess } from './elevated-device';
import { commandElevation, explainLauncherExit, platformElevation, spawnLauncher } from './elevation-prompt';
import type { HelperProcess } from './elevation-prompt';

const run = promisify(execFile);
const MIB = 1024 * 1024;
const HELPER = join(import.meta.dirname, 'raw-device-helper-main.ts');
const here = (file: string) => JSON.stringify(pathToFileURL(join(import.meta.dirname, file)).href);

let dir: string;
let cleanup: () => Promise<void>;
let image: string;
let loop: string | undefined;
let skipReason: string | undefined;
const fsckAvailable = await hasFsckFat();

if (process.getuid?.() !== 0) skipReason = 'needs root (loop devices, and a helper running as root)';

beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir('elevated-'));
  await chmod(dir, 0o755); // user nobody reads nothing here but must be able to pass through
  image = join(dir, 'card.img');
  await createVirtualCard(image, { os: 'ubuntu', release: '24.04' }, { sizeBytes: 2048 * MIB });
  if (skipReason) return;
  try {
    loop = (await run('losetup', ['--find', '--show', image])).stdout.trim();
    await chmod(loop, 0o600);
  } catch (error) {
    skipReason = `losetup failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
  }
  if (skipReason) console.warn(`elevated-device tests skipped: ${skipReason}`);
}, 60_000);

afterAll(async () => {
  if (loop) await run('losetup', ['--detach', loop]).catch(() => undefined);
  await cleanup();
});

/** The helper started directly by this (root) process: what pkexec would do after the password. */
function directStrategy(launches: string[][]) {
  return commandElevation(
    (helperArgs) => {
      launches.push([...helperArgs]);
      return { file: process.execPath, args: ['--import', 'tsx', HELPER, ...helperArgs] };
    },
    (exit, device) => explainLauncherExit('linux', exit, device),
  );
}

async function sha256(data: Buffer): Promise<string> {
  return createHash('sha256').update(data).digest('hex');
}

async function deviceDigest(path: string): Promise<string> {
  // The boot partition and the tables: the part of the card a write could touch.
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(300 * MIB);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return await sha256(buffer.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

describe('raw device access through the administrator helper', () => {
  it('writes an Ubuntu card\'s boot configuration through the helper; it reads back equal and fsck.fat accepts it', async (context) => {
    if (skipReason || !loop) return context.skip(skipReason);
    const device = loop;
    const launches: string[][] = [];
    const access = new ElevatedAccess(directStrategy(launches), { idleMs: 10_000 });
    try {
      const openDevice = (path: string, o: { writable: boolean; sizeBytes?: number | null }) => access.openElevated(path, o);
      const boot = await openBootPartition(device, { writable: true, openDevice });
      const big = randomBytes(9 * MIB + 123); // more than two protocol chunks
      let files: { name: string; data: Buffer }[];
      try {
        expect(boot.label).toBe('system-boot');
        const content = await identifyBootFiles(boot);
        expect(content).toMatchObject({ kind: 'ubuntu', release: '24.04' });
        const config = bootConfig(testPlan(), 'pi-01', {
          release: '24.04',
          cmdline: (await boot.readFile(CMDLINE)).toString('utf8'),
          hasCmdlineBackup: await boot.exists(CMDLINE_BACKUP),
        });
        files = [...config.files, { name: 'big.bin', data: big }];
        for (const file of files) await boot.writeFile(file.name, file.data);
      } finally {
        await boot.close();
      }

      // Read back through the helper (the same helper: no second password) ...
      const again = await openBootPartition(device, { openDevice });
      try {
        for (const file of files) expect(await sha256(await again.readFile(file.name))).toBe(await sha256(file.data));
      } finally {
        await again.close();
      }
      expect(launches).toHaveLength(1);
      expect(launches[0]).toEqual(['--device', device, '--socket', expect.stringMatching(/pcw-raw-.*[/\\]s$/), '--key-file', expect.stringMatching(/pcw-raw-.*[/\\]key$/)]);

      // ... and directly, as root.
      const direct = await openBootPartition(device);
      try {
        for (const file of files) expect(await sha256(await direct.readFile(file.name))).toBe(await sha256(file.data));
        expect((await direct.readFile('user-data')).toString('utf8')).toContain('pi-01');
      } finally {
        await direct.close();
      }
      if (fsckAvailable) {
        const table = parseMbr(await deviceHead(device));
        const part = table.kind === 'mbr' ? table.partitions[0] : undefined;
        expect(part).toBeDefined();
        const fsck = await fsckFat(image, part!.offset, part!.size);
        expect(fsck.ok, fsck.output).toBe(true);
      }
    } finally {
      await access.closeAll();
    }
  }, 60_000);

  it('the real Linux commands: pkexec (a stand-in that clears the environment) starts the built helper under Node, the app binary with its helper flag, or the .deb\'s wrapper', async (context) => {
    if (skipReason || !loop) return context.skip(skipReason);
    const device = loop;
    // Build the app's main side as `npm run build` does, and keep only the helper, alone in a folder.
    const { build } = await import('vite');
    const out = join(dir, 'build');
    await build({ configFile: join(process.cwd(), 'vite.main.config.ts'), logLevel: 'silent', build: { outDir: out } });
    const alone = join(dir, 'unpacked');
    await mkdir(alone);
    const script = join(alone, 'raw-device-helper.mjs');
    await copyFile(join(out, 'raw-device-helper.mjs'), script);
    // A stand-in for the app binary: what electron-main.ts does with the flag, run by Node (no Electron here).
    const product = join(dir, 'opt', 'Pi Cluster Wizard');
    await mkdir(join(product, 'resources'), { recursive: true });
    const app = join(product, 'pi-cluster-wizard');
    await writeFile(app, `#!/bin/sh\nexec '${process.execPath}' '${script}' "$@"\n`, { mode: 0o755 });
    await copyFile(join(process.cwd(), 'assets', 'linux', 'pcw-raw-device-helper'), join(product, 'resources', 'pcw-raw-device-helper'));
    await chmod(join(product, 'resources', 'pcw-raw-device-helper'), 0o755);
    for (const folder of [dir, join(dir, 'opt'), product, join(product, 'resources')]) await chmod(folder, 0o755);

    const bin = join(dir, 'bin');
    await mkdir(bin, { recursive: true });
    const calls = join(dir, 'pkexec-calls');
    await writeFile(join(bin, 'pkexec'), `#!/bin/sh\nprintf '%s\\n' "$@" > '${calls}'\nexec env -i "$@"\n`, { mode: 0o755 });
    const path = process.env.PATH;
    process.env.PATH = `${bin}:${path ?? ''}`;
    const strategies = {
      node: platformElevation({ platform: 'linux', execPath: process.execPath, electron: false, helperScript: script }),
      flag: platformElevation({ platform: 'linux', execPath: app, electron: true, env: {} }),
      deb: platformElevation({ platform: 'linux', execPath: app, electron: true, resourcesPath: join(product, 'resources'), env: {} }),
    };
    const started: Record<string, string[]> = {};
    try {
      for (const [name, strategy] of Object.entries(strategies)) {
        const access = new ElevatedAccess(strategy);
        try {
          const boot = await openBootPartition(device, { writable: true, openDevice: (p, o) => access.openElevated(p, o) });
          try {
            await boot.writeFile('meta-data', `instance-id: pkexec-${name}\n`);
          } finally {
            await boot.close();
          }
        } finally {
          await access.closeAll();
        }
        started[name] = (await readFile(calls, 'utf8')).trim().split('\n');
        const direct = await openBootPartition(device);
        try {
          expect((await direct.readFile('meta-data')).toString('utf8')).toBe(`instance-id: pkexec-${name}\n`);
        } finally {
          await direct.close();
        }
      }
    } finally {
      process.env.PATH = path;
    }
    expect(started.node!.slice(0, 4)).toEqual([process.execPath, script, '--device', device]);
    expect(started.flag!.slice(0, 7)).toEqual([app, '--no-sandbox', '--ozone-platform=headless', '--disable-gpu', '--pcw-raw-device-helper', '--', '--device']);
    expect(started.deb!.slice(0, 3)).toEqual([join(product, 'resources', 'pcw-raw-device-helper'), '--device', device]);
    for (const args of Object.values(started)) expect(args.join(' ')).not.toContain('ELECTRON_RUN_AS_NODE');
  }, 90_000);

  it('the helper refuses anything but a block device, and a missing device is DEVICE_GONE', async (context) => {
    if (skipReason || !loop) return context.skip(skipReason);
    const launches: string[][] = [];
    const access = new ElevatedAccess(directStrategy(launches));
    try {
      const refused = await access.openElevated(image, { writable: true }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(DiskError);
      expect((refused as DiskError).code).toBe('PERMISSION_DENIED');
      expect((refused as DiskError).message).toMatch(/refused .*not a block device/);
      const gone = await access.openElevated(join(dir, 'no-such-device'), { writable: true }).catch((e: unknown) => e);
      expect((gone as DiskError).code).toBe('DEVICE_GONE');
      expect(access.hasHelper(image)).toBe(false);
    } finally {
      await access.closeAll();
    }
  }, 30_000);

  it('as an ordinary user: NEEDS_ADMIN, then a cancelled prompt leaves the card untouched, then the helper writes it', async (context) => {
    if (skipReason || !loop) return context.skip(skipReason);
    const device = loop;
    const before = await deviceDigest(device);
    const script = `
      import { openCardBootFiles } from ${here('../../cards/card-access.ts')};
      import { ElevatedAccess } from ${here('elevated-device.ts')};
      import { commandElevation, explainLauncherExit } from ${here('elevation-prompt.ts')};
      const device = process.argv[1];
      const drive = { device, raw: device, size: null, mountpoints: [] };
      const explain = (exit, dev) => explainLauncherExit('linux', exit, dev);
      const result = {};
      const attempt = async (name, fn) => { try { result[name] = await fn(); } catch (e) { result[name] = { code: e.code, message: e.message }; } };

      await attempt('plain', () => openCardBootFiles(drive, { writable: true, elevate: false }).then(() => 'OPENED'));

      // pkexec when the user closes the password dialog.
      const cancelled = new ElevatedAccess(commandElevation(
        () => ({ file: 'sh', args: ['-c', 'echo "Error executing command as another user: Request dismissed" >&2; exit 126'] }), explain));
      await attempt('cancelled', () => openCardBootFiles(drive, { writable: true, elevate: cancelled }).then(() => 'OPENED'));
      await attempt('identify', () => openCardBootFiles(drive, { writable: false, elevate: cancelled }).then(() => 'OPENED'));

      // The helper started by the parent (root), as pkexec would after the password.
      let next = 0;
      const viaParent = {
        launch(helperArgs) {
          const id = ++next;
          process.send({ launch: id, helperArgs });
          const exited = new Promise((resolve) => process.on('message', (m) => { if (m.exited === id) resolve(m.exit); }));
          return { exited, stop: () => process.send({ stop: id }) };
        },
        explain,
      };
      const granted = new ElevatedAccess(viaParent, { idleMs: 10000 });
      await attempt('write', async () => {
        const boot = await openCardBootFiles(drive, { writable: true, elevate: granted });
        try {
          await boot.writeFile('ssh', '');
          await boot.writeFile('user-data', '#cloud-config\\nhostname: pi-07\\n');
          return boot.via;
        } finally { await boot.close(); }
      });
      await attempt('verify', async () => {
        const boot = await openCardBootFiles(drive, { writable: false, elevate: granted });
        try { return (await boot.readFile('user-data')).toString('utf8'); } finally { await boot.close(); }
      });
      await granted.closeAll();
      console.log(JSON.stringify(result));
      process.exit(0);`;

    const helpers = new Map<number, HelperProcess>();
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, device], {
      uid: 65534,
      gid: 65534,
      cwd: process.cwd(),
      env: { ...process.env, HOME: dir },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    child.on('message', (m: { launch?: number; stop?: number; helperArgs?: string[] }) => {
      if (m.launch !== undefined && m.helperArgs) {
        const id = m.launch;
        const helper = spawnLauncher({ file: process.execPath, args: ['--import', 'tsx', HELPER, ...m.helperArgs] });
        helpers.set(id, helper);
        void helper.exited.then((exit) => {
          if (child.connected) child.send({ exited: id, exit: { code: exit.code, signal: exit.signal, stderr: exit.stderr } });
        });
      }
      if (m.stop !== undefined) helpers.get(m.stop)?.stop();
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, stderr).toBe(0);
    const result = JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, { code?: string; message?: string } | string>;

    expect(result.plain).toMatchObject({ code: 'NEEDS_ADMIN' });
    expect(result.cancelled).toMatchObject({ code: 'NEEDS_ADMIN' });
    expect((result.cancelled as { message: string }).message).toContain(`Administrator rights were not granted, so ${device} was not changed`);
    expect((result.cancelled as { message: string }).message).toMatch(/enter your password/);
    // A read-only open (card identification) never asks for a password.
    expect(result.identify).toMatchObject({ code: 'NEEDS_ADMIN' });
    expect(result.identify).not.toMatchObject({ message: expect.stringContaining('not granted') });
    expect(result.write).toBe('raw');
    expect(result.verify).toBe('#cloud-config\nhostname: pi-07\n');
    expect(helpers.size).toBe(1); // one password for writing and checking
    await Promise.all([...helpers.values()].map((h) => h.exited));

    const after = await deviceDigest(device);
    expect(after).not.toBe(before);
    const direct = await openBootPartition(device);
    try {
      expect((await direct.readFile('user-data')).toString('utf8')).toBe('#cloud-config\nhostname: pi-07\n');
      expect(await direct.exists('ssh')).toBe(true);
    } finally {
      await direct.close();
    }
  }, 90_000);

  it('a cancelled prompt (a real process exiting 126) leaves the card byte for byte untouched', async (context) => {
    if (skipReason || !loop) return context.skip(skipReason);
    const device = loop;
    const before = await deviceDigest(device);
    const access = new ElevatedAccess(
      commandElevation(
        () => ({ file: 'sh', args: ['-c', 'exit 126'] }),
        (exit, dev) => explainLauncherExit('linux', exit, dev),
      ),
    );
    const error = await openBootPartition(device, { writable: true, openDevice: (p, o) => access.openElevated(p, o) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiskError);
    expect((error as DiskError).code).toBe('NEEDS_ADMIN');
    expect((error as DiskError).message).toMatch(/^Administrator rights were not granted, so .* was not changed\. Prepare the card again/);
    expect(access.hasHelper(device)).toBe(false);
    expect(await deviceDigest(device)).toBe(before);
  }, 30_000);

  it('cancelling the job while the password prompt waits closes the prompt and leaves the card untouched', async (context) => {
    if (skipReason || !loop) return context.skip(skipReason);
    const device = loop;
    const before = await deviceDigest(device);
    const pidFile = join(await mkdtemp(join(tmpdir(), 'pcw-prompt-')), 'pid');
    // A "prompt" that waits for a password that never comes.
    const access = new ElevatedAccess(
      commandElevation(
        () => ({ file: 'sh', args: ['-c', `echo $$ > ${pidFile}; exec sleep 60`] }),
        (exit, dev) => explainLauncherExit('linux', exit, dev),
      ),
    );
    const controller = new AbortController();
    const opening = openBootPartition(device, { writable: true, openDevice: (p, o) => access.openElevated(p, { ...o, signal: controller.signal }) }).catch((e: unknown) => e);
    await expect.poll(() => readFile(pidFile, 'utf8').then((t) => t.trim(), () => ''), { timeout: 10_000 }).toMatch(/^\d+$/);
    const pid = Number((await readFile(pidFile, 'utf8')).trim());
    controller.abort(new Error('Cancelled by the user.'));
    const error = await opening;
    expect((error as Error).message).toBe('Cancelled by the user.');
    await expect.poll(() => isRunning(pid), { timeout: 10_000 }).toBe(false);
    expect(access.hasHelper(device)).toBe(false);
    expect(await deviceDigest(device)).toBe(before);
  }, 30_000);
});

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function deviceHead(path: string): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(SECTOR_SIZE);
    await handle.read(buffer, 0, SECTOR_SIZE, 0);
    return buffer;
  } finally {
    await handle.close();
  }
}
