/** Step 7, Rolling update and rollback (see update-lesson.ts). */
import { worldFeature } from '../../app/feature-def';
import type { StepInfo } from '../../app/feature-def';
import type { WorldContext } from '../../app/feature-def';
import { updateActions } from './update-lesson';
import { DEPLOYMENT } from '../deploy/deploy-lesson';

declare module '../../app/feature-def' {
  interface FeatureApis {
    updateLesson: object;
  }
}

/**
 * Steps 7 and 8 work on step 6's Deployment: locked until a cluster is formed, then until the
 * Deployment exists (read from the live cluster; before the first snapshot, from step 6's progress).
 */
export function lockOfNginxLessons(ctx: WorldContext): StepInfo['locked'] | undefined {
  if (!ctx.feature('cluster').built()) return 'needs-cluster';
  const deployments = ctx.feature('liveCluster').state().snapshot?.deployments;
  const exists = deployments ? deployments.some((d) => d.name === DEPLOYMENT) : ctx.feature('lessons').progress('deploy').includes('applied');
  return exists ? undefined : 'needs-deployment';
}

export const feature = worldFeature('updateLesson', (ctx) => ({
  api: {},
  handlers: {},
  start: () => ctx.feature('lessons').register(updateActions as never),
  steps: {
    update: (): StepInfo => {
      const progress = ctx.feature('lessons').progress('update');
      const done = progress.includes('updated') && progress.includes('rolled-back');
      const locked = lockOfNginxLessons(ctx);
      // Once done, it stays done (the Deployment may be reset or changed later by other lessons).
      if (done) return { status: 'done' };
      if (locked) return { status: 'not-started', locked };
      return { status: progress.length > 0 ? 'in-progress' : 'not-started' };
    },
  },
}));
