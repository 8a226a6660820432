/**
 * The lessons (steps 6-12) as a whole: their action registry, the cluster they run on, progress,
 * probes and "Reset lessons" (see lessons-service.ts). Each lesson's own folder
 * (main/lessons/<step>/feature.ts) registers its actions here and words its step's status.
 */
import { worldFeature } from '../app/feature-def';
import { runProbe, serviceTarget } from './lesson-probe';
import { LessonsService, lessonError, lessonsSlice } from './lessons-service';
import { AppError } from '../router/app-error';
import { ErrorCode } from '../../preload/contract/errors';

declare module '../app/feature-def' {
  interface FeatureApis {
    lessons: LessonsService;
  }
}

export const feature = worldFeature('lessons', (ctx) => {
  const lessons = new LessonsService({
    slice: ctx.slice(lessonsSlice),
    jobs: ctx.jobs,
    cluster: () => {
      const live = ctx.feature('liveCluster');
      if (live.state().status === 'none' && !ctx.feature('cluster').built()) return undefined;
      const opening = live.cluster();
      // state() only asks whether there is one: a refusal (the app closing) is for callers that await it.
      opening.catch(() => undefined);
      return opening;
    },
    live: () => ctx.feature('liveCluster').state().snapshot,
    context: {
      reach: (host, port) => ctx.env.reach(host, port),
      plan: () => ctx.feature('plan').stored(),
      controlPlaneSession: (signal) => ctx.feature('cluster').openControlPlane({ ...(signal ? { signal } : {}) }),
      nodeSession: (hostname, signal) => ctx.feature('cluster').openMember(hostname, { ...(signal ? { signal } : {}) }),
      ...(ctx.env.power ? { power: (hostname: string, on: boolean) => ctx.env.power!.set(hostname, on) } : {}),
    },
    onChange: (state) => ctx.emit('lessons.changed', state),
    onProbe: (payload) => ctx.emit('lessons.probe', payload),
  });
  return {
    api: lessons,
    handlers: {
      'lessons.state': () => lessons.state(),
      'lessons.preview': ({ action, params }) => lessons.preview(action, params),
      'lessons.run': ({ action, params, force }) => lessons.run(action, params, force),
      'lessons.history': async ({ name, namespace }) => {
        try {
          return await (await lessons.cluster()).history(namespace, name);
        } catch (error) {
          throw error instanceof AppError ? error : lessonError(error);
        }
      },
      'lessons.probeStart': async ({ service, namespace, ratePerSecond, durationMs, path, count }) => {
        const cluster = await lessons.cluster();
        let svc;
        try {
          svc = (await cluster.conn.request<unknown>({ method: 'GET', path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/services/${encodeURIComponent(service)}` })) as never;
        } catch (error) {
          throw lessonError(error);
        }
        const { toService } = await import('../kube/snapshots');
        const view = toService(svc);
        const nodes = ctx.feature('liveCluster').nodes();
        const target = serviceTarget(view, nodes);
        if (!target) {
          throw new AppError(ErrorCode.UNAVAILABLE, view.loadBalancer.pending ? `${service} is waiting for a load balancer address (EXTERNAL-IP <pending>).` : `${service} is not reachable from outside the cluster (type ${view.type}).`);
        }
        const probeId = lessons.newProbeId();
        const run = runProbe({
          target,
          translate: (host, port) => ctx.env.reach(host, port),
          path,
          ratePerSecond,
          durationMs,
          ...(count ? { count } : {}),
          cluster,
          namespace,
          selector: view.selector,
          probeId,
          onSamples: (samples, summary, done) => ctx.emit('lessons.probe', { probeId, samples, summary, done, target: target.display }),
        });
        lessons.startProbe(probeId, run);
        void run.done.finally(() => lessons.endProbe(probeId));
        return { probeId };
      },
      'lessons.probeStop': ({ probeId }) => {
        lessons.stopProbe(probeId);
        return {};
      },
      'lessons.planReset': async () => {
        try {
          return await lessons.planReset();
        } catch (error) {
          throw error instanceof AppError ? error : lessonError(error);
        }
      },
      'lessons.reset': () => lessons.reset(),
    },
    close: () => lessons.close(),
  };
});
