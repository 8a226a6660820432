/**
 * The formed cluster, live: opens it through the kubeconfig step 5 saved (main/kube, on
 * @kubernetes/client-node, loaded on first use), with every other control plane as a server to
 * fail over to, and keeps one view open while a cluster exists — nodes plus the default
 * namespace's workloads, coalesced to at most ten snapshots a second. Steps read node health
 * from here (a Pi that lost power turns NotReady within the node monitor grace period); lessons
 * read their pods and events from here and apply through `cluster()`. Other namespaces are
 * watched on request with a lease, so a window that went away stops costing anything.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { LiveClusterState } from '../../preload/contract/live-cluster';
import type { KubeViewSnapshot } from '../../preload/contract/kube';
import type { KubeCluster } from '../kube/kube-cluster';
import type { KubeView } from '../kube/kube-views';

/** What the service needs to know about the formed cluster (from the cluster feature). */
export interface FormedCluster {
  /** Changes whenever the cluster is formed again, reset, or its members change. */
  key: string;
  kubeconfigPath: string;
  /** API servers of the other control planes, as this computer reaches them. */
  alternativeServers: string[];
}

export interface LiveClusterOptions {
  formed: () => FormedCluster | undefined;
  onChange: (state: LiveClusterState) => void;
  onView: (viewId: string, namespace: string, snapshot: KubeViewSnapshot) => void;
  /** How long a watch of another namespace lives without renewal. */
  leaseMs?: number;
}

const WORKLOADS = ['nodes', 'pods', 'deployments', 'replicasets', 'services', 'endpoints', 'events'] as const;

export class LiveClusterService {
  #key: string | undefined;
  #cluster: Promise<KubeCluster> | undefined;
  #main: KubeView | undefined;
  #state: LiveClusterState = { status: 'none' };
  #views = new Map<string, { namespace: string; view: KubeView; timer: NodeJS.Timeout }>();
  #closed = false;

  constructor(private readonly options: LiveClusterOptions) {}

  state(): LiveClusterState {
    return this.#state;
  }

  /** Node snapshots (empty before the first one arrived). */
  nodes(): NonNullable<KubeViewSnapshot['nodes']> {
    return this.#state.snapshot?.nodes ?? [];
  }

  /** Opens or closes the live view to match the formed cluster (call when it may have changed). */
  reconcile(): void {
    if (this.#closed) return;
    const formed = this.options.formed();
    if (formed?.key === this.#key) return;
    void this.#reopen(formed);
  }

  /** The formed cluster's API client (opened on first use); throws when none is formed. */
  async cluster(): Promise<KubeCluster> {
    this.reconcile();
    if (!this.#cluster) throw new Error('No cluster has been formed in this world.');
    return this.#cluster;
  }

  watch(namespace: string, viewId?: string, extraKinds: readonly ('resourcequotas' | 'limitranges')[] = []): { viewId: string; leaseMs: number } {
    const leaseMs = this.options.leaseMs ?? 60_000;
    const existing = viewId ? this.#views.get(viewId) : undefined;
    if (existing && existing.namespace === namespace) {
      existing.timer.refresh();
      return { viewId: viewId!, leaseMs };
    }
    if (!this.#cluster) throw new Error('No cluster has been formed in this world.');
    const id = randomUUID();
    const cluster = this.#cluster;
    let view: KubeView | undefined;
    const timer = setTimeout(() => this.unwatch(id), leaseMs);
    timer.unref?.();
    this.#views.set(id, { namespace, view: { close: () => view?.close() } as KubeView, timer });
    void cluster.then((c) => {
      if (!this.#views.has(id)) return;
      view = c.view({ kinds: ['pods', 'deployments', 'replicasets', 'services', 'endpoints', 'events', ...extraKinds], namespace }, (snapshot) => this.options.onView(id, namespace, snapshot));
    });
    return { viewId: id, leaseMs };
  }

  unwatch(viewId: string): void {
    const entry = this.#views.get(viewId);
    if (!entry) return;
    clearTimeout(entry.timer);
    entry.view.close();
    this.#views.delete(viewId);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#reopen(undefined);
  }

  async #reopen(formed: FormedCluster | undefined): Promise<void> {
    this.#key = formed?.key;
    for (const id of [...this.#views.keys()]) this.unwatch(id);
    this.#main?.close();
    this.#main = undefined;
    const previous = this.#cluster;
    this.#cluster = undefined;
    void previous?.then((c) => c.close()).catch(() => undefined);
    if (!formed) {
      this.#set({ status: 'none' });
      return;
    }
    this.#set({ status: 'connecting' });
    const key = formed.key;
    const opening = (async () => {
      const { openCluster } = await import('../kube');
      const kubeconfig = await readFile(formed.kubeconfigPath, 'utf8');
      // Not contacting the cluster here: the view's informers find a server that answers and retry.
      return openCluster({ kubeconfig, alternativeServers: formed.alternativeServers, connect: false });
    })();
    this.#cluster = opening;
    try {
      const cluster = await opening;
      if (this.#key !== key) return;
      const saved = cluster.conn.savedServer;
      cluster.conn.onServerChange((server) => {
        if (this.#key !== key) return;
        this.#set({ ...this.#state, server, ...(server !== saved ? { failedOver: { from: saved, to: server } } : {}) });
      });
      this.#main = cluster.view({ kinds: [...WORKLOADS], namespace: 'default' }, (snapshot) => {
        if (this.#key !== key) return;
        const status = snapshot.connection.state === 'connected' ? 'connected' : snapshot.connection.state === 'reconnecting' ? 'reconnecting' : 'connecting';
        const server = snapshot.connection.server;
        this.#set({
          status,
          server,
          ...(server && server !== saved ? { failedOver: { from: saved, to: server } } : {}),
          ...(snapshot.connection.error ? { error: snapshot.connection.error } : {}),
          snapshot,
        });
      });
    } catch (error) {
      if (this.#key !== key) return;
      const { toKubeError } = await import('../kube');
      this.#set({ status: 'reconnecting', error: toKubeError(error).toInfo() });
    }
  }

  #set(state: LiveClusterState): void {
    this.#state = state;
    this.options.onChange(state);
  }
}
