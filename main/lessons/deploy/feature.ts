/** Step 6, Deploy nginx (see deploy-lesson.ts). */
import { worldFeature } from '../../app/feature-def';
import { deployActions, nginxPodsByNode } from './deploy-lesson';

declare module '../../app/feature-def' {
  interface FeatureApis {
    deployLesson: object;
  }
}

export const feature = worldFeature('deployLesson', (ctx) => ({
  api: {},
  handlers: {},
  start: () => ctx.feature('lessons').register(deployActions as never),
  steps: {
    deploy: () => {
      if (!ctx.feature('cluster').built()) return { status: 'not-started', locked: 'needs-cluster' };
      const lessons = ctx.feature('lessons');
      const progress = lessons.progress('deploy');
      if (progress.includes('spread')) return { status: 'done' };
      // Done when two pods run on two different nodes, as the tutorial shows with -o wide.
      if (nginxPodsByNode(ctx.feature('liveCluster').state().snapshot).size >= 2) {
        void lessons.mark('deploy', 'spread');
        return { status: 'done' };
      }
      return { status: progress.length > 0 ? 'in-progress' : 'not-started' };
    },
  },
}));
