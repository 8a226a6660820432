/**
 * "Reset lessons" against the lab's real API: the dry list names the owners to delete, what
 * goes with them and what is protected; the reset removes everything labelled and nothing
 * else, and says what is left when a pod sits on a node that is down.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeResetPlan, kubeResetResult } from '../../preload/contract/kube';
import { DEPLOYMENT_YAML } from '../lab/kube/testing/tutorial-manifests';
import { KubeError } from './kube-errors';
import { planReset, resetLessons } from './lesson-reset';
import { applyObjects } from './server-side-apply';
import type { KubeLab } from './testing/kube-lab';
import { startKubeLab, until } from './testing/kube-lab';

let k: KubeLab;

beforeAll(async () => {
  k = await startKubeLab({ nodes: ['pi-01', 'pi-02', 'pi-03'] });
});

afterAll(async () => {
  await k?.stop();
});

const LESSON_LIMITS = `apiVersion: v1
kind: Namespace
metadata:
  name: lesson-limits
---
apiVersion: v1
kind: ResourceQuota
metadata:
  name: q1
  namespace: lesson-limits
spec:
  hard:
    pods: "3"
    requests.cpu: "1"
---
apiVersion: v1
kind: LimitRange
metadata:
  name: defaults
  namespace: lesson-limits
spec:
  limits:
  - type: Container
    default: { cpu: 250m, memory: 128Mi }
`;

async function exists(path: string): Promise<boolean> {
  try {
    await k.conn.request({ method: 'GET', path });
    return true;
  } catch (e) {
    if (e instanceof KubeError && e.code === 'NOT_FOUND') return false;
    throw e;
  }
}

describe('reset lessons', () => {
  it('lists, then deletes everything the lessons made and nothing else', async () => {
    expect((await applyObjects(k.conn, DEPLOYMENT_YAML)).failed).toBeUndefined();
    expect((await applyObjects(k.conn, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'nginx' }, spec: { type: 'NodePort', selector: { app: 'nginx' }, ports: [{ port: 80 }] } })).failed).toBeUndefined();
    expect((await applyObjects(k.conn, LESSON_LIMITS)).failed).toBeUndefined();
    // The user's own objects, and a cluster namespace someone labelled as the app's.
    await k.conn.request({ method: 'POST', path: '/api/v1/namespaces/default/configmaps', body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'users-own' }, data: { a: '1' } } });
    await k.conn.request({
      method: 'POST',
      path: '/apis/apps/v1/namespaces/default/deployments',
      body: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'users-app' }, spec: { replicas: 1, selector: { matchLabels: { app: 'users' } }, template: { metadata: { labels: { app: 'users' } }, spec: { containers: [{ name: 'c', image: 'nginx:1.16.1' }] } } } },
    });
    await k.conn.request({ method: 'PATCH', path: '/api/v1/namespaces/default', contentType: 'application/merge-patch+json', body: { metadata: { labels: { 'app.kubernetes.io/managed-by': 'pi-cluster-wizard' } } } });
    await until('nginx pods', async () => (await k.conn.request<{ items: unknown[] }>({ method: 'GET', path: '/api/v1/namespaces/default/pods', query: { labelSelector: 'app=nginx' } })).items.length === 2);

    const plan = await planReset(k.conn);
    expect(kubeResetPlan.parse(plan)).toEqual(plan);
    expect(plan.objects.map((o) => o.display).sort()).toEqual(['deployment.apps/nginx-deployment', 'namespace/lesson-limits', 'service/nginx']);
    expect(plan.objects.at(-1)?.display).toBe('namespace/lesson-limits');
    expect(plan.dependents.map((o) => o.kind).sort()).toEqual(['LimitRange', 'Pod', 'Pod', 'ReplicaSet', 'ResourceQuota']);
    expect(plan.protected.map((o) => o.display)).toEqual(['namespace/default']);

    const progress: number[] = [];
    const result = await resetLessons(k.conn, { onProgress: (r) => progress.push(r.length), timeoutMs: 30_000 });
    expect(kubeResetResult.parse(result)).toEqual(result);
    expect(result.remaining).toEqual([]);
    expect(result.failed).toEqual([]);
    expect(result.deleted).toHaveLength(plan.objects.length + plan.dependents.length);
    expect(progress.at(-1)).toBe(0);
    expect(await exists('/apis/apps/v1/namespaces/default/deployments/nginx-deployment')).toBe(false);
    expect(await exists('/api/v1/namespaces/lesson-limits')).toBe(false);
    expect(await exists('/api/v1/namespaces/default/services/nginx')).toBe(false);
    expect(await exists('/api/v1/namespaces/default/configmaps/users-own')).toBe(true);
    expect(await exists('/apis/apps/v1/namespaces/default/deployments/users-app')).toBe(true);
    expect(await exists('/api/v1/namespaces/default')).toBe(true);
    expect(await planReset(k.conn)).toMatchObject({ objects: [], dependents: [] });
  });

  it('reports what is left when a pod sits on a node that is down', async () => {
    await applyObjects(k.conn, DEPLOYMENT_YAML);
    const pods = await until('nginx pods running', async () => {
      const list = await k.conn.request<{ items: { metadata: { name: string }; spec: { nodeName?: string }; status?: { phase?: string } }[] }>({ method: 'GET', path: '/api/v1/namespaces/default/pods', query: { labelSelector: 'app=nginx' } });
      return list.items.length === 2 && list.items.every((p) => p.status?.phase === 'Running') && list.items;
    });
    const down = pods[0]!.spec.nodeName!;
    k.lab.cluster.setReady(down, false);
    try {
      const result = await resetLessons(k.conn, { timeoutMs: 1_500 });
      expect(result.remaining.map((o) => [o.kind, o.name])).toEqual([['Pod', pods[0]!.metadata.name]]);
      expect(result.deleted.map((o) => o.kind).sort()).toEqual(['Deployment', 'Pod', 'ReplicaSet']);
    } finally {
      k.lab.cluster.setReady(down, true);
    }
    const again = await resetLessons(k.conn, { timeoutMs: 30_000 });
    expect(again.remaining).toEqual([]);
  });
});
