import { copyFile, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createApp } from '../app/create-app';
import { startWebHost } from './web-host';
import type { WebHost } from './web-host';

let host: WebHost | undefined;
afterEach(async () => {
  await host?.close();
  host = undefined;
});

async function start(): Promise<WebHost> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pcw-web-'));
  const rendererDir = path.join(dir, 'renderer');
  await mkdir(rendererDir);
  await writeFile(path.join(rendererDir, 'index.html'), '<!doctype html><title>Pi Cluster Wizard</title>');
  await writeFile(path.join(dir, 'secret.txt'), 'do not serve');
  await copyFile(path.resolve('renderer/public/favicon.ico'), path.join(rendererDir, 'favicon.ico'));
  const app = await createApp({ dataDir: path.join(dir, 'data'), host: 'browser', watchDrives: false });
  host = await startWebHost({ app, rendererDir });
  return host;
}

function connect(url: string, origin?: string): Promise<{ ws: WebSocket; status: 'open' } | { status: number }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, origin ? { origin } : {});
    ws.on('open', () => resolve({ ws, status: 'open' }));
    ws.on('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0 }));
    ws.on('error', () => resolve({ status: -1 }));
  });
}

function call(ws: WebSocket, method: string, params: unknown): Promise<unknown> {
  const id = Math.random();
  return new Promise((resolve) => {
    ws.on('message', function onMessage(data) {
      const msg = JSON.parse(String(data));
      if (msg.type === 'result' && msg.id === id) {
        ws.off('message', onMessage);
        resolve(msg.envelope);
      }
    });
    ws.send(JSON.stringify({ type: 'invoke', id, method, params }));
  });
}

describe('browser host', () => {
  it('listens on 127.0.0.1 only and serves the renderer with a CSP', async () => {
    const h = await start();
    expect(h.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(h.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await res.text()).toContain('Pi Cluster Wizard');
  });

  it('does not serve files outside the renderer folder', async () => {
    const h = await start();
    const res = await fetch(`${h.origin}/..%2fsecret.txt`);
    expect(res.status).not.toBe(200);
  });

  it('serves the router to a client with the token and the right origin', async () => {
    const h = await start();
    const conn = await connect(`ws://127.0.0.1:${new URL(h.origin).port}/rpc?token=${h.token}`, h.origin);
    expect(conn.status).toBe('open');
    if (conn.status !== 'open') return;
    expect(await call(conn.ws, 'plan.get', {})).toEqual({ ok: true, result: null });
    expect(await call(conn.ws, 'nope', {})).toMatchObject({ ok: false, error: { code: 'UNKNOWN_METHOD' } });
    conn.ws.close();
  });

  it('refuses a WebSocket without the token', async () => {
    const h = await start();
    const conn = await connect(`ws://127.0.0.1:${new URL(h.origin).port}/rpc`, h.origin);
    expect(conn.status).toBe(403);
  });

  it('refuses a WebSocket with a wrong token', async () => {
    const h = await start();
    const conn = await connect(`ws://127.0.0.1:${new URL(h.origin).port}/rpc?token=${h.token.slice(1)}x`, h.origin);
    expect(conn.status).toBe(403);
  });

  it('refuses a WebSocket from another origin even with the token', async () => {
    const h = await start();
    const conn = await connect(`ws://127.0.0.1:${new URL(h.origin).port}/rpc?token=${h.token}`, 'http://evil.example');
    expect(conn.status).toBe(403);
  });
});

/** Sends raw bytes and returns what the server answered (or '' when it closed without a word). */
function raw(port: number, request: string | Buffer): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(request));
    let out = '';
    socket.on('data', (d) => (out += d.toString('latin1')));
    socket.on('close', () => resolve(out));
    socket.on('error', () => resolve(out));
    socket.setTimeout(5000, () => socket.destroy());
  });
}

async function stillServes(h: WebHost): Promise<void> {
  const res = await fetch(h.url);
  expect(res.status).toBe(200);
}

describe('browser host under hostile input', () => {
  it('answers a malformed percent-encoding with 400 and keeps serving', async () => {
    const h = await start();
    const port = Number(new URL(h.origin).port);
    const answer = await raw(port, `GET /%E0%A4%A HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
    await stillServes(h);
  });

  it('answers an absolute-form target that is not a URL with 400, also as a WebSocket upgrade', async () => {
    const h = await start();
    const port = Number(new URL(h.origin).port);
    expect(await raw(port, `GET http://[::1 HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`)).toMatch(/^HTTP\/1\.1 400/);
    const upgrade = await raw(
      port,
      `GET http://[::1 HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
    );
    expect(upgrade).toMatch(/^HTTP\/1\.1 400/);
    await stillServes(h);
  });

  it('answers garbage that is not HTTP with 400', async () => {
    const h = await start();
    const port = Number(new URL(h.origin).port);
    expect(await raw(port, 'HELLO\x00\x01\x02\r\n\r\n')).toMatch(/^HTTP\/1\.1 400/);
    await stillServes(h);
  });

  it('refuses a Host that is not 127.0.0.1 or localhost on its port (DNS rebinding)', async () => {
    const h = await start();
    const port = Number(new URL(h.origin).port);
    expect(await raw(port, `GET / HTTP/1.1\r\nHost: evil.example:${port}\r\nConnection: close\r\n\r\n`)).toMatch(/^HTTP\/1\.1 421/);
    expect(await raw(port, `GET / HTTP/1.1\r\nConnection: close\r\n\r\n`)).toMatch(/^HTTP\/1\.1 (400|421)/);
    expect(await raw(port, `GET / HTTP/1.1\r\nHost: localhost:${port}\r\nConnection: close\r\n\r\n`)).toMatch(/^HTTP\/1\.1 200/);
    const upgrade = await raw(
      port,
      `GET /rpc?token=${h.token} HTTP/1.1\r\nHost: evil.example:${port}\r\nOrigin: http://evil.example:${port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
    );
    expect(upgrade).toMatch(/^HTTP\/1\.1 403/);
  });

  it('survives a WebSocket message null, an array and a 9 MB frame from a client with the token', async () => {
    const h = await start();
    const conn = await connect(`ws://127.0.0.1:${new URL(h.origin).port}/rpc?token=${h.token}`, h.origin);
    if (conn.status !== 'open') throw new Error('no connection');
    const replies: unknown[] = [];
    conn.ws.on('message', (d) => replies.push(JSON.parse(String(d))));
    conn.ws.send('null');
    conn.ws.send('[1,2]');
    await expect.poll(() => replies.filter((r) => (r as { type: string }).type === 'result').length).toBe(2);
    expect(replies[0]).toMatchObject({ envelope: { ok: false, error: { code: 'INVALID_PARAMS' } } });
    const closed = new Promise<number>((resolve) => conn.ws.on('close', (code) => resolve(code)));
    conn.ws.send(Buffer.alloc(9 * 1024 * 1024, 0x20));
    expect(await closed).toBe(1009);
    // The process is alive and a new client is served.
    await stillServes(h);
    const again = await connect(`ws://127.0.0.1:${new URL(h.origin).port}/rpc?token=${h.token}`, h.origin);
    expect(again.status).toBe('open');
    if (again.status === 'open') {
      expect(await call(again.ws, 'plan.get', {})).toEqual({ ok: true, result: null });
      again.ws.close();
    }
  });

  it('serves a favicon', async () => {
    const h = await start();
    const res = await fetch(`${h.origin}/favicon.ico`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/x-icon');
  });
});
