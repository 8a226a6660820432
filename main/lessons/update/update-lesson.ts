/**
 * Step 7, Rolling update and rollback: the tutorial's deployment-update.yaml (nginx 1.16.1,
 * `maxSurge: 0, maxUnavailable: 1`) applied with a change-cause, kubectl's rollout status line
 * computed from the live snapshot, rollout history, undo to any revision, pause and resume, and a
 * deliberate mistake (a tag that does not exist) whose way out is a rollback.
 */
import { z } from 'zod';
import type { KubeDeploymentView, KubePodView, KubeViewSnapshot } from '../../../preload/contract/kube';
import type { LessonOutcome } from '../../../preload/contract/lessons';
import type { KubeObject } from '../../kube/manifests';
import { parseManifests, withManagedBy } from '../../kube/manifests';
import { CHANGE_CAUSE_ANNOTATION } from '../../kube/replica-sets';
import { rolloutStatusOf } from '../../kube/rollout-status';
import { DEPLOYMENT, SERVICE, nginxService, serviceAnswers } from '../deploy/deploy-lesson';
import type { LessonContext } from '../lesson-kit';
import { lessonAction } from '../lesson-kit';
import { applyPrepared } from '../lessons-service';
import { DEPLOYMENT_UPDATE_YAML } from '../tutorial-manifests';

export const NAMESPACE = 'default';
export const UPDATE_IMAGE = 'nginx:1.16.1';
export const UPDATE_CHANGE_CAUSE = 'kubectl apply -f deployment-update.yaml (nginx 1.14.2 → 1.16.1)';
/** The deliberate mistake: a tag that does not exist. */
export const BAD_IMAGE = 'nginx:1.16.1x';
export const BAD_IMAGE_CHANGE_CAUSE = `kubectl set image deployment/${DEPLOYMENT} nginx=${BAD_IMAGE}`;

/** The tutorial's Deployment as deployment-update.yaml has it, with the change-cause rollout history shows. */
export function updatedDeployment(): KubeObject {
  const [d] = parseManifests(DEPLOYMENT_UPDATE_YAML);
  d!.metadata.annotations = { ...(d!.metadata.annotations ?? {}), [CHANGE_CAUSE_ANNOTATION]: UPDATE_CHANGE_CAUSE };
  return withManagedBy(d!);
}

/**
 * Whether the Service of step 6 exists: from the live snapshot when it has services, else asked
 * (an unreachable cluster counts as "exists", so a preview never proposes to replace it).
 */
export async function serviceExists(ctx: LessonContext): Promise<boolean> {
  const services = ctx.live()?.services;
  if (services) return services.some((s) => s.name === SERVICE);
  try {
    const cluster = await ctx.cluster();
    await cluster.conn.request({ method: 'GET', path: `/api/v1/namespaces/${NAMESPACE}/services/${SERVICE}` });
    return true;
  } catch (error) {
    return (error as { code?: string }).code !== 'NOT_FOUND';
  }
}

export function nginxDeployment(live: KubeViewSnapshot | undefined): KubeDeploymentView | undefined {
  return live?.deployments?.find((d) => d.name === DEPLOYMENT);
}

/** Pods of the Deployment that cannot pull their image (ErrImagePull, ImagePullBackOff, InvalidImageName). */
export function imagePullFailures(live: KubeViewSnapshot | undefined): KubePodView[] {
  return (live?.pods ?? []).filter((p) => p.labels['app'] === 'nginx' && !p.deletingAt && /^(ErrImagePull|ImagePullBackOff|InvalidImageName)$/.test(p.status));
}

const noParams = z.object({}).strict();

export const updateActions = [
  lessonAction({
    id: 'update.apply',
    params: noParams,
    prepare: async (ctx) => ({
      // The version sampler goes through step 6's Service: it is created here when it is missing.
      objects: [updatedDeployment(), ...((await serviceExists(ctx)) ? [] : [nginxService('NodePort')])],
      kubectl: [
        'kubectl apply -f deployment-update.yaml',
        `kubectl annotate deployment/${DEPLOYMENT} kubernetes.io/change-cause="${UPDATE_CHANGE_CAUSE}" --overwrite`,
        `kubectl rollout status deployment/${DEPLOYMENT}`,
        'kubectl get pods -l app=nginx -o wide',
      ],
    }),
    run: async (ctx, _p, { force, prepared }) => {
      const outcome = await applyPrepared(ctx, prepared!, force, 'update-started');
      if (outcome.ok) await ctx.mark('update', 'updated');
      // The version sampler starts when this returns: a Service created just now is given the
      // moment it needs to answer, so that moment is not shown as a gap in the update.
      if (outcome.ok && outcome.applied?.objects.some((o) => o.kind === 'Service' && o.action === 'created')) await serviceAnswers(ctx);
      return outcome;
    },
  }),
  lessonAction({
    id: 'update.undo',
    params: z.object({ toRevision: z.number().int().min(0).max(1_000_000).optional() }).strict(),
    prepare: (_ctx, p) => ({ kubectl: [`kubectl rollout undo deployment/${DEPLOYMENT}${p.toRevision ? ` --to-revision=${p.toRevision}` : ''}`, `kubectl rollout status deployment/${DEPLOYMENT}`] }),
    run: async (ctx, p): Promise<LessonOutcome> => {
      const cluster = await ctx.cluster();
      const rollout = await cluster.undo(NAMESPACE, DEPLOYMENT, { toRevision: p.toRevision ?? 0 });
      if (rollout.outcome === 'rolled-back' && ctx.progress('update').includes('updated')) await ctx.mark('update', 'rolled-back');
      return { ok: true, code: rollout.outcome === 'skipped' ? 'rollback-skipped' : 'rolled-back', rollout, values: { revision: rollout.revision ?? p.toRevision ?? 0 } };
    },
  }),
  lessonAction({
    id: 'update.pause',
    params: noParams,
    prepare: () => ({ kubectl: [`kubectl rollout pause deployment/${DEPLOYMENT}`] }),
    run: async (ctx): Promise<LessonOutcome> => {
      const rollout = await (await ctx.cluster()).pause(NAMESPACE, DEPLOYMENT);
      await ctx.mark('update', 'paused');
      return { ok: true, code: 'paused', rollout };
    },
  }),
  lessonAction({
    id: 'update.resume',
    params: noParams,
    prepare: () => ({ kubectl: [`kubectl rollout resume deployment/${DEPLOYMENT}`] }),
    run: async (ctx): Promise<LessonOutcome> => {
      const rollout = await (await ctx.cluster()).resume(NAMESPACE, DEPLOYMENT);
      return { ok: true, code: 'resumed', rollout };
    },
  }),
  lessonAction({
    id: 'update.badImage',
    params: noParams,
    prepare: () => ({ kubectl: [`kubectl set image deployment/${DEPLOYMENT} nginx=${BAD_IMAGE}`, `kubectl annotate deployment/${DEPLOYMENT} kubernetes.io/change-cause="${BAD_IMAGE_CHANGE_CAUSE}" --overwrite`, `kubectl rollout status deployment/${DEPLOYMENT}`] }),
    run: async (ctx): Promise<LessonOutcome> => {
      const rollout = await (await ctx.cluster()).setImage(NAMESPACE, DEPLOYMENT, { nginx: BAD_IMAGE }, { changeCause: BAD_IMAGE_CHANGE_CAUSE });
      await ctx.mark('update', 'bad-image');
      return { ok: true, code: rollout.outcome === 'unchanged' ? 'image-unchanged' : 'bad-image-set', rollout, values: { image: BAD_IMAGE } };
    },
  }),
  lessonAction({
    id: 'update.status',
    params: noParams,
    prepare: () => ({ kubectl: [`kubectl rollout status deployment/${DEPLOYMENT}`] }),
    // kubectl's rollout status line, computed from the live snapshot (no request) when it has the Deployment.
    run: async (ctx): Promise<LessonOutcome> => {
      const live = ctx.live();
      const view = nginxDeployment(live);
      const status = view ? rolloutStatusOf(view) : await (await ctx.cluster()).rolloutStatus(NAMESPACE, DEPLOYMENT);
      const failing = imagePullFailures(live);
      const values: Record<string, string | number> = { message: status.message, state: status.state, done: status.done ? 1 : 0, paused: view?.paused ? 1 : 0 };
      for (const [k, v] of Object.entries(status.values)) if (typeof v === 'number') values[k] = v;
      if (failing.length > 0) {
        values['stalledBy'] = failing[0]!.status;
        values['image'] = failing[0]!.images[0] ?? '';
      }
      return { ok: true, code: 'rollout-status', values };
    },
  }),
];
