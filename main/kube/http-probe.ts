/**
 * Fetches a page the way the lessons show it: `http://<address>:<port>/<path>` on a fresh
 * connection (so a Service spreads requests over its pods as a browser's new tab would), with a
 * short deadline, returning the status, the headers the lessons explain (Server,
 * WWW-Authenticate, Content-Type), the body (capped) and the timing; failures are results, not
 * exceptions. In practice mode the LAN address of a node or a LoadBalancer maps to a loopback
 * address: the caller passes the translator. The pod that answered is read from an
 * `X-Served-By` (or `X-Pod-Name`) header, which the lessons' nginx configuration adds with
 * `add_header X-Served-By $hostname always;` ($hostname is the pod's name), or from a
 * `served-by: <name>` line in the page.
 */
import { request } from 'node:http';
import type { KubeHttpProbe } from '../../preload/contract/kube';
import { deadline } from '../timing/deadline';

export type AddressTranslator = (host: string, port: number) => { host: string; port: number };

export interface HttpProbeOptions {
  host: string;
  port: number;
  /** Default `/`. */
  path?: string;
  /** Default 3 s. */
  timeoutMs?: number;
  /** Bytes of body kept (default 64 KiB); the rest is read and counted. */
  maxBodyBytes?: number;
  /** Extra request headers (e.g. `Authorization: Basic ...` for the basic-auth lesson). */
  headers?: Record<string, string>;
  translate?: AddressTranslator;
  signal?: AbortSignal;
}

export interface HttpProbeResult extends KubeHttpProbe {
  /** The pod that answered, when a header or the page names it. */
  pod?: string;
  /** `1.16.1` from `Server: nginx/1.16.1`. */
  nginxVersion?: string;
}

const DNS_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/i;

function checkTarget(o: HttpProbeOptions): string {
  if (typeof o.host !== 'string' || !o.host || /[\s/@]/.test(o.host)) throw new RangeError(`"${o.host}" is not a host name or address.`);
  if (!Number.isInteger(o.port) || o.port < 1 || o.port > 65_535) throw new RangeError(`${o.port} is not a port (1-65535).`);
  const path = o.path ?? '/';
  if (!path.startsWith('/') || /[\s]/.test(path)) throw new RangeError(`"${path}" is not a path (it must start with "/" and have no spaces).`);
  return path;
}

/** The pod named by the response: `X-Served-By` / `X-Pod-Name` header, else a `served-by: NAME` line. */
export function podFromResponse(headers: Record<string, string | string[] | undefined>, body: string): string | undefined {
  for (const h of ['x-served-by', 'x-pod-name']) {
    const v = headers[h];
    const s = (Array.isArray(v) ? v[0] : v)?.trim();
    if (s && DNS_NAME.test(s)) return s;
  }
  const m = /served-by:\s*([a-z0-9]([-a-z0-9.]*[a-z0-9])?)/i.exec(body);
  return m?.[1];
}

export function nginxVersionOf(server: string | undefined): string | undefined {
  return /^nginx\/(\d+(?:\.\d+)*)/.exec(server ?? '')?.[1];
}

const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v.join(', ') : v);

export function httpProbe(options: HttpProbeOptions): Promise<HttpProbeResult> {
  const path = checkTarget(options);
  const target = options.translate ? options.translate(options.host, options.port) : { host: options.host, port: options.port };
  const hostPart = options.host.includes(':') ? `[${options.host}]` : options.host;
  const url = `http://${hostPart}:${options.port}${path}`;
  const cap = options.maxBodyBytes ?? 65_536;
  const timeoutMs = options.timeoutMs ?? 3_000;
  const startedAt = Date.now();
  const t0 = performance.now();
  const since = () => Math.round((performance.now() - t0) * 10) / 10;
  return new Promise((resolve) => {
    let connectMs: number | undefined;
    let firstByteMs: number | undefined;
    let settled = false;
    const result = (extra: Partial<HttpProbeResult>): HttpProbeResult => {
      const timing: HttpProbeResult['timing'] = { startedAt, totalMs: since() };
      if (connectMs !== undefined) timing.connectMs = connectMs;
      if (firstByteMs !== undefined) timing.firstByteMs = firstByteMs;
      return { url, connectedTo: `${target.host}:${target.port}`, headers: {}, body: '', bodyBytes: 0, truncated: false, timing, ...extra };
    };
    const finish = (r: HttpProbeResult) => {
      if (settled) return;
      settled = true;
      timer.cancel();
      options.signal?.removeEventListener('abort', onAbort);
      resolve(r);
    };
    const req = request({ host: target.host, port: target.port, path, method: 'GET', agent: false, headers: { Host: `${hostPart}:${options.port}`, 'User-Agent': 'pi-cluster-wizard', Connection: 'close', ...options.headers } }, (res) => {
      firstByteMs = since();
      const chunks: Buffer[] = [];
      let kept = 0;
      let total = 0;
      res.on('data', (c: Buffer) => {
        total += c.length;
        if (kept < cap) {
          const part = c.subarray(0, cap - kept);
          chunks.push(part);
          kept += part.length;
        }
      });
      res.on('error', (err) => finish(result({ error: (err as NodeJS.ErrnoException).code ?? 'ECONNRESET' })));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const headers: HttpProbeResult['headers'] = {};
        const server = one(res.headers['server']);
        const auth = one(res.headers['www-authenticate']);
        const type = one(res.headers['content-type']);
        if (server) headers.server = server;
        if (auth) headers.wwwAuthenticate = auth;
        if (type) headers.contentType = type;
        const r = result({ status: res.statusCode, headers, body, bodyBytes: total, truncated: total > kept });
        const pod = podFromResponse(res.headers, body);
        const version = nginxVersionOf(server);
        if (pod) r.pod = pod;
        if (version) r.nginxVersion = version;
        finish(r);
      });
    });
    req.on('socket', (s) => s.once('connect', () => (connectMs = since())));
    req.on('error', (err) => finish(result({ error: (err as NodeJS.ErrnoException).code ?? err.message })));
    // A deadline that fires late, after the event loop was busy, does not beat an answer that
    // arrived meanwhile (timing/deadline.ts).
    const timer = deadline(timeoutMs, () => {
      finish(result({ error: 'ETIMEDOUT' }));
      req.destroy();
    });
    const onAbort = () => {
      finish(result({ error: 'ABORTED' }));
      req.destroy();
    };
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    req.end();
  });
}
