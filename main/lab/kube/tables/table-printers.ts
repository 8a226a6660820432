/**
 * Server-side printing (`Accept: application/json;as=Table;g=meta.k8s.io;v=v1`): the columns and
 * cell texts of upstream's pkg/printers/internalversion, which `kubectl get` shows verbatim.
 * Cells are computed for the wide form; kubectl hides priority-1 columns unless `-o wide`.
 */
import type { ResourceType } from '../api/resource-registry';
import { selectorToString } from '../api/selectors';
import type { Deployment, EventObject, KubeObject, NodeObject, Pod, ReplicaSet, Service } from '../api/types';
import { since } from './human-duration';
import type { Cell, Printer } from './more-printers';
import { MORE_PRINTERS, col, customPrinter } from './more-printers';
const NAME = col('Name', 'string', 0, 'name');
const AGE = col('Age');

function podStatusText(pod: Pod): string {
  let reason = pod.status?.reason ?? pod.status?.phase ?? '';
  let hasRunning = false;
  for (const cs of [...(pod.status?.containerStatuses ?? [])].reverse()) {
    const waiting = cs.state.waiting as { reason?: string } | undefined;
    const terminated = cs.state.terminated as { reason?: string; exitCode?: number; signal?: number } | undefined;
    if (waiting?.reason) reason = waiting.reason;
    else if (terminated?.reason) reason = terminated.reason;
    else if (terminated) reason = terminated.signal ? `Signal:${terminated.signal}` : `ExitCode:${terminated.exitCode ?? 0}`;
    else if (cs.state.running && cs.ready) hasRunning = true;
  }
  if (reason === 'Completed' && hasRunning) reason = 'Running';
  if (pod.metadata.deletionTimestamp) reason = pod.status?.reason === 'NodeLost' ? 'Unknown' : 'Terminating';
  return reason;
}

function containerNames(spec: { containers?: { name: string; image: string }[] } | undefined): [string, string] {
  const cs = spec?.containers ?? [];
  return [cs.map((c) => c.name).join(','), cs.map((c) => c.image).join(',')];
}

function nodeStatus(n: NodeObject): string {
  const ready = n.status?.conditions?.find((c) => c.type === 'Ready');
  const parts = [ready?.status === 'True' ? 'Ready' : ready ? 'NotReady' : 'Unknown'];
  if (n.spec?.unschedulable) parts.push('SchedulingDisabled');
  return parts.join(',');
}

function nodeRoles(n: NodeObject): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(n.metadata.labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) roles.add(k.slice('node-role.kubernetes.io/'.length));
    if (k === 'kubernetes.io/role') roles.add(v);
  }
  return roles.size ? [...roles].sort().join(',') : '<none>';
}

function servicePorts(s: Service): string {
  const ports = s.spec.ports ?? [];
  if (!ports.length) return '<none>';
  return ports.map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol ?? 'TCP'}` : `${p.port}/${p.protocol ?? 'TCP'}`)).join(',');
}

/** printers.go getServiceExternalIP (server-side printing is always wide: no truncation). */
function serviceExternalIP(s: Service): string {
  const external = (s.spec.externalIPs as string[] | undefined) ?? [];
  switch (s.spec.type ?? 'ClusterIP') {
    case 'ClusterIP':
    case 'NodePort':
      return external.length ? external.join(',') : '<none>';
    case 'LoadBalancer': {
      const ingress = ((s.status as { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } } | undefined)?.loadBalancer?.ingress ?? [])
        .map((i) => i.ip || i.hostname || '')
        .filter(Boolean);
      const all = [...ingress, ...external];
      return all.length ? all.join(',') : '<pending>';
    }
    case 'ExternalName':
      return String(s.spec.externalName ?? '');
  }
  return '<unknown>';
}

function endpointsText(o: KubeObject): string {
  const list: string[] = [];
  for (const sub of (o.subsets as { addresses?: { ip: string }[]; ports?: { port: number }[] }[] | undefined) ?? []) {
    for (const a of sub.addresses ?? []) for (const p of sub.ports?.length ? sub.ports : [undefined]) list.push(p ? `${a.ip}:${p.port}` : a.ip);
  }
  if (!list.length) return '<none>';
  return list.length > 3 ? `${list.slice(0, 3).join(',')} + ${list.length - 3} more...` : list.join(',');
}

/** events.k8s.io/v1 field names over the core/v1 ones (both print with the same columns). */
function asCoreEvent(o: KubeObject): EventObject {
  const v = o as EventObject & Record<string, unknown>;
  if (v.involvedObject) return v;
  return {
    ...v,
    involvedObject: (v.regarding ?? {}) as EventObject['involvedObject'],
    message: String(v.note ?? ''),
    count: v.deprecatedCount as number | undefined,
    source: v.deprecatedSource as EventObject['source'],
    firstTimestamp: v.deprecatedFirstTimestamp as string | undefined,
    lastTimestamp: v.deprecatedLastTimestamp as string | undefined,
    reportingComponent: v.reportingController as string | undefined,
  };
}

function eventCells(e: EventObject, now: number): Cell[] {
  const first = e.firstTimestamp ? since(e.firstTimestamp, now) : since(e.eventTime, now);
  const last = e.lastTimestamp ? since(e.lastTimestamp, now) : first;
  const target = e.involvedObject.name ? `${e.involvedObject.kind.toLowerCase()}/${e.involvedObject.name}` : e.involvedObject.kind.toLowerCase();
  const source = e.source?.component ? (e.source.host ? `${e.source.component}, ${e.source.host}` : e.source.component) : (e.reportingComponent ?? '');
  return [last, e.type, e.reason, target, e.involvedObject.fieldPath ?? '', source, e.message.trim(), first, e.count || 1, e.metadata.name ?? ''];
}

function quotaText(o: KubeObject): [string, string] {
  const status = (o.status ?? {}) as { hard?: Record<string, string>; used?: Record<string, string> };
  const req: string[] = [];
  const lim: string[] = [];
  for (const k of Object.keys(status.hard ?? {}).sort()) {
    const text = `${k}: ${status.used?.[k] ?? '0'}/${status.hard![k]}`;
    (k.startsWith('limits.') ? lim : req).push(text);
  }
  return [req.join(', '), lim.join(', ')];
}

function hpaTargets(o: KubeObject): string {
  const spec = o.spec as { metrics?: { type: string; resource?: { name: string; target: { type: string; averageUtilization?: number; averageValue?: string } } }[] };
  const status = o.status as { currentMetrics?: { resource?: { name: string; current: { averageUtilization?: number; averageValue?: string } } }[] } | undefined;
  const parts = (spec.metrics ?? []).map((m, i) => {
    const cur = status?.currentMetrics?.[i]?.resource?.current;
    if (m.resource?.target.type === 'Utilization') return `${m.resource.name}: ${cur?.averageUtilization !== undefined ? `${cur.averageUtilization}%` : '<unknown>'}/${m.resource.target.averageUtilization}%`;
    return `${m.resource?.name ?? m.type}: ${cur?.averageValue ?? '<unknown>'}/${m.resource?.target.averageValue ?? ''}`;
  });
  return parts.length ? parts.join(', ') : '<none>';
}

const PRINTERS: Record<string, Printer> = {
  Pod: {
    columns: [NAME, col('Ready'), col('Status'), col('Restarts', 'string'), AGE, col('IP', 'string', 1), col('Node', 'string', 1), col('Nominated Node', 'string', 1), col('Readiness Gates', 'string', 1)],
    cells(o, now) {
      const pod = o as Pod;
      const statuses = pod.status?.containerStatuses ?? [];
      const ready = statuses.filter((c) => c.ready).length;
      const restarts = statuses.reduce((n, c) => n + c.restartCount, 0);
      // printPod: "2 (5s ago)" from the latest lastState.terminated.finishedAt.
      const lastRestart = Math.max(0, ...statuses.map((c) => Date.parse(String((c.lastState?.terminated as { finishedAt?: string } | undefined)?.finishedAt ?? '')) || 0));
      const restartsText = restarts && lastRestart ? `${restarts} (${since(new Date(lastRestart).toISOString(), now)} ago)` : String(restarts);
      return [pod.metadata.name!, `${ready}/${pod.spec.containers.length}`, podStatusText(pod), restartsText, since(pod.metadata.creationTimestamp, now), pod.status?.podIP ?? '<none>', pod.spec.nodeName ?? '<none>', '<none>', '<none>'];
    },
  },
  Deployment: {
    columns: [NAME, col('Ready'), col('Up-to-date', 'integer'), col('Available', 'integer'), AGE, col('Containers', 'string', 1), col('Images', 'string', 1), col('Selector', 'string', 1)],
    cells(o, now) {
      const d = o as Deployment;
      const s = d.status ?? {};
      return [d.metadata.name!, `${s.readyReplicas ?? 0}/${d.spec.replicas ?? 0}`, s.updatedReplicas ?? 0, s.availableReplicas ?? 0, since(d.metadata.creationTimestamp, now), ...containerNames(d.spec.template.spec), selectorToString(d.spec.selector)];
    },
  },
  ReplicaSet: {
    columns: [NAME, col('Desired', 'integer'), col('Current', 'integer'), col('Ready', 'integer'), AGE, col('Containers', 'string', 1), col('Images', 'string', 1), col('Selector', 'string', 1)],
    cells(o, now) {
      const rs = o as ReplicaSet;
      const s = rs.status ?? {};
      return [rs.metadata.name!, rs.spec.replicas ?? 0, s.replicas ?? 0, s.readyReplicas ?? 0, since(rs.metadata.creationTimestamp, now), ...containerNames(rs.spec.template.spec), selectorToString(rs.spec.selector)];
    },
  },
  Node: {
    columns: [NAME, col('Status'), col('Roles'), AGE, col('Version'), col('Internal-IP', 'string', 1), col('External-IP', 'string', 1), col('OS-Image', 'string', 1), col('Kernel-Version', 'string', 1), col('Container-Runtime', 'string', 1)],
    cells(o, now) {
      const n = o as NodeObject;
      const addr = (type: string) => n.status?.addresses?.find((a) => a.type === type)?.address ?? '<none>';
      const info = n.status?.nodeInfo ?? {};
      return [n.metadata.name!, nodeStatus(n), nodeRoles(n), since(n.metadata.creationTimestamp, now), info.kubeletVersion ?? '', addr('InternalIP'), addr('ExternalIP'), info.osImage ?? '<unknown>', info.kernelVersion ?? '<unknown>', info.containerRuntimeVersion ?? '<unknown>'];
    },
  },
  Service: {
    columns: [NAME, col('Type'), col('Cluster-IP'), col('External-IP'), col('Port(s)'), AGE, col('Selector', 'string', 1)],
    cells(o, now) {
      const s = o as Service;
      const sel = s.spec.selector && Object.keys(s.spec.selector).length ? Object.entries(s.spec.selector).map(([k, v]) => `${k}=${v}`).join(',') : '<none>';
      return [s.metadata.name!, s.spec.type ?? 'ClusterIP', s.spec.clusterIP ?? '<none>', serviceExternalIP(s), servicePorts(s), since(s.metadata.creationTimestamp, now), sel];
    },
  },
  Endpoints: {
    columns: [NAME, col('Endpoints'), AGE],
    cells: (o, now) => [o.metadata.name!, endpointsText(o), since(o.metadata.creationTimestamp, now)],
  },
  Event: {
    columns: [col('Last Seen'), col('Type'), col('Reason'), col('Object'), col('Subobject', 'string', 1), col('Source', 'string', 1), col('Message'), col('First Seen', 'string', 1), col('Count', 'integer', 1), col('Name', 'string', 1, 'name')],
    cells: (o, now) => eventCells(asCoreEvent(o), now),
  },
  Namespace: {
    columns: [NAME, col('Status'), AGE],
    cells: (o, now) => [o.metadata.name!, (o.status as { phase?: string } | undefined)?.phase ?? '', since(o.metadata.creationTimestamp, now)],
  },
  ConfigMap: {
    columns: [NAME, col('Data', 'integer'), AGE],
    cells: (o, now) => [o.metadata.name!, Object.keys((o.data as object) ?? {}).length + Object.keys((o.binaryData as object) ?? {}).length, since(o.metadata.creationTimestamp, now)],
  },
  Secret: {
    columns: [NAME, col('Type'), col('Data', 'integer'), AGE],
    cells: (o, now) => [o.metadata.name!, String(o.type ?? 'Opaque'), Object.keys((o.data as object) ?? {}).length, since(o.metadata.creationTimestamp, now)],
  },
  ResourceQuota: {
    columns: [NAME, AGE, col('Request'), col('Limit')],
    cells: (o, now) => [o.metadata.name!, since(o.metadata.creationTimestamp, now), ...quotaText(o)],
  },
  HorizontalPodAutoscaler: {
    columns: [NAME, col('Reference'), col('Targets'), col('MinPods', 'string'), col('MaxPods', 'integer'), col('Replicas', 'integer'), AGE],
    cells(o, now) {
      const spec = o.spec as { scaleTargetRef: { kind: string; name: string }; minReplicas?: number; maxReplicas: number };
      const status = (o.status ?? {}) as { currentReplicas?: number };
      return [o.metadata.name!, `${spec.scaleTargetRef.kind}/${spec.scaleTargetRef.name}`, hpaTargets(o), String(spec.minReplicas ?? 1), spec.maxReplicas, status.currentReplicas ?? 0, since(o.metadata.creationTimestamp, now)];
    },
  },
  Lease: {
    columns: [NAME, col('Holder'), AGE],
    cells: (o, now) => [o.metadata.name!, String((o.spec as { holderIdentity?: string } | undefined)?.holderIdentity ?? ''), since(o.metadata.creationTimestamp, now)],
  },
  PodDisruptionBudget: {
    columns: [NAME, col('Min Available'), col('Max Unavailable'), col('Allowed Disruptions', 'integer'), AGE],
    cells(o, now) {
      const spec = (o.spec ?? {}) as { minAvailable?: number | string; maxUnavailable?: number | string };
      const status = (o.status ?? {}) as { disruptionsAllowed?: number };
      return [o.metadata.name!, spec.minAvailable !== undefined ? String(spec.minAvailable) : 'N/A', spec.maxUnavailable !== undefined ? String(spec.maxUnavailable) : 'N/A', status.disruptionsAllowed ?? 0, since(o.metadata.creationTimestamp, now)];
    },
  },
  EndpointSlice: {
    columns: [NAME, col('AddressType'), col('Ports'), col('Endpoints'), AGE],
    cells(o, now) {
      const ports = ((o.ports as { port?: number }[] | undefined) ?? []).map((p) => p.port).join(',') || '<unset>';
      const addrs = ((o.endpoints as { addresses: string[] }[] | undefined) ?? []).flatMap((e) => e.addresses);
      const eps = addrs.length ? (addrs.length > 3 ? `${addrs.slice(0, 3).join(',')} + ${addrs.length - 3} more...` : addrs.join(',')) : '<unset>';
      return [o.metadata.name!, String(o.addressType ?? 'IPv4'), ports, eps, since(o.metadata.creationTimestamp, now)];
    },
  },
};

const DEFAULT_PRINTER: Printer = {
  columns: [NAME, col('Created At', 'date')],
  cells: (o) => [o.metadata.name!, o.metadata.creationTimestamp ?? ''],
};

export type IncludeObject = 'None' | 'Metadata' | 'Object';

const customPrinters = new WeakMap<ResourceType, Printer>();

function printerFor(t: ResourceType | string): Printer {
  if (typeof t === 'string') return PRINTERS[t] ?? MORE_PRINTERS[t] ?? DEFAULT_PRINTER;
  if (t.custom) {
    let p = customPrinters.get(t);
    if (!p) customPrinters.set(t, (p = customPrinter(t.custom)));
    return p;
  }
  return PRINTERS[t.kind] ?? MORE_PRINTERS[t.kind] ?? DEFAULT_PRINTER;
}

/** A meta.k8s.io/v1 Table of `items` (of a resource type, or a built-in kind). events.k8s.io events print with the core printer after conversion by the caller. */
export function toTable(t: ResourceType | string, items: KubeObject[], now: number, resourceVersion: string, include: IncludeObject = 'Metadata'): object {
  const printer = printerFor(t);
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: printer.columns,
    rows: items.map((o) => ({
      cells: printer.cells(o, now),
      ...(include === 'None'
        ? {}
        : { object: include === 'Object' ? o : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata } }),
    })),
  };
}
