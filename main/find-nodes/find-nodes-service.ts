/**
 * The "Boot & discover" step: searches the subnets and hosts the user chose (never anything
 * else) for the planned nodes, as a job that keeps watching until every node is up. Hosts are
 * identified over SSH with the cluster key. Where each node was found is kept for the install
 * and join steps.
 *
 * Which networks exist, the neighbour table and the name servers come from the environment.
 *
 * It owns every host-key trust decision (discovery and the cluster jobs), pinned in the world's
 * `known_hosts` (see ssh/known-hosts.ts). Nothing is trusted silently on first use:
 *  - a node whose card the app prepared is known before it ever answers: step 2 pins the host key
 *    it wrote to the card (`pinPreparedKey`); a host presenting that key is that node, wherever it
 *    answers, and a re-prepared card's new key replaces the pin without asking (the app made the change);
 *  - a host that says it is such a node (or answers at its planned static address) with another
 *    key is refused and listed in `refusedHosts`, with both fingerprints;
 *  - any other host (a card imaged elsewhere, a VM) is only asked its name and listed in
 *    `unconfirmedHosts` until the user confirms exactly the key shown (`confirmHostKey`);
 *  - a confirmed key that changes later stops the app at that host (`hostKeyChanges`, the
 *    window's HostKeyChangedDialog) until the user trusts exactly the new key (`trustNewHostKey`).
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
import { sshIdentifier, type SshIdentity } from '../discovery/ssh-identify';
import type { Environment } from '../environment/environment';
import type { JobManager } from '../jobs/job-manager';
import { AppError } from '../router/app-error';
import type { RefusedHostView, UnconfirmedHostView } from '../../preload/contract/find-nodes';
import { fingerprintOf, keyTypeOf, KnownHostsStore, publicKeyBlob } from '../ssh/known-hosts';
import type { NodeHostKey } from '../ssh/known-hosts';
import type { HostKeyInfo, NewHostKeyDecision } from '../ssh/ssh-client';
import { claimsPreparedNodeMessage, hostLabel, SshError, unconfirmedMessage, type HostKeyChange } from '../ssh/ssh-errors';
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
    ...(h.hostKeyStatus ? { hostKeyStatus: h.hostKeyStatus } : {}),
  };
}

function shortName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '').split('.')[0]!;
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
  /** First contacts waiting for the user, by label; the key blob is what a confirmation pins. */
  #unconfirmed = new Map<string, UnconfirmedHostView & { blob: Buffer }>();
  /** Hosts refused for pretending to be a prepared node, by label. */
  #refused = new Map<string, RefusedHostView>();
  /** The node pins of known_hosts (the keys written to prepared cards), kept for `state()`. */
  #nodeKeys = new Map<string, NodeHostKey>();
  readonly #nodeKeysLoaded: Promise<void>;

  constructor(private readonly options: FindNodesOptions) {
    this.knownHosts = new KnownHostsStore(path.join(options.dir, 'known_hosts'));
    this.#nodeKeysLoaded = this.#loadNodeKeys().catch(() => undefined);
  }

  async #loadNodeKeys(): Promise<void> {
    this.#nodeKeys = new Map((await this.knownHosts.nodes()).map((k) => [k.node, k]));
  }

  /** The key written to a planned node's card, if the app prepared it. */
  #preparedKey(hostname: string): NodeHostKey | undefined {
    const plan = this.options.plan();
    const node = plan?.nodes.find((n) => n.hostname.toLowerCase() === shortName(hostname));
    return node ? this.#nodeKeys.get(node.hostname) : undefined;
  }

  /**
   * Step 2 wrote `publicKey` (an OpenSSH public key line) to `node`'s card as its SSH host key:
   * pin it for that node now, keyed by its hostname and its planned static address, so the node
   * is known before it ever answers. A re-prepared card's new key replaces the old one, and
   * wherever the node was found follows (no question: the app made that change).
   */
  async pinPreparedKey(node: string, publicKey: string): Promise<void> {
    const blob = publicKeyBlob(publicKey);
    const plan = this.options.plan();
    const planned = plan?.nodes.find((n) => n.hostname === node);
    const addresses = plan?.network.mode === 'static' && planned?.address ? [planned.address] : [];
    await this.#nodeKeysLoaded;
    await this.knownHosts.pinNode(node, blob, addresses);
    this.#nodeKeys.set(node, { node, keyType: keyTypeOf(blob), fingerprint: fingerprintOf(blob), addresses });
    // A changed-key question about this node is answered by the new card.
    for (const [label, change] of this.#hostKeyChanges) if (change.node === node) this.#hostKeyChanges.delete(label);
    this.#emit();
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
      unconfirmedHosts: [...this.#unconfirmed.values()].map(({ blob: _blob, ...view }) => view),
      refusedHosts: [...this.#refused.values()],
      preparedKeys: Object.fromEntries((plan?.nodes ?? []).flatMap((n) => {
        const key = this.#nodeKeys.get(n.hostname);
        return key ? [[n.hostname, key.fingerprint]] : [];
      })),
    };
  }

  /**
   * The cluster jobs' decision for a key never seen at a node's address: only the exact new key
   * the user approved after a change passes. Anything else is refused: listed as a first contact
   * for the user to confirm in step 3 or, where a prepared node was found, as not that node.
   */
  acceptNewHostKey(key: HostKeyInfo, blob: Buffer, log: (line: string) => void): boolean {
    if (this.#approved(key, log)) return true;
    const label = hostLabel(key.host, key.port);
    const node = Object.entries(this.found()).find(([, f]) => f.address === key.host && f.port === key.port)?.[0];
    const prepared = node ? this.#preparedKey(node) : undefined;
    if (node && prepared) {
      const message =
        `${label}, where ${node} was found, now answers with the host key ${key.fingerprint}, not the key ${prepared.fingerprint} the app wrote to ${node}'s card, so the app refused it and sent it nothing. ` +
        `Search again in step 3: ${node} is found by its key wherever it answers now; if you wrote its card yourself or with another tool, prepare it again in step 2.`;
      this.#refuse({ host: key.host, port: key.port, node, reason: 'address', keyType: key.keyType, expectedFingerprint: prepared.fingerprint, presentedFingerprint: key.fingerprint }, message, log);
      throw new SshError('HOST_KEY_NOT_PREPARED', message, label);
    }
    this.#askFirstContact(key, blob, node, log);
    throw new SshError('HOST_KEY_UNCONFIRMED', unconfirmedMessage(label, key.fingerprint), label);
  }

  /** Discovery's decision for a key never seen: the approved new key is pinned; any other host is only asked its name. */
  #discoveryDecision(key: HostKeyInfo, log: (line: string) => void): NewHostKeyDecision {
    return this.#approved(key, log) ? true : 'unconfirmed';
  }

  /** Whether `key` is exactly the new key the user approved after a change (consumed once). */
  #approved(key: HostKeyInfo, log: (line: string) => void): boolean {
    const label = hostLabel(key.host, key.port);
    const approved = this.#approvedKeys.get(label);
    if (approved === undefined) return false;
    if (approved !== key.fingerprint) {
      log(`${label} now presents ${key.fingerprint}, not the key ${approved} you approved: refused.`);
      return false;
    }
    this.#approvedKeys.delete(label);
    log(`${label}: trusting the new ${key.keyType} host key ${key.fingerprint} you approved, and remembering it.`);
    return true;
  }

  /** Lists a first contact for the user to confirm (logged once per key). */
  #askFirstContact(key: HostKeyInfo, blob: Buffer, hostname: string | undefined, log: (line: string) => void): void {
    const label = hostLabel(key.host, key.port);
    const previous = this.#unconfirmed.get(label);
    if (previous?.fingerprint === key.fingerprint && previous.hostname === hostname) return;
    this.#unconfirmed.set(label, { host: key.host, port: key.port, keyType: key.keyType, fingerprint: key.fingerprint, ...(hostname ? { hostname } : {}), seenAt: Date.now(), blob });
    log(`First contact with ${label}${hostname ? ` (it says it is ${hostname})` : ''}: its ${key.keyType} host key ${key.fingerprint} is not trusted until you confirm it in step 3. The app only asked its name.`);
    this.#emit();
  }

  /** Lists a host refused for pretending to be a prepared node (logged once per key). */
  #refuse(view: Omit<RefusedHostView, 'seenAt'>, message: string, log: (line: string) => void): void {
    const label = hostLabel(view.host, view.port);
    this.#unconfirmed.delete(label);
    const previous = this.#refused.get(label);
    if (previous?.presentedFingerprint === view.presentedFingerprint && previous.node === view.node) return;
    this.#refused.set(label, { ...view, seenAt: Date.now() });
    log(message);
    this.#emit();
  }

  /** A host whose key is trusted now is neither waiting nor refused. */
  #settled(host: string, port: number): void {
    const label = hostLabel(host, port);
    if (this.#unconfirmed.delete(label) || this.#refused.delete(label)) this.#emit();
  }

  /** First contact: the user compared the fingerprint and trusts exactly that key of that host from now on. */
  async confirmHostKey(host: string, port: number, fingerprint: string): Promise<FindNodesState> {
    const label = hostLabel(host, port);
    const entry = this.#unconfirmed.get(label);
    if (!entry) throw new AppError(ErrorCode.NOT_FOUND, `No new host key is waiting for a decision at ${label}: search again to see it.`);
    if (entry.fingerprint !== fingerprint) {
      throw new AppError(ErrorCode.CONFLICT, `${label} presented ${entry.fingerprint}, not ${fingerprint}: nothing was trusted. Look at the key again.`);
    }
    const prepared = entry.hostname ? this.#preparedKey(entry.hostname) : undefined;
    if (prepared) {
      throw new AppError(ErrorCode.HOST_KEY_NOT_PREPARED, claimsPreparedNodeMessage(label, shortName(entry.hostname!), prepared.fingerprint, entry.fingerprint));
    }
    await this.knownHosts.pin(host, port, entry.blob);
    this.#unconfirmed.delete(label);
    this.#emit();
    return this.state();
  }

  /** Records a refused host (from discovery or any job) so the window can ask the user about it. */
  reportHostKeyChange(change: HostKeyChange, log: (line: string) => void = () => undefined): void {
    const label = hostLabel(change.host, change.port);
    if (change.preparedNode) {
      const view = { host: change.host, port: change.port, node: change.preparedNode, reason: 'address' as const, keyType: change.keyType, expectedFingerprint: change.pinnedFingerprint, presentedFingerprint: change.presentedFingerprint };
      return this.#refuse(view, `${label}: refused, not ${change.preparedNode} (${change.presentedFingerprint} is not the key written to its card).`, log);
    }
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
        const log = (line: string) => ctx.log(line);
        const base = sshIdentifier({
          username: 'ubuntu',
          privateKeyPath,
          knownHosts: this.knownHosts,
          connectTimeoutMs: 8000,
          onNewHostKey: (key) => this.#discoveryDecision(key, log),
        });
        const identify = async (address: string, port: number): Promise<HostIdentity | undefined> => {
          let id: SshIdentity | undefined;
          try {
            id = await base(address, port);
          } catch (error) {
            const change = error instanceof SshError ? error.hostKeyChange : undefined;
            if (change?.preparedNode) {
              this.reportHostKeyChange(change, () => ctx.log(`${address}: ${(error as Error).message}`));
              return { hostKeyFingerprint: change.presentedFingerprint, hostKeyStatus: 'refused' };
            }
            if (change) this.reportHostKeyChange(change);
            ctx.log(`${address}: ${(error as Error).message}`);
            return undefined;
          }
          return id && this.#judge(id, log);
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

  /** Decides what an identified host is from the key it presented and the name it gave. */
  #judge(id: SshIdentity, log: (line: string) => void): HostIdentity {
    const { host, port } = id.hostKey;
    const label = hostLabel(host, port);
    const identity: HostIdentity = { hostname: id.hostname, hostKeyFingerprint: id.hostKeyFingerprint, ...(id.preparedFor ? { preparedFor: id.preparedFor } : {}) };
    if (id.preparedFor) {
      if (shortName(id.hostname) !== id.preparedFor.toLowerCase()) log(`${label} presents the host key written to ${id.preparedFor}'s card but says its hostname is ${id.hostname}: it is ${id.preparedFor}.`);
      this.#settled(host, port);
      return identity;
    }
    const prepared = this.#preparedKey(id.hostname);
    if (prepared) {
      const node = prepared.node;
      this.#refuse(
        { host, port, node, reason: 'hostname', keyType: id.hostKey.keyType, expectedFingerprint: prepared.fingerprint, presentedFingerprint: id.hostKeyFingerprint },
        claimsPreparedNodeMessage(label, node, prepared.fingerprint, id.hostKeyFingerprint),
        log,
      );
      return { ...identity, hostKeyStatus: 'refused' };
    }
    if (id.hostKeyTrust === 'unconfirmed') {
      if (id.keyBlob) this.#askFirstContact(id.hostKey, id.keyBlob, id.hostname, log);
      return { ...identity, hostKeyStatus: 'unconfirmed' };
    }
    this.#settled(host, port);
    return identity;
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
