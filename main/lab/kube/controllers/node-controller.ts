/**
 * Nodes: mirrors the lab's Pis (LabClusterView) into Node objects as their kubelets register
 * and report (MicroK8s labels, capacity, conditions, addresses, nodeInfo), and runs upstream's
 * node lifecycle and taint-eviction controllers (Kubernetes 1.32, see
 * /work/shared/reference/lessons-and-addons.md section 3):
 *
 * - a kubelet that stops posting (Pi powered off) leaves the node Ready until the node monitor
 *   grace period (50 s) has passed; then Ready, MemoryPressure, DiskPressure and PIDPressure turn
 *   Unknown (`NodeStatusUnknown`, "Kubelet stopped posting node status."), the node gets the
 *   `NodeNotReady` event, every pod on it Ready=False with a Warning `NodeNotReady` "Node is not
 *   ready" (endpoints drop them), then the `unreachable:NoSchedule` taint and, one monitor period
 *   later, `unreachable:NoExecute` (a kubelet that posts NotReady gives the `not-ready` taints);
 * - the taint-eviction controller deletes each pod when its smallest tolerationSeconds for those
 *   taints runs out (300 s from DefaultTolerationSeconds): `TaintManagerEviction` "Marking for
 *   deletion Pod ns/name", the `DisruptionTarget` condition, a normal graceful delete (the pod
 *   stays Terminating while its kubelet is away); `Cancelling deletion of Pod ns/name` when the
 *   taints go first;
 * - all nodes not Ready (full disruption) removes every NoExecute taint and stops evictions; more
 *   than 2 nodes and at least 55 % not Ready (partial disruption, a cluster under 50 nodes) stops
 *   adding NoExecute taints;
 * - `spec.unschedulable` (cordon) gets the `node.kubernetes.io/unschedulable:NoSchedule` taint;
 * - pods bound to nodes that no longer exist are removed (PodGC).
 *
 * All durations are lab time; reported times (conditions, taints' timeAdded) are real time.
 * `setFrozen(true)` stops the controller while the datastore has no quorum (nothing progresses
 * in a frozen MicroK8s); thawing starts it afresh, giving every node a new grace period, as a newly
 * elected kube-controller-manager does.
 */
import { createHash } from 'node:crypto';
import type { LabClock, LabTimer } from '../../lab-clock';
import type { LabClusterView, LabNodeInfo } from '../../lab-cluster';
import type { KubeApi } from '../api/kube-api';
import { resourceForKind } from '../api/resource-registry';
import type { Condition, NodeObject, Pod, Toleration } from '../api/types';
import type { EventRecorder } from './event-recorder';
import { cloneJson } from '../store/clone';

/** --node-monitor-grace-period (50 s from Kubernetes 1.32). */
export const NODE_MONITOR_GRACE_MS = 50_000;
/** --node-monitor-period. */
export const NODE_MONITOR_PERIOD_MS = 5_000;

export const UNREACHABLE = 'node.kubernetes.io/unreachable';
export const NOT_READY = 'node.kubernetes.io/not-ready';
export const UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';

const NODE_CONTROLLER = { component: 'node-controller' };
const TAINT_EVICTION = { component: 'taint-eviction-controller' };

type Health = 'ready' | 'not-ready' | 'unknown';
type ZoneState = 'Normal' | 'PartialDisruption' | 'FullDisruption';

function capacity(n: LabNodeInfo): Record<string, string> {
  return {
    cpu: String(n.cpu),
    'ephemeral-storage': '59792748Ki',
    'hugepages-1Gi': '0',
    'hugepages-2Mi': '0',
    'hugepages-32Mi': '0',
    'hugepages-64Ki': '0',
    memory: `${Math.floor(n.memoryBytes / 1024)}Ki`,
    pods: String(n.podsCapacity),
  };
}

function allocatable(n: LabNodeInfo): Record<string, string> {
  return { ...capacity(n), 'ephemeral-storage': '58744172Ki', memory: `${Math.floor(n.memoryBytes / 1024) - 102400}Ki` };
}

/** v1helper.ToleratesTaint. */
export function toleratesTaint(t: Toleration, taint: { key: string; value?: string; effect: string }): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  if (t.operator === 'Exists') return true;
  return (t.value ?? '') === (taint.value ?? '');
}

interface ScheduledEviction {
  uid: string;
  /** Lab time the eviction was scheduled from (the taint manager saw the taints). */
  from: number;
  fireAt: number;
  timer: LabTimer;
}

export class NodeController {
  #timers: LabTimer[] = [];
  /** Lab time each kubelet last posted its status (Ready or NotReady). */
  #lastPosted = new Map<string, number>();
  /** Lab time each node got its NoSchedule condition taint (NoExecute follows a monitor period later). */
  #noScheduleAt = new Map<string, number>();
  /** Lab time each node got its NoExecute taint. */
  #noExecuteAt = new Map<string, number>();
  /** When each kubelet last renewed its Lease (lab and real time: every 10 lab s, at most once a real second). */
  #leaseRenewed = new Map<string, { lab: number; wall: number }>();
  #evictions = new Map<string, ScheduledEviction>();
  #zoneState: ZoneState = 'Normal';
  #frozen = false;
  #started = false;
  #graceTimer: LabTimer | undefined;
  /** Per node, the inputs of the last sync that found nothing to change. */
  #settled = new Map<string, string>();
  /** What the controller logged (upstream's klog lines that matter to a learner). */
  readonly log: string[] = [];
  readonly #onChange = () => this.syncAll();

  constructor(
    private readonly api: KubeApi,
    private readonly clock: LabClock,
    private readonly cluster: LabClusterView,
    private readonly events: EventRecorder,
  ) {}

  start(): void {
    this.#started = true;
    this.cluster.on('change', this.#onChange);
    this.#timers.push(this.clock.every(NODE_MONITOR_PERIOD_MS, () => this.syncAll()));
    this.syncAll();
  }

  stop(): void {
    this.#started = false;
    this.cluster.off('change', this.#onChange);
    for (const t of this.#timers.splice(0)) t.cancel();
    this.#graceTimer?.cancel();
    for (const e of this.#evictions.values()) e.timer.cancel();
    this.#evictions.clear();
  }

  /** The datastore lost (true) or regained (false) quorum. */
  setFrozen(frozen: boolean): void {
    if (this.#frozen === frozen) return;
    this.#frozen = frozen;
    for (const e of this.#evictions.values()) e.timer.cancel();
    this.#evictions.clear();
    if (!frozen) {
      // A new leader starts with fresh probe timestamps: every node gets a full grace period.
      this.#lastPosted.clear();
      this.#noScheduleAt.clear();
      this.#settled.clear();
      if (this.#started) this.syncAll();
    }
  }

  get frozen(): boolean {
    return this.#frozen;
  }

  syncAll(): void {
    if (this.#frozen) return;
    const now = this.clock.now();
    const lab = this.cluster.nodes();
    const names = new Set(lab.map((n) => n.name));
    for (const n of lab) {
      if (n.ready || (n.notReadyReason && !n.silent)) this.#lastPosted.set(n.name, now);
      else if (!this.#lastPosted.has(n.name)) this.#lastPosted.set(n.name, now); // first sight: a full grace period
    }
    for (const n of lab) this.#syncNode(n, now);
    for (const n of lab) if (n.ready || (n.notReadyReason && !n.silent)) this.#renewLease(n.name, now);
    const nodeType = resourceForKind('Node');
    const removed = this.api.objects<NodeObject>('Node').filter((node) => !names.has(node.metadata.name!));
    for (const node of removed) {
      this.api.delete(nodeType, undefined, node.metadata.name!);
      for (const m of [this.#lastPosted, this.#noScheduleAt, this.#noExecuteAt, this.#leaseRenewed]) m.delete(node.metadata.name!);
    }
    // PodGC: pods bound to nodes that are gone.
    if (removed.length) {
      for (const pod of this.api.objects<Pod>('Pod')) {
        if (pod.spec.nodeName && !names.has(pod.spec.nodeName)) this.api.forceRemove('Pod', pod.metadata.namespace, pod.metadata.name!);
      }
    }
    this.#handleDisruption(now);
    this.#noExecuteTaintingPass(now);
    this.#syncEvictions(now);
    this.#scheduleGraceCheck(lab, now);
  }

  /** Look again right when the next silent node's grace period ends (the 5 s tick would too, later). */
  #scheduleGraceCheck(lab: LabNodeInfo[], now: number): void {
    let next = Infinity;
    for (const n of lab) {
      if (n.ready || (n.notReadyReason && !n.silent)) continue;
      const due = (this.#lastPosted.get(n.name) ?? now) + NODE_MONITOR_GRACE_MS;
      if (due > now) next = Math.min(next, due);
    }
    this.#graceTimer?.cancel();
    this.#graceTimer = next === Infinity ? undefined : this.clock.after(next - now + 1, () => this.syncAll());
  }

  #health(n: LabNodeInfo, now: number): Health | 'stale' {
    if (n.ready) return 'ready';
    if (n.notReadyReason && !n.silent) return 'not-ready';
    const silentFor = now - (this.#lastPosted.get(n.name) ?? now);
    return silentFor >= NODE_MONITOR_GRACE_MS ? 'unknown' : 'stale';
  }

  #conditions(n: LabNodeInfo, old: Condition[] | undefined, health: Health): Condition[] {
    const now = this.api.timestamp();
    if (health === 'unknown') {
      const types = ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready'];
      const out = (old ?? []).filter((c) => !types.includes(c.type)).map((c) => ({ ...c }));
      for (const type of types) {
        const prev = old?.find((o) => o.type === type);
        out.push(
          prev
            ? { ...prev, status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: prev.status === 'Unknown' ? prev.lastTransitionTime : now }
            : { type, status: 'Unknown', reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.', lastHeartbeatTime: now, lastTransitionTime: now },
        );
      }
      const order = ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready'];
      return out.sort((a, b) => order.indexOf(a.type) - order.indexOf(b.type));
    }
    const want: Condition[] = [
      { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
      { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure' },
      { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available' },
      health === 'ready'
        ? { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }
        : { type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: n.notReadyReason ?? 'container runtime network not ready' },
    ];
    return want.map((c) => {
      const prev = old?.find((o) => o.type === c.type);
      const changed = !prev || prev.status !== c.status;
      return { ...c, lastHeartbeatTime: now, lastTransitionTime: changed ? now : prev.lastTransitionTime };
    });
  }

  #labels(n: LabNodeInfo): Record<string, string> {
    const roleLabel: Record<string, string> = n.role === 'control-plane' ? { 'node.kubernetes.io/microk8s-controlplane': 'microk8s-controlplane' } : { 'node.kubernetes.io/microk8s-worker': 'microk8s-worker' };
    return {
      'beta.kubernetes.io/arch': n.architecture,
      'beta.kubernetes.io/os': 'linux',
      'kubernetes.io/arch': n.architecture,
      'kubernetes.io/hostname': n.name,
      'kubernetes.io/os': 'linux',
      'microk8s.io/cluster': 'true',
      ...roleLabel,
    };
  }

  /** doNoScheduleTaintingPass: the condition and unschedulable NoSchedule taints; NoExecute taints are kept as they are. */
  #noScheduleTaints(node: NodeObject, health: Health | 'stale', now: number): NodeObject['spec']['taints'] {
    const name = node.metadata.name!;
    const current = node.spec?.taints ?? [];
    const ready = node.status?.conditions?.find((c) => c.type === 'Ready')?.status;
    const wanted = new Set<string>();
    if (health !== 'stale' && health !== 'ready') wanted.add(health === 'unknown' ? UNREACHABLE : NOT_READY);
    if (health === 'stale' && ready === 'Unknown') wanted.add(UNREACHABLE);
    if (health === 'stale' && ready === 'False') wanted.add(NOT_READY);
    if (node.spec?.unschedulable) wanted.add(UNSCHEDULABLE);
    const managed = [UNREACHABLE, NOT_READY, UNSCHEDULABLE];
    const out = current.filter((t) => !(t.effect === 'NoSchedule' && managed.includes(t.key) && !wanted.has(t.key)));
    for (const key of wanted) {
      if (!out.some((t) => t.key === key && t.effect === 'NoSchedule')) {
        out.push({ key, effect: 'NoSchedule', timeAdded: this.api.timestamp() });
        if (key !== UNSCHEDULABLE) this.#noScheduleAt.set(name, now);
      }
    }
    if (!wanted.has(UNREACHABLE) && !wanted.has(NOT_READY)) this.#noScheduleAt.delete(name);
    // A Ready node loses its NoExecute condition taints at once (markNodeAsReachable).
    const cleaned = health === 'ready' ? out.filter((t) => !(t.effect === 'NoExecute' && (t.key === UNREACHABLE || t.key === NOT_READY))) : out;
    if (health === 'ready') this.#noExecuteAt.delete(name);
    return cleaned;
  }

  #syncNode(n: LabNodeInfo, now: number): void {
    const t = resourceForKind('Node');
    const health = this.#health(n, now);
    // Read-only: every monitor period (5 lab seconds, 50 ms at speed 100) looks at every node.
    const existing = this.api.tryRead<NodeObject>(t, undefined, n.name);
    const labels = this.#labels(n);
    const build = (node: NodeObject) => {
      const userLabels = Object.fromEntries(Object.entries(node.metadata.labels ?? {}).filter(([k]) => !k.startsWith('node.kubernetes.io/microk8s-')));
      node.metadata.labels = { ...userLabels, ...labels };
      node.metadata.annotations = { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true', ...node.metadata.annotations };
      node.spec ??= {};
      if (health !== 'stale') {
        node.status = {
          capacity: capacity(n),
          allocatable: allocatable(n),
          conditions: this.#conditions(n, node.status?.conditions, health),
          addresses: [
            { type: 'InternalIP', address: n.internalIP },
            { type: 'Hostname', address: n.name },
          ],
          daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
          nodeInfo: {
            machineID: hex32(n.name),
            systemUUID: hex32(`${n.name}-uuid`),
            bootID: hex32(`${n.name}-boot-${n.bootCount ?? 1}`),
            kernelVersion: n.kernelVersion,
            osImage: n.osImage,
            containerRuntimeVersion: n.containerRuntimeVersion,
            kubeletVersion: n.kubeletVersion,
            kubeProxyVersion: n.kubeletVersion,
            operatingSystem: 'linux',
            architecture: n.architecture,
          },
        } as NodeObject['status'];
      }
      const taints = this.#noScheduleTaints(node, health, now);
      if (taints?.length) node.spec.taints = taints;
      else delete node.spec.taints;
    };
    if (!existing) {
      if (health === 'stale' || health === 'unknown') return; // a kubelet that never posted registers nothing
      const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: n.name }, spec: {} } as NodeObject;
      build(node);
      const created = this.api.create<NodeObject>(t, undefined, node, { fieldManager: 'kubelet' });
      this.events.record(created, 'Normal', 'Starting', '', { component: 'kube-proxy', host: n.name });
      this.events.record(created, 'Normal', 'RegisteredNode', `Node ${n.name} event: Registered Node ${n.name} in Controller`, NODE_CONTROLLER);
      return;
    }
    // The same Pi, health and stored node as the last look that changed nothing: nothing to write.
    const inputs = `${health}|${existing.metadata.resourceVersion}|${JSON.stringify(n)}`;
    if (this.#settled.get(n.name) === inputs) return;
    this.#settled.delete(n.name);
    const snapshot = (o: NodeObject) => JSON.stringify({ l: o.metadata.labels, s: o.spec, c: o.status?.conditions?.map((c) => [c.type, c.status, c.reason, c.message]), b: o.status?.nodeInfo?.bootID });
    const next = cloneJson(existing);
    build(next);
    if (snapshot(existing) === snapshot(next)) return void this.#settled.set(n.name, inputs);
    const wasReady = existing.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
    const rebooted = existing.status?.nodeInfo?.bootID !== next.status?.nodeInfo?.bootID;
    this.api.update(t, undefined, n.name, next, { fieldManager: 'kubelet' });
    this.api.update(t, undefined, n.name, { ...next, metadata: { ...next.metadata, resourceVersion: undefined } }, { subresource: 'status', fieldManager: health === 'unknown' ? 'kube-controller-manager' : 'kubelet' });
    if (wasReady && health !== 'ready' && health !== 'stale') {
      this.events.record(existing, 'Normal', 'NodeNotReady', `Node ${n.name} status is now: NodeNotReady`, NODE_CONTROLLER);
      this.#markPodsNotReady(n.name);
    } else if (!wasReady && health === 'ready') {
      const kubelet = { component: 'kubelet', host: n.name };
      if (rebooted) {
        this.events.record(existing, 'Normal', 'Starting', 'Starting kubelet.', kubelet);
        this.events.record(existing, 'Warning', 'Rebooted', `Node ${n.name} has been rebooted, boot id: ${next.status?.nodeInfo?.bootID}`, kubelet);
      }
      this.events.record(existing, 'Normal', 'NodeReady', `Node ${n.name} status is now: NodeReady`, kubelet);
    }
  }

  /** The kubelet's heartbeat: a Lease named after the node in kube-node-lease, renewed every 10 s. */
  #renewLease(name: string, now: number): void {
    const last = this.#leaseRenewed.get(name);
    const wall = this.clock.wallNow();
    if (last && (now - last.lab < 10_000 || wall - last.wall < 1_000)) return;
    const node = this.api.tryGet<NodeObject>(resourceForKind('Node'), undefined, name);
    if (!node) return;
    const t = resourceForKind('Lease');
    const renewTime = this.api.microTimestamp();
    try {
      if (this.api.tryGet(t, 'kube-node-lease', name)) {
        this.api.mutate('Lease', 'kube-node-lease', name, (l) => {
          (l.spec as { renewTime?: string }).renewTime = renewTime;
        });
      } else {
        this.api.create(
          t,
          'kube-node-lease',
          {
            metadata: { name, namespace: 'kube-node-lease', ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid: node.metadata.uid! }] },
            spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime },
          },
          { fieldManager: 'kubelet' },
        );
      }
      this.#leaseRenewed.set(name, { lab: now, wall });
    } catch {
      // the namespace is being deleted, or the lease raced: next time
    }
  }

  /** MarkPodsNotReady: the Ready condition of every pod on the node turns False (container statuses stay). */
  #markPodsNotReady(nodeName: string): void {
    for (const pod of this.api.objects<Pod>('Pod')) {
      if (pod.spec.nodeName !== nodeName) continue;
      const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
      if (!ready || ready.status === 'False') continue;
      const updated = this.api.mutate<Pod>(
        'Pod',
        pod.metadata.namespace,
        pod.metadata.name!,
        (p) => {
          for (const c of p.status?.conditions ?? []) {
            if (c.type === 'Ready') {
              c.status = 'False';
              c.lastTransitionTime = this.api.timestamp();
            }
          }
        },
        'status',
      );
      if (updated) this.events.record(updated, 'Warning', 'NodeNotReady', 'Node is not ready', NODE_CONTROLLER);
    }
  }

  /** ComputeZoneState over the lab's single zone, and upstream's reaction to a change. */
  #handleDisruption(now: number): void {
    const nodes = this.api.objects<NodeObject>('Node');
    const notReady = nodes.filter((n) => n.status?.conditions?.find((c) => c.type === 'Ready')?.status !== 'True').length;
    const ready = nodes.length - notReady;
    const state: ZoneState = ready === 0 && notReady > 0 ? 'FullDisruption' : notReady > 2 && notReady / nodes.length >= 0.55 ? 'PartialDisruption' : 'Normal';
    const was = this.#zoneState;
    if (state === was) return;
    this.#zoneState = state;
    if (state === 'FullDisruption') {
      this.log.push('Controller detected that all Nodes are not-Ready. Entering master disruption mode');
      for (const node of nodes) this.#removeNoExecuteTaints(node.metadata.name!);
    } else if (was === 'FullDisruption') {
      this.log.push('Controller detected that some Nodes are Ready. Exiting master disruption mode');
      // Tainting starts over: not-ready nodes get another grace period before their NoExecute taint.
      for (const name of this.#noScheduleAt.keys()) this.#noScheduleAt.set(name, now);
      for (const node of nodes) this.#lastPosted.set(node.metadata.name!, Math.max(this.#lastPosted.get(node.metadata.name!) ?? now, now - NODE_MONITOR_GRACE_MS));
    }
  }

  #removeNoExecuteTaints(name: string): void {
    this.#noExecuteAt.delete(name);
    this.api.mutate<NodeObject>('Node', undefined, name, (n) => {
      const rest = (n.spec.taints ?? []).filter((t) => !(t.effect === 'NoExecute' && (t.key === UNREACHABLE || t.key === NOT_READY)));
      if (rest.length) n.spec.taints = rest;
      else delete n.spec.taints;
    });
  }

  /** doNoExecuteTaintingPass: a not-ready node gets its NoExecute taint a monitor period after the NoSchedule one. */
  #noExecuteTaintingPass(now: number): void {
    if (this.#zoneState !== 'Normal') return; // full disruption: none; partial disruption in a small cluster: rate 0
    for (const node of this.api.objects<NodeObject>('Node')) {
      const name = node.metadata.name!;
      const ready = node.status?.conditions?.find((c) => c.type === 'Ready')?.status;
      if (ready === 'True' || ready === undefined) continue;
      const key = ready === 'Unknown' ? UNREACHABLE : NOT_READY;
      const other = key === UNREACHABLE ? NOT_READY : UNREACHABLE;
      const taints = node.spec.taints ?? [];
      if (taints.some((t) => t.key === key && t.effect === 'NoExecute') && !taints.some((t) => t.key === other && t.effect === 'NoExecute')) continue;
      const since = this.#noScheduleAt.get(name);
      if (since === undefined || now - since < NODE_MONITOR_PERIOD_MS) continue; // the next monitor pass
      this.api.mutate<NodeObject>('Node', undefined, name, (n) => {
        // The two NoExecute condition taints are swapped, never both.
        const rest = (n.spec.taints ?? []).filter((t) => !(t.effect === 'NoExecute' && (t.key === UNREACHABLE || t.key === NOT_READY)));
        n.spec.taints = [...rest, { key, effect: 'NoExecute', timeAdded: this.api.timestamp() }];
      });
      this.#noExecuteAt.set(name, now);
    }
  }

  /** The taint-eviction controller. */
  #syncEvictions(now: number): void {
    const nodes = new Map(this.api.objects<NodeObject>('Node').map((n) => [n.metadata.name!, n]));
    const live = new Set<string>();
    for (const pod of this.api.objects<Pod>('Pod')) {
      if (!pod.spec.nodeName || pod.metadata.deletionTimestamp) continue;
      const node = nodes.get(pod.spec.nodeName);
      const taints = (node?.spec.taints ?? []).filter((x) => x.effect === 'NoExecute');
      if (!taints.length) continue;
      const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
      const tolerations = pod.spec.tolerations ?? [];
      const used: Toleration[] = [];
      let all = true;
      for (const taint of taints) {
        const match = tolerations.filter((tol) => toleratesTaint(tol, taint));
        if (!match.length) all = false;
        used.push(...match);
      }
      let delayMs: number;
      if (!all) delayMs = 0;
      else {
        const seconds = used.map((t) => t.tolerationSeconds).filter((s): s is number => s !== undefined && s !== null);
        if (!seconds.length) continue; // tolerated forever
        delayMs = Math.max(0, Math.min(...seconds)) * 1000;
      }
      live.add(key);
      const existing = this.#evictions.get(key);
      const same = existing !== undefined && existing.uid === pod.metadata.uid;
      if (same && existing.from + delayMs >= existing.fireAt) continue;
      existing?.timer.cancel();
      const from = same ? existing.from : Math.min(now, this.#noExecuteAt.get(pod.spec.nodeName) ?? now);
      const fireAt = from + delayMs;
      const uid = pod.metadata.uid!;
      const timer = this.clock.after(Math.max(0, fireAt - now), () => this.#evict(key, uid));
      this.#evictions.set(key, { uid, from, fireAt, timer });
    }
    for (const [key, e] of this.#evictions) {
      if (live.has(key)) continue;
      e.timer.cancel();
      this.#evictions.delete(key);
      const [namespace, name] = [key.slice(0, key.indexOf('/')), key.slice(key.indexOf('/') + 1)];
      const pod = this.api.tryGet<Pod>(resourceForKind('Pod'), namespace, name);
      if (pod && pod.metadata.uid === e.uid && !pod.metadata.deletionTimestamp) {
        this.events.record(pod, 'Normal', 'TaintManagerEviction', `Cancelling deletion of Pod ${key}`, TAINT_EVICTION);
      }
    }
  }

  #evict(key: string, uid: string): void {
    const e = this.#evictions.get(key);
    if (e?.uid === uid) this.#evictions.delete(key);
    if (this.#frozen) return;
    const namespace = key.slice(0, key.indexOf('/'));
    const name = key.slice(key.indexOf('/') + 1);
    const podType = resourceForKind('Pod');
    const current = this.api.tryGet<Pod>(podType, namespace, name);
    if (!current || current.metadata.uid !== uid || current.metadata.deletionTimestamp) return;
    this.events.record(current, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${key}`, TAINT_EVICTION);
    this.api.mutate<Pod>(
      'Pod',
      namespace,
      name,
      (p) => {
        const now = this.api.timestamp();
        p.status ??= {};
        const conditions = (p.status.conditions ?? []).filter((c) => c.type !== 'DisruptionTarget');
        conditions.push({ type: 'DisruptionTarget', status: 'True', reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint', lastProbeTime: null, lastTransitionTime: now });
        p.status.conditions = conditions;
      },
      'status',
    );
    try {
      this.api.delete(podType, namespace, name, { preconditions: { uid } });
    } catch {
      // gone meanwhile
    }
  }
}

const hex32Cache = new Map<string, string>();

/** Machine/system/boot ids from the node's name (memoised: every monitor period rebuilds every node's status). */
function hex32(seed: string): string {
  let hex = hex32Cache.get(seed);
  if (hex === undefined) {
    hex = createHash('sha256').update(seed).digest('hex').slice(0, 32);
    if (hex32Cache.size > 10_000) hex32Cache.clear();
    hex32Cache.set(seed, hex);
  }
  return hex;
}
