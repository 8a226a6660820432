/**
 * How a process knows it was started as the administrator helper. The packaged app has Electron's
 * RunAsNode fuse off, so the helper cannot be "the Electron binary as plain Node" any more: the
 * platform's password prompt starts the app binary itself with
 *
 *   <app> [<app folder, in development>] <Chromium switches> --pcw-raw-device-helper -- --device ... --socket ... --key-file ...
 *
 * and electron-main.ts, before anything else (no single-instance lock, no window), hands the words
 * after `--` to the helper. `--` also ends Chromium's own switch parsing, so the helper's arguments
 * are never taken for Chromium switches. The standalone helper script (browser host under Node)
 * accepts the same form, and its plain arguments.
 */

export const HELPER_FLAG = '--pcw-raw-device-helper';

/**
 * Chromium switches for a helper started as the app binary. Linux: pkexec runs it as root, where
 * Chromium refuses to start without --no-sandbox, and without a display (pkexec clears DISPLAY),
 * so Ozone's headless platform; everywhere: no GPU process.
 */
export function helperChromiumSwitches(platform: NodeJS.Platform): string[] {
  return platform === 'linux' ? ['--no-sandbox', '--ozone-platform=headless', '--disable-gpu'] : ['--disable-gpu'];
}

/** The helper's own arguments if `argv` starts the helper (the words after `HELPER_FLAG --`), else undefined. */
export function helperArgv(argv: readonly string[]): string[] | undefined {
  const at = argv.indexOf(HELPER_FLAG);
  if (at < 0) return undefined;
  // Only `--pcw-raw-device-helper --` counts: anything else is a malformed start, given no arguments (usage error).
  return argv[at + 1] === '--' ? argv.slice(at + 2) : [];
}
