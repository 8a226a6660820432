/**
 * What only the desktop shell can give the services (main/app/feature-def.ts HostServices), so
 * they never import electron: the native file dialog for a local OS image (the sandboxed window
 * cannot learn a file's path), and the session's proxy for a URL as Chromium resolves it (system
 * settings, PAC scripts, WPAD), which imaging turns into its download dispatcher.
 */
import { dialog, session } from 'electron';
import type { BrowserWindow } from 'electron';
import type { HostServices } from '../app/feature-def';

export function electronHostServices(window: () => BrowserWindow | undefined): HostServices {
  return {
    async pickImageFile() {
      const options: Electron.OpenDialogOptions = {
        properties: ['openFile'],
        filters: [
          { name: 'OS images (.img, .img.xz, .img.gz, .zip)', extensions: ['img', 'xz', 'gz', 'zip'] },
          { name: 'All files', extensions: ['*'] },
        ],
      };
      const win = window();
      const chosen = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
      return chosen.canceled ? null : (chosen.filePaths[0] ?? null);
    },
    resolveProxy: (url) => session.defaultSession.resolveProxy(url),
  };
}
