/**
 * A connection to one cluster from its kubeconfig text. @kubernetes/client-node (heavy, ESM)
 * is imported on first use. MicroK8s has no virtual IP: the saved kubeconfig names one
 * control plane, so the caller may pass the other control planes' addresses and the connection
 * fails over to the first that answers (refused, timed out or TLS failure count as not
 * answering) and is the same cluster (its kube-system UID), reporting which server answered.
 */
import type { Agent } from 'node:https';
import type * as ClientNodeModule from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';
import type { ClusterIdentity } from './cluster-identity';
import { compareIdentity } from './cluster-identity';
import type { KubeErrorInfo } from './kube-errors';
import { KubeError, isUnreachable } from './kube-errors';
import type { KubeRequest, KubeResponse, TlsMaterial } from './kube-request';
import { makeAgent, sendKubeRequest } from './kube-request';
import type { SafeKubeconfig } from './kubeconfig-safety';
import { readKubeconfig } from './kubeconfig-safety';

export type ClientNode = typeof ClientNodeModule;

let clientNode: Promise<ClientNode> | undefined;

/** The client library, imported once on first use (it takes most of a second to load). */
export function loadClientNode(): Promise<ClientNode> {
  return (clientNode ??= import('@kubernetes/client-node'));
}

export interface KubeConnectOptions {
  /** The kubeconfig text (the app saves one per cluster at `<dataDir>/clusters/<name>/kubeconfig`). */
  kubeconfig: string;
  /** A context other than the current one. */
  context?: string;
  /** Other control planes (`https://host:16443`) to try when the saved server does not answer. */
  alternativeServers?: readonly string[];
  /** Per-server deadline when looking for a server that answers (default 4 s). */
  probeTimeoutMs?: number;
  /** Deadline of ordinary requests (default 20 s). */
  requestTimeoutMs?: number;
  /** When given, a server of any other cluster counts as not answering (CLUSTER_MISMATCH). */
  expectedIdentity?: Pick<ClusterIdentity, 'kubeSystemUid' | 'caFingerprint'>;
}

export interface ServerAttempt {
  server: string;
  ok: boolean;
  ms: number;
  error?: KubeErrorInfo;
}

export interface ConnectResult {
  /** The server that answered; requests and watches go there. */
  server: string;
  /** True when it is not the kubeconfig's own server. */
  failedOver: boolean;
  attempts: ServerAttempt[];
  identity: ClusterIdentity;
}

interface NamespaceJson {
  metadata?: { uid?: string };
}

export class KubeConnection {
  readonly #agents = new Map<string, Agent>();
  readonly #listeners = new Set<(server: string) => void>();
  readonly #servers: string[];
  #server: string;
  #connecting: Promise<ConnectResult> | undefined;
  #knownUid: string | undefined;
  #closed = false;
  lastAttempts: ServerAttempt[] = [];

  private constructor(
    readonly client: ClientNode,
    readonly kc: KubeConfig,
    readonly config: SafeKubeconfig,
    readonly tls: TlsMaterial,
    readonly options: KubeConnectOptions,
  ) {
    this.#server = config.server;
    const norm = (s: string) => s.trim().replace(/\/+$/, '');
    this.#servers = [...new Set([config.server, ...(options.alternativeServers ?? []).map(norm)].filter(Boolean))];
    this.#knownUid = options.expectedIdentity?.kubeSystemUid;
  }

  /** Reads and checks the kubeconfig and loads the client; does not contact the cluster (see `connect`). */
  static async create(options: KubeConnectOptions): Promise<KubeConnection> {
    const config = readKubeconfig(options.kubeconfig, { context: options.context });
    for (const s of options.alternativeServers ?? []) {
      if (!/^https:\/\/[^/\s]+\/?$/.test(s.trim())) throw new KubeError('KUBECONFIG_INVALID', `"${s}" is not an https://host:port server address.`, { values: { what: 'alternative-server', server: s } });
    }
    const client = await loadClientNode();
    const kc = new client.KubeConfig();
    kc.loadFromString(config.text);
    const opts: Record<string, unknown> & { headers?: Record<string, string> } = {};
    await kc.applyToHTTPSOptions(opts as never);
    const tls: TlsMaterial = {
      ca: opts['ca'] as Buffer | undefined,
      cert: opts['cert'] as Buffer | undefined,
      key: opts['key'] as Buffer | undefined,
      rejectUnauthorized: opts['rejectUnauthorized'] as boolean | undefined,
      servername: opts['servername'] as string | undefined,
      headers: Object.fromEntries(Object.entries(opts.headers ?? {}).map(([k, v]) => [k, String(v)])),
      auth: opts['auth'] as string | undefined,
    };
    return new KubeConnection(client, kc, config, tls, options);
  }

  /** The server requests and watches go to now. */
  get server(): string {
    return this.#server;
  }

  /** The kubeconfig's own server. */
  get savedServer(): string {
    return this.config.server;
  }

  /** Every server this connection may use, the saved one first. */
  get servers(): readonly string[] {
    return this.#servers;
  }

  /** Called with the new server whenever requests move to another control plane. */
  onServerChange(cb: (server: string) => void): () => void {
    this.#listeners.add(cb);
    return () => this.#listeners.delete(cb);
  }

  #agent(server: string): Agent {
    let a = this.#agents.get(server);
    if (!a) this.#agents.set(server, (a = makeAgent(this.tls)));
    return a;
  }

  #use(server: string): void {
    if (server === this.#server) return;
    this.#server = server;
    this.kc.clusters = this.kc.clusters.map((c) => (c.name === this.config.clusterName ? { ...c, server } : c));
    for (const l of [...this.#listeners]) l(server);
  }

  /**
   * Finds a server that answers, the current one first, then the others in order; it must be
   * the cluster first seen (or `expectedIdentity`). Throws UNAVAILABLE when none answers, or the
   * error of a server that answered but refused (e.g. UNAUTHORIZED).
   */
  connect(): Promise<ConnectResult> {
    if (this.#closed) return Promise.reject(new KubeError('CANCELLED', 'The connection is closed.'));
    return (this.#connecting ??= this.#probeAll().finally(() => (this.#connecting = undefined)));
  }

  async #probeAll(): Promise<ConnectResult> {
    const order = [this.#server, ...this.#servers.filter((s) => s !== this.#server)];
    const attempts: ServerAttempt[] = [];
    let last: KubeError | undefined;
    for (const server of order) {
      const started = performance.now();
      try {
        const res = await sendKubeRequest<NamespaceJson>(server, this.#agent(server), this.tls, { method: 'GET', path: '/api/v1/namespaces/kube-system', timeoutMs: this.options.probeTimeoutMs ?? 4_000 });
        const uid = res.body?.metadata?.uid ?? '';
        const identity: ClusterIdentity = { kubeSystemUid: uid, server, ...(this.config.caFingerprint ? { caFingerprint: this.config.caFingerprint } : {}) };
        const expected = this.options.expectedIdentity ?? (this.#knownUid ? { kubeSystemUid: this.#knownUid } : undefined);
        if (expected && compareIdentity(expected, identity) !== 'same') {
          last = new KubeError('CLUSTER_MISMATCH', `${server} answers for another cluster (kube-system ${uid}, expected ${expected.kubeSystemUid}).`, { values: { server, kubeSystemUid: uid } });
          attempts.push({ server, ok: false, ms: Math.round(performance.now() - started), error: last.toInfo() });
          continue;
        }
        this.#knownUid ??= uid;
        attempts.push({ server, ok: true, ms: Math.round(performance.now() - started) });
        this.lastAttempts = attempts;
        this.#use(server);
        return { server, failedOver: server !== this.config.server, attempts, identity };
      } catch (err) {
        const e = err instanceof KubeError ? err : new KubeError('SERVER_ERROR', String(err));
        attempts.push({ server, ok: false, ms: Math.round(performance.now() - started), error: e.toInfo() });
        if (!isUnreachable(e)) {
          this.lastAttempts = attempts;
          throw e;
        }
        last = e;
      }
    }
    this.lastAttempts = attempts;
    if (last?.code === 'CLUSTER_MISMATCH') throw last;
    throw new KubeError('UNAVAILABLE', last?.message ?? 'No server answered.', { ...(last?.network ? { network: last.network } : {}), values: { servers: order.length } });
  }

  /** One request, answered by the current server; a request that could not reach it is sent once more after failing over. */
  async send<T>(req: KubeRequest): Promise<KubeResponse<T>> {
    if (this.#closed) throw new KubeError('CANCELLED', 'The connection is closed.');
    const withTimeout = { ...req, timeoutMs: req.timeoutMs ?? this.options.requestTimeoutMs ?? 20_000 };
    const server = this.#server;
    try {
      return await sendKubeRequest<T>(server, this.#agent(server), this.tls, withTimeout);
    } catch (err) {
      const retryable = isUnreachable(err) && ((err as KubeError).network?.phase === 'connect' || req.method === 'GET');
      if (!retryable || this.#servers.length === 0) throw err;
      try {
        await this.connect();
      } catch {
        throw err;
      }
      return sendKubeRequest<T>(this.#server, this.#agent(this.#server), this.tls, withTimeout);
    }
  }

  /** The response body of one request. */
  async request<T>(req: KubeRequest): Promise<T> {
    return (await this.send<T>(req)).body;
  }

  /** Reads the cluster's identity through the current server. */
  async identity(): Promise<ClusterIdentity> {
    const ns = await this.request<NamespaceJson>({ method: 'GET', path: '/api/v1/namespaces/kube-system' });
    return { kubeSystemUid: ns?.metadata?.uid ?? '', server: this.#server, ...(this.config.caFingerprint ? { caFingerprint: this.config.caFingerprint } : {}) };
  }

  close(): void {
    this.#closed = true;
    for (const a of this.#agents.values()) a.destroy();
    this.#agents.clear();
    this.#listeners.clear();
  }
}
