/** Step 5, "Form the cluster": the nodes as the Kubernetes API lists them and the kubeconfig for this computer. */
import { useState } from 'react';
import { call } from '../../api/client';
import { useT } from '../../i18n/use-t';
import { useClusterState } from './use-cluster-state';

export function ClusterStep() {
  const { t } = useT();
  const state = useClusterState();
  const [merged, setMerged] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<{ kind: 'remove'; node: string } | { kind: 'reset' } | null>(null);
  const built = state?.built;
  const running = Boolean(state?.jobId);
  const act = () => {
    const c = confirm;
    setConfirm(null);
    if (!c) return;
    const request = c.kind === 'remove' ? call('cluster.removeNode', { node: c.node }) : call('cluster.reset', {});
    void request.catch((e: Error) => setError(e.message));
  };
  if (!built) return <p>{t('cluster.notYet')}</p>;
  return (
    <section className="cluster">
      <h2>{t('cluster.heading')}</h2>
      <p className="intro">{built.highAvailability ? t('cluster.ha') : t('cluster.noHa')}</p>
      <table className="nodes">
        <thead>
          <tr>
            <th scope="col">{t('plan.hostname')}</th>
            <th scope="col">{t('plan.role')}</th>
            <th scope="col">{t('cluster.status')}</th>
            <th scope="col">{t('find.address')}</th>
            <th scope="col" />
          </tr>
        </thead>
        <tbody>
          {built.nodes.map((n) => (
            <tr key={n.name} data-cluster-node={n.name}>
              <td className="mono">{n.name}</td>
              <td>{t(n.role === 'control-plane' ? 'role.control-plane' : 'role.worker')}</td>
              <td>{n.ready ? '✓ Ready' : 'NotReady'}</td>
              <td className="mono">{n.internalIP ?? ''}</td>
              <td>
                {n.name !== built.controlPlane && (
                  <button type="button" disabled={running} onClick={() => setConfirm({ kind: 'remove', node: n.name })}>
                    {t('cluster.remove')}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>{t('cluster.kubeconfig')}</h3>
      <p className="mono" data-testid="kubeconfig-path">
        {built.kubeconfigPath}
      </p>
      <p className="hint">{t('cluster.tryIt')}</p>
      <pre className="log">kubectl --kubeconfig {built.kubeconfigPath} get nodes -o wide</pre>
      <div className="actions">
        <button
          type="button"
          onClick={() =>
            void call('cluster.mergeKubeconfig', {}).then(
              (r) => setMerged(r.backupPath ? t('cluster.mergedBackup', { path: r.path, backup: r.backupPath }) : t('cluster.merged', { path: r.path })),
              (e: Error) => setError(e.message),
            )
          }
        >
          {t('cluster.merge')}
        </button>
        {merged && <span role="status">{merged}</span>}
        <button type="button" disabled={running} onClick={() => setConfirm({ kind: 'reset' })}>
          {t('cluster.reset')}
        </button>
        {running && <span role="status">{t('install.running')}</span>}
      </div>
      {confirm && (
        <div className="dialog" role="dialog" aria-modal="true" aria-label={confirm.kind === 'remove' ? t('cluster.removeTitle', { node: confirm.node }) : t('cluster.resetTitle')} onKeyDown={(e) => e.key === 'Escape' && setConfirm(null)}>
          <h3>{confirm.kind === 'remove' ? t('cluster.removeTitle', { node: confirm.node }) : t('cluster.resetTitle')}</h3>
          <p>{confirm.kind === 'remove' ? t('cluster.removeExplain', { node: confirm.node, cp: built.controlPlane }) : t('cluster.resetExplain')}</p>
          <div className="actions">
            <button type="button" className="primary" autoFocus onClick={act}>
              {confirm.kind === 'remove' ? t('cluster.removeNow', { node: confirm.node }) : t('cluster.resetNow')}
            </button>
            <button type="button" onClick={() => setConfirm(null)}>
              {t('install.cancel')}
            </button>
          </div>
        </div>
      )}
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
