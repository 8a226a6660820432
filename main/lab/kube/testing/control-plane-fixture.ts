/** Test fixture: an in-process control plane (no HTTP) over a FakeLabCluster with a fast lab clock. */
import { LabClock } from '../../lab-clock';
import { resourceForKind } from '../api/resource-registry';
import type { KubeObject } from '../api/types';
import { LabControlPlane } from '../controllers/control-plane';
import { FakeLabCluster } from './fake-lab-cluster';

export function startControlPlane(nodes: string[], speed = 200): { plane: LabControlPlane; cluster: FakeLabCluster; clock: LabClock; create: <T extends KubeObject>(o: T) => T } {
  const clock = new LabClock({ speed });
  const cluster = new FakeLabCluster();
  for (const n of nodes) cluster.addNode(n, { joinedAt: clock.now() });
  const plane = new LabControlPlane(clock, cluster);
  plane.start();
  const create = <T extends KubeObject>(o: T): T => plane.api.create<T>(resourceForKind(o.kind!), o.metadata.namespace ?? 'default', o, { fieldManager: 'test' });
  return { plane, cluster, clock, create };
}
