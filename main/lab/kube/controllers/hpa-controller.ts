/**
 * HorizontalPodAutoscaler controller (autoscaling/v2, pkg/controller/podautoscaler): every 15 s
 * it reads CPU from the lab metrics-server, computes ceil(ratio x pods) with the 10% tolerance,
 * applies the default behaviour (scale up by max(4 pods, 100%) per period, scale down only to
 * the highest recommendation of the last 300 s), clamps to min/max and scales the Deployment,
 * with upstream's conditions and SuccessfulRescale events.
 */
import type { LabClock, LabTimer } from '../../lab-clock';
import type { KubeApi } from '../api/kube-api';
import { milliCpu } from '../api/quantity';
import { resourceForKind } from '../api/resource-registry';
import { selectorMatches } from '../api/selectors';
import type { Condition, Deployment, KubeObject, Pod } from '../api/types';
import type { EventRecorder } from './event-recorder';
import type { MetricsServer } from './metrics-server';

const SYNC_MS = 15_000;
const TOLERANCE = 0.1;
const SOURCE = { component: 'horizontal-pod-autoscaler' };

interface MetricSpec {
  type: string;
  resource?: { name: string; target: { type: 'Utilization' | 'AverageValue'; averageUtilization?: number; averageValue?: string } };
}

interface Hpa extends KubeObject {
  spec: {
    scaleTargetRef: { apiVersion?: string; kind: string; name: string };
    minReplicas?: number;
    maxReplicas: number;
    metrics?: MetricSpec[];
    behavior?: { scaleDown?: { stabilizationWindowSeconds?: number } };
  };
  status?: Record<string, unknown>;
}

export class HpaController {
  #timer?: LabTimer;
  #recommendations = new Map<string, { at: number; replicas: number }[]>();

  constructor(
    private readonly api: KubeApi,
    private readonly clock: LabClock,
    private readonly events: EventRecorder,
    private readonly metrics: MetricsServer,
  ) {}

  start(): void {
    this.#timer = this.clock.every(SYNC_MS, () => {
      for (const hpa of this.api.objects<Hpa>('HorizontalPodAutoscaler')) this.#sync(hpa);
    });
  }

  stop(): void {
    this.#timer?.cancel();
  }

  #sync(hpa: Hpa): void {
    const now = this.api.timestamp();
    const ns = hpa.metadata.namespace!;
    const ref = hpa.spec.scaleTargetRef;
    const conditions: Condition[] = [];
    const cond = (type: string, status: boolean, reason: string, message: string) => conditions.push({ type, status: status ? 'True' : 'False', reason, message, lastTransitionTime: now });
    const d = ref.kind === 'Deployment' ? this.api.tryGet<Deployment>(resourceForKind('Deployment'), ns, ref.name) : undefined;
    if (!d) {
      const message = `the HPA controller was unable to get the target's current scale: deployments.apps "${ref.name}" not found`;
      cond('AbleToScale', false, 'FailedGetScale', message);
      this.events.record(hpa, 'Warning', 'FailedGetScale', `deployments.apps "${ref.name}" not found`, SOURCE);
      return this.#writeStatus(hpa, { currentReplicas: 0, desiredReplicas: 0, conditions });
    }
    const current = d.spec.replicas ?? 1;
    const min = hpa.spec.minReplicas ?? 1;
    const max = hpa.spec.maxReplicas;
    if (current === 0 && min !== 0) {
      cond('AbleToScale', true, 'SucceededGetScale', 'the HPA controller was able to get the target\'s current scale');
      cond('ScalingActive', false, 'ScalingDisabled', 'scaling is disabled since the replica count of the target is zero');
      return this.#writeStatus(hpa, { currentReplicas: 0, desiredReplicas: 0, conditions });
    }
    const pods = this.api.objects<Pod>('Pod', ns).filter((p) => selectorMatches(d.spec.selector, p.metadata.labels) && p.status?.phase === 'Running' && !p.metadata.deletionTimestamp);
    const usage = this.metrics.podCpuMilli(ns);
    let proposal = 0;
    const currentMetrics: object[] = [];
    let error: string | undefined;
    for (const m of hpa.spec.metrics ?? []) {
      if (m.type !== 'Resource' || m.resource?.name !== 'cpu') continue;
      const total = pods.reduce((n, p) => n + (usage.get(p.metadata.name!) ?? 0), 0);
      if (!this.api.registry.isServed('metrics.k8s.io')) {
        // No metrics-server (the addon is off, or its pod is not ready yet).
        error = 'failed to get cpu utilization: unable to get metrics for resource cpu: unable to fetch metrics from resource metrics API: the server could not find the requested resource (get pods.metrics.k8s.io)';
        break;
      }
      if (!pods.length) {
        error = 'failed to get cpu utilization: did not receive metrics for targeted pods (pods might be unready)';
        break;
      }
      if (m.resource.target.type === 'Utilization') {
        const missing = pods.flatMap((p) => p.spec.containers.filter((c) => c.resources?.requests?.cpu === undefined).map((c) => `missing request for cpu in container ${c.name} of Pod ${p.metadata.name}`));
        if (missing.length) {
          error = `failed to get cpu utilization: ${missing[0]}`;
          break;
        }
        const requests = pods.reduce((n, p) => n + p.spec.containers.reduce((s, c) => s + milliCpu(c.resources?.requests?.cpu), 0), 0);
        const utilization = Math.round((total * 100) / requests);
        const ratio = utilization / (m.resource.target.averageUtilization ?? 80);
        proposal = Math.max(proposal, Math.abs(ratio - 1) <= TOLERANCE ? current : Math.ceil(ratio * pods.length));
        currentMetrics.push({ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: utilization, averageValue: `${Math.round(total / pods.length)}m` } } });
      } else {
        const target = milliCpu(m.resource.target.averageValue);
        const ratio = total / pods.length / target;
        proposal = Math.max(proposal, Math.abs(ratio - 1) <= TOLERANCE ? current : Math.ceil(total / target));
        currentMetrics.push({ type: 'Resource', resource: { name: 'cpu', current: { averageValue: `${Math.round(total / pods.length)}m` } } });
      }
    }
    if (error) {
      cond('AbleToScale', true, 'SucceededGetScale', 'the HPA controller was able to get the target\'s current scale');
      cond('ScalingActive', false, 'FailedGetResourceMetric', `the HPA was unable to compute the replica count: ${error}`);
      this.events.record(hpa, 'Warning', 'FailedGetResourceMetric', error, SOURCE);
      this.events.record(hpa, 'Warning', 'FailedComputeMetricsReplicas', `invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource metric value: ${error}`, SOURCE);
      return this.#writeStatus(hpa, { currentReplicas: current, desiredReplicas: current, conditions });
    }
    // Behaviour: scale-down stabilisation window and the default scale-up rate.
    const key = `${ns}/${hpa.metadata.name}`;
    const windowMs = (hpa.spec.behavior?.scaleDown?.stabilizationWindowSeconds ?? 300) * 1000;
    const history = (this.#recommendations.get(key) ?? []).filter((r) => r.at > this.clock.now() - windowMs);
    history.push({ at: this.clock.now(), replicas: proposal });
    this.#recommendations.set(key, history);
    let desired = proposal;
    let stabilized = false;
    if (desired < current) {
      const highest = Math.max(...history.map((r) => r.replicas));
      if (highest > desired) {
        desired = Math.min(current, highest);
        stabilized = true;
      }
    }
    if (desired > current) desired = Math.min(desired, Math.max(current + 4, current * 2));
    let limited: [boolean, string, string] = [false, 'DesiredWithinRange', 'the desired count is within the acceptable range'];
    if (desired > max) {
      desired = max;
      limited = [true, 'TooManyReplicas', 'the desired replica count is more than the maximum replica count'];
    } else if (desired < min) {
      desired = min;
      limited = [true, 'TooFewReplicas', 'the desired replica count is less than the minimum replica count'];
    }
    const rescale = desired !== current;
    if (rescale) {
      this.api.mutate<Deployment>('Deployment', ns, d.metadata.name!, (o) => {
        o.spec.replicas = desired;
      });
      const reason = desired > current ? 'cpu resource utilization (percentage of request) above target' : 'All metrics below target';
      this.events.record(hpa, 'Normal', 'SuccessfulRescale', `New size: ${desired}; reason: ${reason}`, SOURCE);
      cond('AbleToScale', true, 'SucceededRescale', `the HPA controller was able to update the target scale to ${desired}`);
    } else if (stabilized) {
      cond('AbleToScale', true, 'ScaleDownStabilized', 'recent recommendations were higher than current one, applying the highest recent recommendation');
    } else cond('AbleToScale', true, 'ReadyForNewScale', 'recommended size matches current size');
    cond('ScalingActive', true, 'ValidMetricFound', 'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)');
    cond('ScalingLimited', limited[0], limited[1], limited[2]);
    this.#writeStatus(hpa, {
      currentReplicas: current,
      desiredReplicas: desired,
      currentMetrics,
      conditions,
      ...(rescale ? { lastScaleTime: now } : {}),
    });
  }

  #writeStatus(hpa: Hpa, status: Record<string, unknown>): void {
    this.api.mutate<Hpa>(
      'HorizontalPodAutoscaler',
      hpa.metadata.namespace,
      hpa.metadata.name!,
      (o) => {
        const old = (o.status ?? {}) as { conditions?: Condition[]; lastScaleTime?: string };
        const conditions = (status.conditions as Condition[]).map((c) => {
          const prev = old.conditions?.find((p) => p.type === c.type);
          return prev?.status === c.status ? { ...c, lastTransitionTime: prev.lastTransitionTime } : c;
        });
        o.status = { observedGeneration: o.metadata.generation, ...(old.lastScaleTime ? { lastScaleTime: old.lastScaleTime } : {}), ...status, conditions };
      },
      'status',
    );
  }
}
