/**
 * A Deployment's ReplicaSets as kubectl finds them (kubectl `pkg/util/deployment`
 * GetAllReplicaSets): listed by the deployment's selector, kept when the deployment controls
 * them, the "new" one being the oldest whose pod template equals the deployment's once the
 * `pod-template-hash` label is ignored. Revisions come from `deployment.kubernetes.io/revision`.
 */
import { resourcePath } from './api-resources';
import { sameValue } from './field-paths';
import type { KubeConnection } from './kube-connection';
import type { KubeObject } from './manifests';

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const CHANGE_CAUSE_ANNOTATION = 'kubernetes.io/change-cause';
export const HASH_LABEL = 'pod-template-hash';

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string>; [k: string]: unknown };
  spec?: { containers?: { name: string; image?: string }[]; [k: string]: unknown };
  [k: string]: unknown;
}

export interface DeploymentJson extends KubeObject {
  spec: { replicas?: number; paused?: boolean; selector?: LabelSelector; template: PodTemplate; [k: string]: unknown };
  status?: Record<string, unknown>;
}

export interface ReplicaSetJson extends KubeObject {
  spec: { replicas?: number; selector?: LabelSelector; template: PodTemplate };
  status?: { replicas?: number; readyReplicas?: number; availableReplicas?: number };
}

/** `metav1.FormatLabelSelector`'s query form: `app=nginx,tier in (web,api),!legacy`. */
export function selectorString(sel: LabelSelector | undefined): string {
  const parts = Object.entries(sel?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of sel?.matchExpressions ?? []) {
    const values = (e.values ?? []).join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${values})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${values})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.join(',');
}

/** The revision of a ReplicaSet or Deployment; 0 when it has none (as kubectl's deploymentutil.Revision). */
export function revisionOf(o: KubeObject): number {
  const v = o.metadata.annotations?.[REVISION_ANNOTATION];
  if (v === undefined) return 0;
  const n = Number(v);
  return Number.isInteger(n) ? n : Number.NaN;
}

function withoutHash(t: PodTemplate): PodTemplate {
  const copy = structuredClone(t);
  if (copy.metadata?.labels) delete copy.metadata.labels[HASH_LABEL];
  return copy;
}

/** Pod templates equal (API semantics: missing = empty), the hash label ignored. */
export function equalIgnoreHash(a: PodTemplate, b: PodTemplate): boolean {
  return sameValue(withoutHash(a), withoutHash(b));
}

export function isControlledBy(o: KubeObject, owner: KubeObject): boolean {
  return (o.metadata.ownerReferences ?? []).some((r) => r.controller === true && r.uid === owner.metadata.uid);
}

export interface DeploymentReplicaSets {
  /** The ReplicaSet whose template is the deployment's (undefined before the controller made it). */
  newRS?: ReplicaSetJson;
  /** Every other ReplicaSet the deployment controls. */
  oldRSs: ReplicaSetJson[];
}

export async function readDeployment(conn: KubeConnection, namespace: string, name: string): Promise<DeploymentJson> {
  return conn.request<DeploymentJson>({ method: 'GET', path: resourcePath({ group: 'apps', version: 'v1', plural: 'deployments', namespaced: true }, namespace, name) });
}

export async function deploymentReplicaSets(conn: KubeConnection, d: DeploymentJson): Promise<DeploymentReplicaSets> {
  const list = await conn.request<{ items: ReplicaSetJson[] }>({
    method: 'GET',
    path: resourcePath({ group: 'apps', version: 'v1', plural: 'replicasets', namespaced: true }, d.metadata.namespace),
    query: { labelSelector: selectorString(d.spec.selector) },
  });
  const owned = list.items.filter((rs) => isControlledBy(rs, d));
  // Oldest first (creation time, then name), as replicaSetsByCreationTimestamp.
  owned.sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
  const newRS = owned.find((rs) => equalIgnoreHash(rs.spec.template, d.spec.template));
  return { newRS, oldRSs: owned.filter((rs) => rs !== newRS) };
}
