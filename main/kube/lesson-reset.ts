/**
 * "Reset lessons": everything carrying `app.kubernetes.io/managed-by: pi-cluster-wizard`, and
 * nothing else, is deleted. First a dry list: the objects to delete (owners only: a
 * Deployment's ReplicaSets and pods, and what lies in a namespace the lessons created, go with
 * them), the dependents, and the labelled objects never deleted (the cluster's own namespaces).
 * Then each object is deleted with its UID as precondition (never a namesake created since) and
 * the reset waits until every labelled object is gone, or reports what remains (e.g. pods on a
 * node that is down). A namespace the lessons created is deleted with all it contains.
 */
import type { z } from 'zod';
import type { kubeManagedObject } from '../../preload/contract/kube';
import type { ApiResource } from './api-resources';
import { groupVersionResources, resourcePath } from './api-resources';
import type { KubeConnection } from './kube-connection';
import type { KubeErrorInfo } from './kube-errors';
import { KubeError } from './kube-errors';
import type { KubeObject } from './manifests';
import { MANAGED_BY_SELECTOR, qualifiedName } from './manifests';

export type ManagedObject = z.infer<typeof kubeManagedObject>;

/** The kinds the lessons create (any not served by the cluster are skipped). Namespaces last. */
export const RESET_KINDS: readonly { apiVersion: string; kind: string }[] = [
  { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler' },
  { apiVersion: 'apps/v1', kind: 'Deployment' },
  { apiVersion: 'apps/v1', kind: 'StatefulSet' },
  { apiVersion: 'apps/v1', kind: 'DaemonSet' },
  { apiVersion: 'apps/v1', kind: 'ReplicaSet' },
  { apiVersion: 'batch/v1', kind: 'CronJob' },
  { apiVersion: 'batch/v1', kind: 'Job' },
  { apiVersion: 'v1', kind: 'Pod' },
  { apiVersion: 'v1', kind: 'Service' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress' },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget' },
  { apiVersion: 'v1', kind: 'ConfigMap' },
  { apiVersion: 'v1', kind: 'Secret' },
  { apiVersion: 'v1', kind: 'PersistentVolumeClaim' },
  { apiVersion: 'v1', kind: 'ServiceAccount' },
  { apiVersion: 'v1', kind: 'ResourceQuota' },
  { apiVersion: 'v1', kind: 'LimitRange' },
  { apiVersion: 'metallb.io/v1beta1', kind: 'IPAddressPool' },
  { apiVersion: 'metallb.io/v1beta1', kind: 'L2Advertisement' },
  { apiVersion: 'v1', kind: 'Namespace' },
];

/** Namespaces a reset never deletes, labelled or not. */
export const PROTECTED_NAMESPACES = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease']);

export interface ResetPlan {
  objects: ManagedObject[];
  dependents: ManagedObject[];
  protected: ManagedObject[];
}

export interface ResetResult {
  deleted: ManagedObject[];
  remaining: ManagedObject[];
  failed: { object: ManagedObject; error: KubeErrorInfo }[];
  protected: ManagedObject[];
}

interface Found {
  res: ApiResource;
  obj: KubeObject;
  ref: ManagedObject;
}

async function servedKinds(conn: KubeConnection): Promise<ApiResource[]> {
  const out: ApiResource[] = [];
  for (const k of RESET_KINDS) {
    const r = (await groupVersionResources(conn, k.apiVersion)).find((x) => x.kind === k.kind);
    if (r && r.verbs.includes('list') && r.verbs.includes('delete')) out.push(r);
  }
  return out;
}

async function listManaged(conn: KubeConnection, kinds: ApiResource[]): Promise<Found[]> {
  const found: Found[] = [];
  for (const res of kinds) {
    const list = await conn.request<{ items?: KubeObject[] }>({ method: 'GET', path: resourcePath(res), query: { labelSelector: MANAGED_BY_SELECTOR } });
    const apiVersion = res.group ? `${res.group}/${res.version}` : res.version;
    for (const obj of list.items ?? []) {
      const ref: ManagedObject = { apiVersion, kind: res.kind, name: obj.metadata.name ?? '', uid: obj.metadata.uid ?? '', display: qualifiedName(apiVersion, res.kind, obj.metadata.name ?? '') };
      if (obj.metadata.namespace) ref.namespace = obj.metadata.namespace;
      found.push({ res, obj, ref });
    }
  }
  return found;
}

function classify(found: Found[]): { plan: ResetPlan; toDelete: Found[] } {
  const isProtected = (f: Found) => f.res.kind === 'Namespace' && !f.res.group && PROTECTED_NAMESPACES.has(f.ref.name);
  const uids = new Set(found.map((f) => f.ref.uid));
  const doomedNamespaces = new Set(found.filter((f) => f.res.kind === 'Namespace' && !f.res.group && !isProtected(f)).map((f) => f.ref.name));
  const plan: ResetPlan = { objects: [], dependents: [], protected: [] };
  const toDelete: Found[] = [];
  for (const f of found) {
    if (isProtected(f)) plan.protected.push(f.ref);
    else if ((f.ref.namespace && doomedNamespaces.has(f.ref.namespace)) || (f.obj.metadata.ownerReferences ?? []).some((o) => uids.has(o.uid))) plan.dependents.push(f.ref);
    else {
      plan.objects.push(f.ref);
      toDelete.push(f);
    }
  }
  return { plan, toDelete };
}

/** The dry list: what a reset would delete. */
export async function planReset(conn: KubeConnection): Promise<ResetPlan> {
  return classify(await listManaged(conn, await servedKinds(conn))).plan;
}

export interface ResetOptions {
  /** How long to wait for everything to be gone (default 120 s). */
  timeoutMs?: number;
  /** Called after each check with what is still there. */
  onProgress?: (remaining: ManagedObject[]) => void;
  signal?: AbortSignal;
}

export async function resetLessons(conn: KubeConnection, options: ResetOptions = {}): Promise<ResetResult> {
  const kinds = await servedKinds(conn);
  const { plan, toDelete } = classify(await listManaged(conn, kinds));
  const failed: ResetResult['failed'] = [];
  for (const f of toDelete) {
    try {
      await conn.request({
        method: 'DELETE',
        path: resourcePath(f.res, f.ref.namespace, f.ref.name),
        body: { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Background', preconditions: { uid: f.ref.uid } },
        signal: options.signal,
      });
    } catch (err) {
      const e = err instanceof KubeError ? err : new KubeError('SERVER_ERROR', String(err));
      // Gone already, or replaced by a namesake the lessons did not make: not ours to delete.
      if (e.code === 'NOT_FOUND' || (e.code === 'CONFLICT' && /Precondition failed/.test(e.message))) continue;
      failed.push({ object: f.ref, error: e.toInfo() });
    }
  }
  const all = [...plan.objects, ...plan.dependents];
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  let remaining: ManagedObject[] = all;
  for (;;) {
    const still = new Set((await listManaged(conn, kinds)).map((f) => f.ref.uid));
    remaining = all.filter((o) => still.has(o.uid));
    options.onProgress?.(remaining);
    if (remaining.length === 0 || Date.now() >= deadline || options.signal?.aborted) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const left = new Set(remaining.map((o) => o.uid));
  return { deleted: all.filter((o) => !left.has(o.uid)), remaining, failed, protected: plan.protected };
}
