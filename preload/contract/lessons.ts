/**
 * The lessons (steps 6-12) through one small contract: each lesson registers actions in main
 * (`deploy.apply`, `update.undo`, ...), with their own parameter schemas checked there. The
 * window previews an action (the YAML and kubectl it stands for, and what it would change on
 * the live cluster), runs it, and reads the lesson's progress; HTTP probes through a Service
 * stream their samples. Errors carry the API's own reason as codes the window words.
 */
import { z } from 'zod';
import { event, method } from './define';
import { kubeApplyResult, kubeErrorInfo, kubeHttpProbe, kubeObjectPlan, kubeProbeSample, kubeProbeSummary, kubeResetPlan, kubeRolloutHistory, kubeRolloutResult } from './kube';

const actionId = z.string().regex(/^[a-z]+\.[a-zA-Z]+$/, 'an action such as deploy.apply').max(64);
const params = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).default({});

export const lessonPreview = z.object({
  /** Exactly what the action applies (with the app's managed-by label). */
  yaml: z.string(),
  /** The kubectl commands it stands for. */
  kubectl: z.array(z.string()),
  /** What `yaml` replaces (the app's manifest with the live values), for a diff; absent when nothing is replaced. */
  before: z.string().optional(),
  /** What it would change on the cluster now: per object, field changes, drift (changed behind the app's back), conflicts. */
  plan: z.array(kubeObjectPlan).optional(),
});
export type LessonPreview = z.infer<typeof lessonPreview>;

export const lessonOutcome = z.object({
  ok: z.boolean(),
  /** What happened, as a code the window words (`applied`, `rolled-back`, `scaled`, `metallb-enabled`...), with values. */
  code: z.string(),
  values: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
  error: kubeErrorInfo.optional(),
  applied: kubeApplyResult.optional(),
  rollout: kubeRolloutResult.optional(),
  probe: kubeHttpProbe.optional(),
  /** Output of a command run on a node (MicroK8s addons), as it printed it. */
  output: z.string().optional(),
  /** Field changes someone else made that applying would undo: the window asks before `force`. */
  drift: z.array(kubeObjectPlan).optional(),
});
export type LessonOutcome = z.infer<typeof lessonOutcome>;

export const lessonsState = z.object({
  /** Why the lessons cannot run now (no cluster, or the lessons were started on another cluster). */
  blocked: z.enum(['no-cluster', 'other-cluster']).optional(),
  /** Per step, what the user has done (flags the lessons set, e.g. `updated`, `rolled-back`). */
  progress: z.record(z.string(), z.array(z.string())),
  /** The actions main offers. */
  actions: z.array(z.string()),
});
export type LessonsState = z.infer<typeof lessonsState>;

export const lessonsMethods = {
  'lessons.state': method(z.object({}).strict(), lessonsState, 'What the lessons can do now and what the user has done.'),
  'lessons.preview': method(z.object({ action: actionId, params }).strict(), lessonPreview, 'The YAML and kubectl an action stands for, and what it would change on the cluster now.'),
  'lessons.run': method(z.object({ action: actionId, params, force: z.boolean().default(false) }).strict(), lessonOutcome, 'Run a lesson action; `force` after the user saw the drift and agreed.'),
  'lessons.history': method(z.object({ name: z.string().max(253).default('nginx-deployment'), namespace: z.string().max(63).default('default') }).strict(), kubeRolloutHistory, 'Rollout history of a Deployment (as kubectl rollout history).'),
  'lessons.probeStart': method(
    z.object({ service: z.string().max(63), namespace: z.string().max(63).default('default'), ratePerSecond: z.number().min(1).max(20).default(1), durationMs: z.number().int().min(1000).max(10 * 60_000).default(60_000), path: z.string().max(200).default('/'), count: z.number().int().min(1).max(200).optional() }).strict(),
    z.object({ probeId: z.string() }),
    'Send requests through a Service (its LoadBalancer address, else a node port) and stream what answered.',
  ),
  'lessons.probeStop': method(z.object({ probeId: z.string().max(64) }).strict(), z.object({}), 'Stop a probe.'),
  'lessons.planReset': method(z.object({}).strict(), kubeResetPlan, 'What "Reset lessons" would delete (everything with the app’s managed-by label, nothing else).'),
  'lessons.reset': method(z.object({}).strict(), z.object({ jobId: z.string() }), 'Delete everything the lessons created, as a job.'),
};

export const lessonsEvents = {
  'lessons.changed': event(lessonsState, 'Lesson progress changed.'),
  'lessons.probe': event(z.object({ probeId: z.string(), samples: z.array(kubeProbeSample), summary: kubeProbeSummary, done: z.boolean(), target: z.string().optional(), error: kubeErrorInfo.optional() }), 'New samples of a running probe (at most a few a second).'),
};
