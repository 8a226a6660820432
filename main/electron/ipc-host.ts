/**
 * The Electron host of the router: one invoke channel and one event channel. Calls from any
 * frame other than the main window's own top frame are refused.
 */
import { ipcMain } from 'electron';
import type { BrowserWindow, IpcMainInvokeEvent } from 'electron';
import { IPC_EVENT, IPC_INVOKE } from '../../preload/contract/channels';
import type { App } from '../app/create-app';

export function serveIpc(app: App, win: BrowserWindow): () => void {
  ipcMain.handle(IPC_INVOKE, async (event: IpcMainInvokeEvent, message: { method?: unknown; params?: unknown } | undefined) => {
    if (event.sender !== win.webContents || event.senderFrame !== win.webContents.mainFrame) {
      return { ok: false, error: { code: 'UNKNOWN_METHOD', message: 'Calls are accepted from the app window only.' } };
    }
    return app.router.dispatch(message?.method, message?.params);
  });
  const unsubscribe = app.events.subscribe((name, payload) => {
    if (!win.isDestroyed()) win.webContents.send(IPC_EVENT, { name, payload });
  });
  return () => {
    ipcMain.removeHandler(IPC_INVOKE);
    unsubscribe();
  };
}
