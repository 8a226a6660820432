/**
 * `kubectl rollout history` for a Deployment (kubectl `pkg/polymorphichelpers/history.go`,
 * DeploymentHistoryViewer, and `pkg/cmd/rollout/rollout_history.go`): one revision per
 * ReplicaSet the deployment controls, sorted, with its images and change-cause, and the text
 * kubectl prints (a tabwriter table after the name printer's `deployment.apps/NAME `).
 */
import type { KubeRolloutHistory } from '../../preload/contract/kube';
import type { KubeConnection } from './kube-connection';
import { KubeError } from './kube-errors';
import { qualifiedName } from './manifests';
import type { PodTemplate, ReplicaSetJson } from './replica-sets';
import { CHANGE_CAUSE_ANNOTATION, HASH_LABEL, deploymentReplicaSets, readDeployment, revisionOf } from './replica-sets';

/** Go's text/tabwriter as kubectl sets it up (minwidth 0, padding 2, spaces): cells padded to their column, the last cell of a line as is. */
export function tabbed(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) row.slice(0, -1).forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length + 2)));
  return rows.map((row) => row.map((cell, i) => (i < row.length - 1 ? cell.padEnd(widths[i]!) : cell)).join('') + '\n').join('');
}

export interface RevisionEntry {
  revision: number;
  rs: ReplicaSetJson;
}

/** The revisions of a deployment's ReplicaSets, ascending (a ReplicaSet whose revision does not parse is left out, as kubectl does). */
export function revisionsOf(rss: ReplicaSetJson[]): RevisionEntry[] {
  const byRevision = new Map<number, ReplicaSetJson>();
  for (const rs of rss) {
    const v = revisionOf(rs);
    if (Number.isNaN(v)) continue;
    byRevision.set(v, rs);
  }
  return [...byRevision].sort((a, b) => a[0] - b[0]).map(([revision, rs]) => ({ revision, rs }));
}

export async function rolloutHistory(conn: KubeConnection, namespace: string, name: string): Promise<KubeRolloutHistory> {
  const d = await readDeployment(conn, namespace, name);
  const { newRS, oldRSs } = await deploymentReplicaSets(conn, d);
  const entries = revisionsOf(newRS ? [...oldRSs, newRS] : oldRSs);
  const head = `${qualifiedName('apps/v1', 'Deployment', name)} `;
  const table = entries.length
    ? tabbed([['REVISION', 'CHANGE-CAUSE'], ...entries.map((e) => [String(e.revision), e.rs.metadata.annotations?.[CHANGE_CAUSE_ANNOTATION] || '<none>'])])
    : 'No rollout history found.';
  return {
    deployment: name,
    namespace,
    revisions: entries.map(({ revision, rs }) => {
      const out: KubeRolloutHistory['revisions'][number] = {
        revision,
        replicaSet: rs.metadata.name ?? '',
        images: (rs.spec.template.spec?.containers ?? []).map((c) => c.image ?? ''),
        createdAt: rs.metadata.creationTimestamp ?? '',
        current: rs === newRS,
        desired: rs.spec.replicas ?? 1,
        ready: rs.status?.readyReplicas ?? 0,
      };
      const hash = rs.metadata.labels?.[HASH_LABEL];
      if (hash) out.hash = hash;
      const cause = rs.metadata.annotations?.[CHANGE_CAUSE_ANNOTATION];
      if (cause) out.changeCause = cause;
      return out;
    }),
    text: `${head}\n${table}\n`,
  };
}

/** The pod template of one revision (`kubectl rollout history --revision=N` shows it described). */
export async function revisionTemplate(conn: KubeConnection, namespace: string, name: string, revision: number): Promise<PodTemplate> {
  const d = await readDeployment(conn, namespace, name);
  const { newRS, oldRSs } = await deploymentReplicaSets(conn, d);
  const found = revisionsOf(newRS ? [...oldRSs, newRS] : oldRSs).find((e) => e.revision === revision);
  if (!found) throw new KubeError('REVISION_NOT_FOUND', 'unable to find the specified revision', { values: { revision } });
  return found.rs.spec.template;
}
