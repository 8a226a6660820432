/**
 * The practice lab: virtual Pis on one simulated LAN (192.168.1.0/24 behind a router at .1),
 * one lab clock, one MicroK8s cluster, faults per Pi. Each Pi's sshd listens on its own
 * loopback address (127.0.0.x); the LAN address the card asked for is what the Pi reports.
 * The router's DNS server (network/lab-dns.ts, on <base>.1) knows powered-on Pis by hostname.
 * Services: every LAN address the cluster answers on (a node's address, an address MetalLB
 * announces, which gets its own loopback address from <base>.100 on) maps to a loopback address
 * where the lab listens on the NodePorts / Service ports (`lanToLoopback`, `lanEndpoint`).
 * Kubernetes API: every control-plane Pi serves its cluster's API at <its loopback>:<API port>
 * (`startKubeApi()`, `apis.url(address)`); clusters' objects and lab time are kept in the data
 * folders, so a restarted lab comes back as it was.
 *
 *   const lab = new Lab({ dataDir, speed: 50 });
 *   const pi = lab.addPi({ card: imageCard('/tmp/card1.img') });
 *   await pi.powerOn(); await pi.whenReady();
 *   ...; await lab.stop();
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { LabClock } from './lab-clock';
import { PiFaults } from './faults';
import type { BootCard } from './pi/card-reader';
import { VirtualPi } from './pi/virtual-pi';
import type { LabNetwork } from './pi/virtual-pi';
import type { UbuntuRelease } from './pi/ubuntu-releases';
import { LabCluster } from './microk8s/lab-cluster';
import type { KubeApiEndpoint } from './microk8s/kube-api-endpoint';
import { ClusterApis } from './microk8s/cluster-apis';
import { defaultServerNames, loadOrCreateLabCerts } from './kube/tls/lab-certs';
import { writeFileDurably } from './kube/store/store-persistence';
import { LabDns } from './network/lab-dns';

export interface LabOptions {
  /** Where each Pi keeps its root filesystem and host key (one folder per Pi). */
  dataDir: string;
  speed?: number;
  clock?: LabClock;
  /** First three octets of the loopback addresses (default 127.0.0); Pis get .11, .12, ... */
  loopbackBase?: string;
  /** sshd port of every Pi: 22 (falls back to an ephemeral port when it cannot bind) or 0. */
  sshPort?: number;
  /** The lab's Kubernetes API (microk8s config / kubectl); `startKubeApi()` wires main/lab/kube here. */
  kubeApi?: KubeApiEndpoint;
  /** Ports the router's DNS server tries on `<loopbackBase>.1` (default 53, 5353, 15353, any). */
  dnsPorts?: readonly number[];
}

/** The lab's Kubernetes API servers, one per control-plane Pi (main/lab/microk8s/cluster-apis.ts). */
export interface LabApis {
  /** The port every control plane's API listens on, at its Pi's loopback address. */
  readonly port: number;
  caPem: string;
  clientCertPem: string;
  clientKeyPem: string;
  /** A kubeconfig (cluster microk8s-cluster, user admin, context microk8s) for `serverUrl`. */
  kubeconfig(serverUrl: string): string;
  /**
   * Where this computer reaches the API server of the Pi with this LAN address, hostname, lab id
   * or loopback address (`https://<loopback>:<port>`): it answers while that Pi runs MicroK8s as a
   * control plane. The same URL after a lab restart.
   */
  url(address: string): string | undefined;
  /** The cluster's control plane behind a Pi (its objects and controllers), while it runs one. */
  servers: ClusterApis;
  stop(): Promise<void>;
}

export interface AddPiOptions {
  card: BootCard | null;
  release?: UbuntuRelease;
  memoryBytes?: number;
}

const LAN = '192.168.1';
/** Raspberry Pi Ltd's MAC prefix for Pi 4 boards. */
const MAC_PREFIX = 'dc:a6:32';

/** One LAN address the cluster's Services answer on, and where to reach it from this computer. */
export interface LanServiceEndpoint {
  lanIp: string;
  port: number;
  host: string;
  hostPort: number;
  kind: 'NodePort' | 'LoadBalancer';
  namespace: string;
  service: string;
}

export class Lab implements LabNetwork {
  readonly clock: LabClock;
  readonly cluster: LabCluster;
  readonly pis: VirtualPi[] = [];
  #leases = new Map<string, string>();
  #apis: LabApis | undefined;
  /** MetalLB addresses -> their loopback stand-ins (<base>.100 ...). */
  #lbLoopbacks = new Map<string, string>();
  #dns: Promise<LabDns | undefined>;
  #clockTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: LabOptions) {
    mkdirSync(options.dataDir, { recursive: true });
    // Lab time goes on where the last run left it (never backwards: saved lab instants stay in the past).
    this.clock = options.clock ?? new LabClock({ speed: options.speed ?? 1, start: Math.max(Date.now(), this.#savedLabTime()) });
    if (!options.clock) {
      this.#clockTimer = setInterval(() => this.#saveLabTime(), 10_000);
      this.#clockTimer.unref();
    }
    this.cluster = new LabCluster({ clock: this.clock, resolve: (from, host) => this.resolve(from, host), kubeApi: options.kubeApi });
    // The router's dnsmasq: powered-on Pis are known by the hostname they sent with their DHCP
    // request. Answers carry the loopback address discovery reaches the Pi at (its LAN address here).
    this.#dns = LabDns.start({
      host: `${options.loopbackBase ?? '127.0.0'}.1`,
      ports: options.dnsPorts,
      records: () => this.pis.flatMap((p) => (p.state === 'running' && p.hostname ? [{ names: [p.hostname, `${p.hostname}.lan`], address: p.loopback }] : [])),
    }).catch(() => undefined);
  }

  /** The lab router's DNS server (`host`, `port`), or undefined when it could not listen. */
  async dns(): Promise<{ host: string; port: number } | undefined> {
    const dns = await this.#dns;
    return dns ? { host: dns.host, port: dns.port } : undefined;
  }

  addPi(options: AddPiOptions): VirtualPi {
    const n = this.pis.length + 1;
    const id = `pi-${n}`;
    const hash = createHash('sha256').update(`${this.options.dataDir}/${id}`).digest();
    const mac = `${MAC_PREFIX}:${[hash[0]!, hash[1]!, n].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
    const pi = new VirtualPi({
      id,
      clock: this.clock,
      card: options.card,
      dataDir: join(this.options.dataDir, id),
      loopback: `${this.options.loopbackBase ?? '127.0.0'}.${10 + n}`,
      sshPort: this.options.sshPort ?? 22,
      network: this,
      mac,
      release: options.release,
      memoryBytes: options.memoryBytes,
      software: this.cluster,
      faults: new PiFaults(),
    });
    this.#leases.set(mac, `${LAN}.${100 + n}`);
    this.pis.push(pi);
    return pi;
  }

  /** A Pi by lab id (pi-1), hostname or LAN address. */
  pi(key: string): VirtualPi | undefined {
    return this.pis.find((p) => p.id === key || p.address === key || p.hostname === key);
  }

  /** Where to SSH for a Pi's LAN address (or hostname): its loopback address and sshd port. */
  sshEndpoint(address: string): { host: string; port: number } | undefined {
    const pi = this.pi(address);
    return pi && pi.state === 'running' ? { host: pi.loopback, port: pi.sshPort } : undefined;
  }

  dhcpLease(mac: string): { address: string; prefix: number; gateway: string } {
    let address = this.#leases.get(mac);
    if (!address) {
      address = `${LAN}.${100 + this.#leases.size + 1}`;
      this.#leases.set(mac, address);
    }
    return { address, prefix: 24, gateway: `${LAN}.1` };
  }

  /** Name resolution as a Pi does it: an IPv4 literal, its own name, or /etc/hosts (no mDNS on Ubuntu). */
  resolve(from: VirtualPi, host: string): string | undefined {
    if (/^\d+\.\d+\.\d+\.\d+$/.test(host)) return host;
    const os = from.os;
    if (!os) return undefined;
    if (host === os.hostname || host === 'localhost') return host === 'localhost' ? '127.0.0.1' : from.address;
    const hosts = os.fs.exists('/etc/hosts') ? os.fs.read('/etc/hosts') : '';
    for (const line of hosts.split('\n')) {
      const [ip, ...names] = line.replace(/#.*/, '').trim().split(/\s+/);
      if (ip && /^\d+\.\d+\.\d+\.\d+$/.test(ip) && names.includes(host)) return ip === '127.0.1.1' ? from.address : ip;
    }
    return undefined;
  }

  tcpProbe(from: VirtualPi, host: string, port: number): 'open' | 'refused' | 'timeout' | 'unresolved' {
    const ip = this.resolve(from, host);
    if (!ip) return 'unresolved';
    const target = ip === '127.0.0.1' ? from : this.pis.find((p) => p.address === ip && p.state !== 'off');
    if (!target || !target.os) return 'timeout';
    if (port === 25000 && target.faults.settings.port25000Blocked) return 'timeout';
    if (port === 22) return 'open';
    return this.cluster.portOpen(target, port) ? 'open' : 'refused';
  }

  /**
   * The loopback address that stands for a lab LAN address: a powered-on Pi's address, or an
   * address MetalLB has announced (each gets <base>.100, .101, ...). Undefined for anything else.
   */
  lanToLoopback(lanIp: string): string | undefined {
    const pi = this.pis.find((p) => p.address === lanIp && p.state === 'running');
    return pi?.loopback ?? this.#lbLoopbacks.get(lanIp);
  }

  /**
   * Where to connect for `http://<lanIp>:<port>` of a NodePort or LoadBalancer Service: the
   * loopback address and the port listened on (the same port, unless it could not be bound, e.g.
   * port 80 without privileges). Undefined when nothing answers there.
   */
  lanEndpoint(lanIp: string, port: number): { host: string; port: number } | undefined {
    return this.#apis?.servers.lanEndpoint(lanIp, port);
  }

  /** `http://<LAN address>:<port>/path` rewritten to the loopback endpoint that answers for it (undefined: nothing does). */
  lanUrl(url: string): string | undefined {
    const u = new URL(url);
    const ep = this.lanEndpoint(u.hostname, Number(u.port || (u.protocol === 'https:' ? 443 : 80)));
    if (!ep) return undefined;
    u.hostname = ep.host;
    u.port = String(ep.port);
    return u.toString();
  }

  /** Every LAN address and port the cluster's Services answer on now. */
  lanEndpoints(): LanServiceEndpoint[] {
    return this.#apis?.servers.lanEndpoints() ?? [];
  }

  #loadBalancerLoopback(lanIp: string): string | undefined {
    let host = this.#lbLoopbacks.get(lanIp);
    if (!host && this.#lbLoopbacks.size < 155) this.#lbLoopbacks.set(lanIp, (host = `${this.options.loopbackBase ?? '127.0.0'}.${100 + this.#lbLoopbacks.size}`));
    return host;
  }


  get #loopbackBase(): string {
    return this.options.loopbackBase ?? '127.0.0';
  }

  #savedLabTime(): number {
    try {
      const saved = JSON.parse(readFileSync(join(this.options.dataDir, 'lab-clock.json'), 'utf8')) as { lab?: unknown };
      return typeof saved.lab === 'number' ? saved.lab : 0;
    } catch {
      return 0;
    }
  }

  #saveLabTime(): Promise<void> {
    return writeFileDurably(join(this.options.dataDir, 'lab-clock.json'), JSON.stringify({ lab: this.clock.now(), savedAt: Date.now() })).catch(() => undefined);
  }

  /**
   * Start the lab's Kubernetes API servers (main/lab/kube): every control-plane Pi serves its
   * cluster's API on `<its loopback>:<port>`. `port`: 16443 when free, else one derived from the
   * data folder; the choice is kept in `dataDir/api-port` so kubeconfigs stay valid across
   * restarts. With `dataDir`, certificates and every cluster's objects are kept there too;
   * `certDir` caches only the certificates (tests share one to skip RSA key generation).
   */
  async startKubeApi(options: { port?: number; dataDir?: string; certDir?: string } = {}): Promise<LabApis> {
    if (this.#apis) return this.#apis;
    const lanAddresses = Array.from({ length: 256 }, (_, i) => `${LAN}.${i}`);
    const loopbacks = Array.from({ length: 256 }, (_, i) => `${this.#loopbackBase}.${i}`);
    const certs = await loadOrCreateLabCerts([...defaultServerNames('127.0.0.1'), ...loopbacks, ...lanAddresses], options.certDir ?? options.dataDir);
    const port = options.port || (await this.#apiPort(options.dataDir));
    const lan = { nodeLoopback: (ip: string) => this.pis.find((p) => p.address === ip && p.state === 'running')?.loopback, loadBalancerLoopback: (ip: string) => this.#loadBalancerLoopback(ip) };
    const servers = new ClusterApis({ clock: this.clock, cluster: this.cluster, pis: () => this.pis, certs, port, dataDir: options.dataDir, lan });
    this.cluster.kubeApi = servers;
    this.#apis = {
      port,
      caPem: certs.caPem,
      clientCertPem: certs.clientCertPem,
      clientKeyPem: certs.clientKeyPem,
      kubeconfig: (serverUrl) => servers.kubeconfig(serverUrl),
      url: (address) => {
        const pi = this.pis.find((p) => p.loopback === address) ?? this.pi(address);
        return pi ? servers.urlFor(pi) : undefined;
      },
      servers,
      stop: () => servers.stop(),
    };
    return this.#apis;
  }

  /** 16443 if every Pi address can bind it, else a stable port derived from the data folder; remembered. */
  async #apiPort(dataDir: string | undefined): Promise<number> {
    const file = dataDir ? join(dataDir, 'api-port') : undefined;
    const candidates: number[] = [];
    if (file) {
      try {
        const saved = Number(readFileSync(file, 'utf8').trim());
        if (Number.isInteger(saved) && saved > 0 && saved < 65536) candidates.push(saved);
      } catch {
        // first start
      }
    }
    candidates.push(16443);
    const seed = createHash('sha256').update(dataDir ?? this.#loopbackBase).digest().readUInt16BE(0);
    for (let i = 0; i < 16; i++) candidates.push(17000 + ((seed + i * 811) % 13000));
    let chosen = 0;
    for (const port of candidates) {
      if (await canListen(`${this.#loopbackBase}.11`, port)) {
        chosen = port;
        break;
      }
    }
    if (!chosen) throw new Error(`No port for the lab's Kubernetes API on ${this.#loopbackBase}.x: 16443 and ${candidates.length - 1} others are taken.`);
    if (file) {
      mkdirSync(dataDir!, { recursive: true });
      writeFileSync(file, `${chosen}\n`);
    }
    return chosen;
  }

  /** The lab's API servers, once started. */
  get apis(): LabApis | undefined {
    return this.#apis;
  }

  /** Save what lasts (the clusters' objects, the lab clock), power everything off, release every server and timer. */
  async stop(): Promise<void> {
    if (this.#clockTimer) clearInterval(this.#clockTimer);
    await this.#apis?.stop();
    await Promise.all(this.pis.map((p) => p.powerOff()));
    await (await this.#dns)?.stop();
    if (!this.options.clock) await this.#saveLabTime();
    this.cluster.stop();
  }
}

function canListen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}
