/**
 * Finding the user's Pis: combines signals fastest first (the OS neighbour table matched against
 * Raspberry Pi MAC blocks and, in parallel, the planned hostnames looked up by name: DNS for
 * `<name>`, `<name>.lan`, `<name>.home` and one-shot mDNS for `<name>.local`, see name-lookup.ts;
 * then the bounded SSH port sweep with banners, then the hostname and host key read over SSH, then
 * reverse DNS of found addresses whose hostname SSH could not tell), ranks hosts (Pi + Ubuntu + SSH
 * ready first), matches them to the planned nodes and can keep watching until every planned node is up.
 * Matching order: hostname read over SSH (unless the host key says it is another prepared node),
 * the host key the app wrote to a node's card, the host key pinned when the node was last found,
 * mDNS name, forward DNS, reverse DNS; the name signals only match hosts whose SSH answers (a Pi
 * known only by name, SSH not up yet, is listed with that name and waited for). A host whose key is
 * not confirmed yet, or was refused, is never matched: it is listed with what it said.
 * Only the subnets and addresses given explicitly are ever contacted: a name that resolves outside
 * them is reported (onNameHit) and never probed.
 */
import { lookup } from 'node:dns/promises';
import type { NameHit } from './name-lookup';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseNeighbourTable } from './neighbour-table';
import { isRaspberryPiMac } from './pi-mac';
import { sweepSsh, SweepError, type SweepOptions } from './port-sweep';
import type { SshBannerInfo } from './ssh-banner';
import { ipToInt, isIpv4, parseCidr, subnetContains } from './subnet';

export interface PlannedNode {
  hostname: string;
  /** Pinned host key (`SHA256:...`) when the node was seen before, e.g. after a re-discovery. */
  hostKeyFingerprint?: string;
}

export type DiscoverySource = 'neighbour-table' | 'sweep' | 'ssh' | 'reverse-dns' | 'dns' | 'mdns';
export type MatchedBy = 'hostname' | 'host-key' | 'reverse-dns' | 'dns' | 'mdns';

export interface DiscoveredHost {
  address: string;
  port: number;
  mac?: string;
  /** MAC in a Raspberry Pi block (randomised MACs never count). */
  isPi: boolean;
  /** SSH banner when the port answered. */
  ssh?: SshBannerInfo;
  /** The SSH port is open and answered with an SSH banner. */
  sshReady: boolean;
  /** Hostname read over SSH (or from a name lookup when SSH login was not possible). */
  hostname?: string;
  hostKeyFingerprint?: string;
  /** The planned node whose card holds the key this host presented. */
  preparedFor?: string;
  /** Its key is not confirmed yet ('unconfirmed'), or it is not the node it claims ('refused'). */
  hostKeyStatus?: 'unconfirmed' | 'refused';
  /** The planned node this host is, when matched. */
  plannedNode?: string;
  matchedBy?: MatchedBy;
  /** Names that pointed at this address (`pi-01.lan`, `pi-01.local`, PTR names). */
  names?: string[];
  sources: DiscoverySource[];
}

export interface HostIdentity {
  /** What the host says its name is (absent when it was refused before it could tell). */
  hostname?: string;
  hostKeyFingerprint: string;
  /** The planned node whose card the app wrote this host key to: proof of which node it is. */
  preparedFor?: string;
  /** 'unconfirmed': nobody confirmed its key yet; 'refused': not the node it claims to be. Such hosts are never matched. */
  hostKeyStatus?: 'unconfirmed' | 'refused';
}

export interface DiscoveryOptions {
  /** Subnets to search (CIDR). Nothing outside these and `extraHosts` is contacted. */
  subnets: readonly string[];
  /** Single hosts the user added by address or name (VMs, Pis on another subnet). */
  extraHosts?: readonly string[];
  /** Resolves an added host name to IPv4 addresses. Default: the OS resolver (hosts file, DNS, mDNS where the OS has it). */
  resolveName?: (name: string) => Promise<string[]>;
  /** SSH port (22 on real Pis; the practice lab uses its own). */
  port?: number;
  plannedNodes?: readonly PlannedNode[];
  /** Addresses never to contact (the laptop itself). */
  exclude?: readonly string[];
  /** Returns the OS neighbour table as text (/proc/net/arp or `arp -a` output). */
  readNeighbourTable?: () => Promise<string>;
  /**
   * Logs in to an SSH-ready host and reads its hostname and host key (see sshIdentifier). Only called
   * for likely nodes (Pi MAC, Ubuntu banner, or added by the user), so credentials are not offered
   * to every SSH server on the network.
   */
  identify?: (address: string, port: number) => Promise<HostIdentity | undefined>;
  /** Reverse DNS of a found address (optional; many home routers answer with the DHCP hostname). */
  reverseDns?: (address: string) => Promise<string[]>;
  /** Looks the planned hostnames up by name (DNS, mDNS); see NameLookup#forward. */
  lookupNames?: (hostnames: string[]) => Promise<NameHit[]>;
  /** Every name answer, with whether its address is inside the search (`contacted`) or was left alone. */
  onNameHit?: (hit: NameHit, contacted: boolean) => void;
  /** Overrides for the sweep limits (concurrency, rate, timeouts, subnet size). */
  sweep?: Omit<SweepOptions, 'targets' | 'port' | 'exclude' | 'signal' | 'onFound' | 'onProgress'>;
  signal?: AbortSignal;
  /** Called with the ranked list whenever something new was learned. */
  onUpdate?: (hosts: DiscoveredHost[]) => void;
  onSweepProgress?: SweepOptions['onProgress'];
}

export interface DiscoveryResult {
  hosts: DiscoveredHost[];
  /** Planned node hostname -> address. */
  found: Record<string, string>;
  /** Planned nodes not found yet. */
  missing: string[];
}

/** Connect timeout of the second-chance probe of hosts known to exist. */
export const PATIENT_CONNECT_TIMEOUT_MS = 3000;

function score(h: DiscoveredHost): number {
  return (h.plannedNode ? 8 : 0) + (h.isPi ? 4 : 0) + (h.ssh?.os === 'ubuntu' ? 2 : 0) + (h.sshReady ? 1 : 0);
}

/** Ranks hosts: matched planned nodes, then Pi + Ubuntu + SSH ready, then by address. */
export function rankHosts(hosts: Iterable<DiscoveredHost>): DiscoveredHost[] {
  return [...hosts].sort((a, b) => score(b) - score(a) || ipToInt(a.address) - ipToInt(b.address));
}

function shortName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '').split('.')[0]!;
}

/**
 * Matches hosts to planned nodes (in place): hostname read over SSH, pinned host key, then the name
 * signals (mDNS, forward DNS, reverse DNS) for hosts whose SSH answers and whose SSH hostname, if
 * read, does not contradict them.
 */
export function matchPlannedNodes(
  hosts: DiscoveredHost[],
  planned: readonly PlannedNode[],
  reverseNames: ReadonlyMap<string, string[]> = new Map(),
  nameHits: ReadonlyMap<string, readonly NameHit[]> = new Map(),
  /** Addresses whose SSH identification is still running: no name match until it tells. */
  identifying: ReadonlySet<string> = new Set(),
): void {
  for (const h of hosts) {
    delete h.plannedNode;
    delete h.matchedBy;
  }
  const taken = new Set<DiscoveredHost>();
  const assign = (node: PlannedNode, how: DiscoveredHost['matchedBy'], test: (h: DiscoveredHost) => boolean) => {
    if (hosts.some((h) => h.plannedNode === node.hostname)) return;
    const host = hosts.find((h) => !taken.has(h) && test(h));
    if (!host) return;
    host.plannedNode = node.hostname;
    host.matchedBy = how;
    taken.add(host);
  };
  const readOverSsh = (h: DiscoveredHost) => h.sources.includes('ssh');
  const trusted = (h: DiscoveredHost) => h.hostKeyStatus === undefined;
  const byName = (h: DiscoveredHost) => h.sshReady && !readOverSsh(h) && !identifying.has(h.address);
  const named = (h: DiscoveredHost, n: PlannedNode, source: NameHit['source']) => (nameHits.get(h.address) ?? []).some((x) => x.source === source && x.node === n.hostname.toLowerCase());
  const is = (n: PlannedNode) => n.hostname.toLowerCase();
  for (const n of planned) assign(n, 'hostname', (h) => readOverSsh(h) && trusted(h) && !!h.hostname && shortName(h.hostname) === is(n) && (!h.preparedFor || h.preparedFor.toLowerCase() === is(n)));
  for (const n of planned) assign(n, 'host-key', (h) => trusted(h) && h.preparedFor?.toLowerCase() === is(n));
  for (const n of planned) if (n.hostKeyFingerprint) assign(n, 'host-key', (h) => trusted(h) && h.hostKeyFingerprint === n.hostKeyFingerprint);
  for (const n of planned) assign(n, 'mdns', (h) => byName(h) && named(h, n, 'mdns'));
  for (const n of planned) assign(n, 'dns', (h) => byName(h) && named(h, n, 'dns'));
  for (const n of planned) assign(n, 'reverse-dns', (h) => byName(h) && (reverseNames.get(h.address) ?? []).some((r) => shortName(r) === n.hostname.toLowerCase()));
}

async function systemResolve(name: string): Promise<string[]> {
  return (await lookup(name, { family: 4, all: true })).map((a) => a.address);
}

/** Addresses stay as they are; names are resolved (a name that does not resolve is skipped this pass). */
async function resolveExtraHosts(hosts: readonly string[], resolve: (name: string) => Promise<string[]>): Promise<string[]> {
  const resolved = await Promise.all(hosts.map((h) => (isIpv4(h) ? [h] : resolve(h).then((a) => a.filter(isIpv4), () => []))));
  return [...new Set(resolved.flat())];
}

/** One discovery pass over the given subnets. */
export async function discoverOnce(options: DiscoveryOptions): Promise<DiscoveryResult> {
  const port = options.port ?? 22;
  const subnets = options.subnets.map(parseCidr);
  const extra = await resolveExtraHosts(options.extraHosts ?? [], options.resolveName ?? systemResolve);
  const inScope = (ip: string) => subnets.some((s) => subnetContains(s, ip)) || extra.includes(ip);
  const hosts = new Map<string, DiscoveredHost>();
  const reverseNames = new Map<string, string[]>();
  const nameHits = new Map<string, NameHit[]>();
  const identifying = new Set<string>();
  const planned = options.plannedNodes ?? [];
  const host = (address: string): DiscoveredHost => {
    let h = hosts.get(address);
    if (!h) hosts.set(address, (h = { address, port, isPi: false, sshReady: false, sources: [] }));
    return h;
  };
  const addSource = (h: DiscoveredHost, s: DiscoverySource) => {
    if (!h.sources.includes(s)) h.sources.push(s);
  };
  const addName = (h: DiscoveredHost, name: string) => {
    const n = name.toLowerCase().replace(/\.$/, '');
    h.names ??= [];
    if (!h.names.includes(n)) h.names.push(n);
  };
  const publish = () => {
    const list = [...hosts.values()];
    matchPlannedNodes(list, planned, reverseNames, nameHits, identifying);
    options.onUpdate?.(rankHosts(list));
  };

  const readNeighbours = async () => {
    if (!options.readNeighbourTable) return;
    const text = await options.readNeighbourTable().catch(() => '');
    for (const e of parseNeighbourTable(text)) {
      if (!inScope(e.ip) || options.exclude?.includes(e.ip)) continue;
      const h = host(e.ip);
      h.mac = e.mac;
      h.isPi = isRaspberryPiMac(e.mac);
      addSource(h, 'neighbour-table');
    }
  };

  // 1. Neighbour table: instant, no packets sent. Name lookups run alongside; addresses they give
  // inside the search join the candidates (the sweep probes them with everything else).
  const names = options.lookupNames
    ? options
        .lookupNames(planned.map((n) => n.hostname))
        .catch(() => [] as NameHit[])
        .then((hits) => {
          for (const hit of hits) {
            const contacted = isIpv4(hit.address) && inScope(hit.address) && !options.exclude?.includes(hit.address);
            options.onNameHit?.(hit, contacted);
            if (!contacted) continue;
            const h = host(hit.address);
            addSource(h, hit.source);
            addName(h, hit.name);
            nameHits.set(hit.address, [...(nameHits.get(hit.address) ?? []), hit]);
            if (!h.sources.includes('ssh')) h.hostname ??= hit.node;
          }
          if (hits.length) publish();
        })
    : Promise.resolve();
  await readNeighbours();
  if (hosts.size) publish();

  // 2. Port sweep with banners. 3. Identity over SSH as soon as each host answers.
  const identifications: Promise<void>[] = [];
  const identified = new Set<DiscoveredHost>();
  // Credentials only go to likely cluster nodes: a Pi MAC, an Ubuntu banner, a host the user named,
  // or an address a planned hostname resolved to.
  const isCandidate = (h: DiscoveredHost) => h.sshReady && (h.isPi || h.ssh?.os === 'ubuntu' || extra.includes(h.address) || nameHits.has(h.address));
  const learnIdentity = async (h: DiscoveredHost) => {
    if (options.identify && isCandidate(h) && !identified.has(h)) {
      identified.add(h);
      identifying.add(h.address);
      const id = await options.identify(h.address, port).catch(() => undefined);
      identifying.delete(h.address);
      if (id) {
        if (id.hostname) h.hostname = id.hostname;
        h.hostKeyFingerprint = id.hostKeyFingerprint;
        if (id.preparedFor) h.preparedFor = id.preparedFor;
        else delete h.preparedFor;
        if (id.hostKeyStatus) h.hostKeyStatus = id.hostKeyStatus;
        else delete h.hostKeyStatus;
        addSource(h, 'ssh');
      }
    }
    await reverse(h);
    publish();
  };
  // Reverse DNS where SSH did not tell the hostname (one lookup per host and pass).
  const reverseLooked = new Set<DiscoveredHost>();
  const reverse = async (h: DiscoveredHost) => {
    if (h.sources.includes('ssh') || !options.reverseDns || reverseLooked.has(h)) return;
    reverseLooked.add(h);
    const found = await options.reverseDns(h.address).catch(() => []);
    if (found.length) {
      reverseNames.set(h.address, found);
      if (!h.hostname) h.hostname = shortName(found[0]!);
      for (const n of found) addName(h, n);
      addSource(h, 'reverse-dns');
    }
  };
  const sweep = async (targets: string[], overrides: DiscoveryOptions['sweep'] = {}, onProgress?: SweepOptions['onProgress']) => {
    try {
      await sweepSsh({
        ...options.sweep,
        ...overrides,
        targets,
        port,
        exclude: options.exclude,
        signal: options.signal,
        onProgress,
        onFound: (found) => {
          const h = host(found.address);
          if (found.ssh) h.ssh = found.ssh;
          h.sshReady = !!found.ssh;
          addSource(h, 'sweep');
          identifications.push(learnIdentity(h)); // first, so a name cannot match before SSH tells
          publish();
        },
      });
    } catch (err) {
      if (!(err instanceof SweepError && err.code === 'ABORTED')) throw err;
    }
  };
  await sweep([...options.subnets, ...extra], {}, options.onSweepProgress);

  // Second chance: hosts the sweep just made the OS resolve (now in the neighbour table), or that a
  // name pointed at, but whose SSH port did not answer within the short sweep timeout (slow Wi-Fi)
  // get one patient probe.
  await names;
  await readNeighbours();
  const slow = [...hosts.values()].filter((h) => !h.sources.includes('sweep')).map((h) => h.address);
  if (slow.length && !options.signal?.aborted) await sweep(slow, { connectTimeoutMs: PATIENT_CONNECT_TIMEOUT_MS });
  // Hosts that only now show a Pi MAC become candidates for identification.
  for (const h of hosts.values()) if (!identified.has(h) && isCandidate(h)) identifications.push(learnIdentity(h));
  await Promise.all(identifications);
  // Reverse DNS for every other found address (neighbour table only, port closed, no banner).
  if (!options.signal?.aborted) await Promise.all([...hosts.values()].map(reverse));
  const list = [...hosts.values()];
  matchPlannedNodes(list, planned, reverseNames, nameHits);
  const ranked = rankHosts(list);
  const found: Record<string, string> = {};
  for (const h of ranked) if (h.plannedNode) found[h.plannedNode] = h.address;
  return { hosts: ranked, found, missing: planned.map((n) => n.hostname).filter((n) => !(n in found)) };
}

/**
 * Repeats discovery until every planned node is found (or the signal aborts), pausing `intervalMs`
 * between passes. Resolves with the last result.
 */
export async function discoverUntilAllFound(options: DiscoveryOptions & { intervalMs?: number; onPass?: (result: DiscoveryResult) => void }): Promise<DiscoveryResult> {
  for (;;) {
    const result = await discoverOnce(options);
    options.onPass?.(result);
    if (result.missing.length === 0 || options.signal?.aborted) return result;
    try {
      await sleep(options.intervalMs ?? 10_000, undefined, { signal: options.signal });
    } catch {
      return result;
    }
  }
}
