/**
 * The API's own quota refusals, read by the library against the lab's real API: a pod without
 * requests in a namespace whose quota tracks CPU ("must specify"), and one pod too many
 * ("exceeded quota"), each with the quota's name and numbers, and nothing applied.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeApplyResult } from '../../preload/contract/kube';
import { applyObjects } from './server-side-apply';
import type { KubeLab } from './testing/kube-lab';
import { startKubeLab, until } from './testing/kube-lab';

let k: KubeLab;

beforeAll(async () => {
  k = await startKubeLab({ nodes: ['pi-01', 'pi-02'] });
  const quota = `apiVersion: v1
kind: Namespace
metadata:
  name: limited
---
apiVersion: v1
kind: ResourceQuota
metadata:
  name: q1
  namespace: limited
spec:
  hard:
    pods: "1"
    requests.cpu: "1"
`;
  expect((await applyObjects(k.conn, quota)).failed).toBeUndefined();
  await until('quota status computed', async () => {
    const q = await k.conn.request<{ status?: { hard?: Record<string, string> } }>({ method: 'GET', path: '/api/v1/namespaces/limited/resourcequotas/q1' });
    return q.status?.hard?.['pods'] === '1';
  });
});

afterAll(async () => {
  await k?.stop();
});

const pod = (name: string, cpu?: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'limited' },
  spec: { containers: [{ name: 'nginx', image: 'nginx:1.16.1', ...(cpu ? { resources: { requests: { cpu } } } : {}) }] },
});

describe('quota refusals', () => {
  it('reads "must specify" with the quota, resources and containers', async () => {
    const r = await applyObjects(k.conn, pod('no-requests'));
    expect(kubeApplyResult.parse(r)).toEqual(r);
    expect(r.objects).toEqual([]);
    expect(r.failed?.error).toMatchObject({
      code: 'FORBIDDEN',
      reason: 'Forbidden',
      httpStatus: 403,
      message: 'pods "no-requests" is forbidden: failed quota: q1: must specify requests.cpu for: nginx',
      forbidden: { kind: 'quota-must-specify', quota: 'q1', missing: [{ resource: 'requests.cpu', containers: ['nginx'] }] },
    });
  });

  it('reads "exceeded quota" with what was requested, used and allowed', async () => {
    expect((await applyObjects(k.conn, pod('first', '250m'))).failed).toBeUndefined();
    await until('quota counts the first pod', async () => {
      const q = await k.conn.request<{ status?: { used?: Record<string, string> } }>({ method: 'GET', path: '/api/v1/namespaces/limited/resourcequotas/q1' });
      return q.status?.used?.['pods'] === '1';
    });
    const r = await applyObjects(k.conn, pod('second', '250m'));
    expect(r.failed?.error).toMatchObject({
      code: 'FORBIDDEN',
      forbidden: { kind: 'quota-exceeded', quota: 'q1', requested: { pods: '1' }, used: { pods: '1' }, limited: { pods: '1' } },
    });
    expect(r.failed?.error.message).toBe('pods "second" is forbidden: exceeded quota: q1, requested: pods=1, used: pods=1, limited: pods=1');
  });
});
