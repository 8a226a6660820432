/**
 * kube-scheduler for the lab: binds pending pods to Ready, schedulable nodes. Filters, in
 * upstream's order: NodeUnschedulable, TaintToleration, NodeAffinity (nodeSelector),
 * NodeResourcesFit (requests vs allocatable, pod count), InterPodAffinity (required
 * podAntiAffinity, both the pod's own and existing pods'). Scores preferred anti-affinity and
 * spreads by pod count. Unschedulable pods get upstream's FailedScheduling text.
 */
import type { KubeApi } from '../api/kube-api';
import { milliCpu, parseQuantity } from '../api/quantity';
import { resourceForKind } from '../api/resource-registry';
import { selectorMatches } from '../api/selectors';
import type { NodeObject, Pod, PodAffinityTerm } from '../api/types';
import type { EventRecorder } from './event-recorder';
import { podRequests } from './pod-util';
import { WorkQueue, objectKey, splitKey } from './work-queue';
import type { LabClock } from '../../lab-clock';

interface Verdict {
  reasons: string[];
  /** Preemption cannot help (UnschedulableAndUnresolvable). */
  unresolvable: boolean;
}

function termMatches(term: PodAffinityTerm, owner: Pod, other: Pod): boolean {
  const namespaces = term.namespaces?.length ? term.namespaces : [owner.metadata.namespace];
  return namespaces.includes(other.metadata.namespace) && selectorMatches(term.labelSelector ?? {}, other.metadata.labels);
}

function sameTopology(term: PodAffinityTerm, a: NodeObject, b: NodeObject | undefined): boolean {
  const key = term.topologyKey;
  const va = a.metadata.labels?.[key];
  return !!b && va !== undefined && va === b.metadata.labels?.[key];
}

function tolerates(pod: Pod, taint: { key: string; value?: string; effect: string }): boolean {
  return (pod.spec.tolerations ?? []).some(
    (t) => (t.operator === 'Exists' ? !t.key || t.key === taint.key : t.key === taint.key && (t.value ?? '') === (taint.value ?? '')) && (!t.effect || t.effect === taint.effect),
  );
}

interface NodeSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';
  values?: string[];
}

function requirementMatches(r: NodeSelectorRequirement, value: string | undefined): boolean {
  switch (r.operator) {
    case 'In':
      return value !== undefined && (r.values ?? []).includes(value);
    case 'NotIn':
      return value === undefined || !(r.values ?? []).includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
      return value !== undefined && Number(value) > Number(r.values?.[0]);
    case 'Lt':
      return value !== undefined && Number(value) < Number(r.values?.[0]);
  }
  return false;
}

/** Required node affinity: any term matches, each term's expressions (labels) and fields (metadata.name) all match. */
function nodeAffinityMatches(pod: Pod, node: NodeObject): boolean {
  const required = (pod.spec.affinity?.nodeAffinity as { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: { matchExpressions?: NodeSelectorRequirement[]; matchFields?: NodeSelectorRequirement[] }[] } } | undefined)
    ?.requiredDuringSchedulingIgnoredDuringExecution;
  if (!required) return true;
  return (required.nodeSelectorTerms ?? []).some(
    (term) =>
      (term.matchExpressions?.length || term.matchFields?.length) &&
      (term.matchExpressions ?? []).every((r) => requirementMatches(r, node.metadata.labels?.[r.key])) &&
      (term.matchFields ?? []).every((r) => requirementMatches(r, r.key === 'metadata.name' ? node.metadata.name : undefined)),
  );
}

interface NodeUsage {
  all: number;
  active: number;
  cpu: number;
  memory: number;
}

interface Placement {
  uid: string | undefined;
  node: string;
  active: boolean;
  cpu: number;
  memory: number;
  antiAffinity: boolean;
}

export class Scheduler {
  readonly queue: WorkQueue;
  #unsubscribe: (() => void)[] = [];
  #lastMessage = new Map<string, string>();
  /** Whether every existing pod's required anti-affinity uses the hostname topology (set per scheduling attempt). */
  #existingTermsHostnameOnly = true;
  /**
   * The scheduler's cache of bound pods, kept from the store's events: per node, how many pods
   * (all, and not finished) and what the unfinished ones request. Filtering a pod then costs a
   * look-up per node instead of a pass over every pod in the cluster.
   */
  #placements = new Map<string, Placement>();
  #usage = new Map<string, NodeUsage>();
  /** Bound pods with pod anti-affinity terms: only then are the other pods looked at one by one. */
  #withAntiAffinity = 0;

  constructor(
    private readonly api: KubeApi,
    clock: LabClock,
    private readonly events: EventRecorder,
  ) {
    this.queue = new WorkQueue('scheduler', clock, (key) => this.#schedule(key));
  }

  start(): void {
    this.#unsubscribe.push(
      this.api.store.subscribe('core/pods', (e) => {
        const pod = e.object as Pod;
        this.#place(objectKey(pod.metadata.namespace, pod.metadata.name!), e.type === 'DELETED' ? undefined : pod);
        if (e.type !== 'DELETED' && !pod.spec.nodeName && !pod.metadata.deletionTimestamp) this.queue.add(objectKey(pod.metadata.namespace, pod.metadata.name!));
        else if (e.type === 'DELETED' || pod.metadata.deletionTimestamp) this.#retryPending();
      }),
      this.api.store.subscribe('core/nodes', () => this.#retryPending()),
    );
    for (const pod of this.api.objects<Pod>('Pod')) this.#place(objectKey(pod.metadata.namespace, pod.metadata.name!), pod);
    this.#retryPending();
  }

  /** Keep the bound-pod cache in step with a pod's new version (undefined: deleted). */
  #place(key: string, pod: Pod | undefined): void {
    const prev = this.#placements.get(key);
    if (prev) {
      this.#count(prev, -1);
      this.#placements.delete(key);
    }
    if (!pod?.spec.nodeName) return;
    const anti = pod.spec.affinity?.podAntiAffinity;
    const r = prev && prev.uid === pod.metadata.uid ? prev : podRequests(pod);
    const next: Placement = {
      uid: pod.metadata.uid,
      node: pod.spec.nodeName,
      active: pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed',
      cpu: r.cpu,
      memory: r.memory,
      antiAffinity: !!(anti?.requiredDuringSchedulingIgnoredDuringExecution?.length || anti?.preferredDuringSchedulingIgnoredDuringExecution?.length),
    };
    this.#count(next, 1);
    this.#placements.set(key, next);
  }

  #count(p: Placement, sign: 1 | -1): void {
    let u = this.#usage.get(p.node);
    if (!u) this.#usage.set(p.node, (u = { all: 0, active: 0, cpu: 0, memory: 0 }));
    u.all += sign;
    if (p.active) {
      u.active += sign;
      u.cpu += sign * p.cpu;
      u.memory += sign * p.memory;
    }
    if (p.antiAffinity) this.#withAntiAffinity += sign;
  }

  stop(): void {
    for (const u of this.#unsubscribe) u();
    this.queue.stop();
  }

  #retryPending(): void {
    for (const pod of this.api.objects<Pod>('Pod')) {
      if (!pod.spec.nodeName && !pod.metadata.deletionTimestamp) this.queue.add(objectKey(pod.metadata.namespace, pod.metadata.name!));
    }
  }

  #filter(pod: Pod, node: NodeObject, pods: readonly Pod[], byNode: Map<string, Pod[]>, nodes: Map<string, NodeObject>): Verdict {
    if (node.spec.unschedulable && !tolerates(pod, { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' })) return { reasons: ["node(s) were unschedulable"], unresolvable: true };
    for (const taint of node.spec.taints ?? []) {
      if (taint.effect !== 'NoSchedule' && taint.effect !== 'NoExecute') continue;
      const tolerated = (pod.spec.tolerations ?? []).some(
        (t) => (t.operator === 'Exists' ? !t.key || t.key === taint.key : t.key === taint.key && (t.value ?? '') === (taint.value ?? '')) && (!t.effect || t.effect === taint.effect),
      );
      if (!tolerated) return { reasons: [`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`], unresolvable: true };
    }
    for (const [k, v] of Object.entries(pod.spec.nodeSelector ?? {})) {
      if (node.metadata.labels?.[k] !== v) return { reasons: ["node(s) didn't match Pod's node affinity/selector"], unresolvable: true };
    }
    if (!nodeAffinityMatches(pod, node)) return { reasons: ["node(s) didn't match Pod's node affinity/selector"], unresolvable: true };
    const used = this.#usage.get(node.metadata.name!) ?? { all: 0, active: 0, cpu: 0, memory: 0 };
    const alloc = node.status?.allocatable ?? {};
    const reasons: string[] = [];
    if (used.active + 1 > parseQuantity(alloc.pods ?? '110')) reasons.push('Too many pods');
    const want = podRequests(pod);
    if (want.cpu > 0 && used.cpu + want.cpu > milliCpu(alloc.cpu)) reasons.push('Insufficient cpu');
    if (want.memory > 0 && used.memory + want.memory > parseQuantity(alloc.memory)) reasons.push('Insufficient memory');
    if (reasons.length) return { reasons, unresolvable: false };
    // Terminating pods still count for pod (anti-)affinity until they are gone. For the hostname
    // topology only the node's own pods can share it.
    const hostnameOnly = (terms: PodAffinityTerm[]) => terms.every((t) => t.topologyKey === 'kubernetes.io/hostname');
    const own = pod.spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
    const candidates = hostnameOnly(own) && this.#existingTermsHostnameOnly ? (byNode.get(node.metadata.name!) ?? []) : pods;
    const placed = candidates.filter((p) => p.spec.nodeName && p.metadata.uid !== pod.metadata.uid);
    for (const term of pod.spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []) {
      if (placed.some((p) => sameTopology(term, node, nodes.get(p.spec.nodeName!)) && termMatches(term, pod, p))) {
        return { reasons: ["node(s) didn't match pod anti-affinity rules"], unresolvable: false };
      }
    }
    for (const p of placed) {
      for (const term of p.spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []) {
        if (sameTopology(term, node, nodes.get(p.spec.nodeName!)) && termMatches(term, p, pod)) {
          return { reasons: ["node(s) didn't satisfy existing pods anti-affinity rules"], unresolvable: false };
        }
      }
    }
    return { reasons: [], unresolvable: false };
  }

  #score(pod: Pod, node: NodeObject, pods: readonly Pod[], byNode: Map<string, Pod[]>, nodes: Map<string, NodeObject>): number {
    let score = 0;
    const prefs = pod.spec.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
    const placed = prefs.length ? pods.filter((p) => p.spec.nodeName && p.metadata.uid !== pod.metadata.uid) : [];
    // As upstream's InterPodAffinity score: every existing pod matching a preferred anti-affinity
    // term in the node's topology domain (terminating ones included) takes the term's weight off.
    for (const pref of pod.spec.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []) {
      for (const p of placed) {
        if (sameTopology(pref.podAffinityTerm, node, nodes.get(p.spec.nodeName!)) && termMatches(pref.podAffinityTerm, pod, p)) score -= pref.weight * 100;
      }
    }
    return score - (this.#usage.get(node.metadata.name!)?.all ?? 0);
  }

  #schedule(key: string): void {
    const [namespace, name] = splitKey(key);
    const podType = resourceForKind('Pod');
    const pod = this.api.tryRead<Pod>(podType, namespace, name);
    if (!pod || pod.spec.nodeName || pod.metadata.deletionTimestamp) return;
    if ((pod.spec.schedulerName ?? 'default-scheduler') !== 'default-scheduler') return;
    const nodeList = this.api.objects<NodeObject>('Node');
    const nodes = new Map(nodeList.map((n) => [n.metadata.name!, n]));
    // Only pod anti-affinity (the pod's own terms or bound pods' terms) needs the pods one by one.
    const own = pod.spec.affinity?.podAntiAffinity;
    const perPod = this.#withAntiAffinity > 0 || !!own?.requiredDuringSchedulingIgnoredDuringExecution?.length || !!own?.preferredDuringSchedulingIgnoredDuringExecution?.length;
    const pods = perPod ? this.api.objects<Pod>('Pod') : [];
    const byNode = new Map<string, Pod[]>();
    this.#existingTermsHostnameOnly = true;
    for (const p of pods) {
      if (!p.spec.nodeName || p.metadata.uid === pod.metadata.uid) continue;
      const list = byNode.get(p.spec.nodeName);
      if (list) list.push(p);
      else byNode.set(p.spec.nodeName, [p]);
      for (const t of p.spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []) {
        if (t.topologyKey !== 'kubernetes.io/hostname') this.#existingTermsHostnameOnly = false;
      }
    }
    const feasible: NodeObject[] = [];
    const histogram = new Map<string, number>();
    let unresolvable = 0;
    for (const node of nodeList) {
      const v = this.#filter(pod, node, pods, byNode, nodes);
      if (!v.reasons.length) feasible.push(node);
      else {
        if (v.unresolvable) unresolvable++;
        for (const r of v.reasons) histogram.set(r, (histogram.get(r) ?? 0) + 1);
      }
    }
    if (!feasible.length) return this.#unschedulable(pod, nodeList.length, histogram, unresolvable);
    const best = feasible
      .map((n) => ({ n, s: this.#score(pod, n, pods, byNode, nodes) }))
      .sort((a, b) => b.s - a.s || a.n.metadata.name!.localeCompare(b.n.metadata.name!))[0]!.n;
    this.#lastMessage.delete(key);
    const bound = this.api.bind<Pod>(namespace!, name, best.metadata.name!, { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: this.api.timestamp() });
    if (!bound) return;
    this.events.record(bound, 'Normal', 'Scheduled', `Successfully assigned ${namespace}/${name} to ${best.metadata.name}`, { component: 'default-scheduler' });
  }

  #unschedulable(pod: Pod, total: number, histogram: Map<string, number>, unresolvable: number): void {
    const reasons = [...histogram].map(([r, n]) => `${n} ${r}`).sort();
    const resolvable = total - unresolvable;
    const preemption = [
      ...(unresolvable ? [`${unresolvable} Preemption is not helpful for scheduling`] : []),
      ...(resolvable ? [`${resolvable} No preemption victims found for incoming pod`] : []),
    ].sort();
    let message = `0/${total} nodes are available`;
    message += reasons.length ? `: ${reasons.join(', ')}.` : ':';
    message += total ? ` preemption: 0/${total} nodes are available: ${preemption.join(', ')}.` : '';
    if (total === 0) message = 'no nodes available to schedule pods';
    const key = objectKey(pod.metadata.namespace, pod.metadata.name!);
    if (this.#lastMessage.get(key) === message) return;
    this.#lastMessage.set(key, message);
    this.api.mutate<Pod>(
      'Pod',
      pod.metadata.namespace,
      pod.metadata.name!,
      (p) => {
        p.status = {
          ...p.status,
          phase: 'Pending',
          conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message, lastProbeTime: null, lastTransitionTime: this.api.timestamp() }],
        };
      },
      'status',
    );
    this.events.record(pod, 'Warning', 'FailedScheduling', message, { component: 'default-scheduler' });
  }
}
