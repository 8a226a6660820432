/**
 * One HTTPS request to a Kubernetes API server, with the kubeconfig's TLS material and
 * credentials, a deadline, and failures turned into KubeErrors that say whether the request
 * ever reached the server (a refused or timed-out connect may be sent to another control
 * plane; a lost response may not). Responses are plain JSON, not client-node classes.
 */
import { Agent, request } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import { deadline } from '../timing/deadline';
import { KubeError, fromApiResponse, fromNetworkError } from './kube-errors';

/** What client-node's KubeConfig.applyToHTTPSOptions yields for the current user and cluster. */
export interface TlsMaterial {
  ca?: Buffer | string;
  cert?: Buffer | string;
  key?: Buffer | string;
  rejectUnauthorized?: boolean;
  servername?: string;
  /** Authorization and other headers (a bearer token). */
  headers: Record<string, string>;
  /** `user:password` basic auth. */
  auth?: string;
}

export type QueryValue = string | number | boolean | undefined | readonly string[];

export interface KubeRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, QueryValue>;
  body?: unknown;
  contentType?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface KubeResponse<T = unknown> {
  status: number;
  headers: IncomingHttpHeaders;
  body: T;
}

export function requestPath(path: string, query?: Record<string, QueryValue>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const x of v) params.append(k, x);
    else params.append(k, String(v));
  }
  const q = params.toString();
  return q ? `${path}?${q}` : path;
}

export function makeAgent(tls: TlsMaterial): Agent {
  return new Agent({ keepAlive: true, maxSockets: 16, ca: tls.ca, cert: tls.cert, key: tls.key, rejectUnauthorized: tls.rejectUnauthorized ?? true, servername: tls.servername });
}

/** Sends one request to `server` (`https://host:port`); resolves 2xx responses, rejects with a KubeError otherwise. */
export function sendKubeRequest<T>(server: string, agent: Agent, tls: TlsMaterial, req: KubeRequest): Promise<KubeResponse<T>> {
  const url = new URL(server);
  const timeoutMs = req.timeoutMs ?? 20_000;
  const body = req.body === undefined ? undefined : typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
  const headers: Record<string, string> = { Accept: 'application/json', ...tls.headers };
  if (body !== undefined) {
    headers['Content-Type'] = req.contentType ?? 'application/json';
    headers['Content-Length'] = String(Buffer.byteLength(body));
  }
  return new Promise((resolve, reject) => {
    let reached = false;
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      timer.cancel();
      req.signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const r = request(
      {
        host: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port || 443,
        path: requestPath((url.pathname.replace(/\/+$/, '') || '') + req.path, req.query),
        method: req.method,
        agent,
        headers,
        auth: tls.auth,
        ca: tls.ca,
        cert: tls.cert,
        key: tls.key,
        servername: tls.servername,
        rejectUnauthorized: tls.rejectUnauthorized ?? true,
      },
      (res) => {
        reached = true;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => finish(() => reject(fromNetworkError(err, server, 'response'))));
        res.on('end', () =>
          finish(() => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            if (/json/.test(String(res.headers['content-type'] ?? '')) || /^\s*[{[]/.test(text)) {
              try {
                parsed = text ? JSON.parse(text) : undefined;
              } catch {
                parsed = text;
              }
            }
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) resolve({ status, headers: res.headers, body: parsed as T });
            else reject(fromApiResponse(status, parsed));
          }),
        );
      },
    );
    r.on('socket', (socket) => {
      // A kept-alive socket is past its TLS handshake: the request is on its way. A new one has
      // reached the server only once the handshake is done.
      const s = socket as typeof socket & { connecting?: boolean; encrypted?: boolean; authorized?: boolean };
      if (!s.connecting && s.authorized !== undefined && (s.authorized || tls.rejectUnauthorized === false)) reached = true;
      else socket.once('secureConnect', () => (reached = true));
    });
    r.on('error', (err) => finish(() => reject(fromNetworkError(err, server, reached ? 'response' : 'connect'))));
    // A deadline that fires late, after the event loop was busy, does not beat an answer that
    // arrived meanwhile (timing/deadline.ts).
    const timer = deadline(timeoutMs, () => {
      const err = Object.assign(new Error(`No answer from ${server} within ${timeoutMs} ms`), { code: 'ETIMEDOUT' });
      finish(() => reject(fromNetworkError(err, server, reached ? 'response' : 'connect')));
      r.destroy();
    });
    const onAbort = () => {
      finish(() => reject(new KubeError('CANCELLED', 'The request was cancelled.', { network: { code: 'ABORTED', server, phase: reached ? 'response' : 'connect' } })));
      r.destroy();
    };
    if (req.signal?.aborted) return onAbort();
    req.signal?.addEventListener('abort', onAbort, { once: true });
    r.end(body);
  });
}
