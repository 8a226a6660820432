/**
 * MicroK8s membership across the lab's Pis. Every Pi that installs the snap starts as its own
 * one-node cluster; add-node/join/leave/remove-node move Pis between clusters as MicroK8s does
 * (dqlite voters = the first three control planes; HA once there are three). The largest
 * cluster is the one the lab's Kubernetes API shows (`LabClusterView`).
 */
import { EventEmitter } from 'node:events';
import { createHash, randomBytes } from 'node:crypto';
import type { LabClock, LabTimer } from '../lab-clock';
import type { LabClusterView, LabNodeInfo, LabNodeRole } from '../lab-cluster';
import type { CommandFn } from '../shell/shell';
import type { SnapInfo } from '../shell/machine';
import type { PiSoftware, VirtualPi } from '../pi/virtual-pi';
import { DURATIONS, osImage } from '../pi/ubuntu-releases';
import type { KubeApiEndpoint } from './kube-api-endpoint';
import { DEFAULT_ADDONS } from './addons';
import { microk8sCommand } from './microk8s-cli';
import { SNAP_ALIASES_DIR } from '../shell/commands/package-commands';

export interface ClusterMember {
  pi: VirtualPi;
  name: string;
  address: string;
  role: LabNodeRole;
  joinedAt: number;
  /** Lab time from which the kubelet reports Ready. */
  readyAt: number;
  /** Ran `microk8s leave` (the Node stays, NotReady, until remove-node). */
  left: boolean;
}

export interface ClusterRecord {
  id: string;
  createdAt: number;
  /** First 12 hex of the sha256 of the cluster's server certificate. */
  certCheck: string;
  members: ClusterMember[];
  addons: Set<string>;
  /** Join tokens: expiry in lab ms, or null for single use. */
  tokens: Map<string, number | null>;
  /** Snap version (e.g. v1.32.3) of the first node. */
  version: string;
  /** A control plane is still joining until then (dqlite not settled). */
  joinBusyUntil: number;
}

/** What a Pi remembers of its cluster (saved with its root filesystem, read after a lab restart). */
interface SavedMembership {
  clusterId: string;
  clusterCreatedAt: number;
  certCheck: string;
  version: string;
  addons: string[];
  role: LabNodeRole;
  name: string;
  joinedAt: number;
}

export interface LabClusterOptions {
  clock: LabClock;
  /** Name resolution as seen from a Pi (its /etc/hosts); undefined when it does not resolve. */
  resolve(from: VirtualPi, host: string): string | undefined;
  kubeApi?: KubeApiEndpoint;
}

const NOT_POSTING = 'Kubelet stopped posting node status.';
const NO_MEMORY_CGROUP = 'container runtime network not ready: failed to create containerd task: controller "memory" not available';

export class LabCluster extends EventEmitter implements LabClusterView, PiSoftware {
  readonly clock: LabClock;
  kubeApi: KubeApiEndpoint | undefined;
  #clusters = new Map<string, ClusterRecord>();
  #membership = new Map<VirtualPi, ClusterRecord>();
  /** When MicroK8s' services are up on each running Pi. */
  #startedAt = new Map<VirtualPi, number>();
  /** How many times MicroK8s has started on each Pi in this run (the kubelet's boot ID changes). */
  #boots = new Map<VirtualPi, number>();
  #timers: LabTimer[] = [];

  constructor(private readonly options: LabClusterOptions) {
    super();
    this.clock = options.clock;
    this.kubeApi = options.kubeApi;
  }

  // ---- PiSoftware ----
  command(pi: VirtualPi, name: string): CommandFn | undefined {
    if (!pi.os?.snaps().some((s) => s.name === 'microk8s')) return undefined;
    // `sudo snap alias microk8s.kubectl kubectl` makes `kubectl` the snap's app.
    const aliasFile = `${SNAP_ALIASES_DIR}/${name}`;
    const target = /^[a-z0-9-]+$/.test(name) && pi.os.fs.isFile(aliasFile) ? pi.os.fs.read(aliasFile).trim() : undefined;
    if (target === 'microk8s') return microk8sCommand(this, pi, []);
    if (target?.startsWith('microk8s.')) return microk8sCommand(this, pi, [target.slice('microk8s.'.length)]);
    if (name === 'microk8s') return microk8sCommand(this, pi, []);
    const m = /^microk8s\.([a-z-]+)$/.exec(name);
    return m ? microk8sCommand(this, pi, [m[1]!]) : undefined;
  }

  snapInstalled(pi: VirtualPi, info: SnapInfo): void {
    if (info.name !== 'microk8s') return;
    this.#start(pi);
  }

  powerChanged(pi: VirtualPi): void {
    if (pi.state === 'running' && pi.os?.snaps().some((s) => s.name === 'microk8s')) {
      if (!this.#startedAt.has(pi)) this.#start(pi);
    } else this.#startedAt.delete(pi);
    this.#changed();
  }

  #start(pi: VirtualPi): void {
    const at = this.clock.now() + DURATIONS.microk8sStart;
    this.#startedAt.set(pi, at);
    this.#boots.set(pi, (this.#boots.get(pi) ?? 0) + 1);
    if (!this.#membership.has(pi) && !this.#restore(pi)) this.#newCluster(pi);
    this.#changedAt(at);
  }

  /** After a lab restart: put the Pi back into the cluster it had joined. */
  #restore(pi: VirtualPi): ClusterRecord | undefined {
    const saved = pi.os?.state.software.microk8s as SavedMembership | undefined;
    if (!saved) return undefined;
    let record = this.#clusters.get(saved.clusterId);
    if (!record) {
      record = { id: saved.clusterId, createdAt: saved.clusterCreatedAt, certCheck: saved.certCheck, members: [], addons: new Set(saved.addons), tokens: new Map(), version: saved.version, joinBusyUntil: 0 };
      this.#clusters.set(record.id, record);
    }
    record.members.push({ pi, name: saved.name, address: pi.address, role: saved.role, joinedAt: saved.joinedAt, readyAt: this.#startedAt.get(pi) ?? 0, left: false });
    record.members.sort((a, b) => a.joinedAt - b.joinedAt); // join order, whichever Pi boots first
    this.#membership.set(pi, record);
    return record;
  }

  /** Save every member's view of `record` on its Pi. */
  persist(record: ClusterRecord): void {
    for (const m of record.members) {
      const os = m.pi.os;
      if (!os || m.left || this.#membership.get(m.pi) !== record) continue;
      const saved: SavedMembership = { clusterId: record.id, clusterCreatedAt: record.createdAt, certCheck: record.certCheck, version: record.version, addons: [...record.addons], role: m.role, name: m.name, joinedAt: m.joinedAt };
      os.state.software.microk8s = saved;
      os.save();
    }
  }

  #newCluster(pi: VirtualPi): ClusterRecord {
    const id = randomBytes(8).toString('hex');
    const now = this.clock.now();
    const version = pi.os?.snaps().find((s) => s.name === 'microk8s')?.version ?? 'v1.32.3';
    const record: ClusterRecord = {
      id,
      createdAt: now + (pi.os ? pi.os.localTime() - now : 0),
      certCheck: createHash('sha256').update(`server.crt ${id}`).digest('hex').slice(0, 12),
      members: [],
      addons: new Set(DEFAULT_ADDONS),
      tokens: new Map(),
      version,
      joinBusyUntil: 0,
    };
    record.members.push(this.#member(pi, 'control-plane', this.#startedAt.get(pi) ?? now));
    this.#clusters.set(id, record);
    this.#membership.set(pi, record);
    this.persist(record);
    return record;
  }

  #member(pi: VirtualPi, role: LabNodeRole, readyAt: number): ClusterMember {
    return { pi, name: pi.hostname ?? pi.id, address: pi.address, role, joinedAt: this.clock.now(), readyAt, left: false };
  }

  #changed(): void {
    this.emit('change');
  }

  /** Emit 'change' when lab time reaches `at` (readiness flips then). */
  #changedAt(at: number): void {
    this.#changed();
    const delay = at - this.clock.now();
    if (delay > 0) this.#timers.push(this.clock.after(delay + 1, () => this.#changed()));
  }

  // ---- queries used by the CLI ----
  clusterOf(pi: VirtualPi): ClusterRecord | undefined {
    return this.#membership.get(pi);
  }

  memberOf(pi: VirtualPi): ClusterMember | undefined {
    return this.#membership.get(pi)?.members.find((m) => m.pi === pi && !m.left);
  }

  /** MicroK8s services are up on this Pi. */
  running(pi: VirtualPi): boolean {
    const at = this.#startedAt.get(pi);
    return pi.state === 'running' && at !== undefined && this.clock.now() >= at;
  }

  /** Resolves once MicroK8s is up on the Pi, or false after `timeoutMs` lab ms (0 = no limit). */
  async waitRunning(pi: VirtualPi, timeoutMs: number, signal: AbortSignal): Promise<boolean> {
    const deadline = timeoutMs > 0 ? this.clock.now() + timeoutMs : Infinity;
    while (!this.running(pi)) {
      if (this.clock.now() >= deadline) return false;
      await this.clock.sleep(Math.min(1000, deadline - this.clock.now()), signal);
    }
    return true;
  }

  /** Every cluster the lab's Pis form (one per Pi until they join each other). */
  records(): ClusterRecord[] {
    return [...this.#clusters.values()];
  }

  record(id: string): ClusterRecord | undefined {
    return this.#clusters.get(id);
  }

  /** Whether MicroK8s runs on the Pi as a member of `record` (its dqlite and API server are up). */
  serving(pi: VirtualPi, record: ClusterRecord): boolean {
    return this.#membership.get(pi) === record && this.running(pi) && record.members.some((m) => m.pi === pi && !m.left);
  }

  /** dqlite quorum: more than half of the cluster's voters are up. */
  quorum(record: ClusterRecord): boolean {
    const { voters } = this.datastore(record);
    const up = voters.filter((v) => this.serving(v.pi, record)).length;
    return voters.length > 0 && up * 2 > voters.length;
  }

  /** dqlite voters (first three control planes) and standbys of a cluster. */
  datastore(record: ClusterRecord): { voters: ClusterMember[]; standby: ClusterMember[] } {
    const cps = record.members.filter((m) => m.role === 'control-plane' && !m.left);
    return { voters: cps.slice(0, 3), standby: cps.slice(3) };
  }

  portOpen(pi: VirtualPi, port: number): boolean {
    if (!this.running(pi)) return false;
    const role = this.memberOf(pi)?.role ?? 'control-plane';
    return [16443, 25000, 10250].includes(port) || (port === 19001 && role === 'control-plane');
  }

  resolve(from: VirtualPi, host: string): string | undefined {
    return this.options.resolve(from, host);
  }

  /** The Pi answering at a LAN address. */
  piAt(address: string, pis: Iterable<VirtualPi> = this.#startedAt.keys()): VirtualPi | undefined {
    for (const p of pis) if (p.address === address && p.state === 'running') return p;
    return undefined;
  }

  newToken(record: ClusterRecord, token: string, ttlSeconds: number): void {
    record.tokens.set(token, ttlSeconds > 0 ? this.clock.now() + ttlSeconds * 1000 : null);
  }

  /** Check a token; a single-use token is consumed even when the join fails later. */
  consumeToken(record: ClusterRecord, token: string): boolean {
    if (!record.tokens.has(token)) return false;
    const expiry = record.tokens.get(token)!;
    if (expiry === null) {
      record.tokens.delete(token);
      return true;
    }
    if (expiry < this.clock.now()) {
      record.tokens.delete(token);
      return false;
    }
    return true;
  }

  /** Move `pi` into `record` as `role` (its own one-node cluster is dropped). */
  join(pi: VirtualPi, record: ClusterRecord, role: LabNodeRole, readyInMs: number): void {
    const old = this.#membership.get(pi);
    if (old && old !== record) {
      old.members = old.members.filter((m) => m.pi !== pi);
      if (old.members.length === 0) this.#clusters.delete(old.id);
    }
    const name = pi.hostname ?? pi.id;
    // A Node is identified by its name: a Pi with a duplicate hostname takes the Node over.
    record.members = record.members.filter((m) => m.pi !== pi && !(m.name === name && !m.left));
    const member = this.#member(pi, role, this.clock.now() + readyInMs);
    record.members.push(member);
    this.#membership.set(pi, record);
    if (role === 'control-plane') record.joinBusyUntil = member.readyAt;
    this.persist(record);
    this.#changedAt(member.readyAt);
  }

  /** `microk8s leave`: the Pi becomes its own cluster again; its Node stays behind, NotReady. */
  leave(pi: VirtualPi): void {
    const record = this.#membership.get(pi);
    if (!record) return;
    const m = record.members.find((x) => x.pi === pi && !x.left);
    if (m) m.left = true;
    this.#membership.delete(pi);
    this.#newCluster(pi);
    this.#changed();
  }

  removeMember(record: ClusterRecord, member: ClusterMember): void {
    record.members = record.members.filter((m) => m !== member);
    this.#changed();
  }

  // ---- LabClusterView ----
  /** The cluster the lab's API server shows: the one with most nodes (oldest on a tie). */
  primary(): ClusterRecord | undefined {
    let best: ClusterRecord | undefined;
    for (const c of this.#clusters.values()) {
      if (!best || c.members.length > best.members.length || (c.members.length === best.members.length && c.createdAt < best.createdAt)) best = c;
    }
    return best;
  }

  nodeInfo(m: ClusterMember, record: ClusterRecord): LabNodeInfo {
    const pi = m.pi;
    const os = pi.os;
    const up = !m.left && this.#membership.get(pi) === record && this.running(pi);
    const cgroup = pi.memoryCgroupEnabled();
    const ready = up && cgroup && this.clock.now() >= m.readyAt;
    const release = pi.release ?? '24.04';
    return {
      name: m.name,
      internalIP: m.address,
      role: m.role,
      ready,
      notReadyReason: ready ? undefined : !up ? NOT_POSTING : !cgroup ? NO_MEMORY_CGROUP : 'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized',
      ...(up ? {} : { silent: true }),
      bootCount: this.#boots.get(pi) ?? 1,
      cpu: 4,
      memoryBytes: os?.memoryBytes ?? 4 * 1024 ** 3,
      podsCapacity: 110,
      architecture: 'arm64',
      osImage: osImage(release),
      kernelVersion: os?.release.kernelRelease ?? '',
      kubeletVersion: record.version,
      containerRuntimeVersion: 'containerd://1.6.28',
      joinedAt: m.joinedAt,
    };
  }

  nodes(): LabNodeInfo[] {
    const record = this.primary();
    return record ? this.nodesOf(record) : [];
  }

  nodesOf(record: ClusterRecord): LabNodeInfo[] {
    return record.members.map((m) => this.nodeInfo(m, record));
  }

  stop(): void {
    for (const t of this.#timers.splice(0)) t.cancel();
  }
}
