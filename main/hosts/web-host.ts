/**
 * The browser host: serves the built renderer and the same router over a WebSocket, bound to
 * 127.0.0.1 only. Every WebSocket must present the per-launch token and come from the host's
 * own origin; anything else is refused before a single call is read.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
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

async function serveFile(rendererDir: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const rel = decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname);
  const file = path.resolve(rendererDir, `.${rel}`);
  if (!file.startsWith(path.resolve(rendererDir) + path.sep)) {
    res.writeHead(403).end();
    return;
  }
  try {
    const body = await readFile(file);
    res.writeHead(200, {
      'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-cache',
    });
    res.end(body);
  } catch {
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found');
  }
}

export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const token = options.token ?? randomBytes(24).toString('base64url');
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    void serveFile(options.rendererDir, req, res);
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: 8 * 1024 * 1024 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('The browser host did not get a port.');
  const origin = `http://127.0.0.1:${address.port}`;

  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', origin);
    const reason =
      url.pathname !== '/rpc'
        ? 'unknown path'
        : req.headers.origin !== origin
          ? `origin ${req.headers.origin ?? '(none)'} is not allowed`
          : !sameToken(url.searchParams.get('token'), token)
            ? 'missing or wrong token'
            : null;
    if (reason) {
      options.log?.(`Refused a WebSocket connection: ${reason}.`);
      socket.write('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => serveSocket(options.app, ws));
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

function serveSocket(app: App, ws: WebSocket): void {
  const unsubscribe = app.events.subscribe((name, payload) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ type: 'event', name, payload }));
  });
  ws.on('close', unsubscribe);
  ws.on('message', async (data) => {
    let message: { type?: unknown; id?: unknown; method?: unknown; params?: unknown };
    try {
      message = JSON.parse(String(data));
    } catch {
      ws.send(JSON.stringify({ type: 'result', id: null, envelope: { ok: false, error: { code: 'INVALID_PARAMS', message: 'The message is not JSON.' } } }));
      return;
    }
    if (message.type !== 'invoke' || (typeof message.id !== 'number' && typeof message.id !== 'string')) {
      ws.send(JSON.stringify({ type: 'result', id: null, envelope: { ok: false, error: { code: 'INVALID_PARAMS', message: 'Expected {type:"invoke", id, method, params}.' } } }));
      return;
    }
    const envelope = await app.router.dispatch(message.method, message.params);
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ type: 'result', id: message.id, envelope }));
  });
}
