/**
 * Step 10, Config and secrets (see config-lesson.ts): its actions, the password kept in memory
 * for this world only (forgotten when the world closes), and the step's status.
 */
import { worldFeature } from '../../app/feature-def';
import { CredentialMemory, configActions } from './config-lesson';

declare module '../../app/feature-def' {
  interface FeatureApis {
    configLesson: object;
  }
}

/** Done when the user saw the 401 and the page, edited the page and restarted the rollout. */
export const CONFIG_GOALS = ['fetched-401', 'fetched-200', 'edited', 'restarted'] as const;

export const feature = worldFeature('configLesson', (ctx) => {
  const memory = new CredentialMemory();
  return {
    api: {},
    handlers: {},
    start: () => ctx.feature('lessons').register(configActions(memory) as never),
    close: () => memory.forget(),
    steps: {
      config: () => {
        if (!ctx.feature('cluster').built()) return { status: 'not-started', locked: 'needs-cluster' };
        const progress = ctx.feature('lessons').progress('config');
        if (CONFIG_GOALS.every((g) => progress.includes(g))) return { status: 'done' };
        return { status: progress.length > 0 ? 'in-progress' : 'not-started' };
      },
    },
  };
});
