/**
 * Step 4, "Install MicroK8s": check every found node (each problem says what is wrong, why it
 * matters and what the fix will do), then install on all nodes at once and join them.
 */
import { useState } from 'react';
import type { PreflightCheckView } from '../../../../preload/contract/cluster';
import type { ErrorBody } from '../../../../preload/contract/errors';
import { call, errorBodyOf } from '../../api/client';
import { ErrorMessage } from '../../errors/ErrorMessage';
import { formatDuration } from '../../i18n/format';
import { useT } from '../../i18n/use-t';
import type { T, Values } from '../../i18n/use-t';
import { JobFailure } from '../../jobs/JobFailure';
import { useAppStore } from '../../store/app-store';
import { ConfirmDialog } from '../../toolkit/ConfirmDialog';
import { NodeStage } from '../cluster/NodeStage';
import { useClusterState } from '../cluster/use-cluster-state';

const ICON = { pass: '✓', warn: '!', fail: '✗', skipped: '–' } as const;
/** The jobs this step starts: the last one's failure is shown here. */
const JOB_KINDS = ['cluster.preflight', 'cluster.fix', 'cluster.build'] as const;

/** One check in the user's language, from its outcome code and values (main's English only for an outcome the catalogue lacks). */
function CheckText({ check, t, values }: { check: PreflightCheckView; t: T; values: Values }) {
  const key = (part: string) => `install.${part}.${check.outcome}`;
  const worded = t.has(key('found'));
  const issue = typeof check.values['issue'] === 'string' && t.has(`issues.${check.values['issue']}`) ? t(`issues.${check.values['issue']}`, values) : null;
  const detail = check.values['detail'];
  return (
    <span className="check-body">
      <strong>{t.has(`install.check.${check.id}`) ? t(`install.check.${check.id}`) : check.id}</strong> <span className="found">{worded ? t.rich(key('found'), values) : check.found}</span>
      {check.status !== 'pass' && (
        <span className="problem">
          {worded && t.has(key('problem')) ? t.rich(key('problem'), values) : check.problem}
          {issue && ` ${issue}`}
          {detail !== undefined && detail !== '' && (
            <>
              {' '}
              <code className="mono detail">{String(detail)}</code>
            </>
          )}
        </span>
      )}
      {check.status !== 'pass' && <span className="hint">{worded && t.has(key('why')) ? t.rich(key('why'), values) : check.why}</span>}
    </span>
  );
}

export function InstallStep() {
  const { t, intl } = useT();
  const state = useClusterState();
  const plan = useAppStore((s) => s.state?.plan ?? null);
  const [error, setError] = useState<ErrorBody | null>(null);
  const [confirm, setConfirm] = useState<PreflightCheckView | null>(null);
  const running = Boolean(state?.jobId);
  const run = async (action: () => Promise<unknown>) => {
    setError(null);
    try {
      await action();
    } catch (e) {
      setError(errorBodyOf(e));
    }
  };
  /** A check's values, plus what the window works out from them (the clock's offset as a duration, ahead or behind). */
  const valuesOf = (c: PreflightCheckView): Values => {
    const skew = c.values['skewSeconds'];
    if (typeof skew !== 'number') return c.values;
    return { ...c.values, duration: formatDuration(intl, skew), direction: skew < 0 ? 'behind' : skew > 0 ? 'ahead' : 'same' };
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
                  <span className="status" role="img" aria-label={t(`install.status.${c.status}`)}>
                    {ICON[c.status]}
                  </span>
                  <CheckText check={c} t={t} values={valuesOf(c)} />
                  {c.fix && c.status !== 'pass' && (
                    <button type="button" disabled={running} onClick={() => setConfirm(c)}>
                      {t.rich('install.fix')}
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
      <h2 id="install-title">{t.rich('install.heading')}</h2>
      <p className="intro">{t.rich('install.intro', { channel: plan?.microk8sChannel ?? '' })}</p>
      <div className="actions">
        <button type="button" disabled={running} onClick={() => void run(() => call('cluster.preflight', {}))}>
          {state?.preflight ? t('install.checkAgain') : t('install.check')}
        </button>
        <button type="button" className="primary" disabled={running || !state?.preflight || failed.length > 0} onClick={() => void run(() => call('cluster.build', {}))}>
          {t.rich('install.build')}
        </button>
        {running && <span role="status">{t.rich('install.running')}</span>}
      </div>
      {error && <ErrorMessage error={error} />}
      {!running && <JobFailure kinds={JOB_KINDS} />}
      {state?.progress && (
        <>
          <h3>{t.rich('install.progress')}</h3>
          <table className="nodes">
            <thead>
              <tr>
                <th scope="col">{t.rich('plan.hostname')}</th>
                <th scope="col">{t.rich('install.stage')}</th>
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
          <summary>{t.rich('install.checksBefore')}</summary>
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
          <p>{t.has(`install.fix.${confirm.id}`) ? t.rich(`install.fix.${confirm.id}`, valuesOf(confirm)) : confirm.fix.description}</p>
          {confirm.fix.rebootsNode && <p className="banner warn">{t.rich('install.reboots')}</p>}
        </ConfirmDialog>
      )}
    </section>
  );
}
