// Electron's binary on first use. Electron 45 has no install script, so `npm ci` leaves its binary
// out and it is fetched the first time it is needed. `npm start` does that with Electron's own
// installer (node_modules/electron/install.js: @electron/get, which honours ELECTRON_MIRROR,
// electron_config_cache, ELECTRON_GET_USE_PROXY, ...) and shows one progress line, worked out from
// the size of the file the installer is downloading into a private temporary folder.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);

/** Where the download comes from, for messages: the mirror's host, or GitHub. */
export function downloadSource(env = process.env) {
  const mirror = env.ELECTRON_MIRROR || env.npm_config_electron_mirror || env.NPM_CONFIG_ELECTRON_MIRROR;
  if (!mirror) return 'github.com';
  try {
    return new URL(mirror).host || mirror;
  } catch {
    return mirror;
  }
}

/** The installer's reason for failing, in one line: the first line of the error it printed. */
export function failureReason(stderr, code) {
  const line = stderr
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l && !l.startsWith('at ') && !/^node:internal|^\^$/.test(l));
  return (line ?? `the installer exited with code ${code}`).slice(0, 200);
}

/** Bytes of the archive being downloaded so far (the biggest .zip under `folder`). */
function downloadedBytes(folder) {
  let biggest = 0;
  const visit = (dir, depth) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory() && depth < 3) visit(full, depth + 1);
      else if (entry.isFile() && entry.name.endsWith('.zip')) {
        try {
          biggest = Math.max(biggest, statSync(full).size);
        } catch {
          // moved into the cache meanwhile
        }
      }
    }
  };
  visit(folder, 0);
  return biggest;
}

const megabytes = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;

/**
 * Runs Electron's installer. Resolves { ok: true } once the binary is in place, or
 * { ok: false, reason } with the installer's own first error line.
 * `out` receives the progress line (rewritten in place on a terminal).
 */
export async function installElectron({ env = process.env, out = process.stdout } = {}) {
  let installer;
  let version;
  try {
    installer = require.resolve('electron/install.js');
    version = require('electron/package.json').version;
  } catch {
    return { ok: false, reason: 'the electron package is not installed (run npm ci)' };
  }
  const source = downloadSource(env);
  const folder = mkdtempSync(path.join(tmpdir(), 'pcw-electron-'));
  const label = `Downloading Electron ${version} for ${process.platform}-${process.arch} from ${source} (once; about 100 MB)`;
  const tty = Boolean(out.isTTY);
  out.write(tty ? `${label}…` : `${label}…\n`);
  let last = 0;
  const timer = setInterval(() => {
    const bytes = downloadedBytes(folder);
    if (tty && bytes !== last) out.write(`\r\x1b[2K${label}… ${megabytes(bytes)}`);
    last = bytes;
  }, 250);
  try {
    const child = spawn(process.execPath, [installer], {
      // The installer's own progress bar (after 30 s, on stderr) would fight with ours.
      env: { ...env, TMPDIR: folder, TEMP: folder, TMP: folder, ELECTRON_GET_NO_PROGRESS: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
      windowsHide: true,
    });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text) => {
      if (stderr.length < 16_384) stderr += text;
    });
    const code = await new Promise((resolve) => {
      child.once('error', (error) => {
        stderr += `${error.message}\n`;
        resolve(-1);
      });
      child.once('close', (exit) => resolve(exit ?? -1));
    });
    if (tty) out.write('\r\x1b[2K');
    if (code !== 0) return { ok: false, reason: `${failureReason(stderr, code)}; from ${source}` };
    out.write(`Electron ${version} installed.\n`);
    return { ok: true };
  } finally {
    clearInterval(timer);
    rmSync(folder, { recursive: true, force: true });
  }
}
