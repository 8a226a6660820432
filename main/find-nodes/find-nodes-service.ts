/**
 * The "Boot & discover" step: searches the subnets and hosts the user chose (never anything
 * else) for the planned nodes, as a job that keeps watching until every node is up. Hosts are
 * identified over SSH with the cluster key; host keys are trusted on first use and pinned in
 * the world's `known_hosts`. Where each node was found is kept for the install and join steps.
 * Which networks exist, the neighbour table and the name servers come from the environment.
 */
import path from 'node:path';
import { z } from 'zod';
import type { CardReport } from '../../preload/contract/cards';
import { ErrorCode } from '../../preload/contract/errors';
import { foundNode } from '../../preload/contract/find-nodes';
import type { FindNodesState, FoundHost, FoundNode, HostKeyChangeView } from '../../preload/contract/find-nodes';
import type { StoredPlan } from '../../preload/contract/plan';
import { discoverUntilAllFound } from '../discovery/discovery';
import type { DiscoveredHost, HostIdentity } from '../discovery/discovery';
import { sshIdentifier } from '../discovery/ssh-identify';
import type { Environment } from '../environment/environment';
import type { JobManager } from '../jobs/job-manager';
import { AppError } from '../router/app-error';
import { KnownHostsStore } from '../ssh/known-hosts';
import type { HostKeyInfo } from '../ssh/ssh-client';
import { hostLabel, SshError, type HostKeyChange } from '../ssh/ssh-errors';
import type { Slice, SliceDef } from '../state/state-store';

const WIDE_LIMIT = 65_536;

/** Discovery's slice: where each planned node was found, by hostname. */
export const findNodesSlice: SliceDef<{ found: Record<string, FoundNode> }> = {
  id: 'findNodes',
  version: 1,
  schema: z.object({ found: z.record(z.string(), foundNode) }),
  initial: () => ({ found: {} }),
};

export interface FindNodesOptions {
  slice: Slice<{ found: Record<string, FoundNode> }>;
  /** The world's folder (known_hosts lives there). */
  dir: string;
  jobs: JobManager;
  env: Environment;
  plan: () => StoredPlan | null;
  /** The last card report for a node, to tell a re-prepared card from an impostor. */
  cardReport: (hostname: string) => CardReport | undefined;
  privateKeyPath: () => string;
  onChange: (state: FindNodesState) => void;
  /** Pause between passes while nodes are missing. */
  intervalMs?: number;
}

function toFoundHost(h: DiscoveredHost): FoundHost {
  const system = h.ssh?.os === 'ubuntu' ? `Ubuntu${h.ssh.ubuntuRelease ? ` ${h.ssh.ubuntuRelease}` : ''}` : h.ssh?.os;
  return {
    address: h.address,
    port: h.port,
    isPi: h.isPi,
    sshReady: h.sshReady,
    ...(h.mac ? { mac: h.mac } : {}),
    ...(system ? { system } : {}),
    ...(h.ssh?.os ? { os: h.ssh.os } : {}),
    ...(h.ssh?.ubuntuRelease ? { osRelease: h.ssh.ubuntuRelease } : {}),
    ...(h.hostname ? { hostname: h.hostname } : {}),
    ...(h.hostKeyFingerprint ? { fingerprint: h.hostKeyFingerprint } : {}),
    ...(h.plannedNode ? { plannedNode: h.plannedNode } : {}),
    ...(h.matchedBy ? { matchedBy: h.matchedBy } : {}),
  };
}

export class FindNodesService {
  readonly knownHosts: KnownHostsStore;
  #jobId: string | undefined;
  #subnets: string[] = [];
  #hosts: FoundHost[] = [];
  /** Refused hosts by `host`/`[host]:port` label. */
  #hostKeyChanges = new Map<string, HostKeyChangeView>();
  /** New keys the user approved after a change: only exactly these are trusted on the next contact. */
  #approvedKeys = new Map<string, string>();

  constructor(private readonly options: FindNodesOptions) {
    this.knownHosts = new KnownHostsStore(path.join(options.dir, 'known_hosts'));
  }

  subnets() {
    return { subnets: this.options.env.searchNetworks() };
  }

  found(): Record<string, FoundNode> {
    const plan = this.options.plan();
    if (!plan) return {};
    return Object.fromEntries(Object.entries(this.options.slice.get().found).filter(([name]) => plan.nodes.some((n) => n.hostname === name)));
  }

  state(): FindNodesState {
    const found = this.found();
    const plan = this.options.plan();
    return {
      ...(this.#jobId ? { jobId: this.#jobId } : {}),
      subnets: this.#subnets,
      hosts: this.#hosts,
      found,
      missing: (plan?.nodes ?? []).map((n) => n.hostname).filter((n) => !found[n]),
      hostKeyChanges: [...this.#hostKeyChanges.values()],
    };
  }

  /**
   * The trust decision for a host key seen for the first time (also used by the install and
   * cluster jobs): trust on first use, except right after a change the user approved, where only
   * the exact key they were shown is accepted.
   */
  acceptNewHostKey(key: HostKeyInfo, log: (line: string) => void): boolean {
    const label = hostLabel(key.host, key.port);
    const approved = this.#approvedKeys.get(label);
    if (approved !== undefined) {
      if (approved !== key.fingerprint) {
        log(`${label} now presents ${key.fingerprint}, not the key ${approved} you approved: refused.`);
        return false;
      }
      this.#approvedKeys.delete(label);
      log(`${label}: trusting the new ${key.keyType} host key ${key.fingerprint} you approved, and remembering it.`);
      return true;
    }
    log(`First contact with ${label}: trusting its ${key.keyType} host key ${key.fingerprint} and remembering it.`);
    return true;
  }

  /** Records a refused host (from discovery or any job) so the window can ask the user about it. */
  reportHostKeyChange(change: HostKeyChange): void {
    const label = hostLabel(change.host, change.port);
    const node = Object.entries(this.found()).find(([, f]) => f.address === change.host && f.port === change.port);
    let cardPreparedAt: string | undefined;
    if (node) {
      const report = this.options.cardReport(node[0]);
      if (report && Date.parse(report.finishedAt) > node[1].foundAt) cardPreparedAt = report.finishedAt;
    }
    const previous = this.#hostKeyChanges.get(label);
    if (previous?.presentedFingerprint === change.presentedFingerprint) return;
    this.#hostKeyChanges.set(label, {
      host: change.host,
      port: change.port,
      ...(node ? { node: node[0] } : {}),
      keyType: change.keyType,
      pinnedFingerprint: change.pinnedFingerprint,
      presentedFingerprint: change.presentedFingerprint,
      ...(cardPreparedAt ? { cardPreparedAt } : {}),
      seenAt: Date.now(),
    });
    this.#emit();
  }

  /** The user confirmed the host was re-installed: forget the old key, accept exactly the new one. */
  async trustNewHostKey(host: string, port: number, fingerprint: string): Promise<FindNodesState> {
    const label = hostLabel(host, port);
    const change = this.#hostKeyChanges.get(label);
    if (!change) throw new AppError(ErrorCode.NOT_FOUND, `No changed host key is waiting for a decision at ${label}: search again to see it.`, { key: 'findNodes.noHostKeyChange', values: { host: label } });
    if (change.presentedFingerprint !== fingerprint) {
      throw new AppError(ErrorCode.CONFLICT, `${label} presented ${change.presentedFingerprint}, not ${fingerprint}: nothing was trusted. Look at the key again.`, {
        key: 'findNodes.otherFingerprint',
        values: { host: label, presented: change.presentedFingerprint, fingerprint },
      });
    }
    await this.knownHosts.forget(host, port);
    this.#approvedKeys.set(label, fingerprint);
    this.#hostKeyChanges.delete(label);
    this.#emit();
    return this.state();
  }

  start(params: { subnets: string[]; extraHosts: string[]; widen: boolean }): FindNodesState {
    const plan = this.options.plan();
    if (!plan) throw new AppError(ErrorCode.UNAVAILABLE, 'Save the cluster plan first: the search looks for the nodes it names.', { key: 'findNodes.noPlan' });
    if (params.subnets.length === 0 && params.extraHosts.length === 0) {
      throw new AppError(ErrorCode.INVALID_PARAMS, 'Choose at least one network to search, or add a host by address or name.', { key: 'findNodes.nothingChosen' });
    }
    if (this.#jobId) this.options.jobs.cancel(this.#jobId);
    const env = this.options.env;
    const privateKeyPath = this.options.privateKeyPath();
    this.#subnets = params.subnets;
    this.#hosts = [];
    const job = this.options.jobs.start({
      kind: 'find-nodes',
      title: 'Find the cluster’s nodes',
      run: async (ctx) => {
        await env.ready();
        const networks = env.searchNetworks();
        const exclude = networks.map((s) => s.localAddress).filter(Boolean);
        ctx.phase('searching', null);
        ctx.log(`Searching ${[...params.subnets, ...params.extraHosts].join(', ')} for ${plan.nodes.map((n) => n.hostname).join(', ')}.`);
        const base = sshIdentifier({
          username: 'ubuntu',
          privateKeyPath,
          knownHosts: this.knownHosts,
          connectTimeoutMs: 8000,
          onNewHostKey: (key) => this.acceptNewHostKey(key, (line) => ctx.log(line)),
        });
        const identify = async (address: string, port: number): Promise<HostIdentity | undefined> => {
          try {
            return await base(address, port);
          } catch (error) {
            if (error instanceof SshError && error.hostKeyChange) this.reportHostKeyChange(error.hostKeyChange);
            ctx.log(`${address}: ${(error as Error).message}`);
            return undefined;
          }
        };
        const seen = new Set<string>();
        const names = await env.nameLookup({ chosen: networks.filter((s) => params.subnets.includes(s.cidr)), signal: ctx.signal });
        const dns = names.dns.servers.length ? `${names.dns.kind === 'lab' ? "the practice lab router's DNS server" : 'DNS'} at ${names.dns.servers.join(', ')}` : 'no DNS server';
        const mdns = names.mdns.from.length ? `mDNS for <name>.local from ${names.mdns.from.join(', ')}` : names.mdns.none === 'no-avahi-in-lab' ? 'no mDNS (the lab Pis run Ubuntu Server, which has no avahi)' : 'no mDNS (no chosen network is on this computer’s interfaces)';
        ctx.log(`Looking the planned hostnames up by name: ${dns} for <name>, <name>.lan, <name>.home and reverse names; ${mdns}.`);
        const result = await discoverUntilAllFound({
          subnets: params.subnets,
          extraHosts: params.extraHosts,
          port: env.sshPort(),
          plannedNodes: plan.nodes.map((n) => ({ hostname: n.hostname, ...(this.found()[n.hostname]?.fingerprint ? { hostKeyFingerprint: this.found()[n.hostname]?.fingerprint } : {}) })),
          exclude,
          readNeighbourTable: () => env.readNeighbourTable(),
          identify,
          reverseDns: (address) => names.lookup.reverse(address),
          lookupNames: (hostnames) => names.lookup.forward(hostnames),
          onNameHit: (hit, contacted) => ctx.log(`${hit.name} -> ${hit.address} (${hit.source === 'mdns' ? 'mDNS' : 'DNS'})${contacted ? '' : ': outside the chosen networks, not contacted'}`),
          sweep: { maxAddressesPerSubnet: params.widen ? WIDE_LIMIT : 1024 },
          signal: ctx.signal,
          intervalMs: this.options.intervalMs ?? 5000,
          onSweepProgress: (p) => ctx.progress(p.total ? p.probed / p.total : null),
          onUpdate: (hosts) => {
            for (const h of hosts) {
              const key = `${h.address}|${h.hostname ?? ''}|${h.plannedNode ?? ''}|${h.sshReady}`;
              if (seen.has(key)) continue;
              seen.add(key);
              ctx.log(`${h.address}: ${h.sshReady ? `SSH (${h.ssh?.banner ?? ''})` : 'no SSH'}${h.isPi ? ', Raspberry Pi network adapter' : ''}${h.hostname ? `, hostname ${h.hostname}` : ''}${h.names?.length ? ` (names: ${h.names.join(', ')})` : ''}${h.plannedNode ? ` = planned node ${h.plannedNode}${h.matchedBy && h.matchedBy !== 'hostname' ? ` (matched by ${h.matchedBy})` : ''}` : h.hostname && !h.sshReady ? ' (SSH not ready yet)' : ''}`);
            }
            void this.#update(hosts);
          },
          onPass: (r) => {
            if (r.missing.length > 0) ctx.phase('waiting-for', null, { nodes: r.missing.join(', '), count: r.missing.length });
          },
        });
        await this.#update(result.hosts);
        if (result.missing.length === 0) ctx.log('Every planned node was found.');
        return { found: result.found, missing: result.missing };
      },
    });
    this.#jobId = job.id;
    void this.options.jobs.settled(job.id).then(() => {
      if (this.#jobId === job.id) this.#jobId = undefined;
      this.#emit();
    });
    this.#emit();
    return this.state();
  }

  stop(): FindNodesState {
    this.cancel();
    return this.state();
  }

  /** Stops a running search (closing the world). */
  cancel(): void {
    if (this.#jobId) this.options.jobs.cancel(this.#jobId);
  }

  async #update(hosts: DiscoveredHost[]): Promise<void> {
    this.#hosts = hosts.map(toFoundHost);
    const found = { ...this.found() };
    let changed = false;
    for (const h of hosts) {
      if (!h.plannedNode) continue;
      const previous = found[h.plannedNode];
      if (previous?.address === h.address && previous.port === h.port && previous.fingerprint === h.hostKeyFingerprint) continue;
      found[h.plannedNode] = { address: h.address, port: h.port, ...(h.hostKeyFingerprint ? { fingerprint: h.hostKeyFingerprint } : {}), foundAt: Date.now() };
      changed = true;
    }
    if (changed) await this.options.slice.update(() => ({ found }));
    this.#emit();
  }

  #emit(): void {
    this.options.onChange(this.state());
  }
}
