/**
 * API objects (plain JSON from list and watch) turned into the compact snapshots of
 * preload/contract/kube.ts: only what the lessons show, no client-node classes, nothing that
 * cannot cross the contract. Pods read as `kubectl get pods` prints them (pod-status.ts).
 */
import type {
  KubeDeploymentView,
  KubeEndpointsView,
  KubeEventView,
  KubeLimitRangeView,
  KubeNodeView,
  KubePodView,
  KubeReplicaSetView,
  KubeResourceQuotaView,
  KubeServiceView,
} from '../../preload/contract/kube';
import type { KubeObject, ObjectMeta } from './manifests';
import type { ContainerStatusJson, PodJson } from './pod-status';
import { podDisplayStatus } from './pod-status';
import { bytes, cpuMillicores, parseQuantity } from './quantity';

type Json = Record<string, unknown>;
type Condition = { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string; lastUpdateTime?: string };

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const int = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? Math.trunc(v) : 0);
const time = (v: unknown): string | undefined => (v instanceof Date ? v.toISOString().replace(/\.\d{3}Z$/, 'Z') : str(v));
const labelsOf = (m: ObjectMeta) => ({ ...(m.labels ?? {}) });

/** Drops undefined members so snapshots stay compact and `toEqual` ignores nothing. */
function compact<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

function conditions(list: unknown): Condition[] {
  if (!Array.isArray(list)) return [];
  return list.map((c: Json) =>
    compact({ type: String(c['type'] ?? ''), status: String(c['status'] ?? ''), reason: str(c['reason']), message: str(c['message']), lastTransitionTime: time(c['lastTransitionTime']), lastUpdateTime: time(c['lastUpdateTime']) }),
  );
}

function controller(m: ObjectMeta): KubePodView['owner'] {
  const o = m.ownerReferences?.find((r) => r.controller) ?? m.ownerReferences?.[0];
  return o ? { kind: o.kind, name: o.name, uid: o.uid } : undefined;
}

function templateImages(spec: unknown): string[] {
  const containers = ((spec as { template?: { spec?: { containers?: { image?: string }[] } } })?.template?.spec?.containers ?? []) as { image?: string }[];
  return containers.map((c) => c.image ?? '');
}

const revisionOf = (m: ObjectMeta): number | undefined => {
  const v = m.annotations?.['deployment.kubernetes.io/revision'];
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
};

// ---------------------------------------------------------------- nodes

export function nodeRoles(labels: Record<string, string>): string[] {
  const roles = new Set<string>();
  if (labels['node.kubernetes.io/microk8s-controlplane']) roles.add('control-plane');
  if (labels['node.kubernetes.io/microk8s-worker']) roles.add('worker');
  for (const k of Object.keys(labels)) if (k.startsWith('node-role.kubernetes.io/') && k.length > 24) roles.add(k.slice(24));
  if (labels['kubernetes.io/role']) roles.add(labels['kubernetes.io/role']);
  return [...roles].sort();
}

export function toNode(o: KubeObject): KubeNodeView {
  const spec = (o['spec'] ?? {}) as { unschedulable?: boolean; taints?: Json[] };
  const status = (o['status'] ?? {}) as { conditions?: Json[]; allocatable?: Json; addresses?: { type: string; address: string }[]; nodeInfo?: Json };
  const ready = conditions(status.conditions).find((c) => c.type === 'Ready');
  const readyStatus = ready?.status === 'True' || ready?.status === 'False' ? ready.status : 'Unknown';
  const addresses = (status.addresses ?? []).map((a) => ({ type: a.type, address: a.address }));
  return compact({
    name: o.metadata.name ?? '',
    uid: o.metadata.uid ?? '',
    ready: compact({ status: readyStatus, reason: ready?.reason, message: ready?.message, since: ready?.lastTransitionTime }),
    roles: nodeRoles(o.metadata.labels ?? {}),
    allocatable: {
      cpuMillicores: cpuMillicores(status.allocatable?.['cpu']) ?? 0,
      memoryBytes: bytes(status.allocatable?.['memory']) ?? 0,
      pods: Math.trunc(Number(status.allocatable?.['pods'] ?? 0)) || 0,
    },
    taints: (spec.taints ?? []).map((t) => compact({ key: String(t['key'] ?? ''), value: str(t['value']), effect: String(t['effect'] ?? ''), timeAdded: time(t['timeAdded']) })),
    unschedulable: spec.unschedulable === true,
    addresses,
    internalIP: addresses.find((a) => a.type === 'InternalIP')?.address,
    kubeletVersion: str(status.nodeInfo?.['kubeletVersion']),
    architecture: str(status.nodeInfo?.['architecture']),
    labels: labelsOf(o.metadata),
    createdAt: time(o.metadata.creationTimestamp) ?? '',
  });
}

// ---------------------------------------------------------------- pods

function container(spec: { name: string; image?: string }, s: ContainerStatusJson | undefined): KubePodView['containers'][number] {
  const st = s?.state;
  const state = st?.running ? 'running' : st?.waiting ? 'waiting' : st?.terminated ? 'terminated' : 'unknown';
  return compact({
    name: spec.name,
    image: spec.image ?? s?.image ?? '',
    ready: s?.ready === true,
    restartCount: int(s?.restartCount),
    state,
    reason: str(st?.waiting?.reason ?? st?.terminated?.reason),
    message: str(st?.waiting?.message ?? st?.terminated?.message),
    startedAt: time(st?.running?.startedAt ?? st?.terminated?.startedAt),
  });
}

type Resources = { requests?: Record<string, unknown>; limits?: Record<string, unknown> };

/**
 * What a pod asks for, as the scheduler and a ResourceQuota count it: the sum over its
 * containers, or an init container's own value when that is larger (resourcehelper.PodRequests).
 * Undefined when no container sets any CPU or memory.
 */
export function podResources(spec: { containers?: { resources?: Resources }[]; initContainers?: { resources?: Resources; restartPolicy?: string }[] } | undefined): KubePodView['resources'] {
  const containers = spec?.containers ?? [];
  const inits = spec?.initContainers ?? [];
  let any = false;
  const sum = (list: readonly { resources?: Resources }[], which: 'requests' | 'limits') => {
    let cpu = 0;
    let memory = 0;
    for (const c of list) {
      const r = c.resources?.[which] ?? {};
      if (r['cpu'] !== undefined || r['memory'] !== undefined) any = true;
      cpu += cpuMillicores(r['cpu']) ?? 0;
      memory += bytes(r['memory']) ?? 0;
    }
    return { cpu, memory };
  };
  const total = (which: 'requests' | 'limits') => {
    const main = sum(containers, which);
    for (const init of inits) {
      const one = sum([init], which);
      main.cpu = Math.max(main.cpu, one.cpu);
      main.memory = Math.max(main.memory, one.memory);
    }
    return { cpuMillicores: main.cpu, memoryBytes: main.memory };
  };
  const requests = total('requests');
  const limits = total('limits');
  return any ? { requests, limits } : undefined;
}

export function toPod(o: KubeObject): KubePodView {
  const pod = o as unknown as PodJson & { metadata: ObjectMeta; spec?: { nominatedNodeName?: string }; status?: { podIP?: string; nominatedNodeName?: string } };
  const shown = podDisplayStatus(pod);
  const specs = pod.spec?.containers ?? [];
  const statuses = pod.status?.containerStatuses ?? [];
  return compact({
    name: o.metadata.name ?? '',
    namespace: o.metadata.namespace ?? '',
    uid: o.metadata.uid ?? '',
    phase: pod.status?.phase ?? 'Pending',
    status: shown.status,
    ready: { ready: shown.ready, total: shown.total },
    restarts: shown.restarts,
    lastRestartAt: time(shown.lastRestartAt),
    node: str(pod.spec?.nodeName),
    nominatedNode: str(pod.status?.nominatedNodeName),
    podIP: str(pod.status?.podIP),
    podTemplateHash: o.metadata.labels?.['pod-template-hash'],
    images: specs.map((c) => c.image ?? ''),
    labels: labelsOf(o.metadata),
    owner: controller(o.metadata),
    createdAt: time(o.metadata.creationTimestamp) ?? '',
    deletingAt: time(o.metadata.deletionTimestamp),
    conditions: conditions(pod.status?.conditions),
    containers: specs.map((c) => container(c, statuses.find((s) => s.name === c.name))),
    resources: podResources(pod.spec as Parameters<typeof podResources>[0]),
  });
}

// ---------------------------------------------------------------- workloads

export function toDeployment(o: KubeObject): KubeDeploymentView {
  const spec = (o['spec'] ?? {}) as { replicas?: number; paused?: boolean; selector?: { matchLabels?: Record<string, string> }; strategy?: { type?: string; rollingUpdate?: { maxSurge?: number | string; maxUnavailable?: number | string } } };
  const status = (o['status'] ?? {}) as Json;
  const strategyType = spec.strategy?.type ?? 'RollingUpdate';
  return compact({
    name: o.metadata.name ?? '',
    namespace: o.metadata.namespace ?? '',
    uid: o.metadata.uid ?? '',
    labels: labelsOf(o.metadata),
    replicas: spec.replicas ?? 1,
    status: { replicas: int(status['replicas']), updated: int(status['updatedReplicas']), ready: int(status['readyReplicas']), available: int(status['availableReplicas']), unavailable: int(status['unavailableReplicas']) },
    generation: int(o.metadata.generation),
    observedGeneration: int(status['observedGeneration']),
    strategy: compact({ type: strategyType, maxSurge: strategyType === 'RollingUpdate' ? (spec.strategy?.rollingUpdate?.maxSurge ?? '25%') : undefined, maxUnavailable: strategyType === 'RollingUpdate' ? (spec.strategy?.rollingUpdate?.maxUnavailable ?? '25%') : undefined }),
    paused: spec.paused === true,
    images: templateImages(spec),
    revision: revisionOf(o.metadata),
    changeCause: o.metadata.annotations?.['kubernetes.io/change-cause'],
    selector: { ...(spec.selector?.matchLabels ?? {}) },
    conditions: conditions(status['conditions']),
    createdAt: time(o.metadata.creationTimestamp) ?? '',
  });
}

export function toReplicaSet(o: KubeObject): KubeReplicaSetView {
  const spec = (o['spec'] ?? {}) as { replicas?: number };
  const status = (o['status'] ?? {}) as Json;
  return compact({
    name: o.metadata.name ?? '',
    namespace: o.metadata.namespace ?? '',
    uid: o.metadata.uid ?? '',
    labels: labelsOf(o.metadata),
    hash: o.metadata.labels?.['pod-template-hash'],
    revision: revisionOf(o.metadata),
    desired: spec.replicas ?? 1,
    current: int(status['replicas']),
    ready: int(status['readyReplicas']),
    available: int(status['availableReplicas']),
    images: templateImages(spec),
    changeCause: o.metadata.annotations?.['kubernetes.io/change-cause'],
    owner: controller(o.metadata),
    createdAt: time(o.metadata.creationTimestamp) ?? '',
  });
}

// ---------------------------------------------------------------- services and endpoints

export function toService(o: KubeObject): KubeServiceView {
  const spec = (o['spec'] ?? {}) as { type?: string; clusterIP?: string; ports?: Json[]; externalIPs?: string[]; selector?: Record<string, string> };
  const status = (o['status'] ?? {}) as { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
  const type = spec.type ?? 'ClusterIP';
  const ingress = (status.loadBalancer?.ingress ?? []).map((i) => i.ip || i.hostname || '').filter(Boolean);
  return compact({
    name: o.metadata.name ?? '',
    namespace: o.metadata.namespace ?? '',
    uid: o.metadata.uid ?? '',
    labels: labelsOf(o.metadata),
    type,
    clusterIP: str(spec.clusterIP),
    ports: (spec.ports ?? []).map((p) =>
      compact({ name: str(p['name']), protocol: String(p['protocol'] ?? 'TCP'), port: int(p['port']), targetPort: (p['targetPort'] as number | string | undefined) ?? undefined, nodePort: typeof p['nodePort'] === 'number' ? p['nodePort'] : undefined }),
    ),
    externalIPs: [...(spec.externalIPs ?? [])],
    loadBalancer: { ingress, pending: type === 'LoadBalancer' && ingress.length === 0 && (spec.externalIPs ?? []).length === 0 },
    selector: { ...(spec.selector ?? {}) },
    createdAt: time(o.metadata.creationTimestamp) ?? '',
  });
}

interface SliceJson extends KubeObject {
  endpoints?: { addresses?: string[]; conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean }; targetRef?: { kind?: string; name?: string }; nodeName?: string }[];
  ports?: { name?: string; port?: number; protocol?: string }[];
}

/** The EndpointSlices of the namespace joined per Service (`kubernetes.io/service-name`). */
export function toEndpoints(slices: readonly KubeObject[]): KubeEndpointsView[] {
  const byService = new Map<string, KubeEndpointsView>();
  for (const s of slices as readonly SliceJson[]) {
    const service = s.metadata.labels?.['kubernetes.io/service-name'];
    if (!service) continue;
    const key = `${s.metadata.namespace}/${service}`;
    let view = byService.get(key);
    if (!view) byService.set(key, (view = { service, namespace: s.metadata.namespace ?? '', ports: [], ready: [], notReady: [] }));
    for (const p of s.ports ?? []) {
      if (!view.ports.some((q) => q.name === (p.name || undefined) && q.port === p.port)) view.ports.push(compact({ name: str(p.name), port: int(p.port), protocol: p.protocol ?? 'TCP' }));
    }
    for (const e of s.endpoints ?? []) {
      const ready = e.conditions?.ready !== false;
      for (const ip of e.addresses ?? []) {
        (ready ? view.ready : view.notReady).push(compact({ ip, pod: e.targetRef?.kind === 'Pod' ? e.targetRef.name : undefined, node: str(e.nodeName) }));
      }
    }
  }
  const views = [...byService.values()];
  for (const v of views) {
    v.ready.sort((a, b) => (a.pod ?? a.ip).localeCompare(b.pod ?? b.ip));
    v.notReady.sort((a, b) => (a.pod ?? a.ip).localeCompare(b.pod ?? b.ip));
  }
  return views.sort((a, b) => `${a.namespace}/${a.service}`.localeCompare(`${b.namespace}/${b.service}`));
}

// ---------------------------------------------------------------- events

export function toEvent(o: KubeObject): KubeEventView {
  const e = o as KubeObject & {
    type?: string;
    reason?: string;
    message?: string;
    involvedObject?: { kind?: string; name?: string; namespace?: string; uid?: string; fieldPath?: string };
    count?: number;
    firstTimestamp?: string;
    lastTimestamp?: string;
    eventTime?: string;
    series?: { count?: number; lastObservedTime?: string };
    source?: { component?: string; host?: string };
    reportingComponent?: string;
  };
  const inv = e.involvedObject ?? {};
  return {
    uid: o.metadata.uid ?? '',
    name: o.metadata.name ?? '',
    namespace: o.metadata.namespace ?? '',
    type: e.type ?? 'Normal',
    reason: e.reason ?? '',
    message: e.message ?? '',
    involved: compact({ kind: inv.kind ?? '', name: inv.name ?? '', namespace: str(inv.namespace), uid: str(inv.uid), fieldPath: str(inv.fieldPath) }),
    count: e.count ?? e.series?.count ?? 1,
    ...compact({ firstAt: time(e.firstTimestamp ?? e.eventTime ?? o.metadata.creationTimestamp), lastAt: time(e.series?.lastObservedTime ?? e.lastTimestamp ?? e.eventTime ?? o.metadata.creationTimestamp) }),
    source: compact({ component: str(e.source?.component ?? e.reportingComponent), host: str(e.source?.host) }),
  };
}

// ---------------------------------------------------------------- quotas and limit ranges

const quantities = (v: unknown): Record<string, string> => {
  const out: Record<string, string> = {};
  if (v && typeof v === 'object') for (const [k, q] of Object.entries(v as Json)) if (typeof q === 'string' || typeof q === 'number') out[k] = String(q);
  return out;
};

/** A ResourceQuota with its caps and what the quota controller counted, as numbers too (CPU in cores, memory in bytes). */
export function toResourceQuota(o: KubeObject): KubeResourceQuotaView {
  const spec = (o['spec'] ?? {}) as { hard?: Json; scopes?: string[] };
  const status = (o['status'] ?? {}) as { used?: Json };
  const hard = quantities(spec.hard);
  const used = quantities(status.used);
  const amounts: KubeResourceQuotaView['amounts'] = {};
  for (const [r, q] of Object.entries(hard)) {
    const h = parseQuantity(q);
    if (h === undefined) continue;
    const u = used[r] === undefined ? undefined : parseQuantity(used[r]);
    amounts[r] = u === undefined ? { hard: h } : { hard: h, used: u };
  }
  return {
    name: o.metadata.name ?? '',
    namespace: o.metadata.namespace ?? '',
    uid: o.metadata.uid ?? '',
    labels: labelsOf(o.metadata),
    hard,
    used,
    amounts,
    scopes: [...(spec.scopes ?? [])],
    createdAt: time(o.metadata.creationTimestamp) ?? '',
  };
}

export function toLimitRange(o: KubeObject): KubeLimitRangeView {
  const spec = (o['spec'] ?? {}) as { limits?: Json[] };
  return {
    name: o.metadata.name ?? '',
    namespace: o.metadata.namespace ?? '',
    uid: o.metadata.uid ?? '',
    labels: labelsOf(o.metadata),
    limits: (spec.limits ?? []).map((l) =>
      compact({
        type: String(l['type'] ?? ''),
        default: l['default'] ? quantities(l['default']) : undefined,
        defaultRequest: l['defaultRequest'] ? quantities(l['defaultRequest']) : undefined,
        max: l['max'] ? quantities(l['max']) : undefined,
        min: l['min'] ? quantities(l['min']) : undefined,
      }),
    ),
    createdAt: time(o.metadata.creationTimestamp) ?? '',
  };
}
