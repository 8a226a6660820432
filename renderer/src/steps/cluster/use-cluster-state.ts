/** The cluster steps' shared view of main: last preflight, the formed cluster, the running job. */
import type { ClusterState } from '../../../../preload/contract/cluster';
import { useMainState } from '../../toolkit/use-main-state';

export function useClusterState(): ClusterState | null {
  return useMainState('cluster.state', {}, 'cluster.changed').data ?? null;
}
