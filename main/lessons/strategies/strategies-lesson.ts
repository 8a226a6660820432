/**
 * Step 11, Strategies, measured: the same version change (nginx 1.14.2 → 1.16.1) done four ways,
 * each on its own objects so steps 6-8 are never disturbed (their pods carry app=nginx; these
 * never do):
 *  - Recreate (`strategy-recreate`): every old pod stops before a new one starts — a gap;
 *  - RollingUpdate (`strategy-rolling`, maxSurge 1 / maxUnavailable 0): a new pod is ready before
 *    an old one goes — no gap;
 *  - blue/green (`nginx-blue`, `nginx-green`, Service `strategy-bluegreen`): both versions run,
 *    the Service's selector moves from one to the other in one step, and back as the rollback;
 *  - canary (`strategy-web` with 3 replicas, `strategy-web-canary` with 1, one Service selecting
 *    both by their shared app label): about a quarter of the answers come from the new version.
 * The window measures each change with the HTTP prober (`lessons.probeStart`) through the
 * lesson's NodePort Service; these actions only change the cluster.
 */
import { z } from 'zod';
import type { LessonOutcome } from '../../../preload/contract/lessons';
import { withManagedBy } from '../../kube/manifests';
import type { KubeObject } from '../../kube/manifests';
import { lessonAction } from '../lesson-kit';
import type { LessonContext } from '../lesson-kit';
import { applyPrepared } from '../lessons-service';

export const OLD_VERSION = '1.14.2';
export const NEW_VERSION = '1.16.1';
const version = z.enum([OLD_VERSION, NEW_VERSION]);

export const RECREATE = 'strategy-recreate';
export const ROLLING = 'strategy-rolling';
export const BLUE = 'nginx-blue';
export const GREEN = 'nginx-green';
export const BLUE_GREEN_SERVICE = 'strategy-bluegreen';
export const CANARY_MAIN = 'strategy-web';
export const CANARY = 'strategy-web-canary';

/** The Service each way is measured through (the window probes it). */
export const SERVICE_OF = { recreate: RECREATE, rolling: ROLLING, bluegreen: BLUE_GREEN_SERVICE, canary: CANARY_MAIN } as const;
export type Way = keyof typeof SERVICE_OF;

interface NginxDeployment {
  name: string;
  labels: Record<string, string>;
  replicas: number;
  version: string;
  strategy: Record<string, unknown>;
}

function deployment(d: NginxDeployment): KubeObject {
  return withManagedBy({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: d.name, labels: d.labels },
    spec: {
      replicas: d.replicas,
      selector: { matchLabels: d.labels },
      strategy: d.strategy,
      template: {
        metadata: { labels: d.labels },
        spec: { containers: [{ name: 'nginx', image: `nginx:${d.version}`, ports: [{ containerPort: 80 }] }] },
      },
    },
  } as KubeObject);
}

function service(name: string, selector: Record<string, string>): KubeObject {
  return withManagedBy({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name },
    spec: { type: 'NodePort', selector, ports: [{ protocol: 'TCP', port: 80, targetPort: 80 }] },
  } as KubeObject);
}

export const recreateDeployment = (v: string) => deployment({ name: RECREATE, labels: { app: RECREATE }, replicas: 2, version: v, strategy: { type: 'Recreate' } });
export const rollingDeployment = (v: string) =>
  deployment({ name: ROLLING, labels: { app: ROLLING }, replicas: 2, version: v, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } });
export const blueDeployment = () => deployment({ name: BLUE, labels: { app: BLUE_GREEN_SERVICE, version: 'blue' }, replicas: 2, version: OLD_VERSION, strategy: { type: 'RollingUpdate' } });
export const greenDeployment = () => deployment({ name: GREEN, labels: { app: BLUE_GREEN_SERVICE, version: 'green' }, replicas: 2, version: NEW_VERSION, strategy: { type: 'RollingUpdate' } });
export const blueGreenService = (colour: 'blue' | 'green') => service(BLUE_GREEN_SERVICE, { app: BLUE_GREEN_SERVICE, version: colour });
export const canaryMainDeployment = (v: string) => deployment({ name: CANARY_MAIN, labels: { app: CANARY_MAIN, track: 'stable' }, replicas: 3, version: v, strategy: { type: 'RollingUpdate' } });
export const canaryDeployment = () => deployment({ name: CANARY, labels: { app: CANARY_MAIN, track: 'canary' }, replicas: 1, version: NEW_VERSION, strategy: { type: 'RollingUpdate' } });
/** The canary's Service selects only the shared app label: both Deployments' pods answer. */
export const canaryService = () => service(CANARY_MAIN, { app: CANARY_MAIN });

const applying = (step: string, flag: string) => async (ctx: LessonContext, _p: unknown, options: { force: boolean; prepared?: { objects?: KubeObject[]; kubectl: string[] } }) => {
  const outcome = await applyPrepared(ctx, options.prepared!, options.force);
  if (outcome.ok) await ctx.mark(step, flag);
  return outcome;
};

async function deleteDeployment(ctx: LessonContext, name: string): Promise<LessonOutcome> {
  const cluster = await ctx.cluster();
  try {
    await cluster.conn.request({ method: 'DELETE', path: `/apis/apps/v1/namespaces/default/deployments/${name}`, body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' } });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== 'NOT_FOUND') throw error;
    return { ok: true, code: 'strategy-already-gone', values: { name } };
  }
  return { ok: true, code: 'strategy-deleted', values: { name } };
}

export const strategiesActions = [
  lessonAction({
    id: 'strategies.deploy',
    params: z.object({ way: z.enum(['recreate', 'rolling', 'bluegreen', 'canary']) }).strict(),
    prepare: (_ctx, { way }) => {
      switch (way) {
        case 'recreate':
          return { objects: [recreateDeployment(OLD_VERSION), service(RECREATE, { app: RECREATE })], kubectl: [`kubectl apply -f ${RECREATE}.yaml`, `kubectl rollout status deployment/${RECREATE}`] };
        case 'rolling':
          return { objects: [rollingDeployment(OLD_VERSION), service(ROLLING, { app: ROLLING })], kubectl: [`kubectl apply -f ${ROLLING}.yaml`, `kubectl rollout status deployment/${ROLLING}`] };
        case 'bluegreen':
          return { objects: [blueDeployment(), blueGreenService('blue')], kubectl: [`kubectl apply -f ${BLUE}.yaml`, `kubectl get pods -l app=${BLUE_GREEN_SERVICE} -L version`] };
        case 'canary':
          return { objects: [canaryMainDeployment(OLD_VERSION), canaryService()], kubectl: [`kubectl apply -f ${CANARY_MAIN}.yaml`, `kubectl get pods -l app=${CANARY_MAIN} -L track`] };
      }
    },
    run: async (ctx, p, options) => applying('strategies', `deployed-${p.way}`)(ctx, p, options),
  }),
  lessonAction({
    id: 'strategies.update',
    params: z.object({ way: z.enum(['recreate', 'rolling']), version }).strict(),
    prepare: (_ctx, { way, version: v }) => {
      const name = way === 'recreate' ? RECREATE : ROLLING;
      return {
        objects: [way === 'recreate' ? recreateDeployment(v) : rollingDeployment(v)],
        kubectl: [`kubectl set image deployment/${name} nginx=nginx:${v}`, `kubectl rollout status deployment/${name}`],
      };
    },
    run: async (ctx, p, { force, prepared }) => {
      const outcome = await applyPrepared(ctx, prepared!, force, 'strategy-updated');
      if (outcome.ok) {
        await ctx.mark('strategies', `updated-${p.way}`);
        outcome.values = { version: p.version, name: p.way === 'recreate' ? RECREATE : ROLLING };
      }
      return outcome;
    },
  }),
  lessonAction({
    id: 'strategies.green',
    params: z.object({}).strict(),
    prepare: () => ({ objects: [greenDeployment()], kubectl: [`kubectl apply -f ${GREEN}.yaml`, `kubectl rollout status deployment/${GREEN}`] }),
    run: applying('strategies', 'green-deployed'),
  }),
  lessonAction({
    id: 'strategies.switch',
    params: z.object({ to: z.enum(['blue', 'green']) }).strict(),
    prepare: (_ctx, { to }) => ({
      objects: [blueGreenService(to)],
      kubectl: [`kubectl patch service ${BLUE_GREEN_SERVICE} -p '{"spec":{"selector":{"app":"${BLUE_GREEN_SERVICE}","version":"${to}"}}}'`, `kubectl get endpoints ${BLUE_GREEN_SERVICE}`],
    }),
    run: async (ctx, p, { force, prepared }) => {
      const outcome = await applyPrepared(ctx, prepared!, force, 'strategy-switched');
      if (outcome.ok) {
        await ctx.mark('strategies', p.to === 'green' ? 'switched-green' : 'switched-back');
        outcome.values = { to: p.to };
      }
      return outcome;
    },
  }),
  lessonAction({
    id: 'strategies.canary',
    params: z.object({}).strict(),
    prepare: () => ({ objects: [canaryDeployment()], kubectl: [`kubectl apply -f ${CANARY}.yaml`, `kubectl get pods -l app=${CANARY_MAIN} -L track`] }),
    run: applying('strategies', 'canary-deployed'),
  }),
  lessonAction({
    id: 'strategies.canaryRemove',
    params: z.object({}).strict(),
    prepare: () => ({ kubectl: [`kubectl delete deployment ${CANARY}`] }),
    run: async (ctx) => {
      const outcome = await deleteDeployment(ctx, CANARY);
      await ctx.mark('strategies', 'canary-removed');
      return outcome;
    },
  }),
  lessonAction({
    id: 'strategies.promote',
    params: z.object({}).strict(),
    prepare: () => ({
      objects: [canaryMainDeployment(NEW_VERSION)],
      kubectl: [`kubectl set image deployment/${CANARY_MAIN} nginx=nginx:${NEW_VERSION}`, `kubectl rollout status deployment/${CANARY_MAIN}`, `kubectl delete deployment ${CANARY}`],
    }),
    run: async (ctx, _p, { force, prepared }) => {
      const outcome = await applyPrepared(ctx, prepared!, force, 'strategy-promoted');
      if (!outcome.ok) return outcome;
      await deleteDeployment(ctx, CANARY);
      await ctx.mark('strategies', 'canary-promoted');
      return { ...outcome, values: { version: NEW_VERSION } };
    },
  }),
];
