/**
 * OpenAPI documents: the `/openapi/v3` index of group-versions and per group-version documents
 * whose paths declare the `fieldValidation` query parameter (kubectl checks it before relying
 * on server-side field validation), plus a `/openapi/v2` document.
 */
import { hasRetainKeys, listStrategy } from '../patch/patch-schema';
import { arrayItemType, mapValueType, modelAttributes } from './client-models';
import type { ResourceType } from './resource-registry';
import { KUBE_VERSION } from './discovery';
import type { ResourceRegistry } from './resource-registry';
import { apiVersionOf } from './resource-registry';

function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

export function openApiV3Index(registry: ResourceRegistry): object {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const g of registry.groupVersions()) {
    for (const v of g.versions) {
      const p = gvPath(g.group, v);
      paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${hash(`${p}#${registry.generation}`)}` };
    }
  }
  return { paths };
}

function hash(s: string): string {
  let h = 0x811c9dc5;
  for (const c of s) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
  return h.toString(16).toUpperCase().padStart(8, '0').repeat(16);
}

function schemaName(t: ResourceType): string {
  if (t.custom) return `${t.group.split('.').reverse().join('.')}.${t.version}.${t.kind}`;
  return `io.k8s.api.${t.group ? t.group.split('.')[0] : 'core'}.${t.version}.${t.kind}`;
}


function join(path: string, field: string): string {
  return path ? `${path}.${field}` : field;
}

/** The schema of a client-node model type at `path`, with the strategic-merge extensions of its list fields. */
function typeSchema(type: string, format: string, path: string, seen: readonly string[] = []): Record<string, unknown> {
  const item = arrayItemType(type);
  if (item) {
    const schema: Record<string, unknown> = { type: 'array', items: typeSchema(item, '', `${path}[]`, seen) };
    const strategy = listStrategy(path);
    const retain = hasRetainKeys(path) ? ',retainKeys' : '';
    if (typeof strategy === 'object') {
      schema['x-kubernetes-patch-strategy'] = `merge${retain}`;
      schema['x-kubernetes-patch-merge-key'] = strategy.mergeKey;
    } else if (strategy === 'merge-primitive') schema['x-kubernetes-patch-strategy'] = 'merge';
    return schema;
  }
  const mapValue = mapValueType(type);
  if (mapValue) return { type: 'object', additionalProperties: typeSchema(mapValue, '', `${path}{}`, seen) };
  switch (type) {
    case 'string':
      return format === 'byte' ? { type: 'string', format: 'byte' } : { type: 'string' };
    case 'Date':
      return { type: 'string', format: 'date-time' };
    case 'number':
      return format === 'double' ? { type: 'number', format: 'double' } : { type: 'integer', format: format || 'int32' };
    case 'boolean':
      return { type: 'boolean' };
    case 'IntOrString':
      return { 'x-kubernetes-int-or-string': true };
    case 'any':
    case 'object':
      return { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  }
  const attrs = modelAttributes(type);
  // Recursive types (a CRD's JSONSchemaProps) are cut where they repeat.
  if (!attrs || seen.includes(type)) return { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  const properties: Record<string, unknown> = {};
  for (const a of attrs) properties[a.baseName] = typeSchema(a.type, a.format, join(path, a.baseName), [...seen, type]);
  const schema: Record<string, unknown> = { type: 'object', properties };
  if (hasRetainKeys(path)) schema['x-kubernetes-patch-strategy'] = 'retainKeys';
  return schema;
}

const gvk = (t: ResourceType) => [{ group: t.group, version: t.version, kind: t.kind }];

function param(name: string, description: string) {
  return { name, in: 'query', description, schema: { type: 'string', uniqueItems: true } };
}

const WRITE_PARAMS = [
  param('dryRun', 'When present, indicates that modifications should not be persisted.'),
  param('fieldManager', 'fieldManager is a name associated with the actor or entity that is making these changes.'),
  param('fieldValidation', 'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore - Warn - Strict'),
];

function operations(t: ResourceType, item: boolean): Record<string, object> {
  const ref = { $ref: `#/components/schemas/${schemaName(t)}` };
  const ext = { 'x-kubernetes-group-version-kind': gvk(t)[0] };
  const body = { content: { '*/*': { schema: ref } }, required: true };
  const ok = { responses: { '200': { description: 'OK', content: { 'application/json': { schema: ref } } } } };
  const ops: Record<string, object> = { get: { ...ok, ...ext, 'x-kubernetes-action': item ? 'get' : 'list' } };
  if (t.readOnly) return ops;
  if (item) {
    ops.put = { ...ok, ...ext, 'x-kubernetes-action': 'put', requestBody: body, parameters: WRITE_PARAMS };
    ops.patch = {
      ...ok,
      ...ext,
      'x-kubernetes-action': 'patch',
      requestBody: { content: { 'application/json-patch+json': {}, 'application/merge-patch+json': {}, 'application/strategic-merge-patch+json': {}, 'application/apply-patch+yaml': {} }, required: true },
      parameters: [...WRITE_PARAMS, param('force', 'Force is going to "force" Apply requests.')],
    };
    ops.delete = { ...ok, ...ext, 'x-kubernetes-action': 'delete' };
  } else {
    ops.post = { ...ok, ...ext, 'x-kubernetes-action': 'post', requestBody: body, parameters: WRITE_PARAMS };
  }
  return ops;
}

const documents = new Map<string, object | undefined>();
const customDocuments = new WeakMap<ResourceRegistry, { generation: number; documents: Map<string, object | undefined> }>();

/** The OpenAPI v3 document of one group-version (`api/v1`, `apis/apps/v1`), built once (custom groups once per registry change). */
export function openApiV3Document(registry: ResourceRegistry, gvPathText: string): object | undefined {
  const types = registry.all().filter((t) => gvPath(t.group, t.version) === gvPathText);
  if (types.some((t) => t.custom)) {
    let cache = customDocuments.get(registry);
    if (!cache || cache.generation !== registry.generation) customDocuments.set(registry, (cache = { generation: registry.generation, documents: new Map() }));
    if (!cache.documents.has(gvPathText)) cache.documents.set(gvPathText, buildV3Document(types, gvPathText));
    return cache.documents.get(gvPathText);
  }
  if (!documents.has(gvPathText)) documents.set(gvPathText, buildV3Document(types, gvPathText));
  return documents.get(gvPathText);
}

function buildV3Document(types: readonly ResourceType[], gvPathText: string): object | undefined {
  if (!types.length) return undefined;
  const paths: Record<string, object> = {};
  const schemas: Record<string, object> = {};
  for (const t of types) {
    const base = `/${gvPathText}${t.namespaced ? '/namespaces/{namespace}' : ''}/${t.plural}`;
    paths[base] = operations(t, false);
    paths[`${base}/{name}`] = operations(t, true);
    schemas[schemaName(t)] = {
      ...(t.custom?.schema ?? typeSchema(t.model ?? 'object', '', '')),
      description: `${t.kind} (${apiVersionOf(t)}) as served by the Pi Cluster Wizard practice lab.`,
      'x-kubernetes-group-version-kind': gvk(t),
    };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: KUBE_VERSION.gitVersion }, paths, components: { schemas } };
}

export function openApiV2(): object {
  return { swagger: '2.0', info: { title: 'Kubernetes', version: KUBE_VERSION.gitVersion }, paths: {}, definitions: {} };
}
