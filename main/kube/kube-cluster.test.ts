/**
 * The library's front door: a cluster opened from its kubeconfig drives a lesson end to end
 * (apply, live view, scale, reset); the modules stay import-light (client-node only as types,
 * loaded on first open) and product code never reaches into the practice lab.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeViewSnapshot } from '../../preload/contract/kube';
import { startFixture } from '../lab/kube/testing/lab-fixture';
import type { LabFixture } from '../lab/kube/testing/lab-fixture';
import { DEPLOYMENT_YAML } from '../lab/kube/testing/tutorial-manifests';
import { openCluster } from './index';
import { until } from './testing/kube-lab';

let lab: LabFixture;

beforeAll(async () => {
  lab = await startFixture({ nodes: ['pi-01', 'pi-02'] });
});

afterAll(async () => {
  await lab?.api.stop();
});

describe('openCluster', () => {
  it('runs a lesson from a kubeconfig', async () => {
    const cluster = await openCluster({ kubeconfig: lab.api.kubeconfig() });
    const snaps: KubeViewSnapshot[] = [];
    const view = cluster.view({ kinds: ['pods', 'nodes', 'deployments'], namespace: 'default' }, (s) => snaps.push(s));
    try {
      expect(cluster.connected).toMatchObject({ server: lab.api.url, failedOver: false });
      expect((await cluster.identity()).kubeSystemUid).toBe(cluster.connected!.identity.kubeSystemUid);
      expect((await cluster.apply(DEPLOYMENT_YAML)).objects[0]?.action).toBe('created');
      await until('two pods on two nodes', () => {
        const pods = snaps.at(-1)?.pods?.filter((p) => p.status === 'Running') ?? [];
        return pods.length === 2 && new Set(pods.map((p) => p.node)).size === 2;
      });
      expect((await cluster.scale('default', 'nginx-deployment', 3)).scale.replicas).toBe(3);
      await until('a Pending third pod', () => snaps.at(-1)?.pods?.some((p) => p.status === 'Pending' && p.conditions.some((c) => c.reason === 'Unschedulable')));
      expect((await cluster.rolloutStatus('default', 'nginx-deployment')).message).toBe('Waiting for deployment "nginx-deployment" rollout to finish: 2 of 3 updated replicas are available...');
      expect((await cluster.reset({ timeoutMs: 30_000 })).remaining).toEqual([]);
      await until('no pods left', () => snaps.at(-1)?.pods?.length === 0);
    } finally {
      view.close();
      await cluster.close();
    }
  });
});

describe('the library\'s imports', () => {
  const dir = path.dirname(new URL(import.meta.url).pathname);
  const product = readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));

  it('loads client-node only on first use', () => {
    for (const f of product) {
      const text = readFileSync(path.join(dir, f), 'utf8');
      const valueImports = [...text.matchAll(/^import (?!type )[^;]*from '@kubernetes\/client-node';/gm)];
      expect(valueImports, f).toEqual([]);
    }
    expect(readFileSync(path.join(dir, 'kube-connection.ts'), 'utf8')).toContain("import('@kubernetes/client-node')");
  });

  it('never imports the practice lab from product code', () => {
    for (const f of product) expect(readFileSync(path.join(dir, f), 'utf8'), f).not.toMatch(/from '\.\.\/lab\//);
  });
});
