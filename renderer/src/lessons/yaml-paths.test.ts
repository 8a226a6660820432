import { describe, expect, it } from 'vitest';
import { DEPLOYMENT_YAML } from '../../../main/lessons/tutorial-manifests';
import { kindsByLine, yamlLines } from './yaml-paths';

// The tutorial's deployment.yaml, exactly as the lessons apply it.
const DEPLOYMENT = DEPLOYMENT_YAML;

describe('yamlLines', () => {
  it('gives every line of the tutorial deployment the field it sets', () => {
    const paths = Object.fromEntries(yamlLines(DEPLOYMENT).map((l) => [l.text.trim(), l.path]));
    expect(paths['replicas: 2 # tells deployment to run 2 pods matching the template']).toBe('spec.replicas');
    expect(paths['app: nginx']).toBe('spec.template.metadata.labels.*');
    expect(paths['- name: nginx']).toBe('spec.template.spec.containers.name');
    expect(paths['image: nginx:1.14.2']).toBe('spec.template.spec.containers.image');
    expect(paths['- containerPort: 80']).toBe('spec.template.spec.containers.ports.containerPort');
    expect(paths['- key: "app"']).toBe('spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution.labelSelector.matchExpressions.key');
    expect(paths['operator: In']).toBe('spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution.labelSelector.matchExpressions.operator');
    expect(paths['- nginx']).toBe('spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution.labelSelector.matchExpressions.values');
    expect(paths['topologyKey: "kubernetes.io/hostname"']).toBe('spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution.topologyKey');
    expect(yamlLines(DEPLOYMENT).find((l) => l.text.startsWith('    matchLabels'))?.path).toBe('spec.selector.matchLabels');
  });

  it('knows the kind of each document in a multi-document file', () => {
    const lines = yamlLines('kind: Service\nspec:\n  type: NodePort\n---\nkind: Deployment\nspec:\n  replicas: 1\n');
    expect(kindsByLine(lines)).toEqual(['Service', 'Service', 'Service', undefined, 'Deployment', 'Deployment', 'Deployment']);
    expect(lines[6]?.path).toBe('spec.replicas');
  });

  it('reads a LimitRange’s limits as fields and a ConfigMap’s files as the value of their key', () => {
    const lines = yamlLines(`apiVersion: v1
kind: LimitRange
spec:
  limits:
  - type: Container
    default:
      cpu: 500m
---
kind: ConfigMap
data:
  default.conf: |
    server {
        listen       80;
        location / { root: /x; }
    }

  other: x
`);
    const paths = lines.map((l) => [l.text.trim(), l.path]);
    expect(paths).toContainEqual(['- type: Container', 'spec.limits.type']);
    expect(paths).toContainEqual(['default:', 'spec.limits.default']);
    expect(paths).toContainEqual(['cpu: 500m', 'spec.limits.default.*']);
    expect(paths).toContainEqual(['default.conf: |', 'data.*']);
    expect(paths).toContainEqual(['location / { root: /x; }', 'data.*']);
    expect(paths).toContainEqual(['}', 'data.*']);
    expect(paths).toContainEqual(['other: x', 'data.*']);
  });
});
