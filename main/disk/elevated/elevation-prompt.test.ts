import { execFile } from 'node:child_process';
import { chmod, chown, mkdir, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DiskError } from '../disk-errors';
import { makeTempDir } from '../testing/fat-test-tools';
import { appImageLaunch, appleScriptString, builtHelperScript, developmentAppFolder, elevationCommand, explainLauncherExit, helperProgram, installedHelper, powerShellString } from './elevation-prompt';
import type { HelperLaunch } from './elevation-prompt';
import { HELPER_FLAG, helperArgv } from './helper-cli';
import { encodeFrame, FrameReader, MAX_FRAME, MessageType, readRequest, writeRequest } from './protocol';

const run = promisify(execFile);
const HOSTILE = `/dev/sd'b" $(touch /tmp/pwned) \`id\` \\ ; & | ‘x’`;
const HELPER_ARGS = ['--device', HOSTILE, '--socket', '/tmp/pcw-raw-abc/s', '--key-file', '/tmp/pcw-raw-abc/key', '--size', '2147483648'];
const APP = '/opt/Pi Cluster Wizard/pi-cluster-wizard';

/** The packaged app binary started as the helper (no .deb wrapper, not an AppImage). */
function launch(platform: NodeJS.Platform = 'linux', overrides: Partial<HelperLaunch> = {}): HelperLaunch {
  return { ...helperProgram(platform, { electron: true, execPath: APP, env: {} }), helperArgs: HELPER_ARGS, ...overrides };
}

describe('the platform commands that start the helper', () => {
  it('Linux: pkexec runs the app binary itself with the helper flag (RunAsNode is off), every argument its own word', () => {
    expect(elevationCommand('linux', launch())).toEqual({
      file: 'pkexec',
      args: [APP, '--no-sandbox', '--ozone-platform=headless', '--disable-gpu', HELPER_FLAG, '--', ...HELPER_ARGS],
    });
    // `electron <folder>` in development: the folder comes first, absolute.
    const dev = helperProgram('linux', { electron: true, execPath: '/repo/node_modules/electron/dist/electron', appFolder: '/repo', env: {} });
    expect(dev.programArgs).toEqual(['/repo', '--no-sandbox', '--ozone-platform=headless', '--disable-gpu', HELPER_FLAG, '--']);
    // Under plain Node (the browser host): node and the built helper script.
    const node = helperProgram('linux', { electron: false, execPath: '/usr/bin/node', helperScript: '/app/dist/main/raw-device-helper.mjs' });
    expect(elevationCommand('linux', { ...node, helperArgs: HELPER_ARGS })).toEqual({ file: 'pkexec', args: ['/usr/bin/node', '/app/dist/main/raw-device-helper.mjs', ...HELPER_ARGS] });
    for (const cmd of [elevationCommand('linux', launch()), elevationCommand('darwin', launch('darwin'))]) expect(cmd.args.join(' ')).not.toContain('ELECTRON_RUN_AS_NODE');
  });

  it('the helper finds its own arguments after the flag, and only after `--`', () => {
    const argv = [APP, '--no-sandbox', '--ozone-platform=headless', '--disable-gpu', HELPER_FLAG, '--', ...HELPER_ARGS];
    expect(helperArgv(argv)).toEqual(HELPER_ARGS);
    expect(helperArgv([APP, '--enable-logging'])).toBeUndefined();
    expect(helperArgv([APP, HELPER_FLAG, '--device', '/dev/sda'])).toEqual([]); // malformed: a usage error, never the app
  });

  it('macOS: osascript "do shell script ... with administrator privileges", quoted for AppleScript and for sh', async () => {
    const cmd = elevationCommand('darwin', launch('darwin', { reason: 'Write "the" card' }));
    expect(cmd.file).toBe('/usr/bin/osascript');
    expect(cmd.args[0]).toBe('-e');
    const script = cmd.args[1]!;
    expect(script).toMatch(/^do shell script ".*" with prompt "Write \\"the\\" card" with administrator privileges$/);
    // Undo the AppleScript literal, then let a real sh split the words: they come back unchanged.
    const literal = /^do shell script (".*?(?<!\\)(?:\\\\)*") with prompt/.exec(script)![1]!;
    const shell = literal.slice(1, -1).replace(/\\(["\\])/g, '$1');
    const { stdout } = await run('sh', ['-c', `printf '%s\\n' ${shell}`]);
    expect(stdout.split('\n').slice(0, -1)).toEqual([APP, '--disable-gpu', HELPER_FLAG, '--', ...HELPER_ARGS]);
  });

  it('extra environment for the helper travels as env assignments (pkexec and osascript start it with a clean environment)', async () => {
    const appImage = launch('linux', { execPath: '/home/pi/Apps/Pi Cluster Wizard.AppImage', env: { APPIMAGE_EXTRACT_AND_RUN: '1', TMPDIR: '/tmp/pcw-appimage-x' } });
    expect(elevationCommand('linux', appImage).args.slice(0, 5)).toEqual(['/usr/bin/env', 'APPIMAGE_EXTRACT_AND_RUN=1', 'TMPDIR=/tmp/pcw-appimage-x', '/home/pi/Apps/Pi Cluster Wizard.AppImage', '--no-sandbox']);
    expect(() => elevationCommand('linux', launch('linux', { env: { 'BAD NAME': '1' } }))).toThrow(DiskError);
    expect(() => elevationCommand('linux', launch('linux', { env: { OK: 'a\nb' } }))).toThrow(DiskError);
  });

  it('inside an AppImage: the AppImage file runs the helper, unpacking itself into a fresh private TMPDIR that is removed afterwards', async () => {
    const { dir, cleanup } = await makeTempDir('appimage-');
    try {
      const env = { APPIMAGE: join(dir, 'Pi Cluster Wizard.AppImage'), APPDIR: join(dir, 'mount') };
      const launched = appImageLaunch(env, join(dir, 'mount', 'pi-cluster-wizard'))!;
      expect(launched.execPath).toBe(env.APPIMAGE);
      expect(launched.env.APPIMAGE_EXTRACT_AND_RUN).toBe('1');
      const tmp = launched.env.TMPDIR!;
      expect(tmp).toMatch(/pcw-appimage-/);
      expect((await stat(tmp)).mode & 0o777).toBe(0o700);
      // A second start gets another folder: nothing predictable for another user to prepare.
      const second = appImageLaunch(env, join(dir, 'mount', 'pi-cluster-wizard'))!;
      expect(second.env.TMPDIR).not.toBe(tmp);
      launched.cleanup();
      second.cleanup();
      await expect(stat(tmp)).rejects.toMatchObject({ code: 'ENOENT' });
      // The whole command: the AppImage file with the helper flag, through /usr/bin/env.
      const program = helperProgram('linux', { electron: true, execPath: join(dir, 'mount', 'pi-cluster-wizard'), env });
      try {
        expect(elevationCommand('linux', { ...program, helperArgs: HELPER_ARGS }).args.slice(0, 4)).toEqual(['/usr/bin/env', 'APPIMAGE_EXTRACT_AND_RUN=1', `TMPDIR=${program.env!.TMPDIR}`, env.APPIMAGE]);
      } finally {
        program.cleanup!();
      }
      // Not an AppImage, or Electron started from elsewhere: nothing changes.
      expect(appImageLaunch({}, '/usr/lib/pi-cluster-wizard/pi-cluster-wizard')).toBeUndefined();
      expect(appImageLaunch(env, '/usr/lib/pi-cluster-wizard/pi-cluster-wizard')).toBeUndefined();
      expect(appImageLaunch({ ...env, APPDIR: join(dir, 'mount-other') }, join(dir, 'mount', 'pi-cluster-wizard'))).toBeUndefined();
    } finally {
      await cleanup();
    }
  });

  it('prefers the .deb\'s root-owned helper, and only one nobody else can change', async (context) => {
    if (process.getuid?.() !== 0) return context.skip('needs root (files owned by root and by another user)');
    const { dir, cleanup } = await makeTempDir('deb-helper-');
    try {
      await chmod(dir, 0o755);
      const resources = join(dir, 'opt', 'Pi Cluster Wizard', 'resources');
      await mkdir(resources, { recursive: true, mode: 0o755 });
      const helper = join(resources, 'pcw-raw-device-helper');
      await writeFile(helper, '#!/bin/sh\n', { mode: 0o755 });
      expect(installedHelper(resources)).toBe(helper);
      const program = helperProgram('linux', { electron: true, execPath: APP, resourcesPath: resources, env: {} });
      expect(elevationCommand('linux', { ...program, helperArgs: HELPER_ARGS })).toEqual({ file: 'pkexec', args: [helper, ...HELPER_ARGS] });

      await chmod(helper, 0o775); // group-writable
      expect(installedHelper(resources)).toBeUndefined();
      await chmod(helper, 0o644); // not executable
      expect(installedHelper(resources)).toBeUndefined();
      await chmod(helper, 0o755);
      await chown(helper, 65534, 65534); // the user's own copy
      expect(installedHelper(resources)).toBeUndefined();
      await chown(helper, 0, 0);
      await chown(resources, 65534, 65534); // a folder the user could swap it in
      expect(installedHelper(resources)).toBeUndefined();
      await chown(resources, 0, 0);
      await chmod(join(dir, 'opt'), 0o777); // a world-writable folder on the way (not sticky)
      expect(installedHelper(resources)).toBeUndefined();
      await chmod(join(dir, 'opt'), 0o1777); // sticky, like /tmp: entries cannot be replaced by others
      expect(installedHelper(resources)).toBe(helper);
      const linked = join(dir, 'linked');
      await mkdir(linked);
      await symlink(helper, join(linked, 'pcw-raw-device-helper'));
      expect(installedHelper(linked)).toBeUndefined();
      expect(installedHelper(undefined)).toBeUndefined();
      expect(installedHelper('relative/resources')).toBeUndefined();
      // Inside an AppImage the AppImage path wins (root cannot enter its mount).
      const appImage = helperProgram('linux', { electron: true, execPath: join(dir, 'mnt', 'app'), resourcesPath: resources, env: { APPIMAGE: join(dir, 'x.AppImage'), APPDIR: join(dir, 'mnt') } });
      expect(appImage.execPath).toBe(join(dir, 'x.AppImage'));
      appImage.cleanup!();
    } finally {
      await cleanup();
    }
  });

  it('Windows: PowerShell Start-Process -Verb RunAs -WindowStyle Hidden -Wait, the elevated script passed encoded, waiting for the app binary', () => {
    const cmd = elevationCommand('win32', launch('win32', { execPath: 'C:\\Program Files\\Pi Cluster Wizard\\Pi Cluster Wizard.exe', helperArgs: ['--device', '\\\\.\\PhysicalDrive2', '--socket', '\\\\.\\pipe\\pcw-raw-0123456789abcdef', '--key-file', 'C:\\Users\\Jo Ann\\AppData\\Local\\Temp\\pcw-raw-x\\key'] }));
    expect(cmd.file).toBe('powershell.exe');
    expect(cmd.args.slice(0, -1)).toEqual(['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-EncodedCommand']);
    const outer = Buffer.from(cmd.args.at(-1)!, 'base64').toString('utf16le');
    expect(outer).toContain("Start-Process -FilePath 'powershell.exe'");
    expect(outer).toMatch(/-Verb RunAs -WindowStyle Hidden -Wait -PassThru; exit \$p\.ExitCode/);
    expect(outer).toContain('exit 1223');
    const encoded = /'-EncodedCommand','([A-Za-z0-9+/=]+)'/.exec(outer)![1]!;
    const inner = Buffer.from(encoded, 'base64').toString('utf16le');
    expect(inner).not.toContain('ELECTRON_RUN_AS_NODE');
    expect(inner).toContain("& 'C:\\Program Files\\Pi Cluster Wizard\\Pi Cluster Wizard.exe' '--disable-gpu' '--pcw-raw-device-helper' '--' ");
    expect(inner).toContain("'--device' '\\\\.\\PhysicalDrive2'");
    expect(inner).toContain("'--key-file' 'C:\\Users\\Jo Ann\\AppData\\Local\\Temp\\pcw-raw-x\\key' | Out-Null");
    expect(inner.endsWith('exit $LASTEXITCODE')).toBe(true);
  });

  it('quotes hostile text for AppleScript and PowerShell, and refuses control characters', () => {
    expect(appleScriptString('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(powerShellString("it's ‘x’")).toBe("'it''s ‘‘x’’'");
    expect(powerShellString('$(calc) `n "q"')).toBe("'$(calc) `n \"q\"'");
    for (const platform of ['linux', 'darwin', 'win32'] as const) {
      expect(() => elevationCommand(platform, launch(platform, { helperArgs: ['--device', '/dev/sdb\n; reboot'] }))).toThrow(DiskError);
    }
  });

  it('finds the built helper script beside the bundle, and the development app folder above it', () => {
    expect(builtHelperScript('file:///opt/app/resources/app.asar/dist/main/electron-main.js')).toBe('/opt/app/resources/app.asar.unpacked/dist/main/raw-device-helper.mjs');
    expect(developmentAppFolder(new URL('../../../dist/main/electron-main.js', import.meta.url).href)).toBe(join(import.meta.dirname, '..', '..', '..'));
  });
});

describe('how a prompt that did not start the helper is explained', () => {
  const device = '/dev/sdb';
  const refused = /^Administrator rights were not granted, so \/dev\/sdb was not changed\. Prepare the card again and enter your password/;

  it('a dismissed or refused prompt: NEEDS_ADMIN "not granted, not changed" on every platform', () => {
    expect(explainLauncherExit('linux', { code: 126, signal: null, stderr: 'Error executing command as another user: Request dismissed' }, device).message).toMatch(refused);
    expect(explainLauncherExit('linux', { code: 127, signal: null, stderr: 'Error executing command as another user: Not authorized' }, device).message).toMatch(refused);
    expect(explainLauncherExit('darwin', { code: 1, signal: null, stderr: '0:120: execution error: User canceled. (-128)' }, device).message).toMatch(refused);
    const windows = explainLauncherExit('win32', { code: 1223, signal: null, stderr: '' }, device);
    expect(windows.code).toBe('NEEDS_ADMIN');
    expect(windows.message).toMatch(refused);
  });

  it('no pkexec, or no polkit agent: says what to install or do', () => {
    const missing = explainLauncherExit('linux', { code: null, signal: null, stderr: '', spawnError: Object.assign(new Error('spawn pkexec ENOENT'), { code: 'ENOENT' }) }, device);
    expect(missing.code).toBe('NEEDS_ADMIN');
    expect(missing.message).toMatch(/pkexec .* is not installed.*apt install pkexec.*sudo/);
    const agent = explainLauncherExit('linux', { code: 127, signal: null, stderr: 'Error executing command as another user: No authentication agent found.' }, device);
    expect(agent.message).toMatch(/no polkit authentication agent.*sudo/);
  });

  it('a helper that failed on its own is an IO_ERROR with its first error line', () => {
    const error = explainLauncherExit('linux', { code: 4, signal: null, stderr: 'raw-device-helper: cannot reach the app (ENOENT)\n' }, device);
    expect(error.code).toBe('IO_ERROR');
    expect(error.message).toContain('cannot reach the app');
  });
});

describe('the helper protocol framing', () => {
  it('splits frames however the stream is cut, and refuses oversized ones', () => {
    const stream = Buffer.concat([encodeFrame(MessageType.FLUSH), readRequest(2 ** 40 + 7, 4096), writeRequest(512, Buffer.from('hello'))]);
    for (const cut of [1, 3, 5, 7, stream.length]) {
      const reader = new FrameReader();
      const frames = [];
      for (let at = 0; at < stream.length; at += cut) frames.push(...reader.push(stream.subarray(at, at + cut)));
      expect(frames.map((f) => f.type)).toEqual([MessageType.FLUSH, MessageType.READ, MessageType.WRITE]);
      expect(Number(frames[1]!.payload.readBigUInt64BE(0))).toBe(2 ** 40 + 7);
      expect(frames[2]!.payload.subarray(8).toString()).toBe('hello');
    }
    const huge = Buffer.alloc(5);
    huge.writeUInt32BE(MAX_FRAME + 1, 0);
    expect(() => new FrameReader().push(huge)).toThrow(/Invalid frame length/);
  });
});
