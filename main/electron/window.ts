/**
 * The hardened main window: sandboxed, isolated, no Node in the page, served from app://pcw/
 * (app-protocol.ts) with a strict CSP, no navigation or redirects away from its page, no new
 * windows, no webviews, no permissions; allowlisted external links open in the system browser.
 */
import { BrowserWindow, shell } from 'electron';
import { CONTENT_SECURITY_POLICY } from '../hosts/csp';
import { serveAppProtocol } from './app-protocol';
import { INDEX_URL, isAppNavigation } from './app-url';
import { isAllowedExternal } from './external-links';

export function createMainWindow(options: { rendererDir: string; preloadPath: string }): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 860,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'Pi Cluster Wizard',
    webPreferences: {
      preload: options.preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      // No middle-click "open in new window" (auxclick) either.
      disableBlinkFeatures: 'Auxclick',
      spellcheck: false,
    },
  });
  serveAppProtocol(win.webContents.session, options.rendererDir);
  win.webContents.session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });
  win.webContents.session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  win.webContents.session.setPermissionCheckHandler(() => false);
  win.webContents.on('will-navigate', (event, url) => {
    if (!isAppNavigation(url)) event.preventDefault();
  });
  win.webContents.on('will-redirect', (event, url) => {
    if (!isAppNavigation(url)) event.preventDefault();
  });
  win.webContents.on('will-attach-webview', (event) => event.preventDefault());
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (isAllowedExternal(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  win.once('ready-to-show', () => win.show());
  void win.loadURL(INDEX_URL);
  return win;
}
