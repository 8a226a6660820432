/** Running and finished jobs with progress bars and a collapsible log; survives reloads (the store re-reads jobs from main). */
import { useState } from 'react';
import { useT } from '../i18n/use-t';
import { useAppStore } from '../store/app-store';

export function JobPanel() {
  const jobs = useAppStore((s) => s.jobs);
  const cancel = useAppStore((s) => s.cancelJob);
  const { t, intl } = useT();
  const titleOf = (job: { kind: string; title: string; subject?: string }) => (t.has(`jobs.title.${job.kind}`) ? t(`jobs.title.${job.kind}`, { subject: job.subject ?? '' }) : job.title);
  const phaseOf = (phase: string) => {
    const waiting = /^waiting for (.+)$/.exec(phase);
    if (waiting) return t('jobs.phase.waiting-for', { nodes: waiting[1] });
    const key = `jobs.phase.${phase.replace(/ /g, '-')}`;
    return t.has(key) ? t(key) : phase;
  };
  const stateOf = (state: string) => t(`jobs.state.${state}`);
  const rate = (bytesPerSecond?: number) => (bytesPerSecond ? `${intl.formatNumber(bytesPerSecond / 1_000_000, { maximumFractionDigits: 1 })} MB/s` : '');
  const [open, setOpen] = useState<Record<string, boolean>>({});
  const list = Object.values(jobs).sort((a, b) => b.startedAt - a.startedAt);
  if (list.length === 0) return null;
  return (
    <section className="jobs" aria-label={t('jobs.title')}>
      <h2>{t('jobs.title')}</h2>
      <ul>
        {list.map((job) => (
          <li key={job.id} className={`job job-${job.state}`} data-job-kind={job.kind}>
            <div className="job-head">
              <strong>{titleOf(job)}</strong>
              <span className={`job-state job-state-${job.state}`}>{stateOf(job.state)}</span>
              <span className="job-phase">
                {job.state === 'running' ? phaseOf(job.phase) : ''} {job.state === 'running' ? rate(job.bytesPerSecond) : ''}
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
            <progress max={1} value={job.progress ?? undefined} aria-label={titleOf(job)} />
            {job.error && <p className="field-error">{job.error.message}</p>}
            {open[job.id] && <pre className="log">{job.lines.join('\n')}</pre>}
          </li>
        ))}
      </ul>
    </section>
  );
}
