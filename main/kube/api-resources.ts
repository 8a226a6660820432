/**
 * Where an object of a given apiVersion and kind lives in the REST API (its plural and whether
 * it is namespaced), read from the server's discovery documents once per group-version, so
 * manifests of any kind the cluster serves can be applied, listed and deleted.
 */
import type { KubeConnection } from './kube-connection';
import { KubeError } from './kube-errors';

export interface ApiResource {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  verbs: string[];
}

interface ResourceListJson {
  resources?: { name: string; kind: string; namespaced: boolean; verbs?: string[] }[];
}

const caches = new WeakMap<KubeConnection, Map<string, Promise<ApiResource[]>>>();

export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.indexOf('/');
  return i < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

/** The resources of one group-version (`v1`, `apps/v1`); an empty list when the server does not serve it. */
export function groupVersionResources(conn: KubeConnection, apiVersion: string): Promise<ApiResource[]> {
  let cache = caches.get(conn);
  if (!cache) caches.set(conn, (cache = new Map()));
  let p = cache.get(apiVersion);
  if (!p) {
    const { group, version } = splitApiVersion(apiVersion);
    const path = group ? `/apis/${group}/${version}` : `/api/${version}`;
    p = conn
      .request<ResourceListJson>({ method: 'GET', path })
      .then((list) =>
        (list.resources ?? [])
          .filter((r) => !r.name.includes('/'))
          .map((r) => ({ group, version, kind: r.kind, plural: r.name, namespaced: r.namespaced, verbs: r.verbs ?? [] })),
      )
      .catch((err: unknown) => {
        cache!.delete(apiVersion);
        if (err instanceof KubeError && err.code === 'NOT_FOUND') return [];
        throw err;
      });
    cache.set(apiVersion, p);
  }
  return p;
}

/** The resource of a kind; UNSUPPORTED_KIND when the cluster does not serve it. */
export async function resourceFor(conn: KubeConnection, apiVersion: string, kind: string): Promise<ApiResource> {
  const found = (await groupVersionResources(conn, apiVersion)).find((r) => r.kind === kind);
  if (!found) throw new KubeError('UNSUPPORTED_KIND', `The cluster does not serve ${kind} in ${apiVersion}.`, { values: { apiVersion, kind } });
  return found;
}

/** `/apis/apps/v1/namespaces/default/deployments/nginx/scale` */
export function resourcePath(r: Pick<ApiResource, 'group' | 'version' | 'plural' | 'namespaced'>, namespace?: string, name?: string, subresource?: string): string {
  let p = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  if (r.namespaced && namespace) p += `/namespaces/${encodeURIComponent(namespace)}`;
  p += `/${r.plural}`;
  if (name) p += `/${encodeURIComponent(name)}`;
  if (subresource) p += `/${subresource}`;
  return p;
}

/** The well-known resources the library reads itself, without discovery. */
export const CORE = {
  nodes: { group: '', version: 'v1', plural: 'nodes', namespaced: false },
  namespaces: { group: '', version: 'v1', plural: 'namespaces', namespaced: false },
  pods: { group: '', version: 'v1', plural: 'pods', namespaced: true },
  services: { group: '', version: 'v1', plural: 'services', namespaced: true },
  events: { group: '', version: 'v1', plural: 'events', namespaced: true },
  deployments: { group: 'apps', version: 'v1', plural: 'deployments', namespaced: true },
  replicasets: { group: 'apps', version: 'v1', plural: 'replicasets', namespaced: true },
  endpointslices: { group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices', namespaced: true },
  resourcequotas: { group: '', version: 'v1', plural: 'resourcequotas', namespaced: true },
  configmaps: { group: '', version: 'v1', plural: 'configmaps', namespaced: true },
  secrets: { group: '', version: 'v1', plural: 'secrets', namespaced: true },
  limitranges: { group: '', version: 'v1', plural: 'limitranges', namespaced: true },
} as const;
