/**
 * Nodes: mirrors the lab's Pis (LabClusterView) into Node objects as the kubelet registers and
 * reports them (MicroK8s labels, capacity/allocatable, conditions, addresses, nodeInfo), and runs
 * the node lifecycle controller: a Pi that stops reporting turns NotReady / Unknown after the
 * monitor grace period, gets the `node.kubernetes.io/unreachable` (or `not-ready`) NoSchedule and
 * NoExecute taints, and its pods are evicted when their toleration runs out (300 s by default).
 * Pods bound to nodes that no longer exist are removed (PodGC).
 */
import type { LabClock, LabTimer } from '../../lab-clock';
import type { LabClusterView, LabNodeInfo } from '../../lab-cluster';
import type { KubeApi } from '../api/kube-api';
import { resourceForKind } from '../api/resource-registry';
import type { Condition, NodeObject, Pod } from '../api/types';
import type { EventRecorder } from './event-recorder';

/** node-monitor-grace-period: how long a silent kubelet stays Ready. */
export const NODE_MONITOR_GRACE_MS = 40_000;

const UNREACHABLE = 'node.kubernetes.io/unreachable';
const NOT_READY = 'node.kubernetes.io/not-ready';

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

export class NodeController {
  #timers: LabTimer[] = [];
  /** When each node was last seen ready (lab ms), to apply the monitor grace period. */
  #lastReady = new Map<string, number>();
  #evictions = new Map<string, LabTimer>();
  readonly #onChange = () => this.syncAll();

  constructor(
    private readonly api: KubeApi,
    private readonly clock: LabClock,
    private readonly cluster: LabClusterView,
    private readonly events: EventRecorder,
  ) {}

  start(): void {
    this.cluster.on('change', this.#onChange);
    this.#timers.push(this.clock.every(5_000, () => this.syncAll()));
    this.syncAll();
  }

  stop(): void {
    this.cluster.off('change', this.#onChange);
    for (const t of this.#timers) t.cancel();
    for (const t of this.#evictions.values()) t.cancel();
  }

  syncAll(): void {
    const lab = this.cluster.nodes();
    const names = new Set(lab.map((n) => n.name));
    for (const n of lab) this.#syncNode(n);
    const nodeType = resourceForKind('Node');
    const removed = this.api.objects<NodeObject>('Node').filter((node) => !names.has(node.metadata.name!));
    for (const node of removed) this.api.delete(nodeType, undefined, node.metadata.name!);
    // PodGC: pods bound to nodes that are gone.
    if (removed.length) {
      for (const pod of this.api.objects<Pod>('Pod')) {
        if (pod.spec.nodeName && !names.has(pod.spec.nodeName)) this.api.forceRemove('Pod', pod.metadata.namespace, pod.metadata.name!);
      }
    }
    const tainted = this.api.objects<NodeObject>('Node').some((n) => n.spec?.taints?.some((t) => t.effect === 'NoExecute'));
    if (tainted || this.#evictions.size) this.#syncEvictions();
  }

  #conditions(n: LabNodeInfo, old: Condition[] | undefined, state: 'ready' | 'not-ready' | 'unknown'): Condition[] {
    const now = this.api.timestamp();
    const want: Condition[] =
      state === 'unknown'
        ? ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready'].map((type) => ({ type, status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' }))
        : [
            { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
            { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure' },
            { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available' },
            state === 'ready'
              ? { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }
              : { type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: n.notReadyReason ?? 'container runtime network not ready' },
          ];
    return want.map((c) => {
      const prev = old?.find((o) => o.type === c.type);
      const changed = !prev || prev.status !== c.status;
      return {
        ...c,
        lastHeartbeatTime: state === 'unknown' ? (prev?.lastHeartbeatTime ?? now) : now,
        lastTransitionTime: changed ? now : prev!.lastTransitionTime,
      };
    });
  }

  #syncNode(n: LabNodeInfo): void {
    const t = resourceForKind('Node');
    const now = this.clock.now();
    if (n.ready) this.#lastReady.set(n.name, now);
    const silentFor = now - (this.#lastReady.get(n.name) ?? n.joinedAt);
    const state = n.ready ? 'ready' : n.notReadyReason ? 'not-ready' : silentFor >= NODE_MONITOR_GRACE_MS ? 'unknown' : 'ready';
    if (!n.ready && !n.notReadyReason && state === 'ready') this.clock.after(NODE_MONITOR_GRACE_MS - silentFor + 10, () => this.syncAll());
    const existing = this.api.tryGet<NodeObject>(t, undefined, n.name);
    const roleLabel: Record<string, string> = n.role === 'control-plane' ? { 'node.kubernetes.io/microk8s-controlplane': 'microk8s-controlplane' } : { 'node.kubernetes.io/microk8s-worker': 'microk8s-worker' };
    const labels = {
      'beta.kubernetes.io/arch': n.architecture,
      'beta.kubernetes.io/os': 'linux',
      'kubernetes.io/arch': n.architecture,
      'kubernetes.io/hostname': n.name,
      'kubernetes.io/os': 'linux',
      'microk8s.io/cluster': 'true',
      ...roleLabel,
    };
    const taintKey = state === 'unknown' ? UNREACHABLE : state === 'not-ready' ? NOT_READY : undefined;
    const build = (node: NodeObject) => {
      const userLabels = Object.fromEntries(Object.entries(node.metadata.labels ?? {}).filter(([k]) => !k.startsWith('node.kubernetes.io/microk8s-')));
      node.metadata.labels = { ...userLabels, ...labels };
      node.metadata.annotations = { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true', ...node.metadata.annotations };
      const others = (node.spec?.taints ?? []).filter((x) => x.key !== UNREACHABLE && x.key !== NOT_READY);
      const prevTaints = (node.spec?.taints ?? []).filter((x) => x.key === taintKey);
      const taints = taintKey
        ? [
            ...others,
            ...(['NoSchedule', 'NoExecute'] as const).map((effect) => prevTaints.find((p) => p.effect === effect) ?? { key: taintKey, effect, timeAdded: this.api.timestamp() }),
          ]
        : others;
      node.spec = { ...node.spec, taints: taints.length ? taints : undefined };
      if (!taints.length) delete node.spec.taints;
      node.status = {
        capacity: capacity(n),
        allocatable: allocatable(n),
        conditions: this.#conditions(n, node.status?.conditions, state),
        addresses: [
          { type: 'InternalIP', address: n.internalIP },
          { type: 'Hostname', address: n.name },
        ],
        daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
        nodeInfo: {
          machineID: hex32(n.name),
          systemUUID: hex32(`${n.name}-uuid`),
          bootID: hex32(`${n.name}-boot`),
          kernelVersion: n.kernelVersion,
          osImage: n.osImage,
          containerRuntimeVersion: n.containerRuntimeVersion,
          kubeletVersion: n.kubeletVersion,
          kubeProxyVersion: n.kubeletVersion,
          operatingSystem: 'linux',
          architecture: n.architecture,
        },
      } as NodeObject['status'];
    };
    if (!existing) {
      const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: n.name }, spec: {} } as NodeObject;
      build(node);
      const created = this.api.create<NodeObject>(t, undefined, node, { fieldManager: 'kubelet' });
      this.events.record(created, 'Normal', 'Starting', '', { component: 'kube-proxy', host: n.name });
      this.events.record(created, 'Normal', 'RegisteredNode', `Node ${n.name} event: Registered Node ${n.name} in Controller`, { component: 'node-controller' });
      return;
    }
    const before = JSON.stringify({ l: existing.metadata.labels, s: existing.spec, c: existing.status?.conditions?.map((c) => [c.type, c.status]) });
    const next = structuredClone(existing);
    build(next);
    const after = JSON.stringify({ l: next.metadata.labels, s: next.spec, c: next.status?.conditions?.map((c) => [c.type, c.status]) });
    if (before === after) return;
    const wasReady = existing.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
    this.api.update(t, undefined, n.name, next, { fieldManager: 'kubelet' });
    this.api.update(t, undefined, n.name, { ...next, metadata: { ...next.metadata, resourceVersion: undefined } }, { subresource: 'status', fieldManager: 'kubelet' });
    if (wasReady && state !== 'ready') {
      this.events.record(existing, 'Normal', 'NodeNotReady', `Node ${n.name} status is now: NodeNotReady`, { component: 'node-controller' });
      this.#markPodsNotReady(n.name);
    } else if (!wasReady && state === 'ready') {
      this.events.record(existing, 'Normal', 'NodeReady', `Node ${n.name} status is now: NodeReady`, { component: 'kubelet', host: n.name });
    }
  }

  #markPodsNotReady(nodeName: string): void {
    for (const pod of this.api.objects<Pod>('Pod')) {
      if (pod.spec.nodeName !== nodeName) continue;
      this.api.mutate<Pod>(
        'Pod',
        pod.metadata.namespace,
        pod.metadata.name!,
        (p) => {
          for (const c of p.status?.conditions ?? []) {
            if (c.type === 'Ready' || c.type === 'ContainersReady') {
              c.status = 'False';
              c.lastTransitionTime = this.api.timestamp();
            }
          }
          for (const cs of p.status?.containerStatuses ?? []) cs.ready = false;
        },
        'status',
      );
    }
  }

  /** Taint-based eviction: pods on NoExecute-tainted nodes go when their toleration expires. */
  #syncEvictions(): void {
    const nodes = new Map(this.api.objects<NodeObject>('Node').map((n) => [n.metadata.name!, n]));
    const live = new Set<string>();
    for (const pod of this.api.objects<Pod>('Pod')) {
      const node = pod.spec.nodeName ? nodes.get(pod.spec.nodeName) : undefined;
      const taints = (node?.spec.taints ?? []).filter((x) => x.effect === 'NoExecute');
      if (!taints.length || pod.metadata.deletionTimestamp) continue;
      const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
      let waitMs = 0;
      let tolerated = true;
      for (const taint of taints) {
        const tol = (pod.spec.tolerations ?? []).find((x) => (x.key === taint.key || (!x.key && x.operator === 'Exists')) && (!x.effect || x.effect === 'NoExecute'));
        if (!tol) tolerated = false;
        else if (tol.tolerationSeconds !== undefined) {
          const added = taint.timeAdded ? Date.parse(taint.timeAdded) : this.clock.now();
          waitMs = Math.max(waitMs, added + tol.tolerationSeconds * 1000 - this.clock.now());
        } else waitMs = Infinity;
      }
      if (tolerated && waitMs === Infinity) continue;
      live.add(key);
      if (this.#evictions.has(key)) continue;
      const due = tolerated ? Math.max(0, waitMs) : 0;
      this.#evictions.set(
        key,
        this.clock.after(due, () => {
          this.#evictions.delete(key);
          const current = this.api.tryGet<Pod>(resourceForKind('Pod'), pod.metadata.namespace, pod.metadata.name!);
          if (!current || current.metadata.uid !== pod.metadata.uid || current.metadata.deletionTimestamp) return;
          this.events.record(current, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${key}`, { component: 'taint-eviction-controller' });
          this.api.delete(resourceForKind('Pod'), pod.metadata.namespace, pod.metadata.name!);
        }),
      );
    }
    for (const [key, timer] of this.#evictions) {
      if (!live.has(key)) {
        timer.cancel();
        this.#evictions.delete(key);
      }
    }
  }
}

function hex32(seed: string): string {
  let out = '';
  let h = 0x12345678;
  for (let i = 0; out.length < 32; i++) {
    h = Math.imul(h ^ seed.charCodeAt(i % seed.length), 2654435761) >>> 0;
    out += h.toString(16).padStart(8, '0');
  }
  return out.slice(0, 32);
}
