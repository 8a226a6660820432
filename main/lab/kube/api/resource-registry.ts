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
  /** Served from a CustomResourceDefinition: its schema and printer columns. */
  custom?: CustomResourceInfo;
}

/** What the API needs from a CustomResourceDefinition version it serves. */
export interface CustomResourceInfo {
  crd: string;
  /** openAPIV3Schema of the version. */
  schema?: Record<string, unknown>;
  printerColumns?: { name: string; type: string; jsonPath: string; format?: string; description?: string; priority?: number }[];
  /** The storage version (objects are kept in its shape; other versions differ only in apiVersion). */
  storage: boolean;
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
  r('', 'v1', 'Pod', 'pods', true, { shortNames: ['po'], categories: ['all'], subresources: ['status', 'log', 'binding', 'eviction', 'exec'], model: 'V1Pod' }),
  r('', 'v1', 'Service', 'services', true, { shortNames: ['svc'], categories: ['all'], subresources: ['status'], model: 'V1Service' }),
  r('', 'v1', 'Endpoints', 'endpoints', true, { shortNames: ['ep'], singular: 'endpoints', model: 'V1Endpoints' }),
  r('', 'v1', 'Event', 'events', true, { shortNames: ['ev'], model: 'CoreV1Event' }),
  r('', 'v1', 'ConfigMap', 'configmaps', true, { shortNames: ['cm'], model: 'V1ConfigMap' }),
  r('', 'v1', 'Secret', 'secrets', true, { model: 'V1Secret' }),
  r('', 'v1', 'ServiceAccount', 'serviceaccounts', true, { shortNames: ['sa'], subresources: ['token'], model: 'V1ServiceAccount' }),
  r('', 'v1', 'ResourceQuota', 'resourcequotas', true, { shortNames: ['quota'], subresources: ['status'], model: 'V1ResourceQuota' }),
  r('', 'v1', 'LimitRange', 'limitranges', true, { shortNames: ['limits'], model: 'V1LimitRange' }),
  r('', 'v1', 'PersistentVolumeClaim', 'persistentvolumeclaims', true, { shortNames: ['pvc'], subresources: ['status'], model: 'V1PersistentVolumeClaim' }),
  r('', 'v1', 'PersistentVolume', 'persistentvolumes', false, { shortNames: ['pv'], subresources: ['status'], model: 'V1PersistentVolume' }),
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
  r('apps', 'v1', 'DaemonSet', 'daemonsets', true, { model: 'V1DaemonSet', shortNames: ['ds'], categories: ['all'], subresources: ['status'], hasGeneration: true }),
  r('apps', 'v1', 'StatefulSet', 'statefulsets', true, { model: 'V1StatefulSet', shortNames: ['sts'], categories: ['all'], subresources: ['status', 'scale'], hasGeneration: true }),
  r('apps', 'v1', 'ControllerRevision', 'controllerrevisions', true, { model: 'V1ControllerRevision' }),
  r('batch', 'v1', 'Job', 'jobs', true, { model: 'V1Job', categories: ['all'], subresources: ['status'], hasGeneration: true }),
  r('batch', 'v1', 'CronJob', 'cronjobs', true, { model: 'V1CronJob', shortNames: ['cj'], categories: ['all'], subresources: ['status'], hasGeneration: true }),
  r('policy', 'v1', 'PodDisruptionBudget', 'poddisruptionbudgets', true, { model: 'V1PodDisruptionBudget', shortNames: ['pdb'], subresources: ['status'], hasGeneration: true }),
  r('rbac.authorization.k8s.io', 'v1', 'ClusterRole', 'clusterroles', false, { model: 'V1ClusterRole' }),
  r('rbac.authorization.k8s.io', 'v1', 'ClusterRoleBinding', 'clusterrolebindings', false, { model: 'V1ClusterRoleBinding' }),
  r('rbac.authorization.k8s.io', 'v1', 'Role', 'roles', true, { model: 'V1Role' }),
  r('rbac.authorization.k8s.io', 'v1', 'RoleBinding', 'rolebindings', true, { model: 'V1RoleBinding' }),
  r('networking.k8s.io', 'v1', 'Ingress', 'ingresses', true, { model: 'V1Ingress', shortNames: ['ing'], subresources: ['status'], hasGeneration: true }),
  r('networking.k8s.io', 'v1', 'IngressClass', 'ingressclasses', false, { model: 'V1IngressClass', hasGeneration: true }),
  r('networking.k8s.io', 'v1', 'NetworkPolicy', 'networkpolicies', true, { model: 'V1NetworkPolicy', shortNames: ['netpol'], hasGeneration: true }),
  r('scheduling.k8s.io', 'v1', 'PriorityClass', 'priorityclasses', false, { model: 'V1PriorityClass', shortNames: ['pc'] }),
  r('storage.k8s.io', 'v1', 'StorageClass', 'storageclasses', false, { model: 'V1StorageClass', shortNames: ['sc'] }),
  r('coordination.k8s.io', 'v1', 'Lease', 'leases', true, { model: 'V1Lease' }),
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
  r('apiextensions.k8s.io', 'v1', 'CustomResourceDefinition', 'customresourcedefinitions', false, { model: 'V1CustomResourceDefinition', shortNames: ['crd', 'crds'], categories: ['api-extensions'], subresources: ['status'], hasGeneration: true }),
  r('admissionregistration.k8s.io', 'v1', 'ValidatingWebhookConfiguration', 'validatingwebhookconfigurations', false, { model: 'V1ValidatingWebhookConfiguration', categories: ['api-extensions'], hasGeneration: true }),
  r('admissionregistration.k8s.io', 'v1', 'MutatingWebhookConfiguration', 'mutatingwebhookconfigurations', false, { model: 'V1MutatingWebhookConfiguration', categories: ['api-extensions'], hasGeneration: true }),
  r('apiregistration.k8s.io', 'v1', 'APIService', 'apiservices', false, { model: 'V1APIService', categories: ['api-extensions'], subresources: ['status'] }),
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

const BUILTIN_BY_KIND = new Map<string, ResourceType>();
for (const t of RESOURCES) if (t.bucket === `${t.group || 'core'}/${t.plural}` && !BUILTIN_BY_KIND.has(t.kind)) BUILTIN_BY_KIND.set(t.kind, t);

/** The storage (primary) type of a built-in kind, e.g. `Deployment` -> apps/v1 deployments. */
export function resourceForKind(kind: string): ResourceType {
  const t = BUILTIN_BY_KIND.get(kind);
  if (!t) throw new Error(`unknown kind ${kind}`);
  return t;
}

/** kube-aware version priority (v1 > v1beta2 > v1beta1 > v1alpha1 > other), as discovery sorts them. */
export function compareKubeVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [0, 0, 0];
    return [m[2] === undefined ? 3 : m[2] === 'beta' ? 2 : 1, Number(m[1]), Number(m[3] ?? 0)];
  };
  const [pa, pb] = [parse(a), parse(b)];
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pb[i]! - pa[i]!;
  return a.localeCompare(b);
}

/**
 * The resource types one lab API server serves right now: the built-in ones (aggregated groups
 * such as metrics.k8s.io only while their APIService is available) and those of the
 * CustomResourceDefinitions stored in it.
 */
export class ResourceRegistry {
  #custom = new Map<string, ResourceType[]>();
  #served = new Set<string>();
  #all: readonly ResourceType[] | undefined;
  /** Bumped on every change (OpenAPI documents are cached per generation). */
  generation = 0;

  /** Groups served by an aggregated API server (hidden until their APIService is available). */
  static readonly AGGREGATED = new Set(['metrics.k8s.io']);

  all(): readonly ResourceType[] {
    this.#all ??= [...RESOURCES.filter((t) => !ResourceRegistry.AGGREGATED.has(t.group) || this.#served.has(t.group)), ...[...this.#custom.values()].flat()];
    return this.#all;
  }

  #changed(): void {
    this.#all = undefined;
    this.generation++;
  }

  /** Serve (or stop serving) an aggregated group, as its APIService becomes (un)available. */
  setAggregatedServed(group: string, served: boolean): void {
    if (this.#served.has(group) === served) return;
    if (served) this.#served.add(group);
    else this.#served.delete(group);
    this.#changed();
  }

  isServed(group: string): boolean {
    return !ResourceRegistry.AGGREGATED.has(group) || this.#served.has(group);
  }

  /** Replace the types served for one CustomResourceDefinition (none: stop serving it). */
  setCustom(crdName: string, types: ResourceType[]): void {
    if (types.length) this.#custom.set(crdName, types);
    else if (!this.#custom.delete(crdName)) return;
    this.#changed();
  }

  find(group: string, version: string, plural: string): ResourceType | undefined {
    return this.all().find((t) => t.group === group && t.version === version && t.plural === plural);
  }

  /** The storage type of a kind (built-in, or of a served custom resource; `group` disambiguates). */
  forKind(kind: string, group?: string): ResourceType | undefined {
    if (group === undefined || group === BUILTIN_BY_KIND.get(kind)?.group) {
      const builtin = BUILTIN_BY_KIND.get(kind);
      if (builtin) return builtin;
    }
    return [...this.#custom.values()].flat().find((t) => t.kind === kind && (group === undefined || t.group === group) && t.custom?.storage);
  }

  /** Groups in discovery order with their versions (core '' first; custom groups' versions by priority). */
  groupVersions(): { group: string; versions: string[] }[] {
    const out: { group: string; versions: string[] }[] = [];
    for (const t of this.all()) {
      let g = out.find((x) => x.group === t.group);
      if (!g) out.push((g = { group: t.group, versions: [] }));
      if (!g.versions.includes(t.version)) g.versions.push(t.version);
    }
    for (const g of out) if (g.group.includes('.') && !RESOURCES.some((t) => t.group === g.group)) g.versions.sort(compareKubeVersions);
    return out;
  }
}
