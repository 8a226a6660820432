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
  const built = state?.built;
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
          </tr>
        </thead>
        <tbody>
          {built.nodes.map((n) => (
            <tr key={n.name} data-cluster-node={n.name}>
              <td className="mono">{n.name}</td>
              <td>{t(n.role === 'control-plane' ? 'role.control-plane' : 'role.worker')}</td>
              <td>{n.ready ? '✓ Ready' : 'NotReady'}</td>
              <td className="mono">{n.internalIP ?? ''}</td>
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
      </div>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
