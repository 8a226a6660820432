/**
 * Resource quota accounting (pkg/quota/v1/evaluator/core): what each object counts against
 * `pods`, `requests.cpu`, `limits.memory`, `services.nodeports`, `count/deployments.apps`, ...
 */
import type { KubeApi } from '../api/kube-api';
import { formatQuantity, milliCpu, parseQuantity } from '../api/quantity';
import { RESOURCES } from '../api/resource-registry';
import type { KubeObject, Pod, Service } from '../api/types';

/** Legacy object-count names and the kinds they count. */
const LEGACY_COUNTS: Record<string, string> = {
  pods: 'Pod',
  services: 'Service',
  configmaps: 'ConfigMap',
  secrets: 'Secret',
  resourcequotas: 'ResourceQuota',
};

function countKind(resource: string): string | undefined {
  if (LEGACY_COUNTS[resource]) return LEGACY_COUNTS[resource];
  const m = /^count\/([a-z0-9]+)(?:\.(.+))?$/.exec(resource);
  if (!m) return undefined;
  return RESOURCES.find((t) => t.plural === m[1] && t.group === (m[2] ?? '') && t.bucket === `${t.group || 'core'}/${t.plural}`)?.kind;
}

const terminal = (p: Pod) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';

/** The amount of `resource` one object uses (cpu in millicores, memory in bytes, counts as 1). */
export function usageOf(resource: string, kind: string, o: KubeObject): number {
  if (countKind(resource) === kind) return kind === 'Pod' && terminal(o as Pod) ? 0 : 1;
  if (kind === 'Pod') {
    const pod = o as Pod;
    if (terminal(pod)) return 0;
    const [which, res] = resource.includes('.') ? (resource.split('.') as ['requests' | 'limits', string]) : (['requests', resource] as const);
    if (res !== 'cpu' && res !== 'memory') return 0;
    return pod.spec.containers.reduce((n, c) => n + (res === 'cpu' ? milliCpu(c.resources?.[which]?.[res]) : parseQuantity(c.resources?.[which]?.[res])), 0);
  }
  if (kind === 'Service') {
    const s = o as Service;
    if (resource === 'services.nodeports') return s.spec.type === 'NodePort' || s.spec.type === 'LoadBalancer' ? (s.spec.ports ?? []).length : 0;
    if (resource === 'services.loadbalancers') return s.spec.type === 'LoadBalancer' ? 1 : 0;
  }
  return 0;
}

/** Is `resource` something objects of `kind` count against? */
export function tracks(resource: string, kind: string): boolean {
  if (countKind(resource) === kind) return true;
  if (kind === 'Pod') return /^(requests\.|limits\.)?(cpu|memory)$/.test(resource);
  return kind === 'Service' && (resource === 'services.nodeports' || resource === 'services.loadbalancers');
}

export function usedInNamespace(api: KubeApi, namespace: string, resource: string): number {
  const kinds = new Set<string>();
  for (const t of RESOURCES) if (!t.readOnly && tracks(resource, t.kind)) kinds.add(t.kind);
  let total = 0;
  for (const kind of kinds) for (const o of api.objects(kind, namespace)) total += usageOf(resource, kind, o);
  return total;
}

/** Quantity text as upstream prints it (cpu `500m`, memory `128Mi`, counts `2`). */
export function showQuantity(resource: string, value: number): string {
  if (/(^|\.)cpu$/.test(resource)) return formatQuantity(value / 1000, 'cpu');
  if (/(^|\.)memory$/.test(resource)) return formatQuantity(value, 'memory');
  return String(value);
}

/** `hard` values in the unit usageOf returns. */
export function hardValue(resource: string, q: string | number): number {
  return /(^|\.)cpu$/.test(resource) ? milliCpu(q) : parseQuantity(q);
}
