/**
 * The two ReplicaSets of a rollout side by side: the new one (the Deployment's current template)
 * growing while the old one shrinks, each as a row of slots (desired) filled by ready pods.
 */
import type { KubeDeploymentView, KubeReplicaSetView, KubeViewSnapshot } from '../../../../preload/contract/kube';
import { useT } from '../../i18n/use-t';

/** The new ReplicaSet (the Deployment's revision) and the old one still shrinking, else the one before. */
export function rolloutReplicaSets(snapshot: KubeViewSnapshot | undefined, deployment: KubeDeploymentView | undefined): { current?: KubeReplicaSetView; old?: KubeReplicaSetView } {
  if (!deployment) return {};
  const owned = (snapshot?.replicasets ?? []).filter((rs) => rs.owner?.kind === 'Deployment' && rs.owner.name === deployment.name);
  const byRevision = [...owned].sort((a, b) => (b.revision ?? 0) - (a.revision ?? 0));
  const current = owned.find((rs) => rs.revision !== undefined && rs.revision === deployment.revision) ?? byRevision[0];
  const others = byRevision.filter((rs) => rs !== current);
  const old = others.find((rs) => rs.desired > 0 || rs.current > 0) ?? others[0];
  return { ...(current ? { current } : {}), ...(old ? { old } : {}) };
}

function Bar({ rs, role, replicas }: { rs: KubeReplicaSetView | undefined; role: 'new' | 'old'; replicas: number }) {
  const { t } = useT();
  if (!rs) return null;
  const slots = Math.max(rs.desired, rs.current, rs.ready, replicas, 1);
  return (
    <div className={`rs-bar rs-${role}`} data-testid={`rs-${role}`} data-desired={rs.desired} data-ready={rs.ready}>
      <div className="rs-head">
        <strong>{role === 'new' ? t('update.rs.new') : t('update.rs.old')}</strong> <span className="mono small">{rs.name}</span>{' '}
        <span className="mono small">{rs.images.map((i) => i.replace(/^docker\.io\/library\//, '')).join(', ')}</span>
        {rs.revision !== undefined && <span className="hint small"> · {t('update.rs.revision', { revision: rs.revision })}</span>}
      </div>
      <div className="rs-slots" role="img" aria-label={t('update.rs.counts', { desired: rs.desired, ready: rs.ready })}>
        {Array.from({ length: slots }, (_, i) => (
          <span key={i} className={`rs-slot ${i < rs.ready ? 'ready' : i < rs.desired ? 'wanted' : ''}`} />
        ))}
      </div>
      <div className="hint small">{t('update.rs.counts', { desired: rs.desired, ready: rs.ready })}</div>
    </div>
  );
}

export function ReplicaSetBars({ current, old, replicas }: { current: KubeReplicaSetView | undefined; old: KubeReplicaSetView | undefined; replicas: number }) {
  const { t } = useT();
  return (
    <div className="rs-bars" aria-label={t('update.rs.title')}>
      <Bar rs={old} role="old" replicas={replicas} />
      <Bar rs={current} role="new" replicas={replicas} />
    </div>
  );
}
