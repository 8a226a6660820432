/** Deletion propagation (Background, Foreground, Orphan) and namespace deletion. */
import { afterEach, describe, expect, it } from 'vitest';
import { resourceForKind } from '../api/resource-registry';
import type { Deployment, KubeObject, Pod, ReplicaSet } from '../api/types';
import { startControlPlane } from '../testing/control-plane-fixture';
import { until } from '../testing/lab-fixture';
import type { LabControlPlane } from './control-plane';
import { EVENT_TTL_MS } from './garbage-collector';

let plane: LabControlPlane | undefined;
afterEach(() => plane?.stop());

const web = (namespace = 'default'): Deployment => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace },
  spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.16.1' }] } } },
});

async function running(p: LabControlPlane, n: number, namespace = 'default') {
  await until(`${n} running`, () => p.api.objects<Pod>('Pod', namespace).filter((x) => x.status?.phase === 'Running').length === n);
}

describe('event TTL', () => {
  it('events older than an hour of lab time disappear', async () => {
    const lab = startControlPlane(['pi-01'], 20_000);
    plane = lab.plane;
    const start = lab.clock.now();
    await until('node events', () => lab.plane.api.objects('Event', 'default').length > 0);
    const first = lab.plane.api.objects('Event', 'default')[0]!.metadata.name;
    await until('expired', () => !lab.plane.api.objects('Event', 'default').some((e) => e.metadata.name === first), 30_000);
    // The TTL is lab time though reported times are real time.
    expect(lab.clock.now() - start).toBeGreaterThan(EVENT_TTL_MS);
  }, 60_000);
});

describe('deletion propagation', () => {
  it('Background: the ReplicaSet and its pods follow the Deployment', async () => {
    const lab = startControlPlane(['pi-01']);
    plane = lab.plane;
    lab.create(web());
    await running(lab.plane, 2);
    lab.plane.api.delete(resourceForKind('Deployment'), 'default', 'web', { propagationPolicy: 'Background' });
    expect(lab.plane.api.tryGet(resourceForKind('Deployment'), 'default', 'web')).toBeUndefined();
    await until('all gone', () => lab.plane.api.objects('ReplicaSet', 'default').length === 0 && lab.plane.api.objects('Pod', 'default').length === 0);
  });

  it('Foreground: the Deployment stays until its dependents are gone', async () => {
    const lab = startControlPlane(['pi-01']);
    plane = lab.plane;
    lab.create(web());
    await running(lab.plane, 2);
    lab.plane.api.delete(resourceForKind('Deployment'), 'default', 'web', { propagationPolicy: 'Foreground' });
    const d = lab.plane.api.tryGet<Deployment>(resourceForKind('Deployment'), 'default', 'web');
    expect(d?.metadata.finalizers).toEqual(['foregroundDeletion']);
    expect(d?.metadata.deletionTimestamp).toBeDefined();
    await until('deployment gone', () => lab.plane.api.tryGet(resourceForKind('Deployment'), 'default', 'web') === undefined);
    expect(lab.plane.api.objects('ReplicaSet', 'default')).toHaveLength(0);
  });

  it('Orphan: the ReplicaSet and pods keep running without an owner', async () => {
    const lab = startControlPlane(['pi-01']);
    plane = lab.plane;
    lab.create(web());
    await running(lab.plane, 2);
    lab.plane.api.delete(resourceForKind('Deployment'), 'default', 'web', { propagationPolicy: 'Orphan' });
    await until('deployment gone', () => lab.plane.api.tryGet(resourceForKind('Deployment'), 'default', 'web') === undefined);
    const rs = lab.plane.api.objects<ReplicaSet>('ReplicaSet', 'default');
    expect(rs).toHaveLength(1);
    expect(rs[0]!.metadata.ownerReferences ?? []).toEqual([]);
    await running(lab.plane, 2);
  });

  it('a deleted namespace is Terminating until its objects are gone', async () => {
    const lab = startControlPlane(['pi-01']);
    plane = lab.plane;
    lab.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'lab' } } as KubeObject);
    lab.create(web('lab'));
    lab.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'lab' }, data: { a: 'b' } } as KubeObject);
    await running(lab.plane, 2, 'lab');
    lab.plane.api.delete(resourceForKind('Namespace'), undefined, 'lab');
    const ns = lab.plane.api.tryGet(resourceForKind('Namespace'), undefined, 'lab');
    expect((ns?.status as { phase?: string }).phase).toBe('Terminating');
    await until('namespace gone', () => lab.plane.api.tryGet(resourceForKind('Namespace'), undefined, 'lab') === undefined);
    expect(lab.plane.api.objects('ConfigMap', 'lab')).toHaveLength(0);
  });
});
