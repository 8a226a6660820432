/**
 * Step 4, "Install MicroK8s": check every found node (each problem says what is wrong, why it
 * matters and what the fix will do), then install on all nodes at once and join them.
 */
import { useState } from 'react';
import type { PreflightCheckView } from '../../../../preload/contract/cluster';
import { call } from '../../api/client';
import { useT } from '../../i18n/use-t';
import { useAppStore } from '../../store/app-store';
import { ConfirmDialog } from '../../toolkit/ConfirmDialog';
import { NodeStage } from '../cluster/NodeStage';
import { useClusterState } from '../cluster/use-cluster-state';

const ICON = { pass: '✓', warn: '!', fail: '✗', skipped: '–' } as const;

export function InstallStep() {
  const { t } = useT();
  const state = useClusterState();
  const plan = useAppStore((s) => s.state?.plan ?? null);
  const [error, setError] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<PreflightCheckView | null>(null);
  const running = Boolean(state?.jobId);
  const run = async (action: () => Promise<unknown>) => {
    setError(null);
    try {
      await action();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const checks = state?.preflight?.checks ?? [];
  const failed = checks.filter((c) => c.status === 'fail');

  const results = (
    <>
      {state?.preflight && (
        <p role="status" className={failed.length ? 'field-error' : 'ok'}>
          {failed.length ? t('install.failed', { count: failed.length }) : t('install.allGood')}
        </p>
      )}
      {(plan?.nodes ?? []).map((node) => {
        const mine = checks.filter((c) => c.node === node.hostname);
        if (mine.length === 0) return null;
        return (
          <fieldset key={node.hostname} data-checks={node.hostname}>
            <legend>{node.hostname}</legend>
            <ul className="checks">
              {mine.map((c) => (
                <li key={c.id} className={`check-${c.status}`} data-check={c.id}>
                  <span className="status" aria-label={c.status}>
                    {ICON[c.status]}
                  </span>
                  <span className="check-body">
                    <strong>{c.id}</strong> <span className="mono">{c.found}</span>
                    {c.problem && <span className="problem">{c.problem}</span>}
                    {c.problem && c.why && <span className="hint">{c.why}</span>}
                  </span>
                  {c.fix && c.status !== 'pass' && (
                    <button type="button" disabled={running} onClick={() => setConfirm(c)}>
                      {t('install.fix')}
                    </button>
                  )}
                </li>
              ))}
            </ul>
          </fieldset>
        );
      })}
    </>
  );
  // Checks made before the cluster was formed describe nodes that have changed since: fold them away.
  const checksBefore = Boolean(state?.built && state.preflight && state.preflight.at < state.built.at);

  return (
    <section className="install" aria-labelledby="install-title">
      <h2 id="install-title">{t('install.heading')}</h2>
      <p className="intro">{t('install.intro', { channel: plan?.microk8sChannel ?? '' })}</p>
      <div className="actions">
        <button type="button" disabled={running} onClick={() => void run(() => call('cluster.preflight', {}))}>
          {state?.preflight ? t('install.checkAgain') : t('install.check')}
        </button>
        <button type="button" className="primary" disabled={running || !state?.preflight || failed.length > 0} onClick={() => void run(() => call('cluster.build', {}))}>
          {t('install.build')}
        </button>
        {running && <span role="status">{t('install.running')}</span>}
      </div>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      {state?.progress && (
        <>
          <h3>{t('install.progress')}</h3>
          <table className="nodes">
            <thead>
              <tr>
                <th scope="col">{t('plan.hostname')}</th>
                <th scope="col">{t('install.stage')}</th>
              </tr>
            </thead>
            <tbody>
              {Object.entries(state.progress).map(([node, p]) => (
                <tr key={node} data-progress-node={node}>
                  <td className="mono">{node}</td>
                  <td>
                    <NodeStage node={node} progress={p} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {checksBefore ? (
        <details className="earlier-checks">
          <summary>{t('install.checksBefore')}</summary>
          {results}
        </details>
      ) : (
        results
      )}
      {confirm?.fix && (
        <ConfirmDialog
          title={t('install.fixTitle', { node: confirm.node })}
          confirmLabel={t('install.runFix')}
          cancelLabel={t('install.cancel')}
          onConfirm={() => {
            const c = confirm;
            setConfirm(null);
            void run(() => call('cluster.fix', { node: c.node, id: c.id }));
          }}
          onCancel={() => setConfirm(null)}
          testId="fix-confirm"
        >
          <p>{confirm.fix.description}</p>
          {confirm.fix.rebootsNode && <p className="banner warn">{t('install.reboots')}</p>}
        </ConfirmDialog>
      )}
    </section>
  );
}
