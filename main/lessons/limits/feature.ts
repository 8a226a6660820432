/** Step 9, Limits (see limits-lesson.ts): its actions, and the step's status from what the user has seen. */
import { worldFeature } from '../../app/feature-def';
import { limitsActions } from './limits-lesson';

declare module '../../app/feature-def' {
  interface FeatureApis {
    limitsLesson: object;
  }
}

/** What the user must have seen for the step to be done: both refusals and the defaults admission wrote. */
export const LIMITS_GOALS = ['must-specify', 'defaults', 'exceeded'] as const;

export const feature = worldFeature('limitsLesson', (ctx) => ({
  api: {},
  handlers: {},
  start: () => ctx.feature('lessons').register(limitsActions as never),
  steps: {
    limits: () => {
      if (!ctx.feature('cluster').built()) return { status: 'not-started', locked: 'needs-cluster' };
      const progress = ctx.feature('lessons').progress('limits');
      if (LIMITS_GOALS.every((g) => progress.includes(g))) return { status: 'done' };
      return { status: progress.length > 0 ? 'in-progress' : 'not-started' };
    },
  },
}));
