/** Jobs as the window sees them: list, log from an offset (to re-attach after a reload), cancel. */
import { appFeature } from '../app/feature-def';
import type { JobManager } from './job-manager';

declare module '../app/feature-def' {
  interface FeatureApis {
    jobs: JobManager;
  }
}

export const feature = appFeature('jobs', (ctx) => ({
  api: ctx.jobs,
  handlers: {
    'jobs.list': () => ctx.jobs.list(),
    'jobs.log': ({ id, from }) => ctx.jobs.log(id, from),
    'jobs.cancel': ({ id }) => ctx.jobs.cancel(id),
  },
}));
