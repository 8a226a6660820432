/**
 * Step 8, Scale and load balancing (see scale-lesson.ts). Done when the user scaled into Pending
 * and out of it again, and nginx answered through a LoadBalancer address.
 */
import { worldFeature } from '../../app/feature-def';
import type { StepInfo } from '../../app/feature-def';
import { lockOfNginxLessons } from '../update/feature';
import { scaleActions, schedulableNodes, unschedulablePods } from './scale-lesson';

declare module '../../app/feature-def' {
  interface FeatureApis {
    scaleLesson: object;
  }
}

export const feature = worldFeature('scaleLesson', (ctx) => ({
  api: {},
  handlers: {},
  start: () => ctx.feature('lessons').register(scaleActions as never),
  steps: {
    scale: (): StepInfo => {
      const lessons = ctx.feature('lessons');
      const progress = lessons.progress('scale');
      if (progress.includes('pending-seen') && progress.includes('pending-resolved') && progress.includes('lb-answered')) return { status: 'done' };
      const locked = lockOfNginxLessons(ctx);
      if (locked) return { status: 'not-started', locked };
      // Pending and out of it again, as the live cluster shows it.
      const live = ctx.feature('liveCluster').state().snapshot;
      const pending = unschedulablePods(live).length > 0;
      const deployment = live?.deployments?.find((d) => d.name === 'nginx-deployment');
      // Pending because the user asked for more pods than nodes take (not a replacement pod
      // waiting a moment for a terminating one during a rollout).
      const pastNodes = !!deployment && deployment.replicas > schedulableNodes(live);
      if (pending && pastNodes && progress.includes('scaled') && !progress.includes('pending-seen')) void lessons.mark('scale', 'pending-seen');
      if (!pending && progress.includes('pending-seen') && !progress.includes('pending-resolved') && deployment && deployment.status.ready === deployment.replicas && deployment.status.replicas === deployment.replicas) {
        void lessons.mark('scale', 'pending-resolved');
      }
      return { status: progress.length > 0 ? 'in-progress' : 'not-started' };
    },
  },
}));
