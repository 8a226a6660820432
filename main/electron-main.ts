/**
 * Entry of the Electron app. Started with `--pcw-raw-device-helper --` (by the platform's
 * password prompt; disk/elevated/helper-cli.ts) it is the administrator helper and nothing else:
 * no single-instance lock, no window, no app state; it exits when the helper is done. Otherwise:
 * single instance, the app:// scheme (registered before ready, as Electron requires), one hardened
 * window, the router over IPC.
 */
// First: sizes libuv's thread pool before anything uses it.
import './imaging/thread-pool-size';
import { app as electronApp } from 'electron';
import type { BrowserWindow } from 'electron';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp } from './app/create-app';
import { helperArgv } from './disk/elevated/helper-cli';
import { runRawDeviceHelper } from './disk/elevated/raw-device-helper';
import { registerAppScheme } from './electron/app-protocol';
import { electronHostServices } from './electron/host-services';
import { serveIpc } from './electron/ipc-host';
import { createMainWindow } from './electron/window';

const here = path.dirname(fileURLToPath(import.meta.url));
const asHelper = helperArgv(process.argv);

if (asHelper) {
  electronApp.dock?.hide();
  void runRawDeviceHelper(asHelper).then(
    (code) => electronApp.exit(code),
    (error: unknown) => {
      process.stderr.write(`raw-device-helper: ${error instanceof Error ? error.message : String(error)}\n`);
      electronApp.exit(1);
    },
  );
} else if (!electronApp.requestSingleInstanceLock()) {
  electronApp.quit();
} else {
  registerAppScheme();
  void electronApp.whenReady().then(startWindow);
}

async function startWindow(): Promise<void> {
  const dataDir = process.env.PCW_DATA_DIR ?? electronApp.getPath('userData');
  // The window exists only after the app: the file dialog asks for it when it opens.
  const mainWindow: { current?: BrowserWindow } = {};
  const app = await createApp({
    dataDir,
    host: 'electron',
    hostServices: electronHostServices(() => mainWindow.current),
    appPaths: [electronApp.getAppPath(), process.execPath],
    onInternalError: (method, error) => console.error(`[internal] ${method}:`, error instanceof Error ? error.stack : error),
  });
  const win = createMainWindow({ rendererDir: path.resolve(here, '../renderer'), preloadPath: path.resolve(here, '../preload/electron-preload.cjs') });
  mainWindow.current = win;
  const stopIpc = serveIpc(app, win);
  electronApp.on('second-instance', () => {
    if (win.isMinimized()) win.restore();
    win.focus();
  });
  electronApp.on('window-all-closed', async () => {
    stopIpc();
    await app.close();
    electronApp.quit();
  });
}
