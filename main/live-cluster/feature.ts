/**
 * The formed cluster, live (see live-cluster-service.ts): nodes for steps 4-5 and the whole
 * journey's statuses, workloads for the lessons.
 */
import { worldFeature } from '../app/feature-def';
import { LiveClusterService } from './live-cluster-service';

declare module '../app/feature-def' {
  interface FeatureApis {
    liveCluster: LiveClusterService;
  }
}

export const feature = worldFeature('liveCluster', (ctx) => {
  let health = '';
  const live = new LiveClusterService({
    formed: () => {
      const built = ctx.feature('cluster').built();
      if (!built) return undefined;
      const found = ctx.feature('findNodes').found();
      // Every other control plane is a server to fail over to (MicroK8s has no virtual IP).
      const alternativeServers = built.nodes
        .filter((n) => n.role === 'control-plane' && n.name !== built.controlPlane && found[n.name])
        .map((n) => ctx.env.kubeApiServer({ sshHost: found[n.name]!.address, ...(n.internalIP ? { lanAddress: n.internalIP } : {}) }));
      return { key: JSON.stringify([built.kubeconfigPath, built.at, alternativeServers]), kubeconfigPath: built.kubeconfigPath, alternativeServers };
    },
    onChange: (state) => {
      ctx.emit('liveCluster.changed', state);
      // Step statuses follow the cluster (node health, the lessons' goals); tell the app only when they changed.
      const now = JSON.stringify(ctx.steps());
      if (now !== health) {
        health = now;
        ctx.stepsChanged();
      }
    },
    onView: (viewId, namespace, snapshot) => ctx.emit('liveCluster.view', { viewId, namespace, snapshot }),
  });
  return {
    api: live,
    handlers: {
      'liveCluster.state': () => {
        live.reconcile();
        return live.state();
      },
      'liveCluster.watch': ({ namespace, viewId, extraKinds }) => live.watch(namespace, viewId, extraKinds),
      'liveCluster.unwatch': ({ viewId }) => {
        live.unwatch(viewId);
        return {};
      },
    },
    start: () => live.reconcile(),
    close: () => live.close(),
  };
});
