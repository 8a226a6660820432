/**
 * The objects the lessons apply: YAML text (one or many documents) or objects, checked, and
 * marked as the app's own with `app.kubernetes.io/managed-by: pi-cluster-wizard`. Workloads also
 * carry the label on their pod template, so every ReplicaSet and pod they create carries it too
 * and "Reset lessons" can list everything the lessons made with one label selector.
 */
import { parseAllDocuments } from 'yaml';
import { KubeError } from './kube-errors';

export const FIELD_MANAGER = 'pi-cluster-wizard';
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'pi-cluster-wizard';
export const MANAGED_BY_SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`;

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { apiVersion?: string; kind: string; name: string; uid: string; controller?: boolean }[];
  managedFields?: { manager?: string; operation?: string; apiVersion?: string; subresource?: string; fieldsV1?: unknown; time?: string }[];
  [k: string]: unknown;
}

/** An API object as JSON. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [k: string]: unknown;
}

/** Where each kind keeps the pod template its pods are made from. */
const TEMPLATE_PATHS: Record<string, string[][]> = {
  Deployment: [['spec', 'template']],
  ReplicaSet: [['spec', 'template']],
  StatefulSet: [['spec', 'template']],
  DaemonSet: [['spec', 'template']],
  Job: [['spec', 'template']],
  CronJob: [['spec', 'jobTemplate'], ['spec', 'jobTemplate', 'spec', 'template']],
};

function invalid(index: number, message: string): KubeError {
  return new KubeError('INVALID_MANIFEST', message, { values: { document: index + 1 } });
}

/** Checks one object: apiVersion, kind and metadata.name are required. */
export function checkObject(o: unknown, index = 0): KubeObject {
  if (o === null || typeof o !== 'object' || Array.isArray(o)) throw invalid(index, `Document ${index + 1} is not a Kubernetes object.`);
  const obj = o as Partial<KubeObject>;
  if (typeof obj.apiVersion !== 'string' || !obj.apiVersion) throw invalid(index, `Document ${index + 1} has no apiVersion.`);
  if (typeof obj.kind !== 'string' || !obj.kind) throw invalid(index, `Document ${index + 1} has no kind.`);
  if (!obj.metadata || typeof obj.metadata !== 'object' || typeof obj.metadata.name !== 'string' || !obj.metadata.name) {
    throw invalid(index, `Document ${index + 1} (${obj.kind}) has no metadata.name.`);
  }
  return obj as KubeObject;
}

/** The objects of a YAML text (`---`-separated documents; empty documents and `List`s are handled). */
export function parseManifests(text: string): KubeObject[] {
  const docs = parseAllDocuments(text);
  const out: KubeObject[] = [];
  docs.forEach((doc, i) => {
    if (doc.errors.length) throw invalid(i, `Document ${i + 1} is not valid YAML: ${doc.errors[0]!.message}`);
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) return;
    const list = value as { kind?: string; items?: unknown[] };
    if (typeof list.kind === 'string' && list.kind.endsWith('List') && Array.isArray(list.items)) list.items.forEach((item) => out.push(checkObject(item, i)));
    else out.push(checkObject(value, i));
  });
  if (out.length === 0) throw invalid(0, 'The manifest holds no objects.');
  return out;
}

function labelAt(o: Record<string, unknown>, path: string[]): void {
  let cur: Record<string, unknown> = o;
  for (const key of path) {
    const next = cur[key];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) return;
    cur = next as Record<string, unknown>;
  }
  const meta = (cur['metadata'] ??= {}) as ObjectMeta;
  meta.labels = { ...(meta.labels ?? {}), [MANAGED_BY_LABEL]: MANAGED_BY_VALUE };
}

/** A copy of `o` labelled as the app's (metadata and, for workloads, the pod template). */
export function withManagedBy(o: KubeObject): KubeObject {
  const copy = structuredClone(o);
  copy.metadata.labels = { ...(copy.metadata.labels ?? {}), [MANAGED_BY_LABEL]: MANAGED_BY_VALUE };
  for (const path of TEMPLATE_PATHS[copy.kind] ?? []) labelAt(copy, path);
  return copy;
}

export function isManaged(o: { metadata?: ObjectMeta }): boolean {
  return o.metadata?.labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE;
}

/** `deployment.apps/nginx`, as kubectl names objects in its output. */
export function qualifiedName(apiVersion: string, kind: string, name: string): string {
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  return `${kind.toLowerCase()}${group ? `.${group}` : ''}/${name}`;
}
