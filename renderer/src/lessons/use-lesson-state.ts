/** The lessons' shared view of main: the live cluster (nodes and default-namespace workloads) and the lessons' progress. */
import type { LiveClusterState } from '../../../preload/contract/live-cluster';
import type { LessonsState } from '../../../preload/contract/lessons';
import { useMainState } from '../toolkit/use-main-state';

export function useLiveCluster(): LiveClusterState | undefined {
  return useMainState('liveCluster.state', {}, 'liveCluster.changed').data;
}

export function useLessons(): LessonsState | undefined {
  return useMainState('lessons.state', {}, 'lessons.changed').data;
}
