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
});
