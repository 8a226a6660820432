/**
 * A job's failure where the user looks: the step that started the job shows the last one of its
 * kinds that failed (also after a reload, from the jobs main keeps for this run), worded by its
 * error key, with what to do. It goes away once a newer job of those kinds starts. `bySubject`:
 * jobs about different things (one card per node) are looked at separately, so each node's last
 * failed card shows until that node's card is prepared again.
 */
import { ErrorMessage } from '../errors/ErrorMessage';
import { useT } from '../i18n/use-t';
import { useAppStore } from '../store/app-store';
import { jobTitle } from './job-words';
import { latestFailures } from './latest-failures';

export function JobFailure({ kinds, bySubject = false }: { kinds: readonly string[]; bySubject?: boolean }) {
  const { t } = useT();
  const jobs = useAppStore((s) => s.jobs);
  const failed = latestFailures(Object.values(jobs), kinds, bySubject);
  return (
    <>
      {failed.map((job) => (
        <div key={job.id} className="banner error job-failure" role="alert" data-testid="job-failure" data-job-kind={job.kind}>
          <p>
            <strong>{jobTitle(t, job)}</strong> — {t('jobs.failedInStep')}
          </p>
          <ErrorMessage error={job.error!} role="none" className="" />
        </div>
      ))}
    </>
  );
}
