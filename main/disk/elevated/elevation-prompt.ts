/**
 * Starting the administrator helper (raw-device-helper.ts) through the platform's standard
 * password prompt, the way Raspberry Pi Imager and balenaEtcher do:
 *  - Linux: `pkexec` (polkit). Preferred: the root-owned wrapper the .deb installs beside the app
 *    (resources/pcw-raw-device-helper, named by the polkit action
 *    io.github.picluster.wizard.raw-device-helper, so the prompt says what it is for). Otherwise the
 *    app binary itself with the helper flag (helper-cli.ts; Electron's RunAsNode fuse is off, so it
 *    cannot run as plain Node). From an AppImage (a FUSE mount root cannot enter) the AppImage file
 *    is started with APPIMAGE_EXTRACT_AND_RUN=1 and a private TMPDIR (a fresh 0700 folder), so it
 *    unpacks into a folder no other user can have prepared (by default /tmp/appimage_extracted_<hash>,
 *    a predictable name).
 *  - macOS: `osascript -e 'do shell script "<cmd>" with administrator privileges'`.
 *  - Windows: PowerShell `Start-Process -Verb RunAs -WindowStyle Hidden -Wait` (UAC).
 *  - Under plain Node (the browser host): `node dist/main/raw-device-helper.mjs` through the same prompts.
 * Only the device path, the socket path, the key file's path and the capacity travel on the
 * command line (no secrets: the key is in the file). A refused or cancelled prompt becomes a
 * NEEDS_ADMIN DiskError that says the card was not changed.
 */
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { command as shellCommand } from '../../ssh/shell-quote';
import { DiskError } from '../disk-errors';
import type { DiskErrorCode } from '../disk-errors';
import { HELPER_FLAG, helperChromiumSwitches } from './helper-cli';
import { HelperExit } from './protocol';

/** A DiskError whose advice is specific to asking for administrator rights. */
export class ElevationError extends DiskError {
  override readonly advice: string;

  constructor(code: DiskErrorCode, detail: string, advice: string, options?: { cause?: unknown }) {
    super(code, detail, options);
    this.advice = advice;
    this.message = `${detail}. ${advice}`;
  }
}

/** A program and its arguments, started without a shell. */
export interface HelperCommand {
  file: string;
  args: string[];
}

export interface HelperLaunch {
  /** The program the prompt starts: Node, the app binary, the .deb's wrapper, or the AppImage file. */
  execPath: string;
  /** Its arguments before the helper's own: the helper script, or the app's helper flag and `--`. */
  programArgs: readonly string[];
  /** The helper's own arguments: --device, --socket, --key-file, --size. */
  helperArgs: readonly string[];
  /** Shown in the macOS prompt. */
  reason?: string;
  /** Extra environment for the program (the launchers start it with a clean environment). */
  env?: Readonly<Record<string, string>>;
  /** Run after the launcher ended (removes the AppImage's private TMPDIR). */
  cleanup?: () => void;
}

/** How the launcher (pkexec, osascript, PowerShell) ended before the helper connected. */
export interface LauncherExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The launcher's error output (at most 4 KiB), never card data. */
  stderr: string;
  /** Set when the launcher itself could not be started (ENOENT: not installed). */
  spawnError?: NodeJS.ErrnoException;
}

export interface HelperProcess {
  /** Resolves when the launcher process ends. */
  exited: Promise<LauncherExit>;
  /** Ends the launcher (the helper itself stops when its connection closes). */
  stop(): void;
}

export interface ElevationStrategy {
  /** Starts the helper with administrator rights. */
  launch(helperArgs: readonly string[], device: string): HelperProcess;
  /** Why no helper connected: a DiskError for the user. */
  explain(exit: LauncherExit, device: string): DiskError;
}

const hasControlCharacter = (word: string) => [...word].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);

function checkArguments(words: readonly string[]): void {
  for (const word of words) {
    if (hasControlCharacter(word)) throw new DiskError('IO_ERROR', 'A path for the administrator helper contains control characters, which cannot be passed safely');
  }
}

/** An AppleScript string literal. */
export function appleScriptString(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** A PowerShell single-quoted string literal (only `'` is special; curly quotes count as quotes too). */
export function powerShellString(text: string): string {
  return `'${text.replace(/['\u2018\u2019\u201a\u201b]/g, (q) => q + q)}'`;
}

/** `-EncodedCommand` text: base64 of the UTF-16LE script (nothing in it needs command-line quoting). */
export function encodePowerShell(script: string): string {
  return Buffer.from(script, 'utf16le').toString('base64');
}

/** The command that starts the helper through the platform's password prompt. */
export function elevationCommand(platform: NodeJS.Platform, launch: HelperLaunch): HelperCommand {
  const program = [launch.execPath, ...launch.programArgs, ...launch.helperArgs];
  const env = Object.entries(launch.env ?? {});
  for (const [name] of env) if (!/^[A-Z_][A-Z0-9_]*$/.test(name)) throw new DiskError('IO_ERROR', `${name} is not a valid environment variable name for the administrator helper`);
  const assignments = env.map(([name, value]) => `${name}=${value}`);
  checkArguments([...program, ...assignments, launch.reason ?? '']);
  if (platform === 'darwin') {
    const shell = (assignments.length > 0 ? `${shellCommand(['/usr/bin/env', ...assignments])} ` : '') + shellCommand(program);
    const reason = launch.reason ?? 'Pi Cluster Wizard needs administrator rights to write to the SD card.';
    return { file: '/usr/bin/osascript', args: ['-e', `do shell script ${appleScriptString(shell)} with prompt ${appleScriptString(reason)} with administrator privileges`] };
  }
  if (platform === 'win32') {
    const inner = [
      "$ErrorActionPreference = 'Stop'",
      ...env.map(([name, value]) => `$env:${name} = ${powerShellString(value)}`),
      // Piped, PowerShell waits for a GUI-subsystem program (the app binary) too, and sets its exit code.
      `& ${program.map(powerShellString).join(' ')} | Out-Null`,
      'exit $LASTEXITCODE',
    ].join('; ');
    const elevatedArgs = ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-WindowStyle', 'Hidden', '-EncodedCommand', encodePowerShell(inner)];
    const outer = [
      "$ErrorActionPreference = 'Stop'",
      `try { $p = Start-Process -FilePath 'powershell.exe' -ArgumentList ${elevatedArgs.map(powerShellString).join(',')} -Verb RunAs -WindowStyle Hidden -Wait -PassThru; exit $p.ExitCode }`,
      'catch { $e = $_.Exception; while ($e) { if ($e.NativeErrorCode -eq 1223 -or $e.HResult -eq -2147023673) { exit 1223 }; $e = $e.InnerException }; exit 1 }',
    ].join('; ');
    return { file: 'powershell.exe', args: ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-EncodedCommand', encodePowerShell(outer)] };
  }
  // Linux and other Unix systems with polkit.
  return { file: 'pkexec', args: assignments.length > 0 ? ['/usr/bin/env', ...assignments, ...program] : program };
}

const REFUSED_ADVICE =
  'Prepare the card again and enter your password when the system asks for it, or insert the card where your system mounts its system-boot partition (then no administrator rights are needed).';

/** The error for a prompt the user cancelled or a password the system did not accept. */
export function adminRefused(device: string): DiskError {
  return new ElevationError('NEEDS_ADMIN', `Administrator rights were not granted, so ${device} was not changed`, REFUSED_ADVICE);
}

/** Turn how the launcher ended into the error the user sees. */
export function explainLauncherExit(platform: NodeJS.Platform, exit: LauncherExit, device: string): DiskError {
  const firstLine = exit.stderr.trim().split('\n')[0]?.slice(0, 300) ?? '';
  if (exit.spawnError) {
    if (exit.spawnError.code === 'ENOENT' && platform !== 'darwin' && platform !== 'win32') {
      return new ElevationError(
        'NEEDS_ADMIN',
        `${device} needs administrator rights, and pkexec (polkit), which asks for them, is not installed`,
        'Install pkexec (Debian/Ubuntu: sudo apt install pkexec; Fedora: sudo dnf install polkit), or start the app with sudo, or insert the card where your system mounts its system-boot partition.',
        { cause: exit.spawnError },
      );
    }
    return new DiskError('NEEDS_ADMIN', `${device} needs administrator rights, and the system's password prompt could not be started (${exit.spawnError.message})`, { cause: exit.spawnError });
  }
  if (platform === 'darwin') {
    if (/-128\b|User cancel+ed/i.test(exit.stderr)) return adminRefused(device);
  } else if (platform === 'win32') {
    if (exit.code === 1223) return adminRefused(device);
  } else {
    // pkexec: 126 = the user dismissed the dialog; 127 = not authorized, or no way to ask.
    if (exit.code === 127 && /authentication agent/i.test(exit.stderr)) {
      return new ElevationError(
        'NEEDS_ADMIN',
        `${device} needs administrator rights, and no password dialog is available (no polkit authentication agent is running)`,
        'Log in to a desktop session that has a polkit authentication agent, or start the app with sudo, or insert the card where your system mounts its system-boot partition.',
      );
    }
    if (exit.code === 126 || exit.code === 127) return adminRefused(device);
  }
  if (exit.code === HelperExit.USAGE || exit.code === HelperExit.NO_CONNECTION) {
    return new DiskError('IO_ERROR', `The administrator helper for ${device} could not reach the app (exit ${exit.code}${firstLine ? `: ${firstLine}` : ''})`);
  }
  const how = exit.signal ? `signal ${exit.signal}` : `exit ${String(exit.code)}`;
  return new DiskError('IO_ERROR', `The administrator helper for ${device} stopped before it connected (${how}${firstLine ? `: ${firstLine}` : ''})`);
}

/** Run a command and report how it ended (stderr kept, capped at 4 KiB). */
export function spawnLauncher(cmd: HelperCommand, options: { uid?: number; gid?: number } = {}, cleanup?: () => void): HelperProcess {
  const child = spawn(cmd.file, cmd.args, { stdio: ['ignore', 'ignore', 'pipe'], windowsHide: true, ...options });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (text: string) => {
    if (stderr.length < 4096) stderr = (stderr + text).slice(0, 4096);
  });
  const exited = new Promise<LauncherExit>((resolve) => {
    const done = (exit: LauncherExit) => {
      try {
        cleanup?.();
      } catch {
        // Best effort: a private temporary folder left behind.
      }
      resolve(exit);
    };
    child.once('error', (error: NodeJS.ErrnoException) => done({ code: null, signal: null, stderr, spawnError: error }));
    child.once('close', (code, signal) => done({ code, signal, stderr }));
  });
  return {
    exited,
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill();
    },
  };
}

/** A strategy from a command builder (the platform prompt, or a direct start in tests). */
export function commandElevation(build: (helperArgs: readonly string[], device: string) => HelperCommand, explain: (exit: LauncherExit, device: string) => DiskError): ElevationStrategy {
  return {
    launch: (helperArgs, device) => spawnLauncher(build(helperArgs, device)),
    explain,
  };
}

/**
 * Where the built helper script is (for Node): beside the bundle that contains this code
 * (dist/main/), outside app.asar if it ever is packaged.
 */
export function builtHelperScript(moduleUrl: string = import.meta.url): string {
  const here = dirname(fileURLToPath(moduleUrl));
  const candidates = [here, dirname(here)].map((dir) => join(dir, 'raw-device-helper.mjs').replace(/([\\/])app\.asar([\\/])/, '$1app.asar.unpacked$2'));
  return candidates.find((path) => existsSync(path)) ?? candidates[0]!;
}

/** The app folder `electron .` was started with (development): the nearest folder above this bundle with a package.json. */
export function developmentAppFolder(moduleUrl: string = import.meta.url): string | undefined {
  let dir = dirname(fileURLToPath(moduleUrl));
  for (let i = 0; i < 4; i++) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    dir = dirname(dir);
  }
  return undefined;
}

/** The wrapper the .deb installs (resources/pcw-raw-device-helper; assets/linux/). */
export const INSTALLED_HELPER_NAME = 'pcw-raw-device-helper';

type StatLike = (path: string) => { uid: number; mode: number; isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean };

/**
 * The .deb's root-owned helper wrapper in `resourcesPath`, if it is safe to hand to pkexec: a
 * regular file (not a link) owned by root, writable by nobody else, executable, in folders that
 * are root-owned and writable by nobody else (a root-owned sticky folder like /tmp is fine).
 * Undefined otherwise (an AppImage's mount, a development tree, a copy the user could change).
 */
export function installedHelper(resourcesPath: string | undefined, lstat: StatLike = lstatSync): string | undefined {
  if (!resourcesPath || !isAbsolute(resourcesPath)) return undefined;
  const path = join(resourcesPath, INSTALLED_HELPER_NAME);
  try {
    const file = lstat(path);
    if (!file.isFile() || file.uid !== 0 || (file.mode & 0o022) !== 0 || (file.mode & 0o111) === 0) return undefined;
    for (let dir = dirname(path); ; dir = dirname(dir)) {
      const info = lstat(dir);
      const sticky = (info.mode & 0o1000) !== 0;
      if (!info.isDirectory() || info.uid !== 0 || ((info.mode & 0o022) !== 0 && !sticky)) return undefined;
      if (dirname(dir) === dir) break;
    }
    return path;
  } catch {
    return undefined;
  }
}

export interface PlatformElevationOptions {
  platform?: NodeJS.Platform;
  /** The running program: the app binary (Electron) or Node. */
  execPath?: string;
  electron?: boolean;
  /** Node only: arguments before the helper script (e.g. `--import tsx` to run it from source). */
  nodeArgs?: readonly string[];
  /** Node only: the helper script. */
  helperScript?: string;
  /** Electron only: the app folder to pass before the flag (`electron <folder>` in development); none when packaged. */
  appFolder?: string;
  /** Electron only: the app's resources folder (process.resourcesPath), where the .deb puts its helper. */
  resourcesPath?: string;
  /** The app's environment (APPIMAGE / APPDIR tell an AppImage apart); process.env by default. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Inside an AppImage the app runs from a FUSE mount that root cannot enter, so pkexec could not
 * start the binary from there. Then the AppImage file itself is started with
 * APPIMAGE_EXTRACT_AND_RUN=1, so it unpacks itself instead of mounting, into TMPDIR: a fresh 0700
 * folder of the user's, removed when the helper has ended. Undefined outside an AppImage.
 */
export function appImageLaunch(env: NodeJS.ProcessEnv, execPath: string, makePrivateFolder: () => string = () => mkdtempSync(join(tmpdir(), 'pcw-appimage-'))): { execPath: string; env: Record<string, string>; cleanup: () => void } | undefined {
  const { APPIMAGE: appImage, APPDIR: appDir } = env;
  if (!appImage || !appDir || !isAbsolute(appImage)) return undefined;
  const inside = relative(appDir, execPath);
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) return undefined;
  const folder = makePrivateFolder();
  return { execPath: appImage, env: { APPIMAGE_EXTRACT_AND_RUN: '1', TMPDIR: folder }, cleanup: () => rmSync(folder, { recursive: true, force: true }) };
}

/** What the prompt starts, before the helper's own arguments (see the file comment). */
export function helperProgram(platform: NodeJS.Platform, options: PlatformElevationOptions): Omit<HelperLaunch, 'helperArgs' | 'reason'> {
  const execPath = options.execPath ?? process.execPath;
  const electron = options.electron ?? process.versions.electron !== undefined;
  if (!electron) {
    return { execPath, programArgs: [...(options.nodeArgs ?? []), options.helperScript ?? builtHelperScript()] };
  }
  const viaFlag = [...helperChromiumSwitches(platform), HELPER_FLAG, '--'];
  if (platform === 'linux') {
    // An AppImage first: its mount may show root-owned files, but root cannot enter it.
    const appImage = appImageLaunch(options.env ?? process.env, execPath);
    if (appImage) return { ...appImage, programArgs: viaFlag };
    const installed = installedHelper(options.resourcesPath);
    if (installed) return { execPath: installed, programArgs: [] };
  }
  return { execPath, programArgs: [...(options.appFolder ? [resolve(options.appFolder)] : []), ...viaFlag] };
}

/** The real thing: the helper started through pkexec, osascript or UAC. */
export function platformElevation(options: PlatformElevationOptions = {}): ElevationStrategy {
  const platform = options.platform ?? process.platform;
  const electron = options.electron ?? process.versions.electron !== undefined;
  const defaults: PlatformElevationOptions = electron
    ? {
        resourcesPath: (process as { resourcesPath?: string }).resourcesPath,
        // `electron <folder>` in development; a packaged app has no folder argument.
        appFolder: (process as { defaultApp?: boolean }).defaultApp ? developmentAppFolder() : undefined,
      }
    : {};
  return {
    launch: (helperArgs, device) => {
      if (!electron) {
        const script = options.helperScript ?? builtHelperScript();
        if (!existsSync(script)) {
          return {
            exited: Promise.resolve({ code: null, signal: null, stderr: '', spawnError: Object.assign(new Error(`the administrator helper ${script} is missing (build the app with npm run build)`), { code: 'EHELPER' }) }),
            stop: () => undefined,
          };
        }
      }
      const program = helperProgram(platform, { ...defaults, ...options, electron });
      return spawnLauncher(
        elevationCommand(platform, {
          ...program,
          helperArgs,
          reason: `Pi Cluster Wizard needs administrator rights to write the boot files on the SD card ${device}.`,
        }),
        {},
        program.cleanup,
      );
    },
    explain: (exit, device) => explainLauncherExit(platform, exit, device),
  };
}
