/**
 * kube-proxy and the LAN for the lab's Services: NodePort and LoadBalancer Services reachable
 * from this computer. Each lab LAN address (a node's 192.168.1.x, an address MetalLB announces)
 * stands for a loopback address the lab hands out; on it the lab listens on each NodePort (node
 * addresses) and each Service port (announced LoadBalancer addresses). Every TCP connection picks
 * one ready endpoint at random, as kube-proxy's iptables rules do (none ready: the connection is
 * refused, the listener closed until one is), keeps it for its lifetime (conntrack), and reaches the pod's server with the source
 * address SNAT gives it (the receiving node's tunnel address; the client's own address with
 * externalTrafficPolicy Local).
 */
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import type { KubeApi } from '../api/kube-api';
import type { KubeObject, NodeObject, Service, ServicePort } from '../api/types';
import type { Kubelet } from '../controllers/kubelet';
import type { MetalLB } from '../addons/metallb';
import { serveHttpConnection } from '../runtime/http-connection';

/** The lab's map from LAN addresses to the loopback addresses that stand in for them. */
export interface LanAddressMap {
  /** The loopback address of a node's LAN address, if the lab has one. */
  nodeLoopback(lanIp: string): string | undefined;
  /** The loopback address for a LoadBalancer address (handed out on first use). */
  loadBalancerLoopback(lanIp: string): string | undefined;
}

/** This computer's address on the lab LAN, as pods see it when the source address is kept (externalTrafficPolicy: Local). */
export const LAB_CLIENT_IP = '192.168.1.100';

export interface LanEndpoint {
  lanIp: string;
  port: number;
  host: string;
  /** The port actually listened on (differs from `port` when that port could not be bound, e.g. 80 without privileges). */
  hostPort: number;
  kind: 'NodePort' | 'LoadBalancer';
  namespace: string;
  service: string;
}

interface Listener {
  key: string;
  endpoint: LanEndpoint;
  server: Server;
  /** Node that receives the traffic (the node itself, or MetalLB's announcing node). */
  node: string;
  servicePort: ServicePort;
  sockets: Set<Socket>;
  /** Accepting connections: only while the Service has a ready endpoint (else refused, as kube-proxy's REJECT rule). */
  accepting: boolean;
}

export class ServiceProxy {
  #listeners = new Map<string, Listener>();
  #unsubscribe: (() => void)[] = [];
  #scheduled = false;
  #stopped = false;
  #reconciling: Promise<void> = Promise.resolve();

  constructor(
    private readonly api: KubeApi,
    private readonly kubelet: Kubelet,
    private readonly metallb: MetalLB,
    private readonly lan: LanAddressMap,
  ) {}

  start(): void {
    const wake = () => this.#schedule();
    this.#unsubscribe.push(
      this.api.store.subscribe('core/services', wake),
      this.api.store.subscribe('core/nodes', wake),
      this.api.store.subscribe('discovery.k8s.io/endpointslices', wake),
      this.metallb.onChange(wake),
    );
    wake();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const u of this.#unsubscribe) u();
    await this.#reconciling;
    await Promise.all([...this.#listeners.values()].map((l) => this.#close(l)));
    this.#listeners.clear();
  }

  /** Where to connect for `http://<lanIp>:<port>` (undefined: nothing answers there). */
  endpoint(lanIp: string, port: number): { host: string; port: number } | undefined {
    for (const l of this.#listeners.values()) if (l.endpoint.lanIp === lanIp && l.endpoint.port === port) return { host: l.endpoint.host, port: l.endpoint.hostPort };
    return undefined;
  }

  /** Everything listened on now. */
  endpoints(): LanEndpoint[] {
    return [...this.#listeners.values()].map((l) => ({ ...l.endpoint }));
  }

  /** Resolves once the listeners match the current Services (for tests and the lab's printout). */
  async settled(): Promise<void> {
    for (;;) {
      const before = this.#reconciling;
      await before;
      if (before === this.#reconciling && !this.#scheduled) return;
    }
  }

  #schedule(): void {
    if (this.#scheduled || this.#stopped) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#reconciling = this.#reconciling.then(() => this.#reconcile());
    });
  }

  /** What should be listened on: node addresses x NodePorts, announced LoadBalancer addresses x Service ports. */
  #desired(): Map<string, Omit<Listener, 'server' | 'sockets' | 'key' | 'endpoint' | 'accepting'> & { endpoint: Omit<LanEndpoint, 'host' | 'hostPort'>; host: string }> {
    const out = new Map<string, Omit<Listener, 'server' | 'sockets' | 'key' | 'endpoint' | 'accepting'> & { endpoint: Omit<LanEndpoint, 'host' | 'hostPort'>; host: string }>();
    const nodes = this.api.objects<NodeObject>('Node').filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    const services = this.api.objects<Service>('Service');
    for (const svc of services) {
      if (svc.spec.type !== 'NodePort' && svc.spec.type !== 'LoadBalancer') continue;
      for (const p of svc.spec.ports ?? []) {
        if (!p.nodePort || (p.protocol ?? 'TCP') !== 'TCP') continue;
        for (const n of nodes) {
          const ip = n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
          const host = ip && this.lan.nodeLoopback(ip);
          if (!ip || !host) continue;
          out.set(`${host}:${p.nodePort}`, { host, node: n.metadata.name!, servicePort: p, endpoint: { lanIp: ip, port: p.nodePort, kind: 'NodePort', namespace: svc.metadata.namespace!, service: svc.metadata.name! } });
        }
      }
    }
    for (const a of this.metallb.announcements()) {
      const svc = services.find((s) => s.metadata.namespace === a.namespace && s.metadata.name === a.service);
      const host = this.lan.loadBalancerLoopback(a.ip);
      if (!svc || !host) continue;
      for (const p of svc.spec.ports ?? []) {
        if ((p.protocol ?? 'TCP') !== 'TCP') continue;
        out.set(`${host}:${p.port}`, { host, node: a.node, servicePort: p, endpoint: { lanIp: a.ip, port: p.port, kind: 'LoadBalancer', namespace: a.namespace, service: a.service } });
      }
    }
    return out;
  }

  async #reconcile(): Promise<void> {
    if (this.#stopped) return;
    const desired = this.#desired();
    for (const [key, l] of this.#listeners) {
      const want = desired.get(key);
      if (!want || want.endpoint.namespace !== l.endpoint.namespace || want.endpoint.service !== l.endpoint.service) {
        this.#listeners.delete(key);
        await this.#close(l);
      } else {
        // Same address and port: follow changes of the announcing node and target port in place.
        l.node = want.node;
        l.servicePort = want.servicePort;
      }
    }
    for (const [key, want] of desired) {
      if (this.#listeners.has(key) || this.#stopped) continue;
      const listener: Listener = { key, node: want.node, servicePort: want.servicePort, sockets: new Set(), server: createServer(), endpoint: { ...want.endpoint, host: want.host, hostPort: want.endpoint.port }, accepting: true };
      listener.server.on('connection', (socket) => this.#connection(listener, socket));
      const port = await this.#listen(listener.server, want.host, want.endpoint.port);
      if (port === undefined) continue;
      listener.endpoint.hostPort = port;
      this.#listeners.set(key, listener);
    }
    // A Service without a ready endpoint refuses connections (kube-proxy: "has no endpoints",
    // REJECT with icmp-port-unreachable, so clients see ECONNREFUSED); the address and port stay
    // the lab's, so they are taken again as soon as an endpoint is ready.
    const services = this.api.objects<Service>('Service');
    for (const l of this.#listeners.values()) {
      if (this.#stopped) return;
      const svc = services.find((x) => x.metadata.namespace === l.endpoint.namespace && x.metadata.name === l.endpoint.service);
      const ready = !!svc && this.#readyEndpoints(svc, l.servicePort).length > 0;
      if (ready && !l.accepting) l.accepting = (await this.#listen(l.server, l.endpoint.host, l.endpoint.hostPort, false)) !== undefined;
      else if (!ready && l.accepting) {
        // Stops listening at once; connections already made stay (not waited for: a kept-alive
        // browser connection would hold the proxy's reconciling up for minutes).
        l.accepting = false;
        l.server.close();
      }
    }
  }

  /** Listen on host:port, or (with `fallback`) on an ephemeral port of the same host when that port cannot be bound. */
  #listen(server: Server, host: string, port: number, fallback = true): Promise<number | undefined> {
    const attempt = (p: number) =>
      new Promise<number | undefined>((resolve) => {
        const onError = () => resolve(undefined);
        server.once('error', onError);
        server.listen(p, host, () => {
          server.off('error', onError);
          const addr = server.address();
          resolve(typeof addr === 'object' && addr ? addr.port : undefined);
        });
      });
    return attempt(port).then((p) => p ?? (fallback ? attempt(0) : undefined));
  }

  #close(l: Listener): Promise<void> {
    for (const s of l.sockets) s.destroy();
    // (Not listening, while refusing: close calls back at once, with an error that says so.)
    return new Promise((resolve) => l.server.close(() => resolve()));
  }

  #connection(l: Listener, socket: Socket): void {
    l.sockets.add(socket);
    socket.on('close', () => l.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const svc = this.api.objects<Service>('Service', l.endpoint.namespace).find((s) => s.metadata.name === l.endpoint.service);
    const target = svc && this.#pickEndpoint(svc, l);
    const server = target && this.kubelet.serverAt(target.ip, target.port);
    const nginx = server?.instance.nginx;
    if (!svc || !target || !server || !nginx) {
      socket.resetAndDestroy();
      return;
    }
    const local = svc.spec.externalTrafficPolicy === 'Local';
    const client = local ? LAB_CLIENT_IP : this.kubelet.nodeTunnelIP(l.node);
    const conn = nginx.nextConnection();
    serveHttpConnection(
      socket,
      (req) => {
        const live = server.instance.running ? server.instance.nginx : undefined;
        // A client that addressed the loopback stand-in meant the LAN address: the Host it sent names it.
        const standIn = `${l.endpoint.host}:${l.endpoint.hostPort}`;
        const lanHost = l.endpoint.port === 80 ? l.endpoint.lanIp : `${l.endpoint.lanIp}:${l.endpoint.port}`;
        const headers = req.headers.map(([k, v]): [string, string] => (k === 'host' && (v === standIn || (l.endpoint.hostPort === 80 && v === l.endpoint.host)) ? [k, lanHost] : [k, v]));
        return live?.handle({ ...req, headers }, client, target.port, conn);
      },
      () => ({ status: 400, headers: [['Server', `nginx/${nginx.version}`], ['Content-Type', 'text/html'], ['Connection', 'close']], body: Buffer.alloc(0), close: true }),
    );
  }

  /** One ready endpoint, uniformly at random (kube-proxy's iptables statistic rules). */
  #pickEndpoint(svc: Service, l: Listener): { ip: string; port: number } | undefined {
    const candidates = this.#readyEndpoints(svc, l.servicePort, svc.spec.externalTrafficPolicy === 'Local' ? l.node : undefined);
    return candidates[Math.floor(Math.random() * candidates.length)];
  }

  /** The Service port's ready endpoints (on `node` only, when given). */
  #readyEndpoints(svc: Service, servicePort: ServicePort, node?: string): { ip: string; port: number }[] {
    const slices = this.api.objects<KubeObject>('EndpointSlice', svc.metadata.namespace).filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === svc.metadata.name);
    const candidates: { ip: string; port: number }[] = [];
    for (const s of slices) {
      const ports = (s.ports as { name?: string; port?: number }[] | null | undefined) ?? [];
      const port = ports.find((p) => (p.name ?? '') === (servicePort.name ?? ''))?.port;
      if (port === undefined) continue;
      for (const e of (s.endpoints as { addresses: string[]; conditions?: { ready?: boolean }; nodeName?: string }[] | undefined) ?? []) {
        if (e.conditions?.ready === false) continue;
        if (node !== undefined && e.nodeName !== node) continue;
        for (const ip of e.addresses) candidates.push({ ip, port });
      }
    }
    return candidates;
  }
}
