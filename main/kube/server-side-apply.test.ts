/**
 * Server-side apply against the lab's real API: the tutorial's deployment applied and labelled
 * down to its pods, dry runs that store nothing, a batch refused as a whole, and a change made
 * behind the app's back (kubectl edit, kubectl apply) shown as drift and as a conflict that only
 * `force` overrides.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEPLOYMENT_YAML } from '../lab/kube/testing/tutorial-manifests';
import { KubeError } from './kube-errors';
import type { KubeObject } from './manifests';
import { MANAGED_BY_LABEL, MANAGED_BY_SELECTOR } from './manifests';
import { applyObjects, planApply } from './server-side-apply';
import type { KubeLab } from './testing/kube-lab';
import { startKubeLab, until } from './testing/kube-lab';

let k: KubeLab;
const deployPath = '/apis/apps/v1/namespaces/default/deployments/nginx-deployment';

beforeAll(async () => {
  k = await startKubeLab({ nodes: ['pi-01', 'pi-02', 'pi-03'] });
});

afterAll(async () => {
  await k?.stop();
});

const get = <T = KubeObject>(p: string) => k.conn.request<T>({ method: 'GET', path: p });

async function missing(p: string): Promise<boolean> {
  try {
    await get(p);
    return false;
  } catch (e) {
    return e instanceof KubeError && e.code === 'NOT_FOUND';
  }
}

describe('applying the tutorial', () => {
  it('creates the deployment with the managed-by label on it, its ReplicaSet and its pods', async () => {
    const result = await applyObjects(k.conn, DEPLOYMENT_YAML);
    expect(result.failed).toBeUndefined();
    expect(result.objects).toMatchObject([{ kind: 'Deployment', name: 'nginx-deployment', namespace: 'default', action: 'created', display: 'deployment.apps/nginx-deployment' }]);
    const d = await get(deployPath);
    expect(d.metadata.labels?.[MANAGED_BY_LABEL]).toBe('pi-cluster-wizard');
    expect(d.metadata.managedFields?.some((e) => e.manager === 'pi-cluster-wizard' && e.operation === 'Apply')).toBe(true);
    const pods = await until('two labelled pods', async () => {
      const list = await get<{ items: KubeObject[] }>(`/api/v1/namespaces/default/pods?labelSelector=${encodeURIComponent(MANAGED_BY_SELECTOR)}`);
      return list.items.length === 2 && list.items;
    });
    expect(pods.every((p) => p.metadata.labels?.app === 'nginx')).toBe(true);
    const rs = await get<{ items: KubeObject[] }>(`/apis/apps/v1/namespaces/default/replicasets?labelSelector=${encodeURIComponent(MANAGED_BY_SELECTOR)}`);
    expect(rs.items).toHaveLength(1);

    const again = await applyObjects(k.conn, DEPLOYMENT_YAML);
    expect(again.objects[0]?.action).toBe('unchanged');
    expect(await planApply(k.conn, DEPLOYMENT_YAML)).toMatchObject([{ action: 'unchanged', changes: [], drift: [], conflicts: [] }]);
  });

  it('previews with a dry run that stores nothing', async () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'preview-only' }, data: { a: '1' } };
    const result = await applyObjects(k.conn, cm, { dryRun: true });
    expect(result).toMatchObject({ dryRun: true, objects: [{ kind: 'ConfigMap', name: 'preview-only', action: 'created' }] });
    expect(await missing('/api/v1/namespaces/default/configmaps/preview-only')).toBe(true);
    // Over an existing object: what would change, and nothing changed.
    const scaled = DEPLOYMENT_YAML.replace('replicas: 2', 'replicas: 3');
    expect((await applyObjects(k.conn, scaled, { dryRun: true })).objects[0]?.action).toBe('configured');
    expect((await applyObjects(k.conn, DEPLOYMENT_YAML, { dryRun: true })).objects[0]?.action).toBe('unchanged');
    expect((await get<KubeObject & { spec: { replicas: number } }>(deployPath)).spec.replicas).toBe(2);
  });

  it('creates a namespace before what goes in it, all labelled', async () => {
    const yaml = ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: page', '  namespace: lesson-limits', 'data:', '  index.html: hello', '---', 'apiVersion: v1', 'kind: Namespace', 'metadata:', '  name: lesson-limits', ''].join('\n');
    const result = await applyObjects(k.conn, yaml);
    expect(result.failed).toBeUndefined();
    expect(result.objects.map((o) => [o.kind, o.action])).toEqual([
      ['Namespace', 'created'],
      ['ConfigMap', 'created'],
    ]);
    expect((await get('/api/v1/namespaces/lesson-limits')).metadata.labels?.[MANAGED_BY_LABEL]).toBe('pi-cluster-wizard');
    expect((await get('/api/v1/namespaces/lesson-limits/configmaps/page')).metadata.labels?.[MANAGED_BY_LABEL]).toBe('pi-cluster-wizard');
  });

  it('applies nothing of a batch one object of which the API refuses', async () => {
    const yaml = `apiVersion: v1
kind: ConfigMap
metadata:
  name: first-of-batch
data:
  a: "1"
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: broken
spec:
  replicas: -1
  selector:
    matchLabels: { app: broken }
  template:
    metadata:
      labels: { app: broken }
    spec:
      containers:
      - name: c
        image: nginx:1.14.2
`;
    const result = await applyObjects(k.conn, yaml);
    expect(result.objects).toEqual([]);
    expect(result.failed).toMatchObject({ index: 1, kind: 'Deployment', name: 'broken', stage: 'check', error: { code: 'INVALID', reason: 'Invalid' } });
    expect(result.failed?.error.causes?.[0]).toMatchObject({ field: 'spec.replicas' });
    expect(await missing('/api/v1/namespaces/default/configmaps/first-of-batch')).toBe(true);
  });

  it('refuses a manifest without a name, with the document number', async () => {
    await expect(applyObjects(k.conn, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n')).rejects.toMatchObject({ code: 'INVALID_MANIFEST', values: { document: 1 } });
    await expect(applyObjects(k.conn, 'apiVersion: example.com/v1\nkind: Widget\nmetadata: { name: w }\n')).rejects.toMatchObject({ code: 'UNSUPPORTED_KIND' });
  });
});

describe('changes behind the app\'s back', () => {
  it('shows an edited image as drift and as a conflict until forced', async () => {
    // What `kubectl edit` would send.
    await k.conn.request({
      method: 'PATCH',
      path: deployPath,
      query: { fieldManager: 'kubectl-edit' },
      contentType: 'application/strategic-merge-patch+json',
      body: { spec: { template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.15.0' }] } } } },
    });
    const [plan] = await planApply(k.conn, DEPLOYMENT_YAML);
    const imagePath = '.spec.template.spec.containers[name="nginx"].image';
    expect(plan).toMatchObject({ action: 'update', conflicts: [{ manager: 'kubectl-edit', field: imagePath, apiVersion: 'apps/v1' }] });
    expect(plan!.drift).toEqual([{ path: imagePath, change: 'change', live: 'nginx:1.15.0', desired: 'nginx:1.14.2', owners: [{ manager: 'kubectl-edit', operation: 'Update' }], foreign: true }]);

    const refused = await applyObjects(k.conn, DEPLOYMENT_YAML);
    expect(refused.failed).toMatchObject({ stage: 'check', error: { code: 'CONFLICT', conflicts: [{ manager: 'kubectl-edit', field: imagePath }] } });
    expect(refused.failed?.error.message).toBe(`Apply failed with 1 conflict: conflict with "kubectl-edit" using apps/v1: ${imagePath}`);

    const forced = await applyObjects(k.conn, DEPLOYMENT_YAML, { force: true });
    expect(forced.objects[0]?.action).toBe('configured');
    const d = await get<KubeObject & { spec: { template: { spec: { containers: { image: string }[] } } } }>(deployPath);
    expect(d.spec.template.spec.containers[0]?.image).toBe('nginx:1.14.2');
    expect(await planApply(k.conn, DEPLOYMENT_YAML)).toMatchObject([{ drift: [], conflicts: [] }]);
  });

  it('takes back its own scale without asking', async () => {
    await k.conn.request({ method: 'PATCH', path: `${deployPath}/scale`, query: { fieldManager: 'pi-cluster-wizard' }, contentType: 'application/merge-patch+json', body: { spec: { replicas: 3 } } });
    const [plan] = await planApply(k.conn, DEPLOYMENT_YAML);
    expect(plan!.changes).toMatchObject([{ path: '.spec.replicas', live: 3, desired: 2, foreign: false }]);
    const result = await applyObjects(k.conn, DEPLOYMENT_YAML);
    expect(result.failed).toBeUndefined();
    expect(result.objects[0]).toMatchObject({ action: 'configured', tookBack: [{ manager: 'pi-cluster-wizard', field: '.spec.replicas' }] });
  });

  it('sees a kubectl client-side apply as drift', async (ctx) => {
    if (!existsSync('/usr/bin/kubectl')) return ctx.skip();
    const dir = mkdtempSync(path.join(tmpdir(), 'kube-drift-'));
    writeFileSync(path.join(dir, 'kubeconfig'), k.lab.api.kubeconfig(), { mode: 0o600 });
    writeFileSync(path.join(dir, 'd.yaml'), DEPLOYMENT_YAML.replace('replicas: 2', 'replicas: 3'));
    // Asynchronously: the lab API answers from this very process.
    await promisify(execFile)('/usr/bin/kubectl', ['--kubeconfig', path.join(dir, 'kubeconfig'), 'apply', '-f', path.join(dir, 'd.yaml')]);
    const [plan] = await planApply(k.conn, DEPLOYMENT_YAML);
    expect(plan!.drift).toMatchObject([{ path: '.spec.replicas', live: 3, desired: 2, owners: [{ manager: 'kubectl-client-side-apply' }] }]);
    expect(plan!.conflicts.map((c) => c.manager)).toEqual(['kubectl-client-side-apply']);
  });
});
