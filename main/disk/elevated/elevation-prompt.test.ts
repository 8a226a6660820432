import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DiskError } from '../disk-errors';
import { makeTempDir } from '../testing/fat-test-tools';
import { appImageLaunch, appleScriptString, builtHelperScript, elevationCommand, explainLauncherExit, powerShellString } from './elevation-prompt';
import type { HelperLaunch } from './elevation-prompt';
import { encodeFrame, FrameReader, MAX_FRAME, MessageType, readRequest, writeRequest } from './protocol';

const run = promisify(execFile);
const HOSTILE = `/dev/sd'b" $(touch /tmp/pwned) \`id\` \\ ; & | ‘x’`;

function launch(overrides: Partial<HelperLaunch> = {}): HelperLaunch {
  return {
    execPath: '/opt/Pi Cluster Wizard/pi-cluster-wizard',
    electron: true,
    helperScript: '/opt/Pi Cluster Wizard/resources/app.asar.unpacked/dist/main/raw-device-helper.mjs',
    helperArgs: ['--device', HOSTILE, '--socket', '/tmp/pcw-raw-abc/s', '--size', '2147483648'],
    ...overrides,
  };
}

describe('the platform commands that start the helper', () => {
  it('Linux: pkexec, through env ELECTRON_RUN_AS_NODE=1 for Electron, every argument its own word', () => {
    expect(elevationCommand('linux', launch())).toEqual({
      file: 'pkexec',
      args: ['/usr/bin/env', 'ELECTRON_RUN_AS_NODE=1', '/opt/Pi Cluster Wizard/pi-cluster-wizard', launch().helperScript, ...launch().helperArgs],
    });
    expect(elevationCommand('linux', launch({ electron: false, execPath: '/usr/bin/node' }))).toEqual({
      file: 'pkexec',
      args: ['/usr/bin/node', launch().helperScript, ...launch().helperArgs],
    });
  });

  it('macOS: osascript "do shell script ... with administrator privileges", quoted for AppleScript and for sh', async () => {
    const cmd = elevationCommand('darwin', launch({ reason: 'Write "the" card' }));
    expect(cmd.file).toBe('/usr/bin/osascript');
    expect(cmd.args[0]).toBe('-e');
    const script = cmd.args[1]!;
    expect(script).toMatch(/^do shell script ".*" with prompt "Write \\"the\\" card" with administrator privileges$/);
    // Undo the AppleScript literal, then let a real sh split the words: they come back unchanged.
    const literal = /^do shell script (".*?(?<!\\)(?:\\\\)*") with prompt/.exec(script)![1]!;
    const shell = literal.slice(1, -1).replace(/\\(["\\])/g, '$1');
    const { stdout } = await run('sh', ['-c', `printf '%s\\n' ${shell}`]);
    expect(stdout.split('\n').slice(0, -1)).toEqual(['/usr/bin/env', 'ELECTRON_RUN_AS_NODE=1', launch().execPath, launch().helperScript, ...launch().helperArgs]);
  });

  it('extra environment for the helper travels as env assignments (pkexec and osascript start it with a clean environment)', async () => {
    const appImage = launch({ execPath: '/home/pi/Apps/Pi Cluster Wizard.AppImage', env: { APPIMAGE_EXTRACT_AND_RUN: '1' } });
    expect(elevationCommand('linux', appImage).args.slice(0, 4)).toEqual(['/usr/bin/env', 'APPIMAGE_EXTRACT_AND_RUN=1', 'ELECTRON_RUN_AS_NODE=1', '/home/pi/Apps/Pi Cluster Wizard.AppImage']);
    expect(() => elevationCommand('linux', launch({ env: { 'BAD NAME': '1' } }))).toThrow(DiskError);
    expect(() => elevationCommand('linux', launch({ env: { OK: 'a\nb' } }))).toThrow(DiskError);
  });

  it('inside an AppImage: the helper is copied beside the socket and the AppImage file runs it, unpacking itself', async () => {
    const { dir, cleanup } = await makeTempDir('appimage-');
    try {
      const helper = join(dir, 'mount', 'resources', 'app.asar.unpacked', 'dist', 'main', 'raw-device-helper.mjs');
      await mkdir(dirname(helper), { recursive: true });
      await writeFile(helper, 'console.log("helper")\n');
      const privateFolder = join(dir, 'pcw-raw-x');
      await mkdir(privateFolder, { mode: 0o700 });
      const env = { APPIMAGE: join(dir, 'Pi Cluster Wizard.AppImage'), APPDIR: join(dir, 'mount') };
      const launched = appImageLaunch(env, join(dir, 'mount', 'pi-cluster-wizard'), helper, privateFolder);
      expect(launched).toEqual({ execPath: env.APPIMAGE, helperScript: join(privateFolder, 'raw-device-helper.mjs'), env: { APPIMAGE_EXTRACT_AND_RUN: '1' } });
      expect(await readFile(launched!.helperScript, 'utf8')).toBe('console.log("helper")\n');
      // Not an AppImage, or Electron started from elsewhere: nothing changes.
      expect(appImageLaunch({}, '/usr/lib/pi-cluster-wizard/pi-cluster-wizard', helper, privateFolder)).toBeUndefined();
      expect(appImageLaunch(env, '/usr/lib/pi-cluster-wizard/pi-cluster-wizard', helper, privateFolder)).toBeUndefined();
      expect(appImageLaunch({ ...env, APPDIR: join(dir, 'mount-other') }, join(dir, 'mount', 'pi-cluster-wizard'), helper, privateFolder)).toBeUndefined();
    } finally {
      await cleanup();
    }
  });

  it('Windows: PowerShell Start-Process -Verb RunAs -WindowStyle Hidden -Wait, the elevated script passed encoded', () => {
    const cmd = elevationCommand('win32', launch({ execPath: "C:\\Program Files\\Pi Cluster Wizard\\Pi Cluster Wizard.exe", helperArgs: ['--device', "\\\\.\\PhysicalDrive2", '--socket', '\\\\.\\pipe\\pcw-raw-0123456789abcdef'] }));
    expect(cmd.file).toBe('powershell.exe');
    expect(cmd.args.slice(0, -1)).toEqual(['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-EncodedCommand']);
    const outer = Buffer.from(cmd.args.at(-1)!, 'base64').toString('utf16le');
    expect(outer).toContain("Start-Process -FilePath 'powershell.exe'");
    expect(outer).toMatch(/-Verb RunAs -WindowStyle Hidden -Wait -PassThru; exit \$p\.ExitCode/);
    expect(outer).toContain('exit 1223');
    const encoded = /'-EncodedCommand','([A-Za-z0-9+/=]+)'/.exec(outer)![1]!;
    const inner = Buffer.from(encoded, 'base64').toString('utf16le');
    expect(inner).toContain("$env:ELECTRON_RUN_AS_NODE = '1'");
    expect(inner).toContain("& 'C:\\Program Files\\Pi Cluster Wizard\\Pi Cluster Wizard.exe' ");
    expect(inner).toContain("'--device' '\\\\.\\PhysicalDrive2'");
    expect(inner.endsWith('exit $LASTEXITCODE')).toBe(true);
  });

  it('quotes hostile text for AppleScript and PowerShell, and refuses control characters', () => {
    expect(appleScriptString('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(powerShellString("it's ‘x’")).toBe("'it''s ‘‘x’’'");
    expect(powerShellString('$(calc) `n "q"')).toBe("'$(calc) `n \"q\"'");
    for (const platform of ['linux', 'darwin', 'win32'] as const) {
      expect(() => elevationCommand(platform, launch({ helperArgs: ['--device', '/dev/sdb\n; reboot'] }))).toThrow(DiskError);
    }
  });

  it('finds the built helper beside the bundle, outside app.asar', () => {
    expect(builtHelperScript('file:///opt/app/resources/app.asar/dist/main/electron-main.js')).toBe('/opt/app/resources/app.asar.unpacked/dist/main/raw-device-helper.mjs');
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
