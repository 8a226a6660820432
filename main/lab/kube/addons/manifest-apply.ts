/**
 * `kubectl apply -f` and `kubectl delete -f` of a multi-document manifest, in process, with
 * kubectl's output lines (`namespace/metallb-system created`, `... unchanged`, `... configured`,
 * `customresourcedefinition.apiextensions.k8s.io "x" deleted`) and error texts. MicroK8s' addon
 * scripts are sequences of these commands.
 */
import { parseAllDocuments } from 'yaml';
import type { KubeApi } from '../api/kube-api';
import type { ResourceType } from '../api/resource-registry';
import { StatusError } from '../api/status-errors';
import type { KubeObject } from '../api/types';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

export interface KubectlResult {
  /** stdout lines */
  lines: string[];
  /** stderr lines */
  errors: string[];
}

export function parseManifest(text: string): KubeObject[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => !!o && typeof o === 'object' && !!o.kind);
}

function typeOf(api: KubeApi, o: KubeObject): ResourceType | undefined {
  const [group, version] = (o.apiVersion ?? '').includes('/') ? (o.apiVersion as string).split('/') : ['', o.apiVersion ?? ''];
  return api.registry.all().find((t) => t.group === group && t.version === version && t.kind === o.kind && !t.readOnly);
}

/** kubectl's resource.group name (`deployment.apps`, `namespace`). */
export function kindName(t: ResourceType): string {
  return t.group ? `${t.kind.toLowerCase()}.${t.group}` : t.kind.toLowerCase();
}

function withoutStatus(o: KubeObject): KubeObject {
  const { status: _s, ...rest } = o;
  return rest as KubeObject;
}

/** Apply each object (create, or merge the new configuration over the live one). */
export function kubectlApply(api: KubeApi, objects: KubeObject[], source = 'STDIN'): KubectlResult {
  const out: KubectlResult = { lines: [], errors: [] };
  for (const raw of objects) {
    const t = typeOf(api, raw);
    const name = raw.metadata?.name ?? '';
    if (!t) {
      out.errors.push(`error: resource mapping not found for name: "${name}" namespace: "${raw.metadata?.namespace ?? ''}" from "${source}": no matches for kind "${raw.kind}" in version "${raw.apiVersion}"`, 'ensure CRDs are installed first');
      continue;
    }
    const namespace = t.namespaced ? (raw.metadata.namespace ?? 'default') : undefined;
    const config = withoutStatus(structuredClone(raw));
    const applied = JSON.stringify(config);
    const body: KubeObject = { ...config, metadata: { ...config.metadata, annotations: { ...config.metadata.annotations, [LAST_APPLIED]: applied + '\n' } } };
    try {
      const live = api.tryGet(t, namespace, name);
      if (!live) {
        api.create(t, namespace, body, { fieldManager: 'kubectl-client-side-apply' });
        out.lines.push(`${kindName(t)}/${name} created`);
      } else if (live.metadata.annotations?.[LAST_APPLIED]?.trim() === applied) {
        out.lines.push(`${kindName(t)}/${name} unchanged`);
      } else {
        api.patch(t, namespace, name, 'merge', body, { fieldManager: 'kubectl-client-side-apply' });
        out.lines.push(`${kindName(t)}/${name} configured`);
      }
    } catch (err) {
      if (!(err instanceof StatusError)) throw err;
      out.errors.push(`Error from server (${err.status.reason}): error when creating "${source}": ${err.message}`);
    }
  }
  return out;
}

/** Delete each object (kubectl delete -f): NotFound is an error, as kubectl reports it. */
export function kubectlDelete(api: KubeApi, objects: KubeObject[], source = 'STDIN'): KubectlResult {
  const out: KubectlResult = { lines: [], errors: [] };
  for (const o of objects) {
    const t = typeOf(api, o);
    const name = o.metadata?.name ?? '';
    if (!t) {
      out.errors.push(`error: resource mapping not found for name: "${name}" namespace: "${o.metadata?.namespace ?? ''}" from "${source}": no matches for kind "${o.kind}" in version "${o.apiVersion}"`, 'ensure CRDs are installed first');
      continue;
    }
    out.lines.push(...kubectlDeleteOne(api, t, t.namespaced ? (o.metadata.namespace ?? 'default') : undefined, name, source, out.errors));
  }
  return out;
}

export function kubectlDeleteOne(api: KubeApi, t: ResourceType, namespace: string | undefined, name: string, source: string | undefined, errors: string[]): string[] {
  try {
    api.delete(t, namespace, name, { propagationPolicy: 'Background' });
    return [`${kindName(t)} "${name}" deleted`];
  } catch (err) {
    if (!(err instanceof StatusError)) throw err;
    errors.push(`Error from server (${err.status.reason}): ${source ? `error when deleting "${source}": ` : ''}${err.message}`);
    return [];
  }
}
