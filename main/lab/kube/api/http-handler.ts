/**
 * HTTP routing of the Kubernetes REST paths onto KubeApi: discovery, OpenAPI, CRUD, patch,
 * subresources (status, scale, log), list/watch with selectors, content negotiation for
 * Tables and aggregated discovery, and Status error responses.
 */
import { inLabTurn } from '../controllers/lab-turns';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { ResourceVersionTooOld } from '../store/object-store';
import type { StoreEvent } from '../store/object-store';
import type { IncludeObject } from '../tables/table-printers';
import { toTable } from '../tables/table-printers';
import { KUBE_VERSION, aggregatedDiscovery, apiGroup, apiGroupList, apiResourceList, apiVersions } from './discovery';
import type { DeleteOptions, KubeApi } from './kube-api';
import { PATCH_CONTENT_TYPES } from './kube-api';
import { openApiV2, openApiV3Document, openApiV3Index } from './openapi';
import type { ResourceType } from './resource-registry';
import type { ResourceRegistry } from './resource-registry';
import { apiVersionOf } from './resource-registry';
import { fieldSelectorFilter, labelSelectorFilter } from './selectors';
import { StatusError, badRequest, gone, internalError, methodNotAllowed, pathNotFound } from './status-errors';
import { decodeKubernetesProtobuf } from './protobuf-decoder';
import { cloneJson } from '../store/clone';
import { itemBytes, namespacedKey as keyOf, objectBytes, objectJson } from '../store/object-json';
import type { PodLogAnswer, PodLogRequest } from '../controllers/kubelet';
import { serviceAccountToken } from './service-account-token';
import type { KubeObject } from './types';

/** Pod logs, provided by the lab kubelet. */
export interface PodLogSource {
  logs(namespace: string, pod: string, request: PodLogRequest): PodLogAnswer;
}

/** PodLogOptions from the query (`kubectl logs` flags) into a log request, with upstream's validation messages. */
function podLogRequest(q: URLSearchParams, wallNow: number): PodLogRequest {
  const num = (name: string) => {
    const v = q.get(name);
    if (v === null) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n)) throw badRequest(`${name}: Invalid value: "${v}": must be an integer`);
    return n;
  };
  const tailLines = num('tailLines');
  const sinceSeconds = num('sinceSeconds');
  const limitBytes = num('limitBytes');
  if (tailLines !== undefined && tailLines < 0) throw badRequest(`PodLogOptions.meta.k8s.io "" is invalid: tailLines: Invalid value: ${tailLines}: must be greater than or equal to 0`);
  if (sinceSeconds !== undefined && sinceSeconds < 1) throw badRequest(`PodLogOptions.meta.k8s.io "" is invalid: sinceSeconds: Invalid value: ${sinceSeconds}: must be greater than 0`);
  if (limitBytes !== undefined && limitBytes < 1) throw badRequest(`PodLogOptions.meta.k8s.io "" is invalid: limitBytes: Invalid value: ${limitBytes}: must be greater than 0`);
  const sinceTime = q.get('sinceTime');
  const stream = q.get('stream') as PodLogRequest['stream'] | null;
  return {
    container: q.get('container') ?? undefined,
    follow: q.get('follow') === 'true',
    previous: q.get('previous') === 'true',
    timestamps: q.get('timestamps') === 'true',
    tailLines,
    limitBytes,
    sinceWall: sinceSeconds !== undefined ? wallNow - sinceSeconds * 1000 : sinceTime ? Date.parse(sinceTime) : undefined,
    stream: stream ?? undefined,
  };
}

interface Route {
  t: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
}

function send(res: ServerResponse, code: number, body: unknown, contentType = 'application/json'): void {
  const text = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache, private' });
  res.end(text);
}

const COMMA = Buffer.from(',');
const LIST_END = Buffer.from(']}');

function sendError(res: ServerResponse, err: unknown): void {
  const e = err instanceof StatusError ? err : internalError(err);
  if (!(err instanceof StatusError)) console.error('[lab kube api]', err);
  send(res, e.code, e.status);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function parseBody(body: Buffer, contentType: string): unknown {
  if (contentType === 'application/vnd.kubernetes.protobuf') return body.length ? decodeKubernetesProtobuf(body) : undefined;
  const text = body.toString('utf8');
  if (!text.trim()) return undefined;
  try {
    return contentType.includes('yaml') ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw badRequest(`error decoding body: ${(err as Error).message}`);
  }
}

function tableRequested(accept: string): boolean {
  return /as=Table/.test(accept) && /g=meta\.k8s\.io/.test(accept);
}

/** Resolve `/api/v1/...` or `/apis/<g>/<v>/...` (after the group-version) into a route. */
function route(registry: ResourceRegistry, group: string, version: string, segs: string[]): Route | undefined {
  const find = (plural: string | undefined) => (plural ? registry.find(group, version, plural) : undefined);
  if (segs[0] === 'namespaces' && segs.length >= 3) {
    const t = find(segs[2]);
    if (t?.namespaced) return { t, namespace: segs[1], name: segs[3], subresource: segs[4] };
  }
  const t = find(segs[0]);
  if (!t) return undefined;
  return { t, name: segs[1], subresource: segs[2] };
}

export function createHttpHandler(api: KubeApi, options: { serverAddress: () => string; logs: PodLogSource }) {
  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'https://lab');
      const path = url.pathname.replace(/\/+$/, '') || '/';
      const accept = req.headers.accept ?? '';
      const method = req.method ?? 'GET';
      if (method === 'GET') {
        if (path === '/version') return send(res, 200, KUBE_VERSION);
        if (path === '/healthz' || path === '/livez' || path === '/readyz') return send(res, 200, 'ok', 'text/plain; charset=utf-8');
        if (path === '/api' || path === '/apis') {
          const m = /as=APIGroupDiscoveryList/.test(accept) ? /v=(v2beta1|v2)\b/.exec(accept) : null;
          if (m) {
            const v = m[1] as 'v2' | 'v2beta1';
            return send(res, 200, aggregatedDiscovery(api.registry, path === '/api', v), `application/json;g=apidiscovery.k8s.io;v=${v};as=APIGroupDiscoveryList`);
          }
          return send(res, 200, path === '/api' ? apiVersions(options.serverAddress()) : apiGroupList(api.registry));
        }
        if (path === '/openapi/v2') return send(res, 200, openApiV2());
        if (path === '/openapi/v3') return send(res, 200, openApiV3Index(api.registry));
        if (path.startsWith('/openapi/v3/')) {
          const doc = openApiV3Document(api.registry, path.slice('/openapi/v3/'.length));
          return doc ? send(res, 200, doc) : sendError(res, pathNotFound());
        }
      }
      const segs = path.split('/').filter(Boolean);
      let group: string;
      let version: string;
      let rest: string[];
      if (segs[0] === 'api' && segs.length >= 2) [group, version, rest] = ['', segs[1]!, segs.slice(2)];
      else if (segs[0] === 'apis' && segs.length >= 2) {
        if (segs.length === 2) {
          const g = apiGroup(api.registry, segs[1]!);
          return g && method === 'GET' ? send(res, 200, g) : sendError(res, pathNotFound());
        }
        [group, version, rest] = [segs[1]!, segs[2]!, segs.slice(3)];
      } else return sendError(res, pathNotFound());
      if (rest.length === 0) {
        const list = apiResourceList(api.registry, group, version);
        return list && method === 'GET' ? send(res, 200, list) : sendError(res, pathNotFound());
      }
      const r = route(api.registry, group, version, rest);
      if (!r) return sendError(res, pathNotFound());
      if (r.subresource && !r.t.subresources.includes(r.subresource)) return sendError(res, pathNotFound());
      await handleResource(api, options.logs, r, method, url, req, res);
    } catch (err) {
      if (!res.headersSent) sendError(res, err);
      else res.end();
    }
  };
}

async function handleResource(api: KubeApi, logs: PodLogSource, r: Route, method: string, url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const q = url.searchParams;
  const accept = req.headers.accept ?? '';
  const contentType = (req.headers['content-type'] ?? 'application/json').split(';')[0]!.trim();
  const fieldManager = q.get('fieldManager') ?? (req.headers['user-agent'] ?? 'unknown').split('/')[0];
  const dryRun = q.getAll('dryRun').includes('All');
  const warnings: string[] = [];
  const fieldValidation = (q.get('fieldValidation') as 'Strict' | 'Warn' | 'Ignore' | null) ?? 'Warn';
  // Request bodies are parsed per request: the API may keep them without copying.
  const writeOptions = { fieldManager, dryRun, fieldValidation, warnings, owned: true };
  const flushWarnings = () => {
    if (warnings.length) res.setHeader('Warning', warnings.map((w) => `299 - ${JSON.stringify(w)}`));
  };
  const { t, namespace, name, subresource } = r;
  const now = api.clock.wallNow();
  const include = (q.get('includeObject') as IncludeObject | null) ?? 'Metadata';
  const asTable = tableRequested(accept);
  const reply = (code: number, o: KubeObject) =>
    send(res, code, asTable && !subresource ? toTable(t, [o], now, o.metadata.resourceVersion ?? '', include) : objectBytes(o), 'application/json');

  if (!name) {
    if (method === 'GET') {
      const listOptions = { labelSelector: q.get('labelSelector'), fieldSelector: q.get('fieldSelector') };
      if (q.get('watch') === 'true' || q.get('watch') === '1') return watch(api, r, url, accept, req, res);
      const { items, resourceVersion } = api.list(t, namespace, listOptions);
      if (asTable) return send(res, 200, toTable(t, items, now, resourceVersion, include));
      // Items are serialised once per stored object version (a list of 500 pods reuses them).
      const parts: Buffer[] = [Buffer.from(`{"kind":${JSON.stringify(`${t.kind}List`)},"apiVersion":${JSON.stringify(apiVersionOf(t))},"metadata":{"resourceVersion":${JSON.stringify(resourceVersion)}},"items":[`)];
      items.forEach((o, i) => {
        if (i) parts.push(COMMA);
        parts.push(itemBytes(o));
      });
      parts.push(LIST_END);
      return send(res, 200, Buffer.concat(parts), 'application/json');
    }
    if (method === 'POST') {
      const body = parseBody(await readBody(req), contentType) as KubeObject;
      const created = api.create(t, namespace, body, writeOptions);
      flushWarnings();
      return reply(201, created);
    }
    if (method === 'DELETE') {
      const { items } = api.list(t, namespace, { labelSelector: q.get('labelSelector'), fieldSelector: q.get('fieldSelector') });
      const opts = deleteOptions(q, parseBody(await readBody(req), contentType));
      const deleted = items.map((o) => api.delete(t, o.metadata.namespace, o.metadata.name!, opts).object);
      return send(res, 200, { kind: `${t.kind}List`, apiVersion: apiVersionOf(t), metadata: { resourceVersion: String(api.store.resourceVersion) }, items: deleted });
    }
    throw methodNotAllowed();
  }

  if (subresource === 'log') {
    if (method !== 'GET') throw methodNotAllowed();
    api.get(t, namespace, name);
    const answer = logs.logs(namespace!, name, podLogRequest(q, api.clock.wallNow()));
    if (!answer.follow) return send(res, 200, answer.text, 'text/plain');
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
    res.flushHeaders();
    if (answer.text) res.write(answer.text);
    const stop = answer.follow((text) => res.write(text), () => res.end());
    req.on('close', stop);
    res.on('close', stop);
    return;
  }

  switch (method) {
    case 'GET': {
      const o = api.read(t, namespace, name);
      if (subresource === 'scale') return send(res, 200, api.scaleOf(t, o));
      return reply(200, o);
    }
    case 'PUT': {
      const body = parseBody(await readBody(req), contentType) as KubeObject;
      const o = api.update(t, namespace, name, body, { ...writeOptions, subresource });
      flushWarnings();
      return subresource === 'scale' ? send(res, 200, o) : reply(200, o);
    }
    case 'PATCH': {
      const type = PATCH_CONTENT_TYPES[contentType];
      const body = parseBody(await readBody(req), contentType);
      const force = q.get('force') === 'true';
      const o = api.patch(t, namespace, name, type, body, { ...writeOptions, subresource, force, contentType });
      flushWarnings();
      return subresource === 'scale' ? send(res, 200, o) : reply(200, o);
    }
    case 'DELETE': {
      const opts = deleteOptions(q, parseBody(await readBody(req), contentType));
      const { object, deleted } = api.delete(t, namespace, name, opts);
      if (deleted && t.kind !== 'Pod') {
        return send(res, 200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name, ...(t.group ? { group: t.group } : {}), kind: t.plural, uid: object.metadata.uid } });
      }
      return reply(200, object);
    }
    case 'POST':
      if (subresource === 'token') {
        const sa = api.get(t, namespace, name);
        return send(res, 201, serviceAccountToken(api, sa, parseBody(await readBody(req), contentType) as KubeObject | undefined));
      }
      if (subresource === 'eviction') {
        const body = parseBody(await readBody(req), contentType);
        if (api.evict) return send(res, 201, api.evict(namespace!, name, body));
        api.delete(t, namespace, name, {});
        return send(res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
      }
      throw methodNotAllowed();
    default:
      throw methodNotAllowed();
  }
}

function deleteOptions(q: URLSearchParams, body: unknown): DeleteOptions {
  const b = (body ?? {}) as DeleteOptions;
  const grace = q.get('gracePeriodSeconds');
  return {
    propagationPolicy: (q.get('propagationPolicy') as DeleteOptions['propagationPolicy']) ?? b.propagationPolicy,
    gracePeriodSeconds: grace !== null ? Number(grace) : b.gracePeriodSeconds,
    preconditions: b.preconditions,
  };
}

/**
 * Recent store events' watch lines as bytes, built once and written to every watcher of the
 * resource. Only the latest events are kept: watchers get them at once, and the store's history
 * (20 000 events) would otherwise keep a copy of every object's text alive.
 */
const eventLines = new Map<StoreEvent, Partial<Record<string, Buffer>>>();
const EVENT_LINES_KEPT = 1_000;
/** A watcher's writes during a burst of events: at most one per this many ms. */
const WATCH_BATCH_MS = 10;
/** A watch stream: newline-delimited `{type, object}` JSON, optionally as Table rows. */
function watch(api: KubeApi, r: Route, url: URL, accept: string, req: IncomingMessage, res: ServerResponse): void {
  const q = url.searchParams;
  const byLabel = labelSelectorFilter(q.get('labelSelector'));
  const byField = fieldSelectorFilter(q.get('fieldSelector'));
  const matches = (o: KubeObject) => (!r.namespace || o.metadata.namespace === r.namespace) && byLabel(o) && byField(o);
  const asTable = tableRequested(accept);
  const include = (q.get('includeObject') as IncludeObject | null) ?? 'Metadata';
  const rv = q.get('resourceVersion') ?? '';
  const seen = new Set<string>();
  res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
  // Clients (client-go's reflector) wait for the response headers before they consider the watch started.
  res.flushHeaders();
  // Events go out in one write (one chunk, one syscall) per watcher: those of one tick, and in a
  // burst those of up to WATCH_BATCH_MS (an isolated event is written at once). With 50 watchers
  // and hundreds of pods changing a second, the writes were the API's largest cost; they run in the
  // lab's shared turns (lab-turns.ts), so requests are not held up behind 50 writes in a row.
  let pending: Buffer[] = [];
  let lastFlush = Number.NEGATIVE_INFINITY;
  let flushTimer: ReturnType<typeof setTimeout> | undefined;
  const push = (line: Buffer) => {
    if (!pending.length) {
      const wait = lastFlush + WATCH_BATCH_MS - performance.now();
      if (wait <= 0) inLabTurn(flush);
      else flushTimer = setTimeout(() => inLabTurn(flush), Math.ceil(wait));
    }
    pending.push(line);
  };
  const flush = () => {
    flushTimer = undefined;
    if (!pending.length || res.writableEnded || res.destroyed) return void (pending = []);
    const lines = pending;
    pending = [];
    lastFlush = performance.now();
    res.write(lines.length === 1 ? lines[0]! : Buffer.concat(lines));
    // Send now, inside this turn's slice: Node's http layer corks the socket on a write and
    // uncorks it (TLS encryption and the syscall) on the next tick, outside the slice's account,
    // where the writes of 50 watchers held requests up in one piece.
    const socket = res.socket;
    if (socket?.writableCorked) socket.uncork();
  };
  const write = (type: string, o: KubeObject) => {
    const object = asTable ? toTable(r.t, [o], api.clock.wallNow(), o.metadata.resourceVersion ?? '', include) : o;
    push(Buffer.from(JSON.stringify({ type, object }) + '\n'));
  };
  const conversion = api.conversions.get(r.t);
  const convert = (e: StoreEvent): KubeObject => {
    if (!conversion) return e.object;
    const converted = conversion.toView(cloneJson(e.object));
    converted.apiVersion = apiVersionOf(r.t);
    converted.kind = r.t.kind;
    return converted;
  };
  /** Watchers of the same resource share one serialisation (and one UTF-8 encoding) per event. */
  const line = (type: string, e: StoreEvent, o: KubeObject): Buffer => {
    if (asTable || conversion) return Buffer.from(JSON.stringify({ type, object: asTable ? toTable(r.t, [o], api.clock.wallNow(), o.metadata.resourceVersion ?? '', include) : o }) + '\n');
    let lines = eventLines.get(e);
    if (!lines) {
      eventLines.set(e, (lines = {}));
      if (eventLines.size > EVENT_LINES_KEPT) eventLines.delete(eventLines.keys().next().value!);
    }
    return (lines[type] ??= Buffer.from(`{"type":"${type}","object":${objectJson(e.object)}}\n`));
  };
  const onEvent = (e: StoreEvent) => {
    const o = convert(e);
    const k = keyOf(o);
    const now = matches(o);
    let type: string | undefined;
    if (e.type === 'DELETED') {
      if (seen.delete(k) || now) type = 'DELETED';
    } else if (now) {
      type = seen.has(k) ? 'MODIFIED' : 'ADDED';
      seen.add(k);
    } else if (seen.delete(k)) type = 'DELETED';
    if (type) push(line(type, e, o));
  };
  let unsubscribe: () => void = () => {};
  try {
    if (rv === '' || rv === '0') {
      for (const o of api.list(r.t, r.namespace).items.filter(matches)) {
        seen.add(keyOf(o));
        write('ADDED', o);
      }
      unsubscribe = api.store.subscribe(r.t.bucket, onEvent);
    } else {
      for (const o of api.list(r.t, r.namespace).items.filter(matches)) seen.add(keyOf(o));
      unsubscribe = api.store.subscribe(r.t.bucket, onEvent, rv);
    }
  } catch (err) {
    if (err instanceof ResourceVersionTooOld) {
      res.write(JSON.stringify({ type: 'ERROR', object: gone(err.requested, api.store.resourceVersion).status }) + '\n');
      res.end();
      return;
    }
    throw err;
  }
  const timeout = Number(q.get('timeoutSeconds') ?? 1800);
  const timer = setTimeout(() => {
    flush();
    res.end();
  }, timeout * 1000);
  timer.unref();
  const bookmarks = q.get('allowWatchBookmarks') === 'true'
    ? setInterval(() => {
        res.write(JSON.stringify({ type: 'BOOKMARK', object: { kind: r.t.kind, apiVersion: apiVersionOf(r.t), metadata: { resourceVersion: String(api.store.resourceVersion) } } }) + '\n');
      }, 60_000)
    : undefined;
  bookmarks?.unref();
  const stop = () => {
    unsubscribe();
    clearTimeout(timer);
    if (flushTimer) clearTimeout(flushTimer);
    if (bookmarks) clearInterval(bookmarks);
  };
  req.on('close', stop);
  res.on('close', stop);
  res.on('finish', stop);
}
