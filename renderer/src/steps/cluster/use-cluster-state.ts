/** The cluster steps' shared view of main: last preflight, the formed cluster, the running job. */
import { useEffect, useState } from 'react';
import type { ClusterState } from '../../../../preload/contract/cluster';
import { call, onEvent } from '../../api/client';

export function useClusterState(): ClusterState | null {
  const [state, setState] = useState<ClusterState | null>(null);
  useEffect(() => {
    void call('cluster.state', {}).then(setState);
    return onEvent('cluster.changed', setState);
  }, []);
  return state;
}
