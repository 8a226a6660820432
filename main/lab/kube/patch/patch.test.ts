/** Patch semantics as upstream applies them: strategic merge directives, JSON patch, server-side apply ownership. */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../api/types';
import { StatusError } from '../api/status-errors';
import { applyJsonPatch } from './json-patch';
import { applyMergePatch } from './merge-patch';
import { applyConfiguration, recordUpdate } from './server-side-apply';
import { strategicMerge } from './strategic-merge-patch';

const deployment = () => ({
  metadata: { name: 'web', labels: { app: 'web' } },
  spec: {
    replicas: 2,
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
    template: {
      spec: {
        containers: [
          { name: 'nginx', image: 'nginx:1.14.2', ports: [{ containerPort: 80 }], env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] },
          { name: 'sidecar', image: 'busybox:1.36' },
        ],
        volumes: [{ name: 'cfg', configMap: { name: 'cfg' } }],
      },
    },
  },
});

describe('strategic merge patch', () => {
  it('merges containers, env and ports by their merge keys', () => {
    const out = strategicMerge(deployment(), {
      spec: { template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.16.1', env: [{ name: 'B', value: '3' }], ports: [{ containerPort: 443 }] }] } } },
    }) as ReturnType<typeof deployment>;
    const nginx = out.spec.template.spec.containers[0]!;
    expect(out.spec.template.spec.containers.map((c) => c.name)).toEqual(['nginx', 'sidecar']);
    expect(nginx.image).toBe('nginx:1.16.1');
    expect(nginx.env).toEqual([{ name: 'A', value: '1' }, { name: 'B', value: '3' }]);
    expect(nginx.ports).toEqual([{ containerPort: 80 }, { containerPort: 443 }]);
  });

  it('honours $patch: delete, $setElementOrder, $retainKeys and null', () => {
    const out = strategicMerge(deployment(), {
      metadata: { labels: { app: null } },
      spec: {
        strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: null },
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'nginx' }],
            containers: [{ name: 'nginx', env: [{ name: 'A', $patch: 'delete' }] }],
            volumes: [{ name: 'cfg', $patch: 'delete' }],
          },
        },
      },
    }) as ReturnType<typeof deployment>;
    expect(out.metadata.labels).toEqual({});
    expect(out.spec.strategy).toEqual({ type: 'Recreate' });
    expect(out.spec.template.spec.containers.map((c) => c.name)).toEqual(['sidecar', 'nginx']);
    expect(out.spec.template.spec.containers[1]!.env).toEqual([{ name: 'B', value: '2' }]);
    expect(out.spec.template.spec.volumes).toEqual([]);
  });

  it('replaces lists without a merge key and maps marked $patch: replace', () => {
    const out = strategicMerge({ spec: { tolerations: [{ key: 'a' }], selector: { a: '1', b: '2' } } }, { spec: { tolerations: [{ key: 'b' }], selector: { $patch: 'replace', c: '3' } } });
    expect(out).toEqual({ spec: { tolerations: [{ key: 'b' }], selector: { c: '3' } } });
  });
});

describe('JSON patch and merge patch', () => {
  it('applies replace/add/remove/test as kubectl rollout undo sends them', () => {
    const out = applyJsonPatch(deployment(), [
      { op: 'test', path: '/spec/replicas', value: 2 },
      { op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'nginx:1.14.2' },
      { op: 'add', path: '/metadata/annotations', value: { 'a~b/c': 'x' } },
      { op: 'remove', path: '/spec/template/spec/containers/1' },
    ]);
    expect(out.spec.template.spec.containers).toHaveLength(1);
    expect((out.metadata as { annotations?: object }).annotations).toEqual({ 'a~b/c': 'x' });
  });

  it('rejects a failed test with 422', () => {
    let err: unknown;
    try {
      applyJsonPatch(deployment(), [{ op: 'test', path: '/spec/replicas', value: 3 }]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StatusError);
    expect((err as StatusError).code).toBe(422);
  });

  it('merge patch replaces lists and deletes with null', () => {
    expect(applyMergePatch({ spec: { replicas: 2, x: [1, 2] } }, { spec: { replicas: 5, x: [3], y: null } })).toEqual({ spec: { replicas: 5, x: [3] } });
  });
});

describe('server-side apply', () => {
  const now = '2026-01-01T00:00:00Z';
  const config = (replicas: number, image = 'nginx:1.14.2') =>
    ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas, template: { spec: { containers: [{ name: 'nginx', image }] } } } }) as KubeObject;

  it('records the applier as owner, conflicts with another manager, and force takes over', () => {
    const created = applyConfiguration(undefined, config(2), 'kubectl', false, 'apps/v1', now);
    expect(created.metadata.managedFields?.[0]).toMatchObject({ manager: 'kubectl', operation: 'Apply' });
    expect(JSON.stringify(created.metadata.managedFields?.[0]?.fieldsV1)).toContain('k:{\\"name\\":\\"nginx\\"}');
    // kubectl scale (an Update by another manager) takes spec.replicas.
    const scaled = structuredClone(created);
    (scaled.spec as { replicas: number }).replicas = 5;
    scaled.metadata.managedFields = recordUpdate(created, scaled, 'kubectl-scale', 'apps/v1', now, undefined);
    let err: unknown;
    try {
      applyConfiguration(scaled, config(3), 'kubectl', false, 'apps/v1', now);
    } catch (e) {
      err = e;
    }
    expect((err as StatusError).status).toMatchObject({ code: 409, reason: 'Conflict', message: 'Apply failed with 1 conflict: conflict with "kubectl-scale" using apps/v1: .spec.replicas' });
    // Re-applying the same value is no conflict; force takes ownership.
    expect(() => applyConfiguration(scaled, config(5, 'nginx:1.16.1'), 'kubectl', false, 'apps/v1', now)).not.toThrow();
    const forced = applyConfiguration(scaled, config(3), 'kubectl', true, 'apps/v1', now);
    expect((forced.spec as { replicas: number }).replicas).toBe(3);
    expect(forced.metadata.managedFields?.find((e) => e.manager === 'kubectl-scale')).toBeUndefined();
  });

  it('removes fields the applier stops sending', () => {
    const withLabel = { ...config(2), metadata: { name: 'web', labels: { tier: 'web' } } } as KubeObject;
    const live = applyConfiguration(undefined, withLabel, 'kubectl', false, 'apps/v1', now);
    const next = applyConfiguration(live, config(2), 'kubectl', false, 'apps/v1', now);
    expect(next.metadata.labels).toEqual({});
  });
});
