/** Step 5, "Form the cluster": the nodes as the Kubernetes API lists them and the kubeconfig for this computer. */
import { useEffect, useState } from 'react';
import type { KubeconfigMergePreview } from '../../../../preload/contract/cluster';
import type { ErrorBody } from '../../../../preload/contract/errors';
import type { FindNodesState } from '../../../../preload/contract/find-nodes';
import { call, errorBodyOf, onEvent } from '../../api/client';
import { ErrorMessage } from '../../errors/ErrorMessage';
import { useT } from '../../i18n/use-t';
import { JobFailure } from '../../jobs/JobFailure';
import { useAppStore } from '../../store/app-store';
import { ConfirmDialog } from '../../toolkit/ConfirmDialog';
import { NodeStage } from './NodeStage';
import { useClusterState } from './use-cluster-state';
import { LiveLine, NodeHealth } from './NodeHealth';

/** The jobs this step starts: the last one's failure is shown here. */
const JOB_KINDS = ['cluster.addNode', 'cluster.removeNode', 'cluster.reset'] as const;

export function ClusterStep() {
  const { t } = useT();
  const state = useClusterState();
  const [merged, setMerged] = useState<{ path: string; backupPath?: string } | null>(null);
  const [mergePreview, setMergePreview] = useState<KubeconfigMergePreview | null>(null);
  const [error, setError] = useState<ErrorBody | null>(null);
  const fail = (e: unknown) => setError(errorBodyOf(e));
  const [confirm, setConfirm] = useState<{ kind: 'remove' | 'add'; node: string } | { kind: 'reset' } | null>(null);
  /** Where "Boot & discover" found each node, kept live while a search runs in the background. */
  const [found, setFound] = useState<FindNodesState['found'] | null>(null);
  const setPreferences = useAppStore((s) => s.setPreferences);
  useEffect(() => onEvent('findNodes.changed', (s) => setFound(s.found)), []);
  const built = state?.built;
  const running = Boolean(state?.jobId);
  const pending = (state?.notInCluster ?? []).map((n) => {
    const at = found ? found[n.name] : n.found;
    return { ...n, address: at?.address };
  });
  const act = () => {
    const c = confirm;
    setConfirm(null);
    if (!c) return;
    setError(null);
    const request = c.kind === 'remove' ? call('cluster.removeNode', { node: c.node }) : c.kind === 'add' ? call('cluster.addNode', { node: c.node }) : call('cluster.reset', {});
    void request.catch(fail);
  };
  const title = (c: NonNullable<typeof confirm>) =>
    c.kind === 'remove' ? t('cluster.removeTitle', { node: c.node }) : c.kind === 'add' ? t('cluster.addTitle', { node: c.node }) : t('cluster.resetTitle');
  const explain = (c: NonNullable<typeof confirm>) => {
    if (c.kind === 'remove') return t('cluster.removeExplain', { node: c.node, cp: built?.controlPlane ?? '' });
    if (c.kind === 'reset') return t('cluster.resetExplain');
    const role = pending.find((n) => n.name === c.node)?.role ?? 'worker';
    return t('cluster.addExplain', { node: c.node, cp: built?.controlPlane ?? '', role: t(role === 'control-plane' ? 'role.control-plane' : 'role.worker') });
  };
  const confirmLabel = (c: NonNullable<typeof confirm>) =>
    c.kind === 'remove' ? t('cluster.removeNow', { node: c.node }) : c.kind === 'add' ? t('cluster.addNow', { node: c.node }) : t('cluster.resetNow');
  if (!built) return <p>{t.rich('cluster.notYet')}</p>;
  return (
    <section className="cluster" aria-labelledby="cluster-title">
      <h2 id="cluster-title">{t.rich('cluster.heading')}</h2>
      <p className="intro">{built.highAvailability ? t('cluster.haOn') : t('cluster.haOff')}</p>
      <LiveLine />
      <table className="nodes">
        <thead>
          <tr>
            <th scope="col">{t.rich('plan.hostname')}</th>
            <th scope="col">{t.rich('plan.role')}</th>
            <th scope="col">{t.rich('cluster.status')}</th>
            <th scope="col">{t.rich('find.address')}</th>
            <th scope="col" />
          </tr>
        </thead>
        <tbody>
          {built.nodes.map((n) => (
            <tr key={n.name} data-cluster-node={n.name}>
              <td className="mono">{n.name}</td>
              <td>{t.rich(n.role === 'control-plane' ? 'role.control-plane' : 'role.worker')}</td>
              <td data-testid={`node-ready-${n.name}`}>
                <NodeHealth name={n.name} savedReady={n.ready} />
              </td>
              <td className="mono">{n.internalIP ?? ''}</td>
              <td>
                {n.name !== built.controlPlane && (
                  <button type="button" disabled={running} onClick={() => setConfirm({ kind: 'remove', node: n.name })}>
                    {t.rich('cluster.remove')}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {pending.length > 0 && (
        <section className="pending-nodes" aria-labelledby="pending-heading">
          <h3 id="pending-heading">{t.rich('cluster.pendingHeading')}</h3>
          <p className="hint">{t.rich('cluster.pendingIntro')}</p>
          <ul>
            {pending.map((n) => {
              const reason = running ? t('cluster.addBusy') : !n.address ? t('cluster.addNotFound', { node: n.name }) : null;
              return (
                <li key={n.name} data-pending-node={n.name}>
                  <span className="mono">{n.name}</span> ({t.rich(n.role === 'control-plane' ? 'role.control-plane' : 'role.worker')}){' '}
                  {n.address ? (
                    <span>{t.rich('cluster.pendingFound', { address: n.address })}</span>
                  ) : n.cardPrepared ? (
                    <>
                      <span>{t.rich('cluster.pendingNotFound')}</span>{' '}
                      <button type="button" className="link" onClick={() => void setPreferences({ currentStep: 'discover' })}>
                        {t.rich('cluster.goFind')}
                      </button>
                    </>
                  ) : (
                    <>
                      <span>{t.rich('cluster.pendingNoCard')}</span>{' '}
                      <button type="button" className="link" onClick={() => void setPreferences({ currentStep: 'cards' })}>
                        {t.rich('cluster.goCards')}
                      </button>
                    </>
                  )}
                  {running && state?.progress?.[n.name] && (
                    <p role="status" data-add-stage={n.name}>
                      <NodeStage node={n.name} progress={state.progress[n.name]!} />
                    </p>
                  )}
                  <div className="actions">
                    <button type="button" disabled={reason !== null} aria-describedby={reason ? `add-reason-${n.name}` : undefined} onClick={() => setConfirm({ kind: 'add', node: n.name })}>
                      {t.rich('cluster.add', { node: n.name })}
                    </button>
                    {reason && (
                      <span className="hint" id={`add-reason-${n.name}`}>
                        {reason}
                      </span>
                    )}
                  </div>
                </li>
              );
            })}
          </ul>
        </section>
      )}
      <h3>{t.rich('cluster.kubeconfig')}</h3>
      <p className="mono" data-testid="kubeconfig-path">
        {built.kubeconfigPath}
      </p>
      <p className="hint">{t.rich('cluster.tryIt')}</p>
      <pre className="log">kubectl --kubeconfig {built.kubeconfigPath} get nodes -o wide</pre>
      <div className="actions">
        <button type="button" onClick={() => void call('cluster.kubeconfigMergePreview', {}).then(setMergePreview, fail)}>
          {t.rich('cluster.merge')}
        </button>
        {merged && <span role="status">{merged.backupPath ? t.rich('cluster.mergedBackup', { path: merged.path, backup: merged.backupPath }) : t.rich('cluster.merged', { path: merged.path })}</span>}
        <button type="button" disabled={running} onClick={() => setConfirm({ kind: 'reset' })}>
          {t.rich('cluster.reset')}
        </button>
        {running && <span role="status">{t.rich('install.running')}</span>}
      </div>
      {confirm && (
        <ConfirmDialog
          title={title(confirm)}
          confirmLabel={confirmLabel(confirm)}
          cancelLabel={t('install.cancel')}
          danger={confirm.kind !== 'add'}
          onConfirm={act}
          onCancel={() => setConfirm(null)}
          testId="cluster-confirm"
        >
          <p>{explain(confirm)}</p>
        </ConfirmDialog>
      )}
      {mergePreview && (
        <ConfirmDialog
          title={t('cluster.mergeTitle', { path: mergePreview.path })}
          confirmLabel={t('cluster.mergeNow')}
          cancelLabel={t('install.cancel')}
          onConfirm={() => {
            setMergePreview(null);
            void call('cluster.mergeKubeconfig', {}).then(
              (r) => setMerged(r),
              fail,
            );
          }}
          onCancel={() => setMergePreview(null)}
          testId="merge-confirm"
        >
          <p>{mergePreview.exists ? t('cluster.mergeExisting', { path: mergePreview.path }) : t('cluster.mergeNew', { path: mergePreview.path })}</p>
          <ul>
            {mergePreview.entries.map((e) => (
              <li key={`${e.kind}/${e.name}`}>
                {t.rich(`cluster.mergeEntry.${e.kind}`)} <span className="mono">{e.name}</span> — {e.replaces ? t('cluster.mergeReplaces') : t('cluster.mergeAdds')}
              </li>
            ))}
          </ul>
          <p className="hint">{t.rich('cluster.mergeContext', { context: mergePreview.context })}</p>
        </ConfirmDialog>
      )}
      {error && <ErrorMessage error={error} />}
      {!running && <JobFailure kinds={JOB_KINDS} />}
    </section>
  );
}
