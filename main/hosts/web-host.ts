/**
 * The browser host: serves the built renderer and the same router over a WebSocket, bound to
 * 127.0.0.1 only. Every WebSocket must present the per-launch token and come from the host's
 * own origin; anything else is refused before a single call is read.
 *
 * Any local process (or a web page probing ports) can reach this server, and main may be in the
 * middle of writing a card or building a cluster, so nothing a client sends may end the process:
 * malformed URLs and paths get 400, requests naming another Host (DNS rebinding) get 421,
 * every async path is caught, and socket errors (a too-large frame, a reset) are logged.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { RawData, WebSocket } from 'ws';
import type { App } from '../app/create-app';
import { CONTENT_SECURITY_POLICY } from './csp';

export interface WebHost {
  url: string;
  /** URL to open in a browser: carries the token in the fragment (never sent to the server in requests). */
  launchUrl: string;
  origin: string;
  token: string;
  close(): Promise<void>;
}

export interface WebHostOptions {
  app: App;
  rendererDir: string;
  port?: number;
  token?: string;
  log?: (line: string) => void;
}

/** Largest WebSocket message accepted; a larger frame closes that socket (1009), nothing else. */
export const MAX_MESSAGE_BYTES = 8 * 1024 * 1024;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

function sameToken(given: string | null, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Request target → path inside the renderer folder, or a reason it is refused. */
export function resolveRendererPath(rendererDir: string, target: string | undefined): { file: string } | { status: 400 | 403; reason: string } {
  // Only origin-form targets ("/path?query"); absolute-form ("http://…") and "*" are not ours.
  if (!target || !target.startsWith('/')) return { status: 400, reason: 'the request target is not a path' };
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(target, 'http://127.0.0.1').pathname);
  } catch {
    return { status: 400, reason: 'the path is not valid percent-encoding' };
  }
  if (pathname.includes('\0')) return { status: 400, reason: 'the path contains a NUL byte' };
  const root = path.resolve(rendererDir);
  const file = path.resolve(root, `.${pathname === '/' ? '/index.html' : pathname}`);
  if (!file.startsWith(root + path.sep)) return { status: 403, reason: 'the path leaves the renderer folder' };
  return { file };
}

async function serveFile(rendererDir: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const resolved = resolveRendererPath(rendererDir, req.url);
  if (!('file' in resolved)) {
    res.writeHead(resolved.status, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`${resolved.status === 400 ? 'Bad request' : 'Forbidden'}: ${resolved.reason}.`);
    return;
  }
  let body: Buffer;
  try {
    body = await readFile(resolved.file);
  } catch {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found');
    return;
  }
  res.writeHead(200, {
    'Content-Type': TYPES[path.extname(resolved.file)] ?? 'application/octet-stream',
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-cache',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function refuseUpgrade(socket: Duplex, status: string): void {
  try {
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  } catch {
    // already gone
  }
  socket.destroy();
}

export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const token = options.token ?? randomBytes(24).toString('base64url');
  const log = (line: string) => options.log?.(line);
  let allowedHosts: string[] = [];
  /** DNS rebinding: a page of another site resolving to 127.0.0.1 sends its own name as Host. */
  const hostAllowed = (req: IncomingMessage) => allowedHosts.includes((req.headers.host ?? '').toLowerCase());

  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    if (!hostAllowed(req)) {
      res.writeHead(421, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Misdirected request: this server answers only to 127.0.0.1 and localhost.');
      return;
    }
    serveFile(options.rendererDir, req, res).catch((error: unknown) => {
      log(`Serving ${JSON.stringify(req.url)} failed: ${(error as Error).message}`);
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  // Malformed HTTP (bad request line, oversized headers): answer 400 and carry on.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (error.code !== 'ECONNRESET') log(`Refused a malformed request: ${error.code ?? error.message}.`);
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  wss.on('error', (error) => log(`WebSocket server error: ${error.message}`));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  server.on('error', (error) => log(`Browser host error: ${error.message}`));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('The browser host did not get a port.');
  const origin = `http://127.0.0.1:${address.port}`;
  allowedHosts = [`127.0.0.1:${address.port}`, `localhost:${address.port}`];
  const allowedOrigins = allowedHosts.map((h) => `http://${h}`);

  server.on('upgrade', (req, socket, head) => {
    socket.on('error', (error) => log(`WebSocket connection error: ${error.message}`));
    try {
      const target = req.url ?? '';
      const url = target.startsWith('/') ? URL.parse(target, origin) : null;
      const reason = !url
        ? 'the request target is not a path'
        : !hostAllowed(req)
          ? `host ${JSON.stringify(req.headers.host ?? '')} is not allowed`
          : url.pathname !== '/rpc'
            ? 'unknown path'
            : !allowedOrigins.includes(req.headers.origin ?? '')
              ? `origin ${req.headers.origin ?? '(none)'} is not allowed`
              : !sameToken(url.searchParams.get('token'), token)
                ? 'missing or wrong token'
                : null;
      if (reason) {
        log(`Refused a WebSocket connection: ${reason}.`);
        refuseUpgrade(socket, url ? '403 Forbidden' : '400 Bad Request');
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => serveSocket(options.app, ws, log));
    } catch (error) {
      log(`Refused a WebSocket connection: ${(error as Error).message}.`);
      refuseUpgrade(socket, '400 Bad Request');
    }
  });

  return {
    url: `${origin}/`,
    launchUrl: `${origin}/#token=${token}`,
    origin,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

type Reply = { type: 'result'; id: string | number | null; envelope: unknown };

function badMessage(id: string | number | null, message: string): Reply {
  return { type: 'result', id, envelope: { ok: false, error: { code: 'INVALID_PARAMS', message } } };
}

/** One WebSocket message → the reply to send (never throws). */
export async function answerMessage(app: App, data: RawData | string): Promise<Reply> {
  let message: unknown;
  try {
    message = JSON.parse(String(data));
  } catch {
    return badMessage(null, 'The message is not JSON.');
  }
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return badMessage(null, 'Expected {type:"invoke", id, method, params}.');
  const { type, id, method, params } = message as Record<string, unknown>;
  if (type !== 'invoke' || (typeof id !== 'number' && typeof id !== 'string')) return badMessage(null, 'Expected {type:"invoke", id, method, params}.');
  const envelope = await app.router.dispatch(method, params);
  return { type: 'result', id, envelope };
}

function serveSocket(app: App, ws: WebSocket, log: (line: string) => void): void {
  const send = (value: unknown) => {
    if (ws.readyState !== ws.OPEN) return;
    ws.send(JSON.stringify(value), (error) => {
      if (error) log(`A WebSocket send failed: ${error.message}`);
    });
  };
  const unsubscribe = app.events.subscribe((name, payload) => send({ type: 'event', name, payload }));
  ws.on('close', unsubscribe);
  // ws emits 'error' for protocol violations such as a frame over maxPayload; it then closes the socket.
  ws.on('error', (error) => log(`Closed a WebSocket: ${error.message}`));
  ws.on('message', (data) => {
    answerMessage(app, data).then(send, (error: unknown) => {
      log(`Answering a WebSocket message failed: ${(error as Error).message}`);
      send({ type: 'result', id: null, envelope: { ok: false, error: { code: 'INTERNAL', message: 'The call could not be answered.' } } });
    });
  });
}
