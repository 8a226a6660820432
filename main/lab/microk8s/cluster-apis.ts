/**
 * The Kubernetes API servers of the lab's MicroK8s clusters, as MicroK8s runs them: every
 * cluster (each Pi is its own one-node cluster until it joins another) has one datastore and
 * control plane (main/lab/kube), and every control-plane node serves that API on its own address,
 * port 16443 — here the Pi's loopback address and the lab's API port (16443 when it can be bound,
 * else a port derived from the data folder, kept in `api-port`). A Pi that is off, or whose
 * MicroK8s is not running, refuses connections; a cluster whose dqlite voters lost their majority
 * keeps accepting connections but its API hangs (kube/kube-api-server.ts) until a voter returns.
 *
 * With a data folder, each cluster's objects are saved under `clusters/<cluster id>/` and come
 * back when the lab restarts; a cluster that dissolves (its last Pi joined another) is deleted.
 */
import { EventEmitter } from 'node:events';
import { rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import path from 'node:path';
import type { LabClock } from '../lab-clock';
import type { LabClusterView, LabNodeInfo } from '../lab-cluster';
import type { VirtualPi } from '../pi/virtual-pi';
import type { ApiListener } from '../kube/kube-api-server';
import { LabKubeServer, labKubeconfig } from '../kube/kube-api-server';
import type { LabCerts } from '../kube/tls/lab-certs';
import type { AddonObjects } from '../kube/addons/lab-addons';
import type { LanAddressMap, LanEndpoint } from '../kube/proxy/service-proxy';
import type { ApiRequest, ApiResponse, KubeApiEndpoint } from './kube-api-endpoint';
import type { LabCluster } from './lab-cluster';

/** One cluster's nodes, as its control plane sees them. */
class ClusterView extends EventEmitter implements LabClusterView {
  readonly #forward = () => this.emit('change');

  constructor(
    private readonly cluster: LabCluster,
    readonly id: string,
  ) {
    super();
    this.setMaxListeners(50);
    cluster.on('change', this.#forward);
  }

  dispose(): void {
    this.cluster.off('change', this.#forward);
  }

  nodes(): LabNodeInfo[] {
    const record = this.cluster.record(this.id);
    return record ? this.cluster.nodesOf(record) : [];
  }
}

export interface ClusterApisOptions {
  clock: LabClock;
  cluster: LabCluster;
  pis: () => readonly VirtualPi[];
  certs: LabCerts;
  /** The port every control plane's API listens on (on its own loopback address). */
  port: number;
  /** Where clusters' objects are saved; none: nothing is kept. */
  dataDir?: string;
  /** Loopback stand-ins of LAN addresses: NodePort and LoadBalancer Services answer there. */
  lan?: LanAddressMap;
}

export class ClusterApis implements KubeApiEndpoint {
  #servers = new Map<string, { server: LabKubeServer; view: ClusterView }>();
  #listening = new Map<VirtualPi, { clusterId: string; listener: ApiListener }>();
  #reconciling: Promise<void> = Promise.resolve();
  #again = false;
  #busy = false;
  #stopped = false;
  readonly #onChange = () => this.reconcile();

  constructor(private readonly options: ClusterApisOptions) {
    options.cluster.on('change', this.#onChange);
    this.reconcile();
  }

  get port(): number {
    return this.options.port;
  }

  /** The API server (control plane) of a cluster, while it has one. */
  server(clusterId: string): LabKubeServer | undefined {
    return this.#servers.get(clusterId)?.server;
  }

  /** Where this computer reaches a Pi's API server (whether or not it answers now). */
  urlFor(pi: VirtualPi): string {
    return `https://${pi.loopback}:${this.options.port}`;
  }

  kubeconfig(serverUrl: string): string {
    return labKubeconfig(this.options.certs, serverUrl);
  }

  /** The addon scripts' kubectl steps against the Pi's own cluster. */
  addonsFor(pi: VirtualPi): AddonObjects | undefined {
    const record = this.options.cluster.clusterOf(pi);
    return record ? this.#servers.get(record.id)?.server.plane.addons : undefined;
  }

  /** Where `http://<lanIp>:<port>` of a NodePort or LoadBalancer Service answers, in whichever cluster serves it. */
  lanEndpoint(lanIp: string, port: number): { host: string; port: number } | undefined {
    for (const { server } of this.#servers.values()) {
      const ep = server.lanEndpoint(lanIp, port);
      if (ep) return ep;
    }
    return undefined;
  }

  lanEndpoints(): LanEndpoint[] {
    return [...this.#servers.values()].flatMap(({ server }) => server.lanEndpoints());
  }

  async servicesSettled(): Promise<void> {
    await this.#reconciling;
    await Promise.all([...this.#servers.values()].map(({ server }) => server.servicesSettled()));
  }

  /** Bring servers, listeners and quorum in line with the Pis (runs again if called while running). */
  reconcile(): Promise<void> {
    if (this.#busy) {
      this.#again = true;
      return this.#reconciling;
    }
    this.#busy = true;
    this.#reconciling = (async () => {
      try {
        do {
          this.#again = false;
          await this.#reconcileOnce();
        } while (this.#again && !this.#stopped);
      } finally {
        this.#busy = false;
      }
    })();
    return this.#reconciling;
  }

  async #reconcileOnce(): Promise<void> {
    if (this.#stopped) return;
    const { cluster } = this.options;
    const records = cluster.records();
    const ids = new Set(records.map((r) => r.id));
    // Dissolved clusters: their datastore is gone.
    for (const [id, entry] of [...this.#servers]) {
      if (ids.has(id)) continue;
      this.#servers.delete(id);
      for (const [pi, l] of [...this.#listening]) {
        if (l.clusterId === id) {
          this.#listening.delete(pi);
          await l.listener.close();
        }
      }
      entry.view.dispose();
      await entry.server.stop({ discard: true });
      if (this.options.dataDir) rmSync(this.#dirOf(id), { recursive: true, force: true });
    }
    for (const record of records) {
      const up = record.members.some((m) => cluster.serving(m.pi, record));
      let entry = this.#servers.get(record.id);
      if (!entry && up) {
        const view = new ClusterView(cluster, record.id);
        const server = new LabKubeServer(this.options.clock, view, this.options.certs, { persistDir: this.options.dataDir ? this.#dirOf(record.id) : undefined, lan: this.options.lan });
        entry = { server, view };
        this.#servers.set(record.id, entry);
      }
      entry?.server.setDatastoreAvailable(cluster.quorum(record));
    }
    for (const pi of this.options.pis()) {
      const record = cluster.clusterOf(pi);
      const member = cluster.memberOf(pi);
      const should = record && member?.role === 'control-plane' && cluster.serving(pi, record) && this.#servers.has(record.id) ? record.id : undefined;
      const current = this.#listening.get(pi);
      if (current && current.clusterId !== should) {
        this.#listening.delete(pi);
        await current.listener.close();
      }
      if (should && !this.#listening.has(pi) && !this.#stopped) {
        try {
          const listener = await this.#servers.get(should)!.server.listen(pi.loopback, this.options.port);
          this.#listening.set(pi, { clusterId: should, listener });
        } catch (err) {
          console.error(`[lab] ${pi.hostname ?? pi.id}: the API server cannot listen on ${pi.loopback}:${this.options.port}: ${(err as Error).message}`);
        }
      }
    }
  }

  #dirOf(clusterId: string): string {
    return path.join(this.options.dataDir!, 'clusters', clusterId);
  }

  /** `microk8s kubectl` on a Pi talks HTTPS to that Pi's own API server. */
  async request(pi: VirtualPi, req: ApiRequest): Promise<ApiResponse> {
    await this.#reconciling;
    const { certs } = this.options;
    const body = req.body === undefined ? undefined : typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
    return new Promise((resolve, reject) => {
      const r = httpsRequest(
        {
          host: pi.loopback,
          port: this.options.port,
          method: req.method,
          path: req.path,
          ca: certs.caPem,
          cert: certs.clientCertPem,
          key: certs.clientKeyPem,
          headers: {
            Accept: req.accept ?? 'application/json',
            'User-Agent': 'kubectl/v1.32.3 (linux/arm64) kubernetes/microk8s',
            ...(body !== undefined ? { 'Content-Type': req.contentType ?? 'application/json', 'Content-Length': Buffer.byteLength(body) } : {}),
          },
          agent: false,
        },
        (res) => {
          if (req.onChunk) {
            res.on('data', (d: Buffer) => req.onChunk!(d.toString('utf8')));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: '' }));
            res.on('error', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: '' }));
            return;
          }
          const chunks: Buffer[] = [];
          res.on('data', (d: Buffer) => chunks.push(d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      r.on('error', reject);
      if (req.signal) {
        if (req.signal.aborted) r.destroy(new Error('aborted'));
        else req.signal.addEventListener('abort', () => r.destroy(new Error('aborted')), { once: true });
      }
      r.end(body);
    });
  }

  /** Save every cluster's objects, stop serving. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.options.cluster.off('change', this.#onChange);
    await this.#reconciling;
    for (const l of this.#listening.values()) await l.listener.close();
    this.#listening.clear();
    for (const { server, view } of this.#servers.values()) {
      view.dispose();
      await server.stop();
    }
    this.#servers.clear();
  }
}
