/** Long work (writing cards, installs, joins, rollouts) runs as a job the window can follow, cancel and re-attach to. */
import { z } from 'zod';
import { event, method } from './define';
import { errorBody, messageValues } from './errors';

export const jobState = z.enum(['running', 'succeeded', 'failed', 'cancelled']);
export type JobState = z.infer<typeof jobState>;

export const jobSnapshot = z.object({
  id: z.string(),
  kind: z.string(),
  title: z.string(),
  /** What the job is about (a node, a check), so the window can word the title in the user's language. */
  subject: z.string().optional(),
  state: jobState,
  /** Where the job is, a code the window words (`jobs.phase.<phase>`): ends as `done`, `failed` or `cancelled`. */
  phase: z.string(),
  /** Values for the phase's words (e.g. `nodes` for `waiting-for`). */
  phaseValues: messageValues.optional(),
  /** 0..1, or null while the amount of work is unknown. */
  progress: z.number().min(0).max(1).nullable(),
  bytesPerSecond: z.number().nonnegative().optional(),
  startedAt: z.number(),
  finishedAt: z.number().optional(),
  logLines: z.number().int().nonnegative(),
  result: z.unknown().optional(),
  error: errorBody.optional(),
});
export type JobSnapshot = z.infer<typeof jobSnapshot>;

const jobId = z.object({ id: z.string().min(1).max(100) });

export const jobMethods = {
  'jobs.list': method(z.object({}).strict(), z.array(jobSnapshot), 'Every job of this run, newest first.'),
  'jobs.log': method(
    jobId.extend({ from: z.number().int().nonnegative().default(0) }).strict(),
    z.object({ lines: z.array(z.string()), next: z.number().int() }),
    'Log lines of a job from an offset (to re-attach after a reload).',
  ),
  'jobs.cancel': method(jobId.strict(), jobSnapshot, 'Ask a running job to stop.'),
};

export const jobEvents = {
  'job.update': event(jobSnapshot, 'A job changed phase, progress or state.'),
  'job.log': event(z.object({ id: z.string(), from: z.number().int(), lines: z.array(z.string()) }), 'New log lines of a job.'),
};
