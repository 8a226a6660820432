/**
 * Resource names as kubectl resolves them through discovery (plural, singular, short name, kind,
 * `plural.group`), from the same table the lab API's discovery is made of.
 */
import type { ResourceType } from '../../kube/api/resource-registry';
import { RESOURCES, apiVersionOf } from '../../kube/api/resource-registry';
import { KubectlError } from './client';

/** Served types in kubectl's preference order (core first; the first version of a group wins). */
const PREFERRED = RESOURCES.filter((t, i) => RESOURCES.findIndex((o) => o.group === t.group && o.plural === t.plural) === i);

export function resolveType(arg: string): ResourceType {
  const lower = arg.toLowerCase();
  const [name, ...groupParts] = lower.split('.');
  const group = groupParts.length ? groupParts.slice(groupParts.length > 1 && /^v\d/.test(groupParts[0]!) ? 1 : 0).join('.') : undefined;
  const candidates = PREFERRED.filter((t) => group === undefined || t.group === group || (group === '' && t.group === ''));
  const t =
    candidates.find((x) => x.plural === name) ??
    candidates.find((x) => x.singular === name) ??
    candidates.find((x) => x.shortNames?.includes(name!)) ??
    candidates.find((x) => x.kind.toLowerCase() === name);
  if (!t) throw new KubectlError(`error: the server doesn't have a resource type "${arg}"`);
  return t;
}

/** `kubectl get all`: the types in the `all` category, in discovery order. */
export function allCategory(): ResourceType[] {
  return PREFERRED.filter((t) => t.categories?.includes('all'));
}

/** `deployment.apps`, `pod`: how kubectl names a type in `kind/name` output. */
export function kindPrefix(t: ResourceType): string {
  return t.group ? `${t.singular}.${t.group}` : t.singular;
}

/** `deployments.apps`, `pods`: the qualified resource in server error messages. */
export function qualifiedResource(t: ResourceType): string {
  return t.group ? `${t.plural}.${t.group}` : t.plural;
}

export function collectionPath(t: ResourceType, namespace: string | undefined): string {
  const base = t.group ? `/apis/${apiVersionOf(t)}` : '/api/v1';
  return t.namespaced && namespace ? `${base}/namespaces/${encodeURIComponent(namespace)}/${t.plural}` : `${base}/${t.plural}`;
}

export function objectPath(t: ResourceType, namespace: string | undefined, name: string, subresource?: string): string {
  return `${collectionPath(t, namespace)}/${encodeURIComponent(name)}${subresource ? `/${subresource}` : ''}`;
}

/** The type of a manifest's apiVersion/kind. */
export function typeOfManifest(apiVersion: string | undefined, kind: string | undefined): ResourceType | undefined {
  const [group, version] = (apiVersion ?? '').includes('/') ? (apiVersion as string).split('/') : ['', apiVersion];
  return RESOURCES.find((t) => t.group === group && t.version === version && t.kind === kind && t.bucket === `${t.group || 'core'}/${t.plural}`) ?? RESOURCES.find((t) => t.group === group && t.version === version && t.kind === kind);
}

/** `TYPE/NAME` or `TYPE NAME...` arguments into (type, names) pairs, as kubectl reads them. */
export function typeAndNames(args: string[]): { t: ResourceType; names: string[] }[] {
  if (!args.length) return [];
  if (args[0]!.includes('/')) {
    const out: { t: ResourceType; names: string[] }[] = [];
    for (const a of args) {
      const i = a.indexOf('/');
      if (i < 0) throw new KubectlError('error: there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. \'kubectl get resource/<resource_name>\' instead of \'kubectl get resource resource/<resource_name>\'');
      const t = resolveType(a.slice(0, i));
      const prev = out.find((x) => x.t === t);
      if (prev) prev.names.push(a.slice(i + 1));
      else out.push({ t, names: [a.slice(i + 1)] });
    }
    return out;
  }
  const [types, ...names] = args;
  if (types!.toLowerCase() === 'all') return allCategory().map((t) => ({ t, names }));
  return types!.split(',').flatMap((x) => (x.toLowerCase() === 'all' ? allCategory() : [resolveType(x)])).map((t) => ({ t, names }));
}
