/**
 * Starting the administrator helper (raw-device-helper.ts) through the platform's standard
 * password prompt, the way Raspberry Pi Imager and balenaEtcher do:
 *  - Linux: `pkexec` (polkit). pkexec clears the environment, so an Electron binary is started
 *    through `/usr/bin/env ELECTRON_RUN_AS_NODE=1 <electron> <helper.js> ...`. From an AppImage
 *    (a FUSE mount root cannot enter) the AppImage file itself runs a copy of the helper.
 *  - macOS: `osascript -e 'do shell script "<cmd>" with administrator privileges'`.
 *  - Windows: PowerShell `Start-Process -Verb RunAs -WindowStyle Hidden -Wait` (UAC).
 * Only the device path, the socket path and the capacity travel on the command line (no secrets).
 * A refused or cancelled prompt becomes a NEEDS_ADMIN DiskError that says the card was not changed.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { command as shellCommand } from '../../ssh/shell-quote';
import { DiskError } from '../disk-errors';
import type { DiskErrorCode } from '../disk-errors';
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
  /** The Node or Electron binary that runs the helper script. */
  execPath: string;
  /** True when execPath is Electron (it must then run as plain Node: ELECTRON_RUN_AS_NODE=1). */
  electron: boolean;
  /** Arguments before the script (e.g. `--import tsx` in development). */
  nodeArgs?: readonly string[];
  helperScript: string;
  /** The helper's own arguments: --device, --socket, --size. */
  helperArgs: readonly string[];
  /** Shown in the macOS prompt. */
  reason?: string;
  /** Extra environment for the helper's runtime (the launchers start it with a clean environment). */
  env?: Readonly<Record<string, string>>;
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
  const program = [launch.execPath, ...(launch.nodeArgs ?? []), launch.helperScript, ...launch.helperArgs];
  const env = Object.entries({ ...launch.env, ...(launch.electron ? { ELECTRON_RUN_AS_NODE: '1' } : {}) });
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
      `& ${program.map(powerShellString).join(' ')}`,
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
export function spawnLauncher(cmd: HelperCommand, options: { uid?: number; gid?: number } = {}): HelperProcess {
  const child = spawn(cmd.file, cmd.args, { stdio: ['ignore', 'ignore', 'pipe'], windowsHide: true, ...options });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (text: string) => {
    if (stderr.length < 4096) stderr = (stderr + text).slice(0, 4096);
  });
  const exited = new Promise<LauncherExit>((resolve) => {
    child.once('error', (error: NodeJS.ErrnoException) => resolve({ code: null, signal: null, stderr, spawnError: error }));
    child.once('close', (code, signal) => resolve({ code, signal, stderr }));
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
 * Where the built helper is: beside the bundle that contains this code (dist/main/), outside
 * app.asar (electron-builder unpacks it, because pkexec/osascript/UAC start it as a plain file).
 */
export function builtHelperScript(moduleUrl: string = import.meta.url): string {
  const here = dirname(fileURLToPath(moduleUrl));
  const candidates = [here, dirname(here)].map((dir) => join(dir, 'raw-device-helper.mjs').replace(/([\\/])app\.asar([\\/])/, '$1app.asar.unpacked$2'));
  return candidates.find((path) => existsSync(path)) ?? candidates[0]!;
}

export interface PlatformElevationOptions {
  platform?: NodeJS.Platform;
  execPath?: string;
  electron?: boolean;
  /** Arguments before the helper script (e.g. `--import tsx` to run it from source). */
  nodeArgs?: readonly string[];
  helperScript?: string;
  /** The app's environment (APPIMAGE / APPDIR tell an AppImage apart); process.env by default. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Inside an AppImage the app runs from a FUSE mount that root cannot enter, so pkexec could start
 * neither the Electron binary nor the helper from there. Then the helper is copied into the
 * session's private 0700 folder (beside the socket) and the AppImage file itself is started with
 * APPIMAGE_EXTRACT_AND_RUN=1, so it unpacks itself instead of mounting. Undefined outside an AppImage.
 */
export function appImageLaunch(
  env: NodeJS.ProcessEnv,
  execPath: string,
  helperScript: string,
  privateFolder: string,
): { execPath: string; helperScript: string; env: Record<string, string> } | undefined {
  const { APPIMAGE: appImage, APPDIR: appDir } = env;
  if (!appImage || !appDir || !isAbsolute(appImage)) return undefined;
  const inside = relative(appDir, execPath);
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) return undefined;
  const copy = join(privateFolder, basename(helperScript));
  copyFileSync(helperScript, copy);
  return { execPath: appImage, helperScript: copy, env: { APPIMAGE_EXTRACT_AND_RUN: '1' } };
}

/** The real thing: the helper started through pkexec, osascript or UAC. */
export function platformElevation(options: PlatformElevationOptions = {}): ElevationStrategy {
  const platform = options.platform ?? process.platform;
  return {
    launch: (helperArgs, device) => {
      const helperScript = options.helperScript ?? builtHelperScript();
      if (!existsSync(helperScript)) {
        return {
          exited: Promise.resolve({ code: null, signal: null, stderr: '', spawnError: Object.assign(new Error(`the administrator helper ${helperScript} is missing (build the app with npm run build)`), { code: 'EHELPER' }) }),
          stop: () => undefined,
        };
      }
      const execPath = options.execPath ?? process.execPath;
      const socketAt = helperArgs.indexOf('--socket');
      const socket = socketAt >= 0 ? helperArgs[socketAt + 1] : undefined;
      const appImage = platform === 'linux' && socket ? appImageLaunch(options.env ?? process.env, execPath, helperScript, dirname(socket)) : undefined;
      return spawnLauncher(
        elevationCommand(platform, {
          execPath,
          electron: options.electron ?? process.versions.electron !== undefined,
          nodeArgs: options.nodeArgs,
          helperScript,
          helperArgs,
          ...appImage,
          reason: `Pi Cluster Wizard needs administrator rights to write the boot files on the SD card ${device}.`,
        }),
      );
    },
    explain: (exit, device) => explainLauncherExit(platform, exit, device),
  };
}
