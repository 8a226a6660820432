import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
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
