/**
 * metrics-server for the lab: PodMetrics / NodeMetrics (metrics.k8s.io/v1beta1) computed from
 * the per-deployment load the lab sets (`setLoad`), spread over the deployment's running pods,
 * plus an idle baseline. The load also produces nginx access-log lines in the pods' logs.
 */
import type { LabClock, LabTimer } from '../../lab-clock';
import type { KubeApi } from '../api/kube-api';
import { resourceForKind } from '../api/resource-registry';
import type { KubeObject, Pod, ReplicaSet } from '../api/types';
import type { Kubelet } from './kubelet';
import { controllerRef } from './pod-util';

const IDLE_POD_MILLI = 1;
const POD_MEMORY_KI = 3_600;
const NODE_SYSTEM_MILLI = 180;
const NODE_SYSTEM_MEMORY_KI = 900 * 1024;
const LOG_PERIOD_MS = 5_000;

export class MetricsServer {
  #load = new Map<string, number>();
  #timer?: LabTimer;

  constructor(
    private readonly api: KubeApi,
    private readonly clock: LabClock,
    private readonly kubelet: Kubelet,
  ) {
    api.virtualLists.set('metrics/pods', (ns) => this.#podMetrics(ns));
    api.virtualLists.set('metrics/nodes', () => this.#nodeMetrics());
  }

  start(): void {
    this.#timer = this.clock.every(LOG_PERIOD_MS, () => this.#logTraffic());
  }

  stop(): void {
    this.#timer?.cancel();
  }

  /** Total CPU the deployment's pods use together, in millicores. */
  setLoad(namespace: string, deployment: string, cpuMillicores: number): void {
    if (cpuMillicores > 0) this.#load.set(`${namespace}/${deployment}`, cpuMillicores);
    else this.#load.delete(`${namespace}/${deployment}`);
  }

  #deploymentOf(pod: Pod): string | undefined {
    const rsRef = controllerRef(pod);
    if (rsRef?.kind !== 'ReplicaSet') return undefined;
    const rs = this.api.tryGet<ReplicaSet>(resourceForKind('ReplicaSet'), pod.metadata.namespace, rsRef.name);
    const dRef = rs && controllerRef(rs);
    return dRef?.kind === 'Deployment' ? `${pod.metadata.namespace}/${dRef.name}` : undefined;
  }

  #running(namespace?: string): Pod[] {
    return this.api.objects<Pod>('Pod', namespace).filter((p) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp);
  }

  /** Per-pod CPU in millicores. */
  #usage(pods: Pod[]): Map<Pod, number> {
    const byDeployment = new Map<string, Pod[]>();
    for (const p of pods) {
      const d = this.#deploymentOf(p);
      if (d) byDeployment.set(d, [...(byDeployment.get(d) ?? []), p]);
    }
    const out = new Map<Pod, number>();
    for (const p of pods) {
      const d = this.#deploymentOf(p);
      const load = d ? (this.#load.get(d) ?? 0) : 0;
      const share = d ? load / byDeployment.get(d)!.length : 0;
      out.set(p, Math.max(IDLE_POD_MILLI, Math.round(share)));
    }
    return out;
  }

  /** CPU usage per pod for the HPA, in millicores (all running pods of the namespace). */
  podCpuMilli(namespace: string): Map<string, number> {
    const usage = this.#usage(this.#running(namespace));
    return new Map([...usage].map(([p, m]) => [p.metadata.name!, m]));
  }

  #podMetrics(namespace: string | undefined): KubeObject[] {
    const now = this.api.timestamp();
    const pods = this.#running();
    const usage = this.#usage(pods);
    return pods
      .filter((p) => namespace === undefined || p.metadata.namespace === namespace)
      .map((p) => ({
        kind: 'PodMetrics',
        apiVersion: 'metrics.k8s.io/v1beta1',
        metadata: { name: p.metadata.name, namespace: p.metadata.namespace, labels: p.metadata.labels, creationTimestamp: now },
        timestamp: now,
        window: '15.012s',
        containers: p.spec.containers.map((c, i) => ({
          name: c.name,
          usage: { cpu: `${Math.round(((usage.get(p) ?? 0) / p.spec.containers.length) * 1e6 + i)}n`, memory: `${POD_MEMORY_KI + Math.round((usage.get(p) ?? 0) * 8)}Ki` },
        })),
      }));
  }

  #nodeMetrics(): KubeObject[] {
    const now = this.api.timestamp();
    const usage = this.#usage(this.#running());
    return this.api.objects('Node').map((n) => {
      let cpu = NODE_SYSTEM_MILLI;
      let mem = NODE_SYSTEM_MEMORY_KI;
      for (const [p, m] of usage) {
        if (p.spec.nodeName !== n.metadata.name) continue;
        cpu += m;
        mem += POD_MEMORY_KI;
      }
      return {
        kind: 'NodeMetrics',
        apiVersion: 'metrics.k8s.io/v1beta1',
        metadata: { name: n.metadata.name, labels: n.metadata.labels, creationTimestamp: now },
        timestamp: now,
        window: '20.048s',
        usage: { cpu: `${cpu * 1e6}n`, memory: `${mem}Ki` },
      };
    });
  }

  #logTraffic(): void {
    if (!this.#load.size) return;
    for (const p of this.#running()) {
      const d = this.#deploymentOf(p);
      const load = d ? this.#load.get(d) : undefined;
      if (!load) continue;
      const lines = Math.min(3, Math.ceil(load / 200));
      for (let i = 0; i < lines; i++) this.kubelet.logRequest(p, this.kubelet.nodeTunnelIP(p.spec.nodeName!));
    }
  }
}
