/**
 * What MetalLB v0.13.3's pods do, while they run in the lab: the controller (while the
 * metallb-system/controller Deployment is available) gives each LoadBalancer Service the lowest
 * free address of its pool (upstream's annotations, events and errors; a pool change that would
 * orphan an assigned address is refused, so addresses outlive `microk8s disable metallb`, as
 * upstream), and the speakers announce each address in layer 2 from one node (the node of a
 * ready speaker whose sha256(node#ip) sorts first, when the Service has a ready endpoint and an
 * L2Advertisement covers the pool). The lab's Service data plane reaches addresses only while
 * they are announced.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { LabClock } from '../../lab-clock';
import type { KubeApi } from '../api/kube-api';
import { resourceForKind } from '../api/resource-registry';
import type { Deployment, KubeObject, Pod, Service } from '../api/types';
import type { EventRecorder } from '../controllers/event-recorder';
import { controllerRef, isReady } from '../controllers/pod-util';
import { WorkQueue, objectKey, splitKey } from '../controllers/work-queue';

const NS = 'metallb-system';
const POOLS = 'metallb.io/ipaddresspools';
const L2ADS = 'metallb.io/l2advertisements';
const ANNOTATION_POOL = 'metallb.universe.tf/address-pool';
const ANNOTATION_IPS = 'metallb.universe.tf/loadBalancerIPs';
const ANNOTATION_SHARED = 'metallb.universe.tf/allow-shared-ip';
const CONTROLLER = { component: 'metallb-controller' };
const SPEAKER = { component: 'metallb-speaker' };

interface Pool {
  name: string;
  autoAssign: boolean;
  /** Inclusive [first, last] IPv4 ranges as numbers, in the order the pool lists them. */
  ranges: [number, number][];
}

export interface Announcement {
  ip: string;
  node: string;
  namespace: string;
  service: string;
}

const ipToNumber = (ip: string) => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
const numberToIp = (n: number) => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
const IPV4 = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

/** An IPAddressPool's `spec.addresses` entries (`a-b` ranges and CIDRs) as numeric ranges. */
export function poolRanges(addresses: string[]): [number, number][] {
  const out: [number, number][] = [];
  for (const a of addresses) {
    const range = /^\s*(\S+?)\s*-\s*(\S+?)\s*$/.exec(a);
    if (range && IPV4.test(range[1]!) && IPV4.test(range[2]!)) {
      out.push([ipToNumber(range[1]!), ipToNumber(range[2]!)]);
      continue;
    }
    const cidr = /^(\S+)\/(\d+)$/.exec(a.trim());
    if (cidr && IPV4.test(cidr[1]!)) {
      const bits = Number(cidr[2]);
      const size = 2 ** (32 - bits);
      const base = Math.floor(ipToNumber(cidr[1]!) / size) * size;
      out.push([base, base + size - 1]);
    }
  }
  return out;
}

export class MetalLB {
  readonly queue: WorkQueue;
  #unsubscribe: (() => void)[] = [];
  /** service key -> announcing node */
  #announcing = new Map<string, string>();
  #lastFailure = new Map<string, string>();
  #listeners = new Set<() => void>();

  constructor(
    private readonly api: KubeApi,
    clock: LabClock,
    private readonly events: EventRecorder,
  ) {
    this.queue = new WorkQueue('metallb', clock, (key) => this.#sync(key));
  }

  start(): void {
    const all = () => {
      for (const s of this.api.objects<Service>('Service')) this.queue.add(objectKey(s.metadata.namespace, s.metadata.name!));
    };
    this.#unsubscribe.push(
      this.api.store.subscribe('core/services', (e) => this.queue.add(objectKey(e.object.metadata.namespace, e.object.metadata.name!))),
      this.api.store.subscribe('discovery.k8s.io/endpointslices', (e) => {
        const svc = e.object.metadata.labels?.['kubernetes.io/service-name'];
        if (svc) this.queue.add(objectKey(e.object.metadata.namespace, svc));
      }),
      this.api.store.subscribe(POOLS, all),
      this.api.store.subscribe(L2ADS, all),
      this.api.store.subscribe('apps/deployments', (e) => e.object.metadata.namespace === NS && all()),
      this.api.store.subscribe('core/pods', (e) => e.object.metadata.namespace === NS && all()),
      this.api.store.subscribe('core/nodes', all),
    );
    all();
  }

  stop(): void {
    for (const u of this.#unsubscribe) u();
    this.queue.stop();
  }

  /** Called whenever the set of announced addresses changes. */
  onChange(fn: () => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** Addresses announced right now, with the node that answers for each. */
  announcements(): Announcement[] {
    const out: Announcement[] = [];
    for (const [key, node] of this.#announcing) {
      const [namespace, name] = splitKey(key);
      const svc = this.api.store.scan('core/services', namespace).find((s) => s.metadata.name === name) as Service | undefined;
      for (const ip of ingressIPs(svc)) out.push({ ip, node, namespace: namespace!, service: name });
    }
    return out;
  }

  /** The controller creates the speakers' memberlist key at start (the speaker pods need it). */
  #ensureMemberlistSecret(): void {
    const t = resourceForKind('Secret');
    if (this.api.store.scan('core/secrets', NS).some((s) => s.metadata.name === 'memberlist')) return;
    try {
      this.api.create(t, NS, { metadata: { name: 'memberlist' }, data: { secretkey: randomBytes(128).toString('base64') } } as KubeObject, { fieldManager: 'controller' });
    } catch {
      // the namespace is going away
    }
  }

  #controllerRunning(): boolean {
    const d = this.api.store.scan('apps/deployments', NS).find((o) => o.metadata.name === 'controller') as Deployment | undefined;
    return !!d && !d.metadata.deletionTimestamp && (d.status?.availableReplicas ?? 0) > 0;
  }

  #pools(): Pool[] {
    return this.api.store.scan(POOLS, NS).map((p) => {
      const spec = (p.spec ?? {}) as { addresses?: string[]; autoAssign?: boolean };
      return { name: p.metadata.name!, autoAssign: spec.autoAssign !== false, ranges: poolRanges(spec.addresses ?? []) };
    });
  }

  /** Nodes with a ready speaker pod. */
  #speakerNodes(): string[] {
    return this.api
      .objects<Pod>('Pod', NS)
      .filter((p) => controllerRef(p)?.kind === 'DaemonSet' && controllerRef(p)?.name === 'speaker' && p.spec.nodeName && isReady(p) && !p.metadata.deletionTimestamp)
      .map((p) => p.spec.nodeName!);
  }

  #sync(key: string): void {
    const [namespace, name] = splitKey(key);
    const svc = this.api.tryGet<Service>(resourceForKind('Service'), namespace, name);
    if (!svc) {
      this.#setAnnouncing(key, undefined);
      return;
    }
    const running = this.#controllerRunning();
    if (running) this.#ensureMemberlistSecret();
    const pools = this.#pools();
    let ips = ingressIPs(svc);
    if (running && svc.spec.type === 'LoadBalancer' && (svc.spec.clusterIP || svc.spec.clusterIPs?.length)) {
      ips = this.#converge(key, svc, pools, ips);
    } else if (running && svc.spec.type !== 'LoadBalancer' && ips.length) {
      this.#setIngress(svc, []);
      ips = [];
    }
    this.#announce(key, svc, pools, ips);
  }

  #converge(key: string, svc: Service, pools: Pool[], current: string[]): string[] {
    const poolOf = (ip: string) => pools.find((p) => p.ranges.some(([a, b]) => ipToNumber(ip) >= a && ipToNumber(ip) <= b));
    const desired = this.#desiredIPs(svc);
    if ('error' in desired) {
      this.#fail(key, svc, 'LoadBalancerFailed', `invalid requested loadbalancer IPs: ${desired.error}`);
      return current;
    }
    const wantPool = svc.metadata.annotations?.[ANNOTATION_POOL];
    let ips = current;
    if (ips.length) {
      const pool = poolOf(ips[0]!);
      const conflict = this.#sharingError(svc, ips[0]!);
      if (!pool || conflict || (wantPool && pool.name !== wantPool) || (desired.ips.length && desired.ips.join(',') !== ips.join(','))) ips = [];
    }
    if (ips.length) return ips;
    let allocated: string[] | undefined;
    let error = '';
    if (desired.ips.length) {
      const ip = desired.ips[0]!;
      if (!poolOf(ip)) error = `[${JSON.stringify(ip)}] is not allowed in config`;
      else error = this.#sharingError(svc, ip) ?? '';
      if (!error) allocated = [ip];
    } else if (wantPool) {
      const pool = pools.find((p) => p.name === wantPool);
      if (!pool) error = `unknown pool ${JSON.stringify(wantPool)}`;
      else {
        const ip = this.#lowestFree(svc, pool);
        if (ip) allocated = [ip];
        else error = `no available IPs in pool ${JSON.stringify(wantPool)} for IPv4 IPFamily`;
      }
    } else {
      for (const pool of pools.filter((p) => p.autoAssign)) {
        const ip = this.#lowestFree(svc, pool);
        if (ip) {
          allocated = [ip];
          break;
        }
      }
      if (!allocated) error = 'no available IPs';
    }
    if (!allocated) {
      if (current.length) this.#setIngress(svc, []);
      this.#fail(key, svc, 'AllocationFailed', `Failed to allocate IP for ${JSON.stringify(key)}: ${error}`);
      return [];
    }
    this.#lastFailure.delete(key);
    this.#setIngress(svc, allocated);
    this.events.record(svc, 'Normal', 'IPAllocated', `Assigned IP [${allocated.map((ip) => JSON.stringify(ip)).join(' ')}]`, CONTROLLER);
    return allocated;
  }

  #fail(key: string, svc: Service, reason: string, message: string): void {
    if (this.#lastFailure.get(key) === message) return;
    this.#lastFailure.set(key, message);
    this.events.record(svc, 'Warning', reason, message, CONTROLLER);
  }

  #desiredIPs(svc: Service): { ips: string[] } | { error: string } {
    const annotation = svc.metadata.annotations?.[ANNOTATION_IPS] ?? '';
    const spec = String(svc.spec.loadBalancerIP ?? '');
    if (annotation && spec) return { error: `service can not have both ${ANNOTATION_IPS} and svc.Spec.LoadBalancerIP` };
    if (annotation) {
      const ips = annotation.split(',').map((s) => s.trim());
      if (ips.some((ip) => !IPV4.test(ip))) return { error: `invalid ${ANNOTATION_IPS}: ${JSON.stringify(annotation)}` };
      return { ips };
    }
    if (spec) return IPV4.test(spec) ? { ips: [spec] } : { error: `invalid spec.loadBalancerIP ${JSON.stringify(spec)}` };
    return { ips: [] };
  }

  /** Other LoadBalancer Services holding `ip`: sharing needs the same allow-shared-ip key and distinct ports. */
  #sharingError(svc: Service, ip: string): string | undefined {
    const key = objectKey(svc.metadata.namespace, svc.metadata.name!);
    const others = this.api.objects<Service>('Service').filter((s) => s.metadata.uid !== svc.metadata.uid && ingressIPs(s).includes(ip));
    if (!others.length) return undefined;
    const mine = svc.metadata.annotations?.[ANNOTATION_SHARED] ?? '';
    const theirs = others[0]!.metadata.annotations?.[ANNOTATION_SHARED] ?? '';
    if (!mine || !theirs || mine !== theirs) {
      return `can't change sharing key for ${JSON.stringify(key)}, address also in use by ${others.map((o) => `${o.metadata.namespace}/${o.metadata.name}`).join(',')}: services can't share key`;
    }
    for (const p of svc.spec.ports ?? []) {
      if (others.some((o) => (o.spec.ports ?? []).some((q) => q.port === p.port && (q.protocol ?? 'TCP') === (p.protocol ?? 'TCP')))) return `port ${p.protocol ?? 'TCP'}/${p.port} is already in use on ${JSON.stringify(ip)}`;
    }
    return undefined;
  }

  #lowestFree(svc: Service, pool: Pool): string | undefined {
    for (const [first, last] of pool.ranges) {
      for (let n = first; n <= last; n++) {
        const ip = numberToIp(n);
        if (!this.#sharingError(svc, ip)) return ip;
      }
    }
    return undefined;
  }

  #setIngress(svc: Service, ips: string[]): void {
    this.api.mutate<Service>(
      'Service',
      svc.metadata.namespace,
      svc.metadata.name!,
      (s) => {
        s.status = { ...(s.status as object), loadBalancer: ips.length ? { ingress: ips.map((ip) => ({ ip, ipMode: 'VIP' })) } : {} };
      },
      'status',
    );
  }

  #announce(key: string, svc: Service, pools: Pool[], ips: string[]): void {
    const ip = ips[0];
    if (!ip || svc.spec.type !== 'LoadBalancer') return this.#setAnnouncing(key, undefined);
    const pool = pools.find((p) => p.ranges.some(([a, b]) => ipToNumber(ip) >= a && ipToNumber(ip) <= b));
    const advertised = pool && this.api.store.scan(L2ADS, NS).some((ad) => {
      const names = ((ad.spec ?? {}) as { ipAddressPools?: string[] }).ipAddressPools ?? [];
      const selectors = ((ad.spec ?? {}) as { ipAddressPoolSelectors?: unknown[] }).ipAddressPoolSelectors ?? [];
      return (!names.length && !selectors.length) || names.includes(pool.name);
    });
    const slices = this.api.objects<KubeObject>('EndpointSlice', svc.metadata.namespace).filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === svc.metadata.name);
    const readyEndpoints = slices.flatMap((s) => ((s.endpoints as { conditions?: { ready?: boolean }; nodeName?: string }[] | undefined) ?? []).filter((e) => e.conditions?.ready !== false));
    let nodes = this.#speakerNodes();
    if (svc.spec.externalTrafficPolicy === 'Local') nodes = nodes.filter((n) => readyEndpoints.some((e) => e.nodeName === n));
    if (!advertised || !readyEndpoints.length || !nodes.length) return this.#setAnnouncing(key, undefined);
    const hash = (n: string) => createHash('sha256').update(`${n}#${ip}`).digest('hex');
    const node = [...nodes].sort((a, b) => (hash(a) < hash(b) ? -1 : 1))[0]!;
    if (this.#announcing.get(key) !== node) {
      this.events.record(svc, 'Normal', 'nodeAssigned', `announcing from node ${JSON.stringify(node)} with protocol "layer2"`, SPEAKER);
    }
    this.#setAnnouncing(key, node);
  }

  #setAnnouncing(key: string, node: string | undefined): void {
    if (this.#announcing.get(key) === node) return;
    if (node) this.#announcing.set(key, node);
    else this.#announcing.delete(key);
    for (const fn of this.#listeners) fn();
  }
}

function ingressIPs(svc: Service | undefined): string[] {
  const ingress = (svc?.status as { loadBalancer?: { ingress?: { ip?: string }[] } } | undefined)?.loadBalancer?.ingress ?? [];
  return ingress.map((i) => i.ip).filter((ip): ip is string => !!ip);
}
