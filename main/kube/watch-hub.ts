/**
 * The informers of one connection, shared: two views that both show pods use one pod watch.
 * Informers start on first use and stop when the last view lets go. A heartbeat (GET /version
 * every 10 s while anything is watched) notices a server that went silent; when it fails, or
 * when requests moved to another control plane, every informer reconnects.
 */
import type { KubeViewKind } from '../../preload/contract/kube';
import { CORE } from './api-resources';
import type { KubeConnection } from './kube-connection';
import type { InformerOptions, ResourceSpec } from './informers';
import { ResourceInformer } from './informers';

/** Which resource each view kind watches (endpoints through EndpointSlices; nodes are cluster-wide). */
export const VIEW_RESOURCES: Record<KubeViewKind, ResourceSpec> = {
  nodes: CORE.nodes,
  pods: CORE.pods,
  deployments: CORE.deployments,
  replicasets: CORE.replicasets,
  services: CORE.services,
  endpoints: CORE.endpointslices,
  events: CORE.events,
  resourcequotas: CORE.resourcequotas,
  limitranges: CORE.limitranges,
};

export interface WatchHubOptions extends Omit<InformerOptions, 'labelSelector'> {
  /** Heartbeat period (default 10 s); 0 turns it off. */
  heartbeatMs?: number;
  /** Deadline of one heartbeat (default 5 s). */
  heartbeatTimeoutMs?: number;
}

interface Entry {
  informer: ResourceInformer;
  users: number;
}

export class WatchHub {
  readonly #entries = new Map<string, Entry>();
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #beating = false;
  readonly #unsubscribe: () => void;

  constructor(
    readonly conn: KubeConnection,
    readonly options: WatchHubOptions = {},
  ) {
    this.#unsubscribe = conn.onServerChange(() => {
      for (const e of this.#entries.values()) e.informer.restart();
    });
  }

  /** The shared informer of a kind (namespace ignored for cluster-wide kinds); call `release` when done. */
  acquire(kind: KubeViewKind, namespace?: string): ResourceInformer {
    const spec = VIEW_RESOURCES[kind];
    const ns = spec.namespaced ? namespace : undefined;
    const key = `${kind}/${ns ?? '*'}`;
    let entry = this.#entries.get(key);
    if (!entry) {
      const { heartbeatMs: _h, heartbeatTimeoutMs: _t, ...informerOptions } = this.options;
      entry = { informer: new ResourceInformer(this.conn, spec, ns, informerOptions), users: 0 };
      this.#entries.set(key, entry);
      entry.informer.start();
    }
    entry.users++;
    this.#startHeartbeat();
    return entry.informer;
  }

  release(informer: ResourceInformer): void {
    for (const [key, e] of this.#entries) {
      if (e.informer !== informer) continue;
      if (--e.users > 0) return;
      this.#entries.delete(key);
      void informer.stop();
    }
    if (this.#entries.size === 0) this.#stopHeartbeat();
  }

  get informers(): ResourceInformer[] {
    return [...this.#entries.values()].map((e) => e.informer);
  }

  #startHeartbeat(): void {
    const period = this.options.heartbeatMs ?? 10_000;
    if (this.#heartbeat || period <= 0) return;
    this.#heartbeat = setInterval(() => void this.#beat(), period);
    this.#heartbeat.unref?.();
  }

  #stopHeartbeat(): void {
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
  }

  async #beat(): Promise<void> {
    if (this.#beating) return;
    this.#beating = true;
    try {
      // A GET fails over by itself when the server does not answer: onServerChange restarts the informers.
      await this.conn.request({ method: 'GET', path: '/version', timeoutMs: this.options.heartbeatTimeoutMs ?? 5_000 });
    } catch (err) {
      // Also the ones still connecting: client-node's watch request has no deadline of its own.
      for (const e of this.#entries.values()) if (e.informer.state.state !== 'reconnecting') e.informer.restart(err);
    } finally {
      this.#beating = false;
    }
  }

  async close(): Promise<void> {
    this.#stopHeartbeat();
    this.#unsubscribe();
    const all = [...this.#entries.values()];
    this.#entries.clear();
    await Promise.all(all.map((e) => e.informer.stop()));
  }
}
