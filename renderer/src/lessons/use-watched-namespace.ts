/**
 * A namespace other than `default`, live: asks main to watch it (with extra kinds such as its
 * ResourceQuotas and LimitRanges), renews the lease while the view is shown, follows the
 * `liveCluster.view` snapshots of that watch, and lets go when the view goes away. Watching again
 * after a reconnect or when the cluster appears (a watch needs a formed cluster).
 */
import { useEffect, useState } from 'react';
import type { KubeViewSnapshot } from '../../../preload/contract/kube';
import { call, onConnection, onEvent } from '../api/client';

export function useWatchedNamespace(namespace: string, extraKinds: ReadonlyArray<'resourcequotas' | 'limitranges'> = [], enabled = true): KubeViewSnapshot | undefined {
  const [snapshot, setSnapshot] = useState<KubeViewSnapshot | undefined>(undefined);
  const kindsKey = extraKinds.join(',');
  useEffect(() => {
    if (!enabled) return undefined;
    let viewId: string | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const kinds = kindsKey ? (kindsKey.split(',') as Array<'resourcequotas' | 'limitranges'>) : [];
    const watch = async () => {
      clearTimeout(timer);
      try {
        const answer = await call('liveCluster.watch', { namespace, ...(viewId ? { viewId } : {}), ...(kinds.length ? { extraKinds: kinds } : {}) });
        if (stopped) {
          void call('liveCluster.unwatch', { viewId: answer.viewId }).catch(() => undefined);
          return;
        }
        viewId = answer.viewId;
        // Renew well before the lease ends.
        timer = setTimeout(() => void watch(), Math.max(1000, answer.leaseMs / 3));
      } catch {
        // No cluster yet, or main is away: try again a little later.
        if (!stopped) timer = setTimeout(() => void watch(), 3000);
      }
    };
    const offView = onEvent('liveCluster.view', (payload) => {
      if (payload.viewId === viewId) setSnapshot(payload.snapshot);
    });
    const offConnection = onConnection((connected) => {
      if (connected) {
        viewId = undefined;
        void watch();
      }
    });
    void watch();
    return () => {
      stopped = true;
      clearTimeout(timer);
      offView();
      offConnection();
      if (viewId) void call('liveCluster.unwatch', { viewId }).catch(() => undefined);
    };
  }, [namespace, kindsKey, enabled]);
  return snapshot;
}
