/** Deployment controller arithmetic and strategies, as upstream computes them. */
import { afterEach, describe, expect, it } from 'vitest';
import { resourceForKind } from '../api/resource-registry';
import type { Deployment, EventObject, Pod, ReplicaSet } from '../api/types';
import { startControlPlane } from '../testing/control-plane-fixture';
import { until } from '../testing/lab-fixture';
import type { LabControlPlane } from './control-plane';
import { resolveFenceposts } from './deployment-controller';

let plane: LabControlPlane | undefined;
afterEach(() => plane?.stop());

const deployment = (replicas: number, strategy: Deployment['spec']['strategy'], image = 'nginx:1.14.2', extra: Partial<Deployment['spec']> = {}): Deployment => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default' },
  spec: { replicas, strategy, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image }] } }, ...extra },
});

describe('RollingUpdate fenceposts', () => {
  it('rounds surge up and unavailable down; both 0 makes unavailable 1', () => {
    const f = (replicas: number, maxSurge: number | string, maxUnavailable: number | string) => resolveFenceposts(deployment(replicas, { type: 'RollingUpdate', rollingUpdate: { maxSurge, maxUnavailable } }));
    expect(f(10, '25%', '25%')).toEqual([3, 2]);
    expect(f(3, '25%', '25%')).toEqual([1, 0]);
    expect(f(2, 0, 1)).toEqual([0, 1]);
    expect(f(1, '10%', '10%')).toEqual([1, 0]);
    expect(f(4, '0%', '10%')).toEqual([0, 1]);
  });
});

describe('strategies', () => {
  it('Recreate scales the old ReplicaSet to 0 before the new one starts', async () => {
    const lab = startControlPlane(['pi-01', 'pi-02']);
    plane = lab.plane;
    lab.create(deployment(2, { type: 'Recreate' }));
    await until('2 running', () => lab.plane.api.objects<Pod>('Pod', 'default').filter((p) => p.status?.phase === 'Running').length === 2);
    lab.plane.api.mutate<Deployment>('Deployment', 'default', 'web', (d) => {
      d.spec.template.spec.containers[0]!.image = 'nginx:1.16.1';
    });
    await until('rolled out', () => {
      const pods = lab.plane.api.objects<Pod>('Pod', 'default');
      return pods.length === 2 && pods.every((p) => p.spec.containers[0]!.image === 'nginx:1.16.1' && p.status?.phase === 'Running');
    });
    const messages = lab.plane.api.objects<EventObject>('Event', 'default').filter((e) => e.reason === 'ScalingReplicaSet').sort((a, b) => Number(a.metadata.resourceVersion) - Number(b.metadata.resourceVersion)).map((e) => e.message.replace(/web-[a-z0-9]+/, 'RS'));
    expect(messages).toEqual(['Scaled up replica set RS from 0 to 2', 'Scaled down replica set RS to 0 from 2', 'Scaled up replica set RS from 0 to 2']);
  });

  it('an image that cannot be pulled exceeds the progress deadline', async () => {
    const lab = startControlPlane(['pi-01'], 1000);
    plane = lab.plane;
    lab.create(deployment(1, undefined, 'nginx:1.16.1'));
    await until('running', () => lab.plane.api.objects<Pod>('Pod', 'default').some((p) => p.status?.phase === 'Running'));
    lab.plane.api.mutate<Deployment>('Deployment', 'default', 'web', (d) => {
      d.spec.template.spec.containers[0]!.image = 'nginx:9.9.9';
      d.spec.progressDeadlineSeconds = 120;
    });
    const progressing = await until('ProgressDeadlineExceeded', () => {
      const d = lab.plane.api.tryGet<Deployment>(resourceForKind('Deployment'), 'default', 'web');
      const c = d?.status?.conditions?.find((x) => x.type === 'Progressing');
      return c?.reason === 'ProgressDeadlineExceeded' && c;
    });
    const newRS = lab.plane.api.objects<ReplicaSet>('ReplicaSet', 'default').find((rs) => rs.spec.template.spec.containers[0]!.image === 'nginx:9.9.9')!;
    expect(progressing).toMatchObject({ status: 'False', message: `ReplicaSet "${newRS.metadata.name}" has timed out progressing.` });
    // The old pod keeps serving: maxUnavailable 25% of 1 rounds down to 0.
    expect(lab.plane.api.objects<Pod>('Pod', 'default').filter((p) => p.spec.containers[0]!.image === 'nginx:1.16.1' && p.status?.phase === 'Running')).toHaveLength(1);
  });

  it('keeps revisionHistoryLimit old ReplicaSets', async () => {
    const lab = startControlPlane(['pi-01'], 1000);
    plane = lab.plane;
    lab.create(deployment(1, undefined, 'nginx:1.14.0', { revisionHistoryLimit: 1 }));
    const settled = () =>
      until('settled', () => {
        const d = lab.plane.api.tryGet<Deployment>(resourceForKind('Deployment'), 'default', 'web');
        return (d?.status?.observedGeneration ?? 0) >= (d?.metadata.generation ?? 1) && d?.status?.updatedReplicas === 1 && d.status.replicas === 1 && d.status.availableReplicas === 1;
      });
    for (const image of ['nginx:1.14.1', 'nginx:1.14.2', 'nginx:1.16.0']) {
      await settled();
      lab.plane.api.mutate<Deployment>('Deployment', 'default', 'web', (d) => {
        d.spec.template.spec.containers[0]!.image = image;
      });
    }
    await settled();
    await until('two ReplicaSets left', () => lab.plane.api.objects<ReplicaSet>('ReplicaSet', 'default').length === 2);
    const revisions = lab.plane.api.objects<ReplicaSet>('ReplicaSet', 'default').map((rs) => rs.metadata.annotations?.['deployment.kubernetes.io/revision']).sort();
    expect(revisions).toEqual(['3', '4']);
  });
});
