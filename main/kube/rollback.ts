/**
 * `kubectl rollout undo` for a Deployment, ported from kubectl `pkg/polymorphichelpers/
 * rollback.go` (DeploymentRollbacker): find the ReplicaSet of the wanted revision (0 = the one
 * before the newest), refuse a paused deployment, skip when the template already matches, and
 * otherwise JSON-patch the ReplicaSet's template (hash label removed) and annotations back into
 * the deployment; the controller then gives that ReplicaSet the next revision number. Messages
 * are kubectl's own.
 */
import type { KubeRolloutResult } from '../../preload/contract/kube';
import { resourcePath } from './api-resources';
import type { KubeConnection } from './kube-connection';
import { KubeError, rewordKubeError } from './kube-errors';
import { FIELD_MANAGER, qualifiedName } from './manifests';
import type { DeploymentJson, ReplicaSetJson } from './replica-sets';
import { HASH_LABEL, REVISION_ANNOTATION, deploymentReplicaSets, equalIgnoreHash, readDeployment, revisionOf } from './replica-sets';

/** Annotations the deployment keeps rather than taking them from the ReplicaSet. */
const ANNOTATIONS_TO_SKIP = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION_ANNOTATION,
  'deployment.kubernetes.io/revision-history',
  'deployment.kubernetes.io/desired-replicas',
  'deployment.kubernetes.io/max-replicas',
  'deprecated.deployment.rollback.to',
]);

function revisionNotFound(r: number): KubeError {
  return new KubeError('REVISION_NOT_FOUND', `unable to find specified revision ${r} in history`, { values: { revision: r } });
}

/** deploymentRevision: the ReplicaSet of `toRevision`, or for 0 the second newest. */
function replicaSetForRevision(d: DeploymentJson, all: ReplicaSetJson[], toRevision: number): { rs: ReplicaSetJson; revision: number } {
  let latest: { rs: ReplicaSetJson; v: number } | undefined;
  let previous: { rs: ReplicaSetJson; v: number } | undefined;
  for (const rs of all) {
    const v = revisionOf(rs);
    if (Number.isNaN(v)) continue;
    if (toRevision === 0) {
      if ((latest?.v ?? -1) < v) {
        previous = latest;
        latest = { rs, v };
      } else if ((previous?.v ?? -1) < v) previous = { rs, v };
    } else if (toRevision === v) return { rs, revision: v };
  }
  if (toRevision > 0) throw revisionNotFound(toRevision);
  if (!previous) throw new KubeError('NO_ROLLOUT_HISTORY', `no rollout history found for deployment "${d.metadata.name}"`, { values: { name: d.metadata.name ?? '' } });
  return { rs: previous.rs, revision: previous.v };
}

export interface UndoOptions {
  /** The revision to go back to; 0 or absent: the previous one. */
  toRevision?: number;
  /** Send the patch with `dryRun=All` (`kubectl rollout undo --dry-run=server`). */
  dryRun?: boolean;
}

export async function undoRollout(conn: KubeConnection, namespace: string, name: string, options: UndoOptions = {}): Promise<KubeRolloutResult> {
  const toRevision = options.toRevision ?? 0;
  if (toRevision < 0 || !Number.isInteger(toRevision)) throw revisionNotFound(toRevision);
  const d = await readDeployment(conn, namespace, name);
  const { newRS, oldRSs } = await deploymentReplicaSets(conn, d);
  const { rs, revision } = replicaSetForRevision(d, newRS ? [...oldRSs, newRS] : oldRSs, toRevision);
  const display = qualifiedName('apps/v1', 'Deployment', name);
  if (d.spec.paused) {
    throw new KubeError('DEPLOYMENT_PAUSED', "you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try again", { values: { name } });
  }
  if (equalIgnoreHash(rs.spec.template, d.spec.template)) {
    return { message: `${display} skipped rollback (current template already matches revision ${toRevision})`, outcome: 'skipped', revision };
  }
  const template = structuredClone(rs.spec.template);
  if (template.metadata?.labels) delete template.metadata.labels[HASH_LABEL];
  const annotations: Record<string, string> = {};
  for (const k of ANNOTATIONS_TO_SKIP) {
    const v = d.metadata.annotations?.[k];
    if (v !== undefined) annotations[k] = v;
  }
  for (const [k, v] of Object.entries(rs.metadata.annotations ?? {})) if (!ANNOTATIONS_TO_SKIP.has(k)) annotations[k] = v;
  try {
    await conn.request({
      method: 'PATCH',
      path: resourcePath({ group: 'apps', version: 'v1', plural: 'deployments', namespaced: true }, namespace, name),
      query: { fieldManager: FIELD_MANAGER, dryRun: options.dryRun ? 'All' : undefined },
      contentType: 'application/json-patch+json',
      body: [
        { op: 'replace', path: '/spec/template', value: template },
        { op: 'replace', path: '/metadata/annotations', value: annotations },
      ],
    });
  } catch (err) {
    // kubectl: `failed restoring revision N: <API message>`; the API's code and reason are kept.
    if (err instanceof KubeError) throw rewordKubeError(err, `failed restoring revision ${toRevision}: ${err.message}`);
    throw err;
  }
  return { message: `${display} rolled back`, outcome: 'rolled-back', revision };
}
