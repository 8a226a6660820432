/** Which failed jobs a step shows: the last job of its kinds (per subject, when asked), if it failed. */
import type { JobSnapshot } from '../../../preload/contract/jobs';

export function latestFailures(jobs: readonly JobSnapshot[], kinds: readonly string[], bySubject = false): JobSnapshot[] {
  const latest = new Map<string, JobSnapshot>();
  for (const job of jobs) {
    if (!kinds.includes(job.kind)) continue;
    const group = bySubject ? (job.subject ?? '') : '';
    const seen = latest.get(group);
    if (!seen || job.startedAt > seen.startedAt) latest.set(group, job);
  }
  return [...latest.values()].filter((j) => j.state === 'failed' && j.error).sort((a, b) => a.startedAt - b.startedAt);
}
