/**
 * The lessons in main: every lesson's actions in one registry, run against the formed cluster
 * (the one the lessons started on: its kube-system UID is remembered), their YAML and kubectl
 * shown before they run, changes made behind the app's back shown before they are overwritten,
 * HTTP probes through Services (which version and which pod answered), and "Reset lessons",
 * which deletes exactly what carries the app's managed-by label.
 */
import { randomUUID } from 'node:crypto';
import { stringify } from 'yaml';
import { z } from 'zod';
import type { KubeProbeSample, KubeViewSnapshot } from '../../preload/contract/kube';
import type { LessonOutcome, LessonPreview, LessonsState } from '../../preload/contract/lessons';
import { ErrorCode } from '../../preload/contract/errors';
import type { JobManager } from '../jobs/job-manager';
import type { KubeCluster } from '../kube/kube-cluster';
import type { KubeObject } from '../kube/manifests';
import { AppError } from '../router/app-error';
import type { Slice, SliceDef } from '../state/state-store';
import type { LessonAction, LessonContext, Prepared } from './lesson-kit';
import { maskPlans, maskSecrets } from './secret-mask';

const lessonsData = z.object({
  /** The cluster the lessons run on: they are never applied to another one. */
  identity: z.object({ kubeSystemUid: z.string(), caFingerprint: z.string().optional() }).optional(),
  progress: z.record(z.string(), z.array(z.string())),
});
type LessonsData = z.infer<typeof lessonsData>;

export const lessonsSlice: SliceDef<LessonsData> = { id: 'lessons', version: 1, schema: lessonsData, initial: () => ({ progress: {} }) };

export interface LessonsServiceOptions {
  slice: Slice<LessonsData>;
  jobs: JobManager;
  /** The formed cluster's client, or undefined when none is formed. */
  cluster: () => Promise<KubeCluster> | undefined;
  live: () => KubeViewSnapshot | undefined;
  context: Omit<LessonContext, 'cluster' | 'live' | 'mark' | 'progress'>;
  onChange: (state: LessonsState) => void;
  onProbe: (payload: { probeId: string; samples: KubeProbeSample[]; summary: ReturnType<typeof emptySummary>; done: boolean; target?: string }) => void;
}

export function emptySummary() {
  return { sent: 0, ok: 0, failed: 0, byVersion: {} as Record<string, number>, byPod: {} as Record<string, number>, longestGapMs: 0 };
}

export class LessonsService {
  readonly #actions = new Map<string, LessonAction<unknown>>();
  readonly #probes = new Map<string, { stop(): void }>();
  #blocked: LessonsState['blocked'];
  #checkedFor: KubeCluster | undefined;

  constructor(private readonly options: LessonsServiceOptions) {}

  register(actions: ReadonlyArray<LessonAction<never>>): void {
    for (const a of actions) {
      if (this.#actions.has(a.id)) throw new Error(`Two lessons define ${a.id}.`);
      this.#actions.set(a.id, a as unknown as LessonAction<unknown>);
    }
  }

  state(): LessonsState {
    const blocked = this.options.cluster() ? this.#blocked : 'no-cluster';
    return { ...(blocked ? { blocked } : {}), progress: this.options.slice.get().progress, actions: [...this.#actions.keys()].sort() };
  }

  progress(step: string): readonly string[] {
    return this.options.slice.get().progress[step] ?? [];
  }

  async mark(step: string, flag: string): Promise<void> {
    if (this.progress(step).includes(flag)) return;
    // Marks may race (step statuses mark what they see): a flag is added once.
    await this.options.slice.update((s) => ((s.progress[step] ?? []).includes(flag) ? s : { ...s, progress: { ...s.progress, [step]: [...(s.progress[step] ?? []), flag] } }));
    this.#changed();
  }

  /** The formed cluster, refused when it is not the one the lessons started on. */
  async cluster(): Promise<KubeCluster> {
    const opening = this.options.cluster();
    if (!opening) throw new AppError(ErrorCode.UNAVAILABLE, 'Form the cluster first (steps 4 and 5): the lessons run on it.');
    const cluster = await opening;
    if (this.#checkedFor !== cluster) {
      let identity;
      try {
        identity = await cluster.identity();
      } catch (error) {
        throw lessonError(error);
      }
      const saved = this.options.slice.get().identity;
      if (saved && saved.kubeSystemUid !== identity.kubeSystemUid) {
        this.#blocked = 'other-cluster';
        this.#changed();
        throw new AppError(ErrorCode.CONFLICT, 'These lessons were started on another cluster: reset the lessons to start them on this one.');
      }
      if (!saved) await this.options.slice.update((s) => ({ ...s, identity: { kubeSystemUid: identity.kubeSystemUid, ...(identity.caFingerprint ? { caFingerprint: identity.caFingerprint } : {}) } }));
      this.#blocked = undefined;
      this.#checkedFor = cluster;
    }
    return cluster;
  }

  context(): LessonContext {
    return {
      ...this.options.context,
      cluster: () => this.cluster(),
      live: () => this.options.live(),
      mark: (step, flag) => this.mark(step, flag),
      progress: (step) => this.progress(step),
    };
  }

  async preview(id: string, raw: unknown): Promise<LessonPreview> {
    const { action, params } = this.#action(id, raw);
    if (!action.prepare) return { yaml: '', kubectl: [] };
    const ctx = this.context();
    const prepared = await action.prepare(ctx, params);
    // Secret values are masked in everything the window gets (YAML, what it replaces, and plan).
    const out: LessonPreview = { yaml: manifestText(maskSecrets(prepared.objects ?? [])), kubectl: prepared.kubectl };
    if (prepared.before) out.before = manifestText(maskSecrets(prepared.before));
    if (prepared.objects?.length && this.options.cluster()) {
      try {
        out.plan = maskPlans(await (await this.cluster()).planApply(prepared.objects));
      } catch {
        // The preview still shows the YAML when the cluster cannot be asked.
      }
    }
    return out;
  }

  async run(id: string, raw: unknown, force: boolean): Promise<LessonOutcome> {
    const { action, params } = this.#action(id, raw);
    const ctx = this.context();
    try {
      const prepared = action.prepare ? await action.prepare(ctx, params) : undefined;
      return await action.run(ctx, params, { force, ...(prepared ? { prepared } : {}) });
    } catch (error) {
      if (error instanceof AppError) throw error;
      return failed(error);
    }
  }

  /** Requests through a Service, streamed to the window as samples (see lesson-probe.ts). */
  startProbe(probeId: string, stop: { stop(): void }): void {
    this.#probes.get(probeId)?.stop();
    this.#probes.set(probeId, stop);
  }

  endProbe(probeId: string): void {
    this.#probes.delete(probeId);
  }

  stopProbe(probeId: string): void {
    this.#probes.get(probeId)?.stop();
    this.#probes.delete(probeId);
  }

  newProbeId(): string {
    return randomUUID();
  }

  async planReset() {
    return (await this.cluster()).planReset();
  }

  reset(): { jobId: string } {
    const opening = this.options.cluster();
    if (!opening) throw new AppError(ErrorCode.UNAVAILABLE, 'There is no cluster: nothing to reset.');
    const job = this.options.jobs.start({
      kind: 'lessons.reset',
      title: 'Reset the lessons',
      run: async (job) => {
        const cluster = await opening;
        job.phase('deleting', null);
        const plan = await cluster.planReset();
        for (const o of plan.objects) job.log(`deleting ${o.display}`);
        const result = await cluster.reset({ signal: job.signal });
        for (const o of result.remaining) job.log(`still there: ${o.display}`);
        // The lessons start again, on whichever cluster is formed now.
        await this.options.slice.update(() => ({ progress: {} }));
        this.#checkedFor = undefined;
        this.#blocked = undefined;
        this.#changed();
        return { deleted: result.deleted.length, remaining: result.remaining.map((o) => o.display) };
      },
    });
    return { jobId: job.id };
  }

  close(): void {
    for (const p of this.#probes.values()) p.stop();
    this.#probes.clear();
  }

  #action(id: string, raw: unknown): { action: LessonAction<unknown>; params: unknown } {
    const action = this.#actions.get(id);
    if (!action) throw new AppError(ErrorCode.NOT_FOUND, `There is no lesson action ${id}.`);
    const parsed = action.params.safeParse(raw ?? {});
    if (!parsed.success) {
      throw new AppError(ErrorCode.INVALID_PARAMS, `Invalid input for ${id}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'params'}: ${i.message}`).join('; ')}`);
    }
    return { action, params: parsed.data };
  }

  #changed(): void {
    this.options.onChange(this.state());
  }
}

/** YAML of the objects as the lessons apply them, one document each. */
export function manifestText(objects: readonly KubeObject[]): string {
  return objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n');
}

/** Applies what an action prepared: asks first (drift) when someone changed the app's fields behind its back. */
export async function applyPrepared(ctx: LessonContext, prepared: Prepared, force: boolean, code = 'applied'): Promise<LessonOutcome> {
  const cluster = await ctx.cluster();
  const objects = prepared.objects ?? [];
  if (!force) {
    const plans = await cluster.planApply(objects).catch(() => []);
    const drift = plans.filter((p) => p.drift.length > 0);
    if (drift.length > 0) return { ok: false, code: 'drift', drift: maskPlans(drift) };
  }
  const applied = await cluster.apply(objects, { force });
  if (applied.failed) return { ok: false, code: 'apply-failed', applied, error: applied.failed.error };
  return { ok: true, code, applied };
}

export function failed(error: unknown): LessonOutcome {
  const info = toInfo(error);
  return { ok: false, code: 'error', error: info };
}

function toInfo(error: unknown) {
  const e = error as { toInfo?: () => unknown; code?: string; message?: string };
  if (typeof e?.toInfo === 'function') return e.toInfo() as LessonOutcome['error'] & object;
  return { code: 'SERVER_ERROR' as const, message: e?.message ?? String(error) };
}

/** A Kubernetes error as the contract's error envelope (for handlers that throw). */
export function lessonError(error: unknown): AppError {
  const info = toInfo(error);
  const code = info.code === 'UNAVAILABLE' || info.code === 'TLS' ? ErrorCode.UNAVAILABLE : info.code === 'CONFLICT' ? ErrorCode.CONFLICT : info.code === 'NOT_FOUND' ? ErrorCode.NOT_FOUND : ErrorCode.FAILED;
  return new AppError(code, info.message);
}
