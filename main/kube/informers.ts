/**
 * Live copies of one kind of object (in one namespace or cluster-wide) kept by client-node's
 * list-watch (`ListWatch`), with the reconnect story the lessons need:
 * - 410 Gone (the watch's resourceVersion was compacted) -> list again, as client-node does;
 * - the connection lost or refused -> state `reconnecting`, retries with exponential backoff
 *   (0.5 s doubling to 30 s, with jitter), each retry first finding a server that answers
 *   (another control plane if need be) and then listing afresh;
 * - a watch that stays silent past the server's own timeout is cut (a powered-off server does
 *   not close its sockets).
 * Lists come as plain JSON through the connection; watch events are plain JSON from client-node.
 */
import type { KubernetesObject, ListWatch } from '@kubernetes/client-node';
import type { KubeConnectionState } from '../../preload/contract/kube';
import { resourcePath } from './api-resources';
import type { KubeConnection } from './kube-connection';
import { KubeError, toKubeError } from './kube-errors';
import type { KubeObject } from './manifests';

export interface ResourceSpec {
  group: string;
  version: string;
  plural: string;
  namespaced: boolean;
}

export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
}

export interface InformerOptions {
  backoff?: BackoffOptions;
  /** The server ends each watch after about this long (default 300 s); the client cuts a watch silent for this + 30 s. */
  watchTimeoutSeconds?: number;
  labelSelector?: string;
}

export interface InformerStats {
  /** Full lists (the first one, after a 410, after a reconnect). */
  lists: number;
  /** Watches the server ended with 410 Gone / Expired. */
  expired: number;
  /** Reconnects after a failure. */
  reconnects: number;
}

export type ChangeListener = (type: 'upsert' | 'delete', obj: KubeObject) => void;

const keyOf = (o: KubeObject) => `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;

type WatchLike = ConstructorParameters<typeof ListWatch>[1];

export class ResourceInformer {
  readonly objects = new Map<string, KubeObject>();
  readonly stats: InformerStats = { lists: 0, expired: 0, reconnects: 0 };
  #state: KubeConnectionState;
  #lw: ListWatch<KubernetesObject> | undefined;
  #generation = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #delayMs: number;
  #stopped = true;
  /** The newest resourceVersion seen (list or watch event): a reconnect resumes the watch from it. */
  #resourceVersion = '';
  readonly #changes = new Set<ChangeListener>();
  readonly #states = new Set<(s: KubeConnectionState) => void>();
  readonly #path: string;

  constructor(
    readonly conn: KubeConnection,
    readonly resource: ResourceSpec,
    readonly namespace: string | undefined,
    readonly options: InformerOptions = {},
  ) {
    this.#path = resourcePath(resource, resource.namespaced ? namespace : undefined);
    this.#delayMs = options.backoff?.initialMs ?? 500;
    this.#state = { state: 'stopped', server: conn.server, since: Date.now() };
  }

  get state(): KubeConnectionState {
    return this.#state;
  }

  get path(): string {
    return this.#path;
  }

  onChange(cb: ChangeListener): () => void {
    this.#changes.add(cb);
    return () => this.#changes.delete(cb);
  }

  onState(cb: (s: KubeConnectionState) => void): () => void {
    this.#states.add(cb);
    return () => this.#states.delete(cb);
  }

  #setState(state: KubeConnectionState['state'], extra: { error?: KubeError; nextAttemptAt?: number } = {}): void {
    const s: KubeConnectionState = { state, server: this.conn.server, since: Date.now() };
    if (extra.error) s.error = extra.error.toInfo();
    if (extra.nextAttemptAt !== undefined) s.nextAttemptAt = extra.nextAttemptAt;
    if (s.state === this.#state.state && s.server === this.#state.server && JSON.stringify(s.error) === JSON.stringify(this.#state.error)) return;
    this.#state = s;
    for (const l of [...this.#states]) l(s);
  }

  #emit(type: 'upsert' | 'delete', obj: KubeObject): void {
    for (const l of [...this.#changes]) l(type, obj);
  }

  #upsert(obj: KubeObject): void {
    const key = keyOf(obj);
    const old = this.objects.get(key);
    if (old && old.metadata.resourceVersion === obj.metadata.resourceVersion) return;
    this.objects.set(key, obj);
    this.#emit('upsert', obj);
  }

  #delete(obj: KubeObject): void {
    const key = keyOf(obj);
    const old = this.objects.get(key);
    if (!old) return;
    this.objects.delete(key);
    this.#emit('delete', old);
  }

  /** A full list replaces what is held: objects missing from it were deleted meanwhile. */
  #replaceAll(items: KubeObject[]): void {
    const seen = new Set<string>();
    for (const item of items) {
      seen.add(keyOf(item));
      this.#upsert(item);
    }
    for (const [key, obj] of [...this.objects]) if (!seen.has(key)) this.#delete(obj);
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#setState('connecting');
    void this.#run();
  }

  async #run(resumeFrom = ''): Promise<void> {
    const gen = ++this.#generation;
    const client = this.conn.client;
    const current = () => gen === this.#generation && !this.#stopped;
    const listFn = async () => {
      const query = this.options.labelSelector ? { labelSelector: this.options.labelSelector } : undefined;
      const list = await this.conn.request<{ items?: KubeObject[]; metadata?: { resourceVersion?: string }; apiVersion?: string; kind?: string }>({ method: 'GET', path: this.#path, query });
      if (current()) {
        this.stats.lists++;
        this.#replaceAll(list.items ?? []);
        this.#resourceVersion = list.metadata?.resourceVersion ?? '';
      }
      return { apiVersion: list.apiVersion, kind: list.kind, metadata: list.metadata ?? {}, items: list.items ?? [] };
    };
    const watch = this.#watchFor(gen);
    // Objects are plain JSON here (not client-node's classes): typed as ours.
    const lw = new client.ListWatch<KubernetesObject>(this.#path, watch, listFn as never, false, this.options.labelSelector);
    this.#lw = lw;
    // Lists reach the store through listFn and watch events through the watch wrapper, so a
    // watch resumed by a fresh ListWatch (whose own cache is empty) loses no deletion.
    lw.on('error', (err) => current() && this.#failed(err));
    // Resume where the last watch ended instead of listing again (ListWatch keeps its position in
    // a field it does not expose); a position the server has compacted away gets 410 Gone, and
    // ListWatch then lists afresh.
    if (resumeFrom) (lw as unknown as { resourceVersion: string }).resourceVersion = resumeFrom;
    try {
      await lw.start();
    } catch (err) {
      if (current()) this.#failed(err);
    }
  }

  /** client-node's Watch, observed: establishment, 410 Gone, and a silence watchdog. */
  #watchFor(gen: number): WatchLike {
    const real = new this.conn.client.Watch(this.conn.kc);
    const timeoutSeconds = this.options.watchTimeoutSeconds ?? 300;
    return {
      watch: async (path: string, query: Record<string, string | number | boolean | undefined>, callback: (phase: string, obj: unknown, raw?: unknown) => void, done: (err: unknown) => void) => {
        let ended = false;
        let watchdog: ReturnType<typeof setTimeout> | undefined;
        const box: { controller?: AbortController } = {};
        const arm = () => {
          if (watchdog) clearTimeout(watchdog);
          watchdog = setTimeout(() => box.controller?.abort(), (timeoutSeconds + 30) * 1000);
          watchdog.unref?.();
        };
        const ctrl = await real.watch(
          path,
          { ...query, allowWatchBookmarks: true, timeoutSeconds },
          (phase, obj, raw) => {
            arm();
            const rv = (obj as { metadata?: { resourceVersion?: string } })?.metadata?.resourceVersion;
            if (gen === this.#generation && !this.#stopped) {
              if (phase !== 'ERROR' && rv) this.#resourceVersion = rv;
              if (phase === 'ADDED' || phase === 'MODIFIED') this.#upsert(obj as KubeObject);
              else if (phase === 'DELETED') this.#delete(obj as KubeObject);
            }
            if (phase === 'ERROR' && ((obj as { code?: number })?.code === 410 || (obj as { reason?: string })?.reason === 'Expired' || (obj as { reason?: string })?.reason === 'Gone')) {
              this.stats.expired++;
            }
            callback(phase, obj, raw);
          },
          (err) => {
            ended = true;
            if (watchdog) clearTimeout(watchdog);
            if ((err as { statusCode?: number } | null)?.statusCode === 410) this.stats.expired++;
            done(err);
          },
        );
        box.controller = ctrl;
        if (!ended && gen === this.#generation && !this.#stopped) {
          arm();
          this.#delayMs = this.options.backoff?.initialMs ?? 500;
          this.#setState('connected');
        }
        return ctrl;
      },
    } as unknown as WatchLike;
  }

  #failed(err: unknown): void {
    if (this.#stopped) return;
    const e = err instanceof KubeError ? err : toKubeError(err, this.conn.server);
    void this.#lw?.stop();
    this.#lw = undefined;
    this.#generation++;
    const max = this.options.backoff?.maxMs ?? 30_000;
    const delay = Math.min(max, this.#delayMs) * (0.8 + Math.random() * 0.4);
    this.#delayMs = Math.min(max, this.#delayMs * 2);
    this.#setState('reconnecting', { error: e, nextAttemptAt: Date.now() + Math.round(delay) });
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      void this.#reconnect();
    }, delay);
  }

  async #reconnect(): Promise<void> {
    if (this.#stopped) return;
    this.stats.reconnects++;
    try {
      await this.conn.connect();
    } catch (err) {
      this.#failed(err);
      return;
    }
    if (!this.#stopped) void this.#run(this.#resourceVersion);
  }

  /** Drops the current watch and lists again (e.g. after the connection moved to another server). */
  restart(reason?: unknown): void {
    if (this.#stopped) return;
    if (reason !== undefined) return this.#failed(reason);
    void this.#lw?.stop();
    this.#lw = undefined;
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#setState('connecting');
    void this.#run(this.#resourceVersion);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#generation++;
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    const lw = this.#lw;
    this.#lw = undefined;
    this.#setState('stopped');
    await lw?.stop();
  }
}
