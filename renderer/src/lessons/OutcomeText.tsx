/**
 * What a lesson action did, in the user's words: the outcome's code worded by the step's own
 * catalogue (`<step>.outcome.<code>`, `<step>.error.<code>`) or the shared one
 * (`lesson.outcome.<code>`, `lesson.error.<code>`), errors with the cluster's own message as
 * kubectl prints it and, for quota and LimitRange refusals, what was over or missing, resource by
 * resource.
 */
import type { LessonOutcome } from '../../../preload/contract/lessons';
import { useT } from '../i18n/use-t';

export function OutcomeText({ outcome, scope, action }: { outcome: LessonOutcome; scope?: string | undefined; action?: string | undefined }) {
  const { t } = useT();
  const step = scope ?? action?.split('.')[0];
  const own = (kind: 'outcome' | 'error', code: string) => (step && t.has(`${step}.${kind}.${code}`) ? `${step}.${kind}.${code}` : undefined);
  const error = outcome.error;
  const detail = error?.message ?? '';
  const values = { ...outcome.values, detail };
  if (outcome.ok) {
    const key = own('outcome', outcome.code) ?? `lesson.outcome.${outcome.code}`;
    return (
      <p className="banner ok" role="status" data-outcome={outcome.code}>
        {t.has(key) ? t(key, values) : t('lesson.done', { what: outcome.code })}
        {outcome.applied && <span className="mono small"> {outcome.applied.objects.map((o) => `${o.display} ${o.action}`).join(', ')}</span>}
      </p>
    );
  }
  const ownKey = own('outcome', outcome.code) ?? (error ? own('error', error.code) : undefined);
  const ownWords = ownKey !== undefined;
  const key = ownKey ?? (error ? `lesson.error.${error.code}` : `lesson.outcome.${outcome.code}`);
  const forbidden = error?.forbidden;
  return (
    <div className="field-error" role="alert" data-outcome={outcome.code} data-error={error?.code}>
      <p>{t.has(key) ? t(key, values) : t('lesson.error.other', { detail: detail || outcome.code })}</p>
      {ownWords && error?.httpStatus && error.reason && (
        <p className="mono small api-message" data-testid="api-message">
          Error from server ({error.reason}): {error.message}
        </p>
      )}
      {forbidden?.kind === 'quota-exceeded' && (
        <>
          <p>{t('lesson.quotaExceeded', { quota: forbidden.quota, over: Object.keys(forbidden.limited).join(', ') })}</p>
          <table className="quota-refusal small">
            <thead>
              <tr>
                <th>{t('lesson.quota.resource')}</th>
                <th>{t('lesson.quota.requested')}</th>
                <th>{t('lesson.quota.used')}</th>
                <th>{t('lesson.quota.limited')}</th>
              </tr>
            </thead>
            <tbody>
              {Object.keys(forbidden.limited).map((r) => (
                <tr key={r}>
                  <td className="mono">{r}</td>
                  <td className="mono">{forbidden.requested[r] ?? ''}</td>
                  <td className="mono">{forbidden.used[r] ?? ''}</td>
                  <td className="mono">{forbidden.limited[r]}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {forbidden?.kind === 'quota-must-specify' && (
        <>
          <p>{t('lesson.quotaMustSpecify', { quota: forbidden.quota, resources: forbidden.missing.map((m) => m.resource).join(', ') })}</p>
          <ul className="small">
            {forbidden.missing.map((m) => (
              <li key={m.resource}>{t('lesson.quota.missing', { resource: m.resource, containers: m.containers.join(', ') })}</li>
            ))}
          </ul>
        </>
      )}
      {forbidden?.kind === 'quota-status-unknown' && <p>{t('lesson.quota.statusUnknown', { quota: forbidden.quota })}</p>}
      {forbidden?.kind === 'limit-range' && (
        <>
          <p>{t('lesson.quota.limitRange')}</p>
          <ul className="mono small">
            {forbidden.reasons.map((r) => (
              <li key={r}>{r}</li>
            ))}
          </ul>
        </>
      )}
      {outcome.output && <pre className="log">{outcome.output}</pre>}
    </div>
  );
}
