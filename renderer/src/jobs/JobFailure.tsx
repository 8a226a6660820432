/**
 * A job's failure where the user looks: the step that started the job shows the last one of its
 * kinds that failed (also after a reload, from the jobs main keeps for this run), worded by its
 * error key, with what to do. It goes away once a newer job of those kinds starts.
 */
import { ErrorMessage } from '../errors/ErrorMessage';
import { useT } from '../i18n/use-t';
import { useAppStore } from '../store/app-store';
import { jobTitle } from './job-words';

export function JobFailure({ kinds }: { kinds: readonly string[] }) {
  const { t } = useT();
  const latest = useAppStore((s) =>
    Object.values(s.jobs)
      .filter((j) => kinds.includes(j.kind))
      .reduce<(typeof s.jobs)[string] | undefined>((newest, j) => (!newest || j.startedAt > newest.startedAt ? j : newest), undefined),
  );
  if (!latest || latest.state !== 'failed' || !latest.error) return null;
  return (
    <div className="banner error job-failure" role="alert" data-testid="job-failure" data-job-kind={latest.kind}>
      <p>
        <strong>{jobTitle(t, latest)}</strong> — {t('jobs.failedInStep')}
      </p>
      <ErrorMessage error={latest.error} role="none" className="" />
    </div>
  );
}
