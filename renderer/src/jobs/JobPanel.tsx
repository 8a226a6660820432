/** Running and finished jobs with progress bars and a collapsible log; survives reloads (the store re-reads jobs from main). */
import { useState } from 'react';
import { ErrorMessage } from '../errors/ErrorMessage';
import { useT } from '../i18n/use-t';
import { useAppStore } from '../store/app-store';
import { jobPhase, jobTitle, jobTitleText } from './job-words';

export function JobPanel() {
  const jobs = useAppStore((s) => s.jobs);
  const cancel = useAppStore((s) => s.cancelJob);
  const { t, intl } = useT();
  const stateOf = (state: string) => t(`jobs.state.${state}`);
  const rate = (bytesPerSecond?: number) => (bytesPerSecond ? t('jobs.rate', { mb: intl.formatNumber(bytesPerSecond / 1_000_000, { maximumFractionDigits: 1 }) }) : '');
  const [open, setOpen] = useState<Record<string, boolean>>({});
  const list = Object.values(jobs).sort((a, b) => b.startedAt - a.startedAt);
  if (list.length === 0) return null;
  return (
    <section className="jobs" aria-label={t('jobs.title')}>
      <h2>{t('jobs.title')}</h2>
      <ul>
        {list.map((job) => (
          <li key={job.id} className={`job job-${job.state}`} data-job-kind={job.kind} data-job-state={job.state}>
            <div className="job-head">
              <strong>{jobTitle(t, job)}</strong>
              <span className={`job-state job-state-${job.state}`}>{stateOf(job.state)}</span>
              <span className="job-phase">
                {job.state === 'running' ? jobPhase(t, job) : ''} {job.state === 'running' ? rate(job.bytesPerSecond) : ''}
              </span>
              {job.state === 'running' && (
                <button type="button" onClick={() => void cancel(job.id)}>
                  {t('jobs.cancel')}
                </button>
              )}
              <button type="button" aria-expanded={Boolean(open[job.id])} onClick={() => setOpen((o) => ({ ...o, [job.id]: !o[job.id] }))}>
                {open[job.id] ? t('jobs.hideLog') : t('jobs.showLog')}
              </button>
            </div>
            <progress max={1} value={job.progress ?? undefined} aria-label={jobTitleText(t, job)} />
            {job.error && job.state === 'failed' && <ErrorMessage error={job.error} role="none" />}
            {/* Command output as the commands printed it, and main's own summary lines (in English). */}
            {open[job.id] && (
              <pre className="log" lang="en">
                {job.lines.join('\n')}
              </pre>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
