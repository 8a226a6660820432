/**
 * Serves the window from `app://pcw/` (app-url.ts) instead of `file://`: the scheme is registered
 * as standard and secure before the app is ready, then a handler on the window's session answers
 * GET/HEAD for files of the built renderer only (the resolver refuses traversal and links out),
 * each with the CSP header, nosniff and its content type. Files are read with fs, which reads
 * inside app.asar (the OnlyLoadAppFromAsar fuse is on in packaged builds).
 */
import { protocol } from 'electron';
import type { Session } from 'electron';
import { readFile } from 'node:fs/promises';
import { CONTENT_SECURITY_POLICY } from '../hosts/csp';
import { APP_SCHEME, contentType, resolveAppFile } from './app-url';

/** Before `app.whenReady()`: app:// is a standard, secure scheme (a real origin for 'self', fetch allowed). */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
}

function headers(type: string): Record<string, string> {
  return { 'Content-Type': type, 'Content-Security-Policy': CONTENT_SECURITY_POLICY, 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store' };
}

/** After ready: answer app:// requests on `session` from `rendererDir`. */
export function serveAppProtocol(session: Session, rendererDir: string): void {
  session.protocol.handle(APP_SCHEME, async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return new Response('Method not allowed', { status: 405, headers: headers('text/plain; charset=utf-8') });
    const file = await resolveAppFile(request.url, rendererDir);
    const data = file ? await readFile(file).catch(() => undefined) : undefined;
    if (!file || !data) return new Response('Not found', { status: 404, headers: headers('text/plain; charset=utf-8') });
    return new Response(request.method === 'HEAD' ? null : new Uint8Array(data), { status: 200, headers: headers(contentType(file)) });
  });
}
