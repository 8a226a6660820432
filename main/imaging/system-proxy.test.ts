/**
 * The desktop's proxy for imaging: PAC answers read the way Chromium gives them, and a whole
 * imaging job (catalogue, SHA256SUMS, image) going through the proxy the desktop names, with a
 * real forward proxy on 127.0.0.1 in front of the practice image server.
 */
import { createServer, request as httpRequest } from 'node:http';
import type { Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { environmentProxySet, proxyFromPac } from './system-proxy';
import { startImagingBench } from './testing/imaging-bench-fixture';
import type { ImagingBench } from './testing/imaging-bench-fixture';

describe('proxyFromPac', () => {
  it('takes the first entry it can use', () => {
    expect(proxyFromPac('DIRECT')).toEqual({ kind: 'direct' });
    expect(proxyFromPac('PROXY proxy.example:3128; DIRECT')).toEqual({ kind: 'http', url: 'http://proxy.example:3128' });
    expect(proxyFromPac('HTTPS secure.example:443')).toEqual({ kind: 'https', url: 'https://secure.example:443' });
    expect(proxyFromPac('SOCKS5 127.0.0.1:1080')).toEqual({ kind: 'socks5', url: 'socks5://127.0.0.1:1080' });
    expect(proxyFromPac('PROXY [::1]:8080')).toEqual({ kind: 'http', url: 'http://[::1]:8080' });
  });

  it('skips what it cannot use (SOCKS4, a missing port, nonsense) and ends direct', () => {
    expect(proxyFromPac('SOCKS old.example:1080; PROXY next.example:8080')).toEqual({ kind: 'http', url: 'http://next.example:8080' });
    expect(proxyFromPac('PROXY no-port; DIRECT')).toEqual({ kind: 'direct' });
    expect(proxyFromPac('')).toEqual({ kind: 'direct' });
    expect(proxyFromPac('PROXY a:1 extra')).toEqual({ kind: 'direct' });
  });
});

describe('environmentProxySet', () => {
  it('is true when any of the proxy variables names a proxy', () => {
    expect(environmentProxySet({})).toBe(false);
    expect(environmentProxySet({ HTTPS_PROXY: ' ' })).toBe(false);
    expect(environmentProxySet({ https_proxy: 'http://p:3128' })).toBe(true);
    expect(environmentProxySet({ HTTP_PROXY: 'http://p:3128', NO_PROXY: '*' })).toBe(true);
  });
});

/** A forward proxy for 127.0.0.1 only (CONNECT tunnels and absolute-form requests), logging each. */
async function startForwardProxy(): Promise<{ server: Server; port: number; log: string[] }> {
  const log: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const target = new URL(req.url ?? '/');
    log.push(`GET ${target.host}${target.pathname}`);
    if (target.hostname !== '127.0.0.1') return void res.writeHead(403).end();
    const upstream = httpRequest({ host: '127.0.0.1', port: target.port, path: target.pathname + target.search, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('connect', (req, client: Socket) => {
    const [host, port] = (req.url ?? '').split(':');
    log.push(`CONNECT ${req.url}`);
    if (host !== '127.0.0.1') return void client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
    const upstream = connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const close = server.close.bind(server);
  server.close = (cb) => {
    for (const s of sockets) s.destroy();
    return close(cb);
  };
  return { server, port: (server.address() as AddressInfo).port, log };
}

describe('an imaging job behind the desktop proxy', { timeout: 120_000 }, () => {
  let proxy: Awaited<ReturnType<typeof startForwardProxy>>;
  let pac = 'DIRECT';
  const asked: string[] = [];
  let bench: ImagingBench;

  beforeAll(async () => {
    proxy = await startForwardProxy();
    bench = await startImagingBench({
      systemProxy: async (url) => {
        asked.push(url);
        return pac;
      },
    });
  }, 180_000);
  afterAll(async () => {
    await bench?.close();
    await new Promise((r) => proxy?.server.close(r));
  });
  afterEach(() => vi.unstubAllEnvs());

  const clearProxyEnvironment = () => {
    for (const name of ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy']) vi.stubEnv(name, '');
  };

  it('fetches the catalogue, SHA256SUMS and the image through the proxy the desktop names for the URL', async () => {
    clearProxyEnvironment();
    pac = `PROXY 127.0.0.1:${proxy.port}; DIRECT`;
    proxy.log.length = 0;
    const server = new URL(bench.server.catalogueUrl).host;
    const catalogue = await bench.service.catalogue(true);
    const entry = catalogue.entries.find((e) => e.id === catalogue.defaultId)!;
    expect(asked).toContain(bench.server.catalogueUrl);
    expect(proxy.log.length).toBeGreaterThan(0);

    await bench.service.clearCache();
    const { device } = await bench.insertCard(1);
    const jobId = await bench.service.start(entry.id, [{ device, hostname: 'pi-01', confirmDevice: device }]);
    const done = await bench.jobs.settled(jobId);
    expect(done.state).toBe('succeeded');
    expect(asked).toContain(entry.url);
    // Every request reached the image server through the proxy: the server saw the image request, the proxy carried it.
    expect(bench.server.requests.some((r) => r.path.endsWith('.img.xz') && r.status === 200)).toBe(true);
    expect(proxy.log.every((line) => line.includes(server))).toBe(true);
    const tunnelled = proxy.log.filter((line) => line.startsWith('CONNECT')).length;
    const forwarded = proxy.log.filter((line) => line.startsWith('GET') && line.endsWith('.img.xz')).length;
    expect(tunnelled + forwarded).toBeGreaterThan(0);
  });

  it('goes direct when the desktop says DIRECT', async () => {
    clearProxyEnvironment();
    pac = 'DIRECT';
    proxy.log.length = 0;
    const catalogue = await bench.service.catalogue(true);
    expect(catalogue.entries.length).toBeGreaterThan(0);
    expect(proxy.log).toEqual([]);
  });

  it('leaves the choice to HTTPS_PROXY / NO_PROXY when they are set', async () => {
    clearProxyEnvironment();
    vi.stubEnv('HTTP_PROXY', `http://127.0.0.1:${proxy.port}`);
    vi.stubEnv('NO_PROXY', '127.0.0.1');
    pac = `PROXY 127.0.0.1:${proxy.port}`;
    proxy.log.length = 0;
    asked.length = 0;
    await bench.service.catalogue(true);
    expect(asked).toEqual([]); // the desktop was not asked
  });
});
