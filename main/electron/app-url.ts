/**
 * The window's own origin, `app://pcw/`, and how its URLs map to files of the built renderer
 * (dist/renderer). The Electron host serves the window from this custom protocol instead of
 * `file://` (app-protocol.ts): a real origin for the CSP's 'self', no access to other local files,
 * and a resolver that answers only for files inside the renderer folder: no `..`, no encoded
 * slashes or backslashes, no NUL, no links leading out. No `electron` import: unit-tested.
 */
import { realpath as fsRealpath } from 'node:fs/promises';
import { extname, isAbsolute, join, relative } from 'node:path';

export const APP_SCHEME = 'app';
export const APP_HOST = 'pcw';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const INDEX_URL = `${APP_ORIGIN}/index.html`;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
};

export function contentType(path: string): string {
  return TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

const inside = (folder: string, path: string) => {
  const rel = relative(folder, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
};

/**
 * The file an `app://pcw/...` URL names inside `rendererDir` (a lexical answer), or undefined for
 * anything else: another scheme or host, credentials or a port, a `.`/`..` segment, a segment
 * that decodes to something with `/`, `\`, `:` or NUL in it, or a malformed escape.
 */
export function resolveAppPath(url: string, rendererDir: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.hostname !== APP_HOST || parsed.port || parsed.username || parsed.password) return undefined;
  // The raw path (URL already folded plain `..`); each segment decoded on its own.
  const raw = parsed.pathname === '/' || parsed.pathname === '' ? '/index.html' : parsed.pathname;
  const segments: string[] = [];
  for (const encoded of raw.split('/').slice(1)) {
    let segment: string;
    try {
      segment = decodeURIComponent(encoded);
    } catch {
      return undefined;
    }
    if (segment === '' || segment === '.' || segment === '..' || /[/\\:\0]/.test(segment)) return undefined;
    segments.push(segment);
  }
  if (segments.length === 0) return undefined;
  const file = join(rendererDir, ...segments);
  return inside(rendererDir, file) ? file : undefined;
}

/**
 * resolveAppPath, then the real path (links followed) must still be inside the renderer folder's
 * real path. Undefined when the file does not exist.
 */
export async function resolveAppFile(url: string, rendererDir: string, realpath: (p: string) => Promise<string> = fsRealpath): Promise<string | undefined> {
  const file = resolveAppPath(url, rendererDir);
  if (!file) return undefined;
  try {
    const [realFile, realDir] = await Promise.all([realpath(file), realpath(rendererDir)]);
    return inside(realDir, realFile) ? realFile : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the window may navigate to `url` (only its own page; in-page hash changes are not navigations). */
export function isAppNavigation(url: string): boolean {
  return url === INDEX_URL;
}
