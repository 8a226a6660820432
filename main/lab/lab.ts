/**
 * The practice lab: virtual Pis on one simulated LAN (192.168.1.0/24 behind a router at .1),
 * one lab clock, one MicroK8s cluster, faults per Pi. Each Pi's sshd listens on its own
 * loopback address (127.0.0.x); the LAN address the card asked for is what the Pi reports.
 * The router's DNS server (network/lab-dns.ts, on <base>.1) knows powered-on Pis by hostname.
 * Services: every LAN address the cluster answers on (a node's address, an address MetalLB
 * announces, which gets its own loopback address from <base>.100 on) maps to a loopback address
 * where the lab listens on the NodePorts / Service ports (`lanToLoopback`, `lanEndpoint`).
 *
 *   const lab = new Lab({ dataDir, speed: 50 });
 *   const pi = lab.addPi({ card: imageCard('/tmp/card1.img') });
 *   await pi.powerOn(); await pi.whenReady();
 *   ...; await lab.stop();
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { LabClock } from './lab-clock';
import { PiFaults } from './faults';
import type { BootCard } from './pi/card-reader';
import { VirtualPi } from './pi/virtual-pi';
import type { LabNetwork } from './pi/virtual-pi';
import type { UbuntuRelease } from './pi/ubuntu-releases';
import { LabCluster } from './microk8s/lab-cluster';
import type { KubeApiEndpoint } from './microk8s/kube-api-endpoint';
import { startLabKubeApi } from './kube/kube-api-server';
import type { LabKubeApi } from './kube/kube-api-server';
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
  /** The lab's Kubernetes API (microk8s config / kubectl); wire main/lab/kube here. */
  kubeApi?: KubeApiEndpoint;
  /** Ports the router's DNS server tries on `<loopbackBase>.1` (default 53, 5353, 15353, any). */
  dnsPorts?: readonly number[];
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
  #kubeApi: LabKubeApi | undefined;
  /** MetalLB addresses -> their loopback stand-ins (<base>.100 ...). */
  #lbLoopbacks = new Map<string, string>();
  #dns: Promise<LabDns | undefined>;

  constructor(private readonly options: LabOptions) {
    this.clock = options.clock ?? new LabClock({ speed: options.speed ?? 1 });
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
    return this.#kubeApi?.lanEndpoint(lanIp, port);
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
    return this.#kubeApi?.lanEndpoints() ?? [];
  }

  #loadBalancerLoopback(lanIp: string): string | undefined {
    let host = this.#lbLoopbacks.get(lanIp);
    if (!host && this.#lbLoopbacks.size < 155) this.#lbLoopbacks.set(lanIp, (host = `${this.options.loopbackBase ?? '127.0.0'}.${100 + this.#lbLoopbacks.size}`));
    return host;
  }

  /** Start the lab's Kubernetes API server (main/lab/kube) for this cluster; `microk8s config` uses it. */
  async startKubeApi(options: { host?: string; port?: number; dataDir?: string } = {}): Promise<LabKubeApi> {
    const lan = { nodeLoopback: (ip: string) => this.pis.find((p) => p.address === ip && p.state === 'running')?.loopback, loadBalancerLoopback: (ip: string) => this.#loadBalancerLoopback(ip) };
    const api = await startLabKubeApi({ clock: this.clock, cluster: this.cluster, host: options.host ?? `${this.options.loopbackBase ?? '127.0.0'}.10`, port: options.port ?? 0, dataDir: options.dataDir, lan });
    this.#kubeApi = api;
    this.cluster.kubeApi = api;
    return api;
  }

  /** Power everything off and release every server and timer. */
  async stop(): Promise<void> {
    await Promise.all(this.pis.map((p) => p.powerOff()));
    await this.#kubeApi?.stop();
    await (await this.#dns)?.stop();
    this.cluster.stop();
  }
}
