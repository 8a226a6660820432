/** Steps 4 and 5, Install MicroK8s and Form the cluster, in this world (see cluster-service.ts). */
import { worldFeature } from '../app/feature-def';
import type { StepInfo } from '../app/feature-def';
import { ClusterService, clusterSlice } from './cluster-service';

declare module '../app/feature-def' {
  interface FeatureApis {
    cluster: ClusterService;
  }
}

export const feature = worldFeature('cluster', (ctx) => {
  const cluster = new ClusterService({
    slice: ctx.slice(clusterSlice),
    dir: ctx.dir,
    jobs: ctx.jobs,
    env: ctx.env,
    plans: () => ctx.feature('plan'),
    findNodes: () => ctx.feature('findNodes'),
    cardReport: (hostname) => ctx.feature('cards').reportFor(hostname),
    onChange: (state) => {
      ctx.emit('cluster.changed', state);
      ctx.stepsChanged();
      ctx.feature('liveCluster').reconcile();
    },
  });
  /** The plan and the cluster disagree (a node renamed or added after forming): the step needs the user again. */
  const drifted = (): boolean => {
    const built = cluster.built();
    const plan = ctx.feature('plan').stored();
    if (!built || !plan) return false;
    return built.nodes.some((n) => !plan.nodes.some((p) => p.hostname === n.name)) || plan.nodes.some((p) => !built.nodes.some((n) => n.name === p.hostname));
  };
  const install = (): StepInfo => {
    if (cluster.built()) return { status: 'done' };
    return { status: cluster.busy || cluster.state().preflight ? 'in-progress' : 'not-started' };
  };
  return {
    api: cluster,
    handlers: {
      'cluster.state': () => cluster.state(),
      'cluster.preflight': () => cluster.preflight(),
      'cluster.fix': ({ node, id }) => cluster.fix(node, id),
      'cluster.build': () => cluster.build(),
      'cluster.addNode': ({ node }) => cluster.addNode(node),
      'cluster.removeNode': ({ node }) => cluster.removeNode(node),
      'cluster.reset': () => cluster.reset(),
      'cluster.kubeconfigMergePreview': () => cluster.kubeconfigMergePreview(),
      'cluster.mergeKubeconfig': () => cluster.mergeKubeconfig(),
    },
    steps: {
      install,
      cluster: () => {
        if (!cluster.built()) return { status: cluster.busy ? 'in-progress' : 'not-started' };
        // A node the API reports not Ready (a Pi that lost power) needs the user, as does a plan that changed.
        const nodes = ctx.feature('liveCluster').nodes();
        const unhealthy = nodes.some((n) => n.ready.status !== 'True');
        return { status: drifted() || unhealthy ? 'needs-attention' : 'done' };
      },
    },
    // Closed in the middle of installing? Pick the job up from the nodes' real state.
    start: () => {
      cluster.resumeInterrupted();
    },
    close: () => cluster.close(),
  };
});
