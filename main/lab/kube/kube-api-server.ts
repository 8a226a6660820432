/**
 * The practice lab's Kubernetes API server: HTTPS with a generated CA and an `admin` client
 * certificate (the kubeconfig `microk8s config` prints), the REST API real kubectl and
 * @kubernetes/client-node use, and the controllers that make the objects behave as on
 * MicroK8s. All simulated time runs on the shared lab clock; nodes come from the lab's Pis.
 *
 * One `LabKubeServer` is one cluster's control plane (its datastore and controllers). It can
 * listen on several addresses, one per control-plane node, as every MicroK8s control plane serves
 * the API on <its address>:16443. Without datastore quorum (`setDatastoreAvailable(false)`),
 * requests that need the datastore hang as kube-apiserver on a frozen dqlite does, and end after
 * the apiserver's 60 s request timeout (lab time) in 504 `Timeout: request did not complete
 * within the allotted timeout`; discovery, /version and OpenAPI still answer.
 * With a `persistDir` the objects are restored from and saved to disk (store/store-persistence.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { LabClock } from '../lab-clock';
import type { LabClusterView } from '../lab-cluster';
import { handleExecUpgrade } from './api/exec-websocket';
import { createHttpHandler } from './api/http-handler';
import { LabControlPlane } from './controllers/control-plane';
import { requestArrived } from './controllers/lab-turns';
import { readStoreSnapshot, StorePersistence } from './store/store-persistence';
import type { LabCerts } from './tls/lab-certs';
import { defaultServerNames, loadOrCreateLabCerts } from './tls/lab-certs';
import type { AddonObjects } from './addons/lab-addons';
import type { LanAddressMap, LanEndpoint } from './proxy/service-proxy';
import { ServiceProxy } from './proxy/service-proxy';

export interface LabKubeApiOptions {
  clock: LabClock;
  cluster: LabClusterView;
  host?: string;
  port?: number;
  /** Where generated certificates are cached (RSA keygen is skipped on the next start). */
  dataDir?: string;
  /** The loopback addresses that stand for lab LAN addresses: with it, NodePort and LoadBalancer Services answer on them. */
  lan?: LanAddressMap;
  /** Keep the objects in this folder, as the lab does (store/store-persistence.ts). */
  persistDir?: string;
}

export interface LabKubeApi {
  /** `https://host:port` */
  url: string;
  caPem: string;
  clientCertPem: string;
  clientKeyPem: string;
  /** A kubeconfig as `microk8s config` prints it: cluster microk8s-cluster, user admin, context microk8s. */
  kubeconfig(serverUrl?: string): string;
  /** The kubectl steps of MicroK8s' addon scripts (`microk8s enable metallb` on a virtual Pi runs them). */
  addons: AddonObjects;
  /** Where to connect for `http://<LAN address>:<port>` of a NodePort or LoadBalancer Service (undefined: nothing listens). */
  lanEndpoint(lanIp: string, port: number): { host: string; port: number } | undefined;
  /** Every LAN address and port the lab's Services answer on now, with its loopback stand-in. */
  lanEndpoints(): LanEndpoint[];
  /** Resolves once the Service listeners match the current Services and MetalLB announcements. */
  servicesSettled(): Promise<void>;
  /** Simulated CPU use of a deployment's pods (total millicores, spread over its running pods), for metrics-server and the HPA. */
  setLoad(namespace: string, deployment: string, cpuMillicores: number): void;
  /** The cluster's control plane (datastore and controllers) behind this server. */
  server: LabKubeServer;
  stop(): Promise<void>;
}

/** kube-apiserver's --request-timeout default (lab time). */
export const REQUEST_TIMEOUT_MS = 60_000;

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** A kubeconfig as `microk8s config` prints it (cluster microk8s-cluster, user admin, context microk8s). */
export function labKubeconfig(certs: Pick<LabCerts, 'caPem' | 'clientCertPem' | 'clientKeyPem'>, serverUrl: string): string {
  return [
    'apiVersion: v1',
    'clusters:',
    '- cluster:',
    `    certificate-authority-data: ${b64(certs.caPem)}`,
    `    server: ${serverUrl}`,
    '  name: microk8s-cluster',
    'contexts:',
    '- context:',
    '    cluster: microk8s-cluster',
    '    user: admin',
    '  name: microk8s',
    'current-context: microk8s',
    'kind: Config',
    'preferences: {}',
    'users:',
    '- name: admin',
    '  user:',
    `    client-certificate-data: ${b64(certs.clientCertPem)}`,
    `    client-key-data: ${b64(certs.clientKeyPem)}`,
    '',
  ].join('\n');
}

/** Requests served by the apiserver from memory, without the datastore. */
function needsDatastore(url: string): boolean {
  const path = url.split('?')[0]!.replace(/\/+$/, '');
  return /^\/api\/v1\/.+/.test(path) || /^\/apis\/[^/]+\/[^/]+\/.+/.test(path);
}

/** Watches, log follows and exec/attach/port-forward have no request timeout (long-running). */
function longRunning(url: string): boolean {
  return /[?&](watch=(true|1)|follow=true)(&|$)/.test(url) || /\/(exec|attach|portforward|proxy)(\?|$)/.test(url.split('?')[0]!);
}

export interface ApiListener {
  host: string;
  port: number;
  url: string;
  /** Stop answering: new connections are refused, open ones are cut. */
  close(): Promise<void>;
}

export class LabKubeServer {
  readonly plane: LabControlPlane;
  #handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  #available = true;
  #waiters = new Set<() => void>();
  #listeners = new Set<{ server: Server; sockets: Set<Socket> }>();
  #persistence: StorePersistence | undefined;
  #address = '';
  /** Whether this control plane started from saved objects. */
  readonly restored: boolean;

  #proxy: ServiceProxy | undefined;

  constructor(
    readonly clock: LabClock,
    cluster: LabClusterView,
    readonly certs: LabCerts,
    options: {
      /** Folder of this cluster's saved objects (loaded now, saved as they change). */
      persistDir?: string;
      /** With it, NodePort and LoadBalancer Services answer on the loopback stand-ins of LAN addresses. */
      lan?: LanAddressMap;
    } = {},
  ) {
    const saved = options.persistDir ? readStoreSnapshot(options.persistDir) : undefined;
    this.restored = saved !== undefined;
    this.plane = new LabControlPlane(clock, cluster, { caPem: certs.caPem, restore: saved });
    this.#handler = createHttpHandler(this.plane.api, { serverAddress: () => this.#address, logs: this.plane.kubelet });
    if (options.persistDir) {
      this.#persistence = new StorePersistence(this.plane.store, options.persistDir);
      this.#persistence.start();
    }
    this.plane.start();
    if (options.lan) {
      this.#proxy = new ServiceProxy(this.plane.api, this.plane.kubelet, this.plane.metallb, options.lan);
      this.#proxy.start();
    }
  }

  /** Where to connect for `http://<LAN address>:<port>` of a NodePort or LoadBalancer Service (undefined: nothing listens). */
  lanEndpoint(lanIp: string, port: number): { host: string; port: number } | undefined {
    return this.#proxy?.endpoint(lanIp, port);
  }

  /** Every LAN address and port this cluster's Services answer on now, with its loopback stand-in. */
  lanEndpoints(): LanEndpoint[] {
    return this.#proxy?.endpoints() ?? [];
  }

  /** Resolves once the Service listeners match the current Services and MetalLB announcements. */
  async servicesSettled(): Promise<void> {
    await this.#proxy?.settled();
  }

  get datastoreAvailable(): boolean {
    return this.#available;
  }

  /** dqlite has (true) or lost (false) quorum. */
  setDatastoreAvailable(available: boolean): void {
    if (this.#available === available) return;
    this.#available = available;
    this.plane.nodes.setFrozen(!available);
    if (available) for (const wake of [...this.#waiters]) wake();
  }

  /** Resolves true once the datastore answers, false after `labMs` (or when the client went away). */
  #waitForDatastore(req: IncomingMessage, labMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        this.#waiters.delete(wake);
        timer?.cancel();
        req.off('close', gone);
        resolve(ok);
      };
      const wake = () => done(true);
      const gone = () => done(false);
      const timer = Number.isFinite(labMs) ? this.clock.after(labMs, () => done(false)) : undefined;
      this.#waiters.add(wake);
      req.on('close', gone);
    });
  }

  readonly handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = req.url ?? '/';
    if (!longRunning(url)) {
      const answered = requestArrived();
      res.once('close', answered);
      res.once('finish', answered);
    }
    if (!this.#available && needsDatastore(url)) {
      const ok = await this.#waitForDatastore(req, longRunning(url) ? Infinity : REQUEST_TIMEOUT_MS);
      if (!ok) {
        if (res.headersSent || res.destroyed) return;
        const body = JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Timeout: request did not complete within the allotted timeout', reason: 'Timeout', details: {}, code: 504 });
        res.writeHead(504, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-cache, private' });
        res.end(body);
        return;
      }
    }
    return this.#handler(req, res);
  };

  /** Serve the API on `host:port` (0: any free port). */
  async listen(host: string, port: number): Promise<ApiListener> {
    const sockets = new Set<Socket>();
    const server = createServer(
      { key: this.certs.serverKeyPem, cert: this.certs.serverCertPem, ca: this.certs.caPem, requestCert: true, rejectUnauthorized: true },
      (req, res) => void this.handle(req, res),
    );
    server.keepAliveTimeout = 60_000;
    server.on('connection', (s: Socket) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    server.on('tlsClientError', () => undefined);
    // kubectl exec: WebSocket upgrades of pods/<name>/exec.
    server.on('upgrade', (req, socket, head) => {
      if (!handleExecUpgrade(this.plane.kubelet, req, socket, head)) socket.destroy();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const bound = (server.address() as AddressInfo).port;
    const entry = { server, sockets };
    this.#listeners.add(entry);
    this.#address ||= `${host}:${bound}`;
    const url = `https://${host.includes(':') ? `[${host}]` : host}:${bound}`;
    return {
      host,
      port: bound,
      url,
      close: async () => {
        if (!this.#listeners.delete(entry)) return;
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const s of sockets) s.destroy();
        await closed;
      },
    };
  }

  kubeconfig(serverUrl: string): string {
    return labKubeconfig(this.certs, serverUrl);
  }

  /** Save the objects now (the lab is about to stop). */
  async flush(): Promise<void> {
    await this.#persistence?.flush();
  }

  /** Stop serving and the controllers; with `discard`, nothing more is saved (the cluster is gone). */
  async stop(options: { discard?: boolean } = {}): Promise<void> {
    for (const wake of [...this.#waiters]) wake();
    await this.#proxy?.stop();
    this.plane.stop();
    await Promise.all(
      [...this.#listeners].map(async (l) => {
        this.#listeners.delete(l);
        const closed = new Promise<void>((resolve) => l.server.close(() => resolve()));
        for (const s of l.sockets) s.destroy();
        await closed;
      }),
    );
    if (options.discard) this.#persistence?.discard();
    else await this.#persistence?.stop();
  }
}

/** One control plane serving at `host:port` (tests, the benchmark): the lab's API before it had several nodes. */
export async function startLabKubeApi(options: LabKubeApiOptions): Promise<LabKubeApi> {
  const host = options.host ?? '127.0.0.1';
  const certs = await loadOrCreateLabCerts(defaultServerNames(host), options.dataDir);
  const server = new LabKubeServer(options.clock, options.cluster, certs, { lan: options.lan, persistDir: options.persistDir });
  let listener: ApiListener;
  try {
    listener = await server.listen(host, options.port ?? 0);
  } catch (err) {
    await server.stop();
    throw err;
  }
  return {
    url: listener.url,
    caPem: certs.caPem,
    clientCertPem: certs.clientCertPem,
    clientKeyPem: certs.clientKeyPem,
    kubeconfig: (serverUrl = listener.url) => server.kubeconfig(serverUrl),
    addons: server.plane.addons,
    lanEndpoint: (lanIp, port) => server.lanEndpoint(lanIp, port),
    lanEndpoints: () => server.lanEndpoints(),
    servicesSettled: () => server.servicesSettled(),
    setLoad: (namespace, deployment, cpuMillicores) => server.plane.metrics.setLoad(namespace, deployment, cpuMillicores),
    server,
    stop: () => server.stop(),
  };
}
