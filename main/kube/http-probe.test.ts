/**
 * The HTTP probe and prober against real HTTP servers on 127.0.0.1 that answer as the lessons'
 * nginx pods do (Server header, the pod's name in X-Served-By, basic auth): LAN addresses
 * translated to loopback as practice mode does, status and headers, capped bodies, deadlines,
 * and a rolling switch from one version to another with a gap, measured.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeHttpProbe, kubeProbeSample, kubeProbeSummary } from '../../preload/contract/kube';
import { httpProbe } from './http-probe';
import { startProber } from './http-prober';
import { startSilentServer, unusedPort } from './testing/tcp-gate';
import { until } from './testing/kube-lab';

const WELCOME = '<!DOCTYPE html>\n<html>\n<head>\n<title>Welcome to nginx!</title>\n</head>\n<body>\n<h1>Welcome to nginx!</h1>\n</body>\n</html>\n';

interface FakePod {
  server: Server;
  port: number;
  close(): Promise<void>;
}

/** An HTTP server answering as an nginx pod the lessons configured would. */
async function nginxPod(version: string, pod: string, handler?: (req: IncomingMessage, res: ServerResponse) => boolean): Promise<FakePod> {
  const server = createServer((req, res) => {
    if (handler?.(req, res)) return;
    res.writeHead(200, { Server: `nginx/${version}`, 'Content-Type': 'text/html', 'X-Served-By': pod });
    res.end(req.url === '/big' ? 'x'.repeat(200_000) : WELCOME);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, port: (server.address() as AddressInfo).port, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

let a: FakePod;
let b: FakePod;

beforeAll(async () => {
  a = await nginxPod('1.14.2', 'nginx-deployment-6b474476c4-abcde');
  b = await nginxPod('1.16.1', 'nginx-deployment-7d9c5b8f4-xyz12', (req, res) => {
    if (req.url !== '/private') return false;
    if (req.headers.authorization === `Basic ${Buffer.from('admin:secret').toString('base64')}`) return false;
    res.writeHead(401, { Server: 'nginx/1.16.1', 'Content-Type': 'text/html', 'WWW-Authenticate': 'Basic realm="Lesson"' });
    res.end('<html><head><title>401 Authorization Required</title></head></html>');
    return true;
  });
});

afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
});

describe('one probe', () => {
  it('fetches through a translated address and reads status, headers, pod and timing', async () => {
    const r = await httpProbe({ host: '192.168.1.21', port: 30080, translate: (host, port) => (host === '192.168.1.21' && port === 30080 ? { host: '127.0.0.1', port: a.port } : { host, port }) });
    expect(kubeHttpProbe.parse(r)).toMatchObject({ status: 200 });
    expect(r).toMatchObject({
      url: 'http://192.168.1.21:30080/',
      connectedTo: `127.0.0.1:${a.port}`,
      status: 200,
      headers: { server: 'nginx/1.14.2', contentType: 'text/html' },
      body: WELCOME,
      bodyBytes: WELCOME.length,
      truncated: false,
      nginxVersion: '1.14.2',
      pod: 'nginx-deployment-6b474476c4-abcde',
    });
    expect(r.timing.totalMs).toBeGreaterThan(0);
    expect(r.timing.firstByteMs).toBeLessThanOrEqual(r.timing.totalMs);
    expect(r.timing.connectMs).toBeLessThanOrEqual(r.timing.firstByteMs!);
  });

  it('shows basic auth refusing, then letting in', async () => {
    const refused = await httpProbe({ host: '127.0.0.1', port: b.port, path: '/private' });
    expect(refused).toMatchObject({ status: 401, headers: { wwwAuthenticate: 'Basic realm="Lesson"' } });
    const ok = await httpProbe({ host: '127.0.0.1', port: b.port, path: '/private', headers: { Authorization: `Basic ${Buffer.from('admin:secret').toString('base64')}` } });
    expect(ok.status).toBe(200);
  });

  it('caps the body and says so', async () => {
    const r = await httpProbe({ host: '127.0.0.1', port: a.port, path: '/big', maxBodyBytes: 1_000 });
    expect(r).toMatchObject({ status: 200, bodyBytes: 200_000, truncated: true });
    expect(r.body).toHaveLength(1_000);
  });

  it('reports a refused connection and a silent server as errors within the deadline', async () => {
    const refused = await httpProbe({ host: '127.0.0.1', port: await unusedPort() });
    expect(refused).toMatchObject({ error: 'ECONNREFUSED', headers: {}, body: '' });
    expect(refused.status).toBeUndefined();
    const silent = await startSilentServer();
    try {
      const r = await httpProbe({ host: '127.0.0.1', port: Number(new URL(silent.url).port), timeoutMs: 300 });
      expect(r.error).toBe('ETIMEDOUT');
      expect(r.timing.totalMs).toBeGreaterThanOrEqual(299);
    } finally {
      await silent.stop();
    }
  });

  it('does not call an answer that arrived while the event loop was busy a timeout', async () => {
    // The pod answers, then this process is busy past the deadline (as under a CPU hog): the
    // deadline timer and the answer are both due when the loop runs again; the answer counts.
    const busy = await nginxPod('1.16.1', 'nginx-busy', (_req, res) => {
      res.writeHead(200, { Server: 'nginx/1.16.1', 'Content-Type': 'text/html' });
      res.end(WELCOME);
      const until = performance.now() + 300;
      while (performance.now() < until) {
        /* the event loop held past the client's 100 ms deadline */
      }
      return true;
    });
    try {
      const r = await httpProbe({ host: '127.0.0.1', port: busy.port, timeoutMs: 100 });
      expect(r.error).toBeUndefined();
      expect(r.status).toBe(200);
      expect(r.timing.totalMs).toBeGreaterThanOrEqual(300);
    } finally {
      await busy.close();
    }
  });

  it('refuses a malformed target', async () => {
    expect(() => httpProbe({ host: 'a b', port: 80 })).toThrow(RangeError);
    expect(() => httpProbe({ host: '127.0.0.1', port: 70_000 })).toThrow(/70000 is not a port/);
    expect(() => httpProbe({ host: '127.0.0.1', port: 80, path: 'index.html' })).toThrow(/must start with "\/"/);
  });
});

describe('the prober', () => {
  it('samples a switch from one version to another with a gap between, and measures it', async () => {
    // The "Service": first pod a, then nothing answers, then pod b (a Recreate).
    let backend: number | undefined = a.port;
    const deadPort = await unusedPort();
    const samples: { t: number; status?: number }[] = [];
    const run = startProber({ host: '192.168.1.240', port: 80, ratePerSecond: 20, durationMs: 60_000, timeoutMs: 5_000, translate: () => ({ host: '127.0.0.1', port: backend ?? deadPort }), onSample: (s) => samples.push(s) });
    await until('answers from 1.14.2', () => samples.filter((s) => s.status === 200).length >= 3);
    backend = undefined;
    await until('several refusals', () => samples.filter((s) => s.status === undefined).length >= 3);
    backend = b.port;
    await until('answers from 1.16.1', () => run.samples.filter((s) => s.nginxVersion === '1.16.1').length >= 3);
    run.stop();
    const { samples: all, summary } = await run.done;
    for (const s of all) expect(kubeProbeSample.parse(s)).toEqual(s);
    expect(kubeProbeSummary.parse(summary)).toEqual(summary);
    expect(summary.sent).toBe(all.length);
    expect(summary.ok + summary.failed).toBe(summary.sent);
    expect(summary.byVersion['1.14.2']).toBeGreaterThanOrEqual(3);
    expect(summary.byVersion['1.16.1']).toBeGreaterThanOrEqual(3);
    expect(summary.byPod).toMatchObject({ 'nginx-deployment-6b474476c4-abcde': summary.byVersion['1.14.2'], 'nginx-deployment-7d9c5b8f4-xyz12': summary.byVersion['1.16.1'] });
    expect(all.filter((s) => s.error).every((s) => s.error === 'ECONNREFUSED')).toBe(true);
    // Versions never interleave: all 1.14.2 answers were sent before all 1.16.1 answers, and the
    // gap is the time between the last old answer and the first new one.
    const lastOld = Math.max(...all.filter((s) => s.nginxVersion === '1.14.2').map((s) => s.t));
    const firstNew = Math.min(...all.filter((s) => s.nginxVersion === '1.16.1').map((s) => s.t));
    expect(lastOld).toBeLessThan(firstNew);
    expect(summary.longestGapMs).toBe(firstNew - lastOld);
    expect(summary.failed).toBeGreaterThanOrEqual(3);
  });

  it('refuses rates and durations out of range', () => {
    expect(() => startProber({ host: '127.0.0.1', port: a.port, ratePerSecond: 0, durationMs: 1000 })).toThrow(RangeError);
    expect(() => startProber({ host: '127.0.0.1', port: a.port, ratePerSecond: 5, durationMs: 3_600_000 })).toThrow(RangeError);
  });
});
