/**
 * The resource types the lab API serves: where they live in the URL space, their kind, scope,
 * short names, verbs and subresources. Discovery, OpenAPI, routing and the store all read this table.
 */
export interface ResourceType {
  group: string; // '' = core
  version: string;
  kind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  subresources: string[];
  /** metadata.generation is bumped on spec changes. */
  hasGeneration: boolean;
  /** Store bucket; resources sharing a bucket are views of the same objects (core/events vs events.k8s.io). */
  bucket: string;
  /** Read-only views (metrics.k8s.io) are not writable. */
  readOnly?: boolean;
  /** The @kubernetes/client-node model class describing the kind (its OpenAPI schema source). */
  model?: string;
}

export const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
export const READ_VERBS = ['get', 'list'];

function r(
  group: string,
  version: string,
  kind: string,
  plural: string,
  namespaced: boolean,
  extra: Partial<ResourceType> = {},
): ResourceType {
  return {
    group,
    version,
    kind,
    plural,
    singular: kind.toLowerCase(),
    namespaced,
    subresources: [],
    hasGeneration: false,
    bucket: `${group || 'core'}/${plural}`,
    ...extra,
  };
}

export const RESOURCES: ResourceType[] = [
  r('', 'v1', 'Namespace', 'namespaces', false, { shortNames: ['ns'], subresources: ['status', 'finalize'], model: 'V1Namespace' }),
  r('', 'v1', 'Node', 'nodes', false, { shortNames: ['no'], subresources: ['status'], model: 'V1Node' }),
  r('', 'v1', 'Pod', 'pods', true, { shortNames: ['po'], categories: ['all'], subresources: ['status', 'log', 'binding', 'eviction'], model: 'V1Pod' }),
  r('', 'v1', 'Service', 'services', true, { shortNames: ['svc'], categories: ['all'], subresources: ['status'], model: 'V1Service' }),
  r('', 'v1', 'Endpoints', 'endpoints', true, { shortNames: ['ep'], singular: 'endpoints', model: 'V1Endpoints' }),
  r('', 'v1', 'Event', 'events', true, { shortNames: ['ev'], model: 'CoreV1Event' }),
  r('', 'v1', 'ConfigMap', 'configmaps', true, { shortNames: ['cm'], model: 'V1ConfigMap' }),
  r('', 'v1', 'Secret', 'secrets', true, { model: 'V1Secret' }),
  r('', 'v1', 'ResourceQuota', 'resourcequotas', true, { shortNames: ['quota'], subresources: ['status'], model: 'V1ResourceQuota' }),
  r('', 'v1', 'LimitRange', 'limitranges', true, { shortNames: ['limits'], model: 'V1LimitRange' }),
  r('apps', 'v1', 'Deployment', 'deployments', true, {
    model: 'V1Deployment',
    shortNames: ['deploy'],
    categories: ['all'],
    subresources: ['status', 'scale'],
    hasGeneration: true,
  }),
  r('apps', 'v1', 'ReplicaSet', 'replicasets', true, {
    model: 'V1ReplicaSet',
    shortNames: ['rs'],
    categories: ['all'],
    subresources: ['status', 'scale'],
    hasGeneration: true,
  }),
  r('coordination.k8s.io', 'v1', 'Lease', 'leases', true, { model: 'V1Lease' }),
  r('policy', 'v1', 'PodDisruptionBudget', 'poddisruptionbudgets', true, { shortNames: ['pdb'], subresources: ['status'], hasGeneration: true, model: 'V1PodDisruptionBudget' }),
  r('discovery.k8s.io', 'v1', 'EndpointSlice', 'endpointslices', true, { model: 'V1EndpointSlice' }),
  r('events.k8s.io', 'v1', 'Event', 'events', true, { shortNames: ['ev'], bucket: 'core/events', model: 'EventsV1Event' }),
  r('autoscaling', 'v2', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers', true, {
    model: 'V2HorizontalPodAutoscaler',
    shortNames: ['hpa'],
    categories: ['all'],
    subresources: ['status'],
    hasGeneration: true,
  }),
  r('autoscaling', 'v1', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers', true, {
    shortNames: ['hpa'],
    categories: ['all'],
    subresources: ['status'],
    hasGeneration: true,
    model: 'V1HorizontalPodAutoscaler',
  }),
  r('metrics.k8s.io', 'v1beta1', 'PodMetrics', 'pods', true, { readOnly: true, bucket: 'metrics/pods' }),
  r('metrics.k8s.io', 'v1beta1', 'NodeMetrics', 'nodes', false, { readOnly: true, bucket: 'metrics/nodes' }),
];

export function apiVersionOf(t: ResourceType): string {
  return t.group ? `${t.group}/${t.version}` : t.version;
}

/** `deployments.apps`, `pods`: the qualified resource name upstream uses in error messages. */
export function qualifiedName(t: ResourceType): string {
  return t.group ? `${t.plural}.${t.group}` : t.plural;
}

export function findResource(group: string, version: string, plural: string): ResourceType | undefined {
  return RESOURCES.find((t) => t.group === group && t.version === version && t.plural === plural);
}

/** The storage (primary) type for a kind, e.g. `Deployment` -> apps/v1 deployments. */
export function resourceForKind(kind: string): ResourceType {
  const t = RESOURCES.find((x) => x.kind === kind && x.bucket === `${x.group || 'core'}/${x.plural}`);
  if (!t) throw new Error(`unknown kind ${kind}`);
  return t;
}

/** Groups in discovery order with their versions (core '' first). */
export function groupVersions(): { group: string; versions: string[] }[] {
  const out: { group: string; versions: string[] }[] = [];
  for (const t of RESOURCES) {
    let g = out.find((x) => x.group === t.group);
    if (!g) out.push((g = { group: t.group, versions: [] }));
    if (!g.versions.includes(t.version)) g.versions.push(t.version);
  }
  return out;
}
