/** Step 11, Strategies, measured (see strategies-lesson.ts). */
import { worldFeature } from '../../app/feature-def';
import { strategiesActions } from './strategies-lesson';

declare module '../../app/feature-def' {
  interface FeatureApis {
    strategiesLesson: object;
  }
}

/** What the user has done when every way has been tried once (each flag set by its action). */
export const STRATEGIES_DONE = ['updated-recreate', 'updated-rolling', 'switched-green', 'switched-back', 'canary-deployed'] as const;

export const feature = worldFeature('strategiesLesson', (ctx) => ({
  api: {},
  handlers: {},
  start: () => ctx.feature('lessons').register(strategiesActions as never),
  steps: {
    strategies: () => {
      if (!ctx.feature('cluster').built()) return { status: 'not-started', locked: 'needs-cluster' };
      const progress = ctx.feature('lessons').progress('strategies');
      if (STRATEGIES_DONE.every((f) => progress.includes(f))) return { status: 'done' };
      return { status: progress.length > 0 ? 'in-progress' : 'not-started' };
    },
  },
}));
