/** A job's title and phase in the user's language, from the codes main sends (`kind`, `phase` + values). */
import type { JobSnapshot } from '../../../preload/contract/jobs';
import type { T } from '../i18n/use-t';

export function jobTitle(t: T, job: Pick<JobSnapshot, 'kind' | 'title' | 'subject'>) {
  return t.has(`jobs.title.${job.kind}`) ? t.rich(`jobs.title.${job.kind}`, { subject: job.subject ?? '' }) : job.title;
}

/** Plain text of the title (for labels). */
export function jobTitleText(t: T, job: Pick<JobSnapshot, 'kind' | 'title' | 'subject'>): string {
  return t.has(`jobs.title.${job.kind}`) ? t(`jobs.title.${job.kind}`, { subject: job.subject ?? '' }) : job.title;
}

export function jobPhase(t: T, job: Pick<JobSnapshot, 'phase' | 'phaseValues'>) {
  const key = `jobs.phase.${job.phase}`;
  return t.has(key) ? t.rich(key, { nodes: '', count: 0, node: '', check: '', ...job.phaseValues }) : job.phase;
}
