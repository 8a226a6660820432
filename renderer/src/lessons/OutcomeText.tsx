/**
 * What a lesson action did, in the user's words: the outcome's code worded by the catalogue (the
 * step's own `<scope>.outcome.<code>` / `<scope>.error.<code>` first, then the lessons' shared
 * ones), errors with the cluster's own message and, for quota refusals, what was over.
 */
import type { LessonOutcome } from '../../../preload/contract/lessons';
import { useT } from '../i18n/use-t';

export function OutcomeText({ outcome, scope }: { outcome: LessonOutcome; scope?: string | undefined }) {
  const { t } = useT();
  const scoped = (kind: 'outcome' | 'error', code: string) => (scope && t.has(`${scope}.${kind}.${code}`) ? `${scope}.${kind}.${code}` : `lesson.${kind}.${code}`);
  if (outcome.ok) {
    const key = scoped('outcome', outcome.code);
    return (
      <p className="banner ok" role="status" data-outcome={outcome.code}>
        {t.has(key) ? t(key, outcome.values) : t('lesson.done', { what: outcome.code })}
        {outcome.applied && <span className="mono small"> {outcome.applied.objects.map((o) => `${o.display} ${o.action}`).join(', ')}</span>}
      </p>
    );
  }
  const error = outcome.error;
  const key = error ? scoped('error', error.code) : scoped('outcome', outcome.code);
  const detail = error?.message ?? '';
  return (
    <div className="field-error" role="alert" data-outcome={outcome.code} data-error={error?.code}>
      <p>{t.has(key) ? t(key, { ...outcome.values, detail }) : t('lesson.error.other', { detail: detail || outcome.code })}</p>
      {error?.forbidden?.kind === 'quota-exceeded' && <p>{t('lesson.quotaExceeded', { quota: error.forbidden.quota, over: Object.keys(error.forbidden.limited).join(', ') })}</p>}
      {error?.forbidden?.kind === 'quota-must-specify' && <p>{t('lesson.quotaMustSpecify', { quota: error.forbidden.quota, resources: error.forbidden.missing.map((m) => m.resource).join(', ') })}</p>}
      {outcome.output && <pre className="log">{outcome.output}</pre>}
    </div>
  );
}
