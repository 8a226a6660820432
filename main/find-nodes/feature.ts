/** Step 3, Boot & discover, in this world (see find-nodes-service.ts). */
import { worldFeature } from '../app/feature-def';
import { FindNodesService, findNodesSlice } from './find-nodes-service';

declare module '../app/feature-def' {
  interface FeatureApis {
    findNodes: FindNodesService;
  }
}

export const feature = worldFeature('findNodes', (ctx) => {
  const findNodes = new FindNodesService({
    slice: ctx.slice(findNodesSlice),
    dir: ctx.dir,
    jobs: ctx.jobs,
    env: ctx.env,
    plan: () => ctx.feature('plan').stored(),
    cardReport: (hostname) => ctx.feature('cards').reportFor(hostname),
    privateKeyPath: () => ctx.feature('plan').key.privateKeyPath,
    onChange: (state) => ctx.emit('findNodes.changed', state),
  });
  return {
    api: findNodes,
    handlers: {
      'findNodes.subnets': () => findNodes.subnets(),
      'findNodes.start': (params) => findNodes.start(params),
      'findNodes.stop': () => findNodes.stop(),
      'findNodes.state': () => findNodes.state(),
      'findNodes.trustNewHostKey': ({ host, port, fingerprint }) => findNodes.trustNewHostKey(host, port, fingerprint),
      'findNodes.confirmHostKey': ({ host, port, fingerprint }) => findNodes.confirmHostKey(host, port, fingerprint),
    },
    steps: {
      discover: () => {
        const planned = ctx.feature('plan').stored()?.nodes ?? [];
        const found = findNodes.found();
        const count = planned.filter((n) => found[n.hostname]).length;
        return { status: planned.length > 0 && count === planned.length ? 'done' : count > 0 || findNodes.state().jobId ? 'in-progress' : 'not-started' };
      },
    },
    close: () => findNodes.cancel(),
  };
});
