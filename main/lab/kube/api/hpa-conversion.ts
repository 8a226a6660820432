/** autoscaling/v1 HorizontalPodAutoscaler <-> the stored autoscaling/v2 object (what `kubectl autoscale` creates). */
import type { ViewConversion } from './kube-api';
import type { KubeObject } from './types';

interface V2Spec {
  scaleTargetRef: object;
  minReplicas?: number;
  maxReplicas: number;
  metrics?: { type: string; resource?: { name: string; target: { type: string; averageUtilization?: number } } }[];
  behavior?: object;
}
interface V2Status {
  observedGeneration?: number;
  lastScaleTime?: string;
  currentReplicas?: number;
  desiredReplicas?: number;
  currentMetrics?: { resource?: { name: string; current: { averageUtilization?: number } } }[];
}

export const hpaV1Conversion: ViewConversion = {
  toView(stored: KubeObject): KubeObject {
    const spec = stored.spec as V2Spec;
    const status = (stored.status ?? {}) as V2Status;
    const cpu = spec.metrics?.find((m) => m.type === 'Resource' && m.resource?.name === 'cpu' && m.resource.target.type === 'Utilization');
    const current = status.currentMetrics?.find((m) => m.resource?.name === 'cpu')?.resource?.current.averageUtilization;
    return {
      metadata: stored.metadata,
      spec: { scaleTargetRef: spec.scaleTargetRef, minReplicas: spec.minReplicas, maxReplicas: spec.maxReplicas, ...(cpu ? { targetCPUUtilizationPercentage: cpu.resource!.target.averageUtilization } : {}) },
      status: {
        ...(status.observedGeneration !== undefined ? { observedGeneration: status.observedGeneration } : {}),
        ...(status.lastScaleTime ? { lastScaleTime: status.lastScaleTime } : {}),
        currentReplicas: status.currentReplicas ?? 0,
        desiredReplicas: status.desiredReplicas ?? 0,
        ...(current !== undefined ? { currentCPUUtilizationPercentage: current } : {}),
      },
    };
  },
  fromView(view: KubeObject): KubeObject {
    const spec = (view.spec ?? {}) as { scaleTargetRef: object; minReplicas?: number; maxReplicas: number; targetCPUUtilizationPercentage?: number };
    return {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: view.metadata,
      spec: {
        scaleTargetRef: spec.scaleTargetRef,
        minReplicas: spec.minReplicas,
        maxReplicas: spec.maxReplicas,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: spec.targetCPUUtilizationPercentage ?? 80 } } }],
      },
    };
  },
};
