/**
 * MicroK8s' addons as Kubernetes objects: what a fresh MicroK8s 1.32 applies at start (Calico,
 * CoreDNS, the system PriorityClasses) and the kubectl steps of the addon scripts (apply or
 * delete a manifest, wait for a Deployment), which `microk8s enable|disable` on a virtual Pi
 * runs through `LabKubeApi.addons`.
 */
import type { KubeApi } from '../api/kube-api';
import { resourceForKind } from '../api/resource-registry';
import type { Deployment, KubeObject } from '../api/types';
import { CALICO_YAML } from './manifests/calico';
import { COREDNS_YAML } from './manifests/coredns';
import { METALLB_ADDRESSPOOL_YAML, METALLB_CRD_YAML, METALLB_YAML } from './manifests/metallb';
import { METRICS_SERVER_YAML } from './manifests/metrics-server';
import type { KubectlResult } from './manifest-apply';
import { kubectlApply, kubectlDelete, kubectlDeleteOne, parseManifest } from './manifest-apply';

export type AddonManifest = 'calico' | 'dns/coredns' | 'metallb/crd' | 'metallb/metallb' | 'metallb/addresspool' | 'metrics-server/metrics-server';

/** The kubectl operations MicroK8s' addon scripts use, against the lab's API. */
export interface AddonObjects {
  /** `kubectl apply -f <manifest>` with the script's substitutions (`{{addresses}}`, `$DNSIP`, ...). */
  apply(manifest: AddonManifest, vars?: Record<string, string>): KubectlResult;
  /** `kubectl delete -f <manifest>`. */
  delete(manifest: AddonManifest, vars?: Record<string, string>): KubectlResult;
  /** `kubectl delete <kind> [-n ns] <name>`. */
  deleteObject(kind: string, namespace: string | undefined, name: string): KubectlResult;
  /** The object, if it exists (`kubectl get ... -o yaml`). */
  get(kind: string, namespace: string | undefined, name: string): KubeObject | undefined;
  /** `kubectl wait deployment <name> --for condition=Available=True` would succeed now. */
  deploymentAvailable(namespace: string, name: string): boolean;
}

const MANIFESTS: Record<AddonManifest, string> = {
  calico: CALICO_YAML,
  'dns/coredns': COREDNS_YAML,
  'metallb/crd': METALLB_CRD_YAML,
  'metallb/metallb': METALLB_YAML,
  'metallb/addresspool': METALLB_ADDRESSPOOL_YAML,
  'metrics-server/metrics-server': METRICS_SERVER_YAML,
};

/** The values MicroK8s substitutes by default on a Raspberry Pi running Ubuntu. */
export const DEFAULT_VARS: Record<string, string> = {
  '{{allow_escalation}}': 'false',
  $ALLOWESCALATION: 'false',
  $NAMESERVERS: '/etc/resolv.conf',
  $DNSIP: '10.152.183.10',
  $ARCH: 'arm64',
};

function render(manifest: AddonManifest, vars: Record<string, string> = {}): string {
  let text = MANIFESTS[manifest];
  for (const [k, v] of Object.entries({ ...DEFAULT_VARS, ...vars })) text = text.split(k).join(v);
  return text;
}

const PRIORITY_CLASSES = [
  { name: 'system-cluster-critical', value: 2_000_000_000, description: 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.' },
  { name: 'system-node-critical', value: 2_000_001_000, description: 'Used for system critical pods that must not be moved from their current node.' },
];

export class LabAddons implements AddonObjects {
  constructor(private readonly api: KubeApi) {}

  /** What a fresh MicroK8s 1.32 holds: the system PriorityClasses, Calico, and CoreDNS (dns is on by default). */
  bootstrap(): void {
    const pc = resourceForKind('PriorityClass');
    for (const p of PRIORITY_CLASSES) {
      if (!this.api.tryGet(pc, undefined, p.name)) {
        this.api.create(pc, undefined, { metadata: { name: p.name }, value: p.value, globalDefault: false, description: p.description, preemptionPolicy: 'PreemptLowerPriority' } as KubeObject, { fieldManager: 'kube-apiserver' });
      }
    }
    if (!this.api.tryGet(resourceForKind('DaemonSet'), 'kube-system', 'calico-node')) this.apply('calico');
    if (!this.api.tryGet(resourceForKind('Deployment'), 'kube-system', 'coredns')) this.apply('dns/coredns');
  }

  apply(manifest: AddonManifest, vars?: Record<string, string>): KubectlResult {
    return kubectlApply(this.api, parseManifest(render(manifest, vars)));
  }

  delete(manifest: AddonManifest, vars?: Record<string, string>): KubectlResult {
    return kubectlDelete(this.api, parseManifest(render(manifest, vars)));
  }

  deleteObject(kind: string, namespace: string | undefined, name: string): KubectlResult {
    const t = this.api.registry.forKind(kind);
    const out: KubectlResult = { lines: [], errors: [] };
    if (!t) {
      out.errors.push(`error: the server doesn't have a resource type "${kind.toLowerCase()}"`);
      return out;
    }
    out.lines.push(...kubectlDeleteOne(this.api, t, t.namespaced ? namespace : undefined, name, undefined, out.errors));
    return out;
  }

  get(kind: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const t = this.api.registry.forKind(kind);
    return t && this.api.tryGet(t, t.namespaced ? namespace : undefined, name);
  }

  deploymentAvailable(namespace: string, name: string): boolean {
    const d = this.api.tryGet<Deployment>(resourceForKind('Deployment'), namespace, name);
    return !!d?.status?.conditions?.some((c) => c.type === 'Available' && c.status === 'True');
  }
}
