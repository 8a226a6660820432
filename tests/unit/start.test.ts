/**
 * `npm start` as a user gets it: on a machine without Electron's binary it runs Electron's own
 * installer (through a fake download mirror on 127.0.0.1 serving an archive with the right name,
 * a stand-in `electron` inside, and SHASUMS256.txt) and then opens the app with that binary; when
 * the download fails, or is switched off, or there is no display, it starts the browser host and
 * says why in one line. Each run uses a copy of the project's start scripts in a temporary project
 * whose node_modules/electron is a copy of the real package (so the real one is never changed).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../main/disk/testing/fat-test-tools';
import { downloadSource, failureReason } from '../../scripts/electron-install.mjs';

const root = join(import.meta.dirname, '..', '..');
const electronPackage = JSON.parse(await readFile(join(root, 'node_modules', 'electron', 'package.json'), 'utf8')) as { version: string };
const VERSION = electronPackage.version;
const ARCHIVE = `electron-v${VERSION}-${process.platform}-${process.arch}.zip`;

/** A zip archive (stored, no compression) with Unix modes, as Electron's release archives carry them. */
function zip(entries: { name: string; data: Buffer; mode: number }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const { name, data, mode } of entries) {
    const fileName = Buffer.from(name);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x21, 12); // 1980-01-01
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(fileName.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by Unix
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(fileName.length, 28);
    central.writeUInt32LE(((0o100000 | mode) << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, fileName, data);
    centrals.push(central, fileName);
    offset += local.length + fileName.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

// The stand-in for Electron: records how it was started.
const STUB = '#!/bin/sh\nprintf \'%s\\n\' launched "$@" > "$PCW_STUB_LOG"\n';
const archive = zip([
  { name: 'electron', data: Buffer.from(STUB), mode: 0o755 },
  { name: 'version', data: Buffer.from(VERSION), mode: 0o644 },
]);
const archiveSum = createHash('sha256').update(archive).digest('hex');

let dir: string;
let cleanup: () => Promise<void>;
let mirror: Server;
let mirrorUrl: string;
const requests: string[] = [];
let shasums = `${archiveSum} *${ARCHIVE}\n`;

beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir('npm-start-'));
  mirror = createServer((req, res) => {
    requests.push(req.url ?? '');
    if (req.url === `/v${VERSION}/${ARCHIVE}`) {
      res.writeHead(200, { 'content-type': 'application/zip', 'content-length': archive.length });
      res.end(archive);
    } else if (req.url === `/v${VERSION}/SHASUMS256.txt`) {
      res.end(shasums);
    } else {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise<void>((resolve) => mirror.listen(0, '127.0.0.1', resolve));
  mirrorUrl = `http://127.0.0.1:${(mirror.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  await new Promise((resolve) => mirror.close(resolve));
  await cleanup();
});

/** A project with the real start scripts, a copy of the electron package (no binary), and a browser host that only says it started. */
async function project(name: string): Promise<string> {
  const folder = join(dir, name);
  await mkdir(join(folder, 'scripts'), { recursive: true });
  for (const file of ['start.mjs', 'electron-binary.mjs', 'electron-install.mjs']) await copyFile(join(root, 'scripts', file), join(folder, 'scripts', file));
  await writeFile(join(folder, 'package.json'), JSON.stringify({ name: 'start-test', type: 'module' }));
  await mkdir(join(folder, 'dist', 'main'), { recursive: true });
  await writeFile(join(folder, 'dist', 'main', 'web-main.js'), "console.log('BROWSER HOST STARTED');\n");
  const electron = join(folder, 'node_modules', 'electron');
  await mkdir(electron, { recursive: true });
  for (const file of ['package.json', 'install.js', 'checksums.json', 'index.js', 'cli.js']) await copyFile(join(root, 'node_modules', 'electron', file), join(electron, file));
  // The installer's own dependencies, as npm installed them.
  for (const scope of ['@electron', '@electron-internal']) await symlink(join(root, 'node_modules', scope), join(folder, 'node_modules', scope));
  return folder;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  launched: string[] | undefined;
}

async function npmStart(folder: string, env: Record<string, string>): Promise<Run> {
  const log = join(folder, 'launched.txt');
  const base: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: folder,
    DISPLAY: ':99',
    electron_config_cache: join(folder, 'electron-cache'),
    // The fake mirror serves its own SHASUMS256.txt (the real package pins the real archives' sums).
    electron_use_remote_checksums: '1',
    PCW_STUB_LOG: log,
  };
  const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [join(folder, 'scripts', 'start.mjs')], { cwd: folder, env: { ...base, ...env }, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
  const launched = await readFile(log, 'utf8').then((t) => t.trim().split('\n'), () => undefined);
  return { ...result, launched };
}

describe('npm start', () => {
  it('without the Electron binary: runs Electron\'s installer from the mirror, then opens the app with it', async () => {
    const folder = await project('installs');
    requests.length = 0;
    const first = await npmStart(folder, { ELECTRON_MIRROR: mirrorUrl });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(`Downloading Electron ${VERSION} for ${process.platform}-${process.arch} from ${new URL(mirrorUrl).host}`);
    expect(first.stdout).toContain(`Electron ${VERSION} installed.`);
    expect(first.stdout).not.toContain('BROWSER HOST STARTED');
    expect(requests).toEqual(expect.arrayContaining([`/v${VERSION}/${ARCHIVE}`, `/v${VERSION}/SHASUMS256.txt`]));
    // The stand-in from the archive was started with the project folder, as `electron <folder>`.
    expect(first.launched).toEqual(['launched', folder]);
    expect(await readFile(join(folder, 'node_modules', 'electron', 'path.txt'), 'utf8')).toBe('electron');

    // The next start finds the binary: no download.
    requests.length = 0;
    const second = await npmStart(folder, { ELECTRON_MIRROR: mirrorUrl });
    expect(second.code).toBe(0);
    expect(second.stdout).not.toContain('Downloading');
    expect(requests).toEqual([]);
    expect(second.launched).toEqual(['launched', folder]);
  }, 120_000);

  it('a mirror that refuses the connection: the browser host, with one line saying why', async () => {
    const folder = await project('refused');
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const run = await npmStart(folder, { ELECTRON_MIRROR: `http://127.0.0.1:${port}/` });
    expect(run.code, run.stderr).toBe(0);
    const why = run.stdout.split('\n').find((line) => line.startsWith('Electron could not be installed'));
    expect(why).toBe(`Electron could not be installed (TypeError: fetch failed; from 127.0.0.1:${port}): starting the browser host instead.`);
    expect(run.stdout).toContain('BROWSER HOST STARTED');
    expect(run.launched).toBeUndefined();
  }, 120_000);

  it('an archive that does not match its checksum is not installed (Electron\'s own check), and the browser host starts', async () => {
    const folder = await project('mismatch');
    shasums = `${'0'.repeat(64)} *${ARCHIVE}\n`;
    try {
      const run = await npmStart(folder, { ELECTRON_MIRROR: mirrorUrl });
      expect(run.stdout).toMatch(/^Electron could not be installed \(.*checksum.*\): starting the browser host instead\.$/m);
      expect(run.stdout).toContain('BROWSER HOST STARTED');
      expect(run.launched).toBeUndefined();
    } finally {
      shasums = `${archiveSum} *${ARCHIVE}\n`;
    }
  }, 120_000);

  it('ELECTRON_SKIP_BINARY_DOWNLOAD (CI), or no display: the browser host at once, nothing downloaded', async () => {
    const folder = await project('skipped');
    requests.length = 0;
    const skipped = await npmStart(folder, { ELECTRON_MIRROR: mirrorUrl, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' });
    expect(skipped.stdout.split('\n')[0]).toBe('Electron is not installed and ELECTRON_SKIP_BINARY_DOWNLOAD is set, so it is not downloaded (unset it for the desktop app): starting the browser host instead.');
    expect(skipped.stdout).toContain('BROWSER HOST STARTED');
    const headless = await npmStart(folder, { ELECTRON_MIRROR: mirrorUrl, DISPLAY: '' });
    expect(headless.stdout.split('\n')[0]).toMatch(/^There is no display here .*: starting the browser host instead\.$/);
    expect(requests).toEqual([]);
  }, 60_000);
});

describe('the installer\'s messages', () => {
  it('name where Electron comes from and the first line of what went wrong', () => {
    expect(downloadSource({})).toBe('github.com');
    expect(downloadSource({ ELECTRON_MIRROR: 'https://npmmirror.com/mirrors/electron/' })).toBe('npmmirror.com');
    expect(downloadSource({ npm_config_electron_mirror: 'http://127.0.0.1:8080/' })).toBe('127.0.0.1:8080');
    const stack = 'HTTPError: Response code 404 (Not Found) for https://github.com/electron/electron/releases/download/v45.5.0/x.zip\n    at FetchDownloader.download (file:///x.js:1:1)\n';
    expect(failureReason(stack, 1)).toBe('HTTPError: Response code 404 (Not Found) for https://github.com/electron/electron/releases/download/v45.5.0/x.zip');
    expect(failureReason('', 1)).toBe('the installer exited with code 1');
  });
});
