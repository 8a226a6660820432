/**
 * The "Boot & discover" step: searches the subnets and hosts the user chose (never anything
 * else) for the planned nodes, as a job that keeps watching until every node is up. Hosts are
 * identified over SSH with the cluster key; host keys are trusted on first use and pinned in
 * `<dataDir>/known_hosts`. Where each node was found is kept for the install and join steps.
 */
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { ErrorCode } from '../../preload/contract/errors';
import { foundNode } from '../../preload/contract/find-nodes';
import type { FindNodesState, FoundHost, FoundNode, HostKeyChangeView } from '../../preload/contract/find-nodes';
import { cardReport } from '../../preload/contract/cards';
import { discoverUntilAllFound } from '../discovery/discovery';
import type { DiscoveredHost, HostIdentity } from '../discovery/discovery';
import { candidateSubnets } from '../discovery/interfaces';
import { nameLookupForSearch } from '../discovery/name-lookup';
import { sshIdentifier } from '../discovery/ssh-identify';
import { readSystemNeighbourTable } from '../discovery/system-neighbour-table';
import type { JobManager } from '../jobs/job-manager';
import type { PlanService } from '../plan/plan-service';
import type { PracticeService } from '../practice/practice-service';
import { AppError } from '../router/app-error';
import { KnownHostsStore } from '../ssh/known-hosts';
import type { HostKeyInfo } from '../ssh/ssh-client';
import { hostLabel, SshError, type HostKeyChange } from '../ssh/ssh-errors';
import type { StateStore } from '../state/state-store';

const FOUND_KEY = 'foundNodes';
const WIDE_LIMIT = 65_536;

export interface FindNodesOptions {
  store: StateStore;
  jobs: JobManager;
  plans: PlanService;
  practice: PracticeService;
  onChange: (state: FindNodesState) => void;
  /** Network interfaces (os.networkInterfaces() by default). */
  interfaces?: () => ReturnType<typeof os.networkInterfaces>;
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
    this.knownHosts = new KnownHostsStore(path.join(options.store.dataDir, 'known_hosts'));
  }

  subnets() {
    const practice = this.options.practice.labNetwork();
    const real = candidateSubnets((this.options.interfaces ?? os.networkInterfaces)()).map((s) => ({
      cidr: s.cidr,
      interfaceName: s.interfaceName,
      localAddress: s.localAddress,
      ...(s.narrowedFrom ? { narrowedFrom: s.narrowedFrom } : {}),
      practice: false,
    }));
    return { subnets: [...(practice ? [{ cidr: practice.subnet, interfaceName: 'practice lab', localAddress: '', practice: true }] : []), ...real] };
  }

  found(): Record<string, FoundNode> {
    const parsed = z.record(z.string(), foundNode).safeParse(this.options.store.state.records[FOUND_KEY] ?? {});
    const plan = this.options.plans.stored();
    if (!parsed.success || !plan) return {};
    return Object.fromEntries(Object.entries(parsed.data).filter(([name]) => plan.nodes.some((n) => n.hostname === name)));
  }

  state(): FindNodesState {
    const found = this.found();
    const plan = this.options.plans.stored();
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
      const report = cardReport.safeParse((this.options.store.state.records.cardReports as Record<string, unknown> | undefined)?.[node[0]]);
      if (report.success && Date.parse(report.data.finishedAt) > node[1].foundAt) cardPreparedAt = report.data.finishedAt;
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
    if (!change) throw new AppError(ErrorCode.NOT_FOUND, `No changed host key is waiting for a decision at ${label}: search again to see it.`);
    if (change.presentedFingerprint !== fingerprint) {
      throw new AppError(ErrorCode.CONFLICT, `${label} presented ${change.presentedFingerprint}, not ${fingerprint}: nothing was trusted. Look at the key again.`);
    }
    await this.knownHosts.forget(host, port);
    this.#approvedKeys.set(label, fingerprint);
    this.#hostKeyChanges.delete(label);
    this.#emit();
    return this.state();
  }

  start(params: { subnets: string[]; extraHosts: string[]; widen: boolean }): FindNodesState {
    const plan = this.options.plans.stored();
    if (!plan) throw new AppError(ErrorCode.UNAVAILABLE, 'Save the cluster plan first: the search looks for the nodes it names.');
    if (params.subnets.length === 0 && params.extraHosts.length === 0) {
      throw new AppError(ErrorCode.INVALID_PARAMS, 'Choose at least one network to search, or add a host by address or name.');
    }
    if (this.#jobId) this.options.jobs.cancel(this.#jobId);
    const practice = this.options.practice.labNetwork();
    const exclude = this.subnets()
      .subnets.map((s) => s.localAddress)
      .filter(Boolean);
    const privateKeyPath = this.options.plans.key.privateKeyPath;
    this.#subnets = params.subnets;
    this.#hosts = [];
    const job = this.options.jobs.start({
      kind: 'find-nodes',
      title: 'Find the cluster’s nodes',
      run: async (ctx) => {
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
        const names = nameLookupForSearch({
          practice: !!practice,
          ...(practice ? { labDns: await practice.dns() } : {}),
          mdnsFrom: this.subnets().subnets.filter((s) => !s.practice && params.subnets.includes(s.cidr)).map((s) => s.localAddress),
          signal: ctx.signal,
        });
        ctx.log(names.description);
        const result = await discoverUntilAllFound({
          subnets: params.subnets,
          extraHosts: params.extraHosts,
          port: practice?.sshPort ?? 22,
          plannedNodes: plan.nodes.map((n) => ({ hostname: n.hostname, ...(this.found()[n.hostname]?.fingerprint ? { hostKeyFingerprint: this.found()[n.hostname]?.fingerprint } : {}) })),
          exclude,
          readNeighbourTable: () => (practice ? Promise.resolve(practice.neighbourTable()) : readSystemNeighbourTable()),
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
            if (r.missing.length > 0) ctx.phase(`waiting for ${r.missing.join(', ')}`, null);
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
    if (this.#jobId) this.options.jobs.cancel(this.#jobId);
    return this.state();
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
    if (changed) {
      const plan = this.options.plans.stored();
      const all = !!plan && plan.nodes.every((n) => found[n.hostname]);
      await this.options.store.update((s) => ({ ...s, records: { ...s.records, [FOUND_KEY]: found }, steps: { ...s.steps, discover: all ? 'done' : 'in-progress' } }));
    }
    this.#emit();
  }

  #emit(): void {
    this.options.onChange(this.state());
  }
}
