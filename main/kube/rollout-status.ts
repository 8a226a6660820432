/**
 * `kubectl rollout status` for a Deployment, as kubectl computes it (kubectl
 * `pkg/polymorphichelpers/rollout_status.go`, DeploymentStatusViewer.Status): the same
 * conditions in the same order and the same texts, plus a state and the numbers so the window
 * can word it in the user's language. Works on a raw Deployment or on a view snapshot.
 */
import type { KubeDeploymentView, KubeRolloutStatus } from '../../preload/contract/kube';
import type { KubeConnection } from './kube-connection';
import { KubeError } from './kube-errors';
import type { KubeObject } from './manifests';
import { readDeployment } from './replica-sets';
import { toDeployment } from './snapshots';

/** deploymentutil.TimedOutReason */
const TIMED_OUT_REASON = 'ProgressDeadlineExceeded';

/**
 * The status line kubectl prints (without its newline). `revision` > 0 checks the deployment
 * is at that revision first (`kubectl rollout status --revision`), throwing REVISION_MISMATCH.
 */
export function rolloutStatusOf(d: KubeDeploymentView | KubeObject, revision = 0): KubeRolloutStatus {
  const v: KubeDeploymentView = 'status' in d && 'observedGeneration' in d && 'replicas' in d && typeof d.replicas === 'number' ? (d as KubeDeploymentView) : toDeployment(d as KubeObject);
  const name = v.name;
  if (revision > 0) {
    const current = v.revision ?? 0;
    if (revision !== current) {
      throw new KubeError('REVISION_MISMATCH', `desired revision (${revision}) is different from the running revision (${current})`, { values: { desired: revision, running: current } });
    }
  }
  if (v.generation <= v.observedGeneration) {
    const progressing = v.conditions.find((c) => c.type === 'Progressing');
    if (progressing?.reason === TIMED_OUT_REASON) {
      return { message: `deployment "${name}" exceeded its progress deadline`, done: false, failed: true, state: 'progress-deadline-exceeded', values: { name } };
    }
    const { updated, replicas: current, available } = v.status;
    if (updated < v.replicas) {
      return { message: `Waiting for deployment "${name}" rollout to finish: ${updated} out of ${v.replicas} new replicas have been updated...`, done: false, failed: false, state: 'waiting-updated', values: { name, updated, replicas: v.replicas } };
    }
    if (current > updated) {
      const old = current - updated;
      return { message: `Waiting for deployment "${name}" rollout to finish: ${old} old replicas are pending termination...`, done: false, failed: false, state: 'waiting-old-terminating', values: { name, old } };
    }
    if (available < updated) {
      return { message: `Waiting for deployment "${name}" rollout to finish: ${available} of ${updated} updated replicas are available...`, done: false, failed: false, state: 'waiting-available', values: { name, available, updated } };
    }
    return { message: `deployment "${name}" successfully rolled out`, done: true, failed: false, state: 'done', values: { name } };
  }
  return { message: 'Waiting for deployment spec update to be observed...', done: false, failed: false, state: 'waiting-spec-observed', values: { name } };
}

/** Reads the deployment and computes its rollout status. */
export async function readRolloutStatus(conn: KubeConnection, namespace: string, name: string, revision = 0): Promise<KubeRolloutStatus> {
  return rolloutStatusOf(await readDeployment(conn, namespace, name), revision);
}
