/** Entry of the Electron app: single instance, one hardened window, the router over IPC. */
import { app as electronApp } from 'electron';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp } from './app/create-app';
import { serveIpc } from './electron/ipc-host';
import { createMainWindow } from './electron/window';

const here = path.dirname(fileURLToPath(import.meta.url));

if (!electronApp.requestSingleInstanceLock()) electronApp.quit();

electronApp.whenReady().then(async () => {
  const dataDir = process.env.PCW_DATA_DIR ?? electronApp.getPath('userData');
  const app = await createApp({
    dataDir,
    host: 'electron',
    appPaths: [electronApp.getAppPath(), process.execPath],
    onInternalError: (method, error) => console.error(`[internal] ${method}:`, error instanceof Error ? error.stack : error),
  });
  const win = createMainWindow({ rendererDir: path.resolve(here, '../renderer'), preloadPath: path.resolve(here, '../preload/electron-preload.cjs') });
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
});

