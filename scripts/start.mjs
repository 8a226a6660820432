// `npm start`: open the Electron app. Electron 45 fetches its binary on first use (it has no
// install script), so when the binary is missing this runs Electron's own installer first, with a
// progress line (electron-install.mjs). Only when the window cannot be shown (no display, the
// download failed or is switched off) does it start the browser host instead, saying why in one line.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { electronBinary } from './electron-binary.mjs';
import { installElectron } from './electron-install.mjs';

const project = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const isSet = (value) => value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';

async function browserHost(why) {
  console.log(`${why}: starting the browser host instead.`);
  await import('../dist/main/web-main.js');
}

async function start(env) {
  if (env.PCW_FORCE_BROWSER === '1') return browserHost('PCW_FORCE_BROWSER=1 is set');
  if (process.platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY) {
    return browserHost('There is no display here (neither DISPLAY nor WAYLAND_DISPLAY is set), so the Electron window cannot open');
  }
  let bin = electronBinary();
  if (!bin) {
    if (isSet(env.ELECTRON_SKIP_BINARY_DOWNLOAD)) {
      return browserHost('Electron is not installed and ELECTRON_SKIP_BINARY_DOWNLOAD is set, so it is not downloaded (unset it for the desktop app)');
    }
    const installed = await installElectron({ env });
    if (!installed.ok) return browserHost(`Electron could not be installed (${installed.reason})`);
    bin = electronBinary();
    if (!bin) return browserHost("Electron's installer finished but left no binary");
  }
  const child = spawn(bin, [project], { stdio: 'inherit', env });
  let failed = false;
  child.once('error', (error) => {
    failed = true;
    void browserHost(`Electron could not be started (${error.message})`);
  });
  child.once('exit', (code, signal) => {
    if (!failed) process.exit(code ?? (signal ? 1 : 0));
  });
}

await start(process.env);
