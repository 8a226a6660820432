/** Upstream's defaulting (pkg/apis/{core,apps}/v1/defaults.go and the DefaultTolerationSeconds plugin) for the kinds the lab serves. */
import type { Container, Deployment, KubeObject, PodSpec, ReplicaSet, Service } from '../api/types';

type Json = Record<string, unknown>;

function defaultContainer(c: Container): void {
  if (!c.imagePullPolicy) {
    const tag = /:([^/:@]+)$/.exec(c.image ?? '')?.[1];
    c.imagePullPolicy = !tag || tag === 'latest' ? 'Always' : 'IfNotPresent';
  }
  c.terminationMessagePath ??= '/dev/termination-log';
  c.terminationMessagePolicy ??= 'File';
  c.resources ??= {};
  // Requests default to the limits the container sets.
  for (const [res, q] of Object.entries(c.resources.limits ?? {})) {
    if (c.resources.requests?.[res] === undefined) (c.resources.requests ??= {})[res] = q;
  }
  for (const p of c.ports ?? []) p.protocol ??= 'TCP';
}

export function defaultPodSpec(spec: PodSpec, options: { tolerations: boolean }): void {
  for (const c of spec.containers ?? []) defaultContainer(c);
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.securityContext ??= {};
  spec.schedulerName ??= 'default-scheduler';
  if (options.tolerations) {
    if (spec.priorityClassName && SYSTEM_PRIORITY_CLASSES[spec.priorityClassName as string] !== undefined) spec.priority ??= SYSTEM_PRIORITY_CLASSES[spec.priorityClassName as string];
    spec.serviceAccountName ??= 'default';
    spec.serviceAccount ??= spec.serviceAccountName;
    spec.enableServiceLinks ??= true;
    spec.preemptionPolicy ??= 'PreemptLowerPriority';
    spec.priority ??= 0;
    const tolerations = (spec.tolerations ??= []);
    for (const key of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']) {
      if (!tolerations.some((t) => t.key === key && (t.effect === 'NoExecute' || !t.effect))) {
        tolerations.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 });
      }
    }
  }
  for (const v of spec.volumes ?? []) {
    if (v.configMap) (v.configMap as Json).defaultMode ??= 420;
    if (v.secret) (v.secret as Json).defaultMode ??= 420;
  }
}

function defaultTemplate(o: { spec: { template?: Deployment['spec']['template'] } }): void {
  o.spec.template ??= { spec: { containers: [] } };
  o.spec.template.metadata ??= {};
  o.spec.template.metadata.creationTimestamp ??= null as unknown as string;
  o.spec.template.spec ??= { containers: [] };
  defaultPodSpec(o.spec.template.spec, { tolerations: false });
}

/** The built-in PriorityClasses' values (the Priority admission plugin resolves priorityClassName). */
export const SYSTEM_PRIORITY_CLASSES: Record<string, number> = { 'system-node-critical': 2_000_001_000, 'system-cluster-critical': 2_000_000_000 };

/** batch/v1 Job defaults, and the selector and labels the Job strategy generates from the uid. */
function defaultJob(o: KubeObject, spec: Json): void {
  if (spec.completions === undefined && spec.parallelism === undefined) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  spec.parallelism ??= 1;
  spec.backoffLimit ??= 6;
  spec.completionMode ??= 'NonIndexed';
  spec.suspend ??= false;
  spec.podReplacementPolicy ??= 'TerminatingOrFailed';
  const uid = o.metadata.uid;
  if (uid && !spec.manualSelector && !spec.selector) {
    spec.selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
    const template = (spec.template ??= { spec: { containers: [] } }) as { metadata?: { labels?: Record<string, string> } };
    template.metadata ??= {};
    template.metadata.labels = {
      ...template.metadata.labels,
      'batch.kubernetes.io/controller-uid': uid,
      'batch.kubernetes.io/job-name': o.metadata.name ?? '',
      'controller-uid': uid,
      'job-name': o.metadata.name ?? '',
    };
  }
  defaultTemplate({ spec } as never);
}

export function applyDefaults(kind: string, o: KubeObject): void {
  switch (kind) {
    case 'Pod':
      defaultPodSpec((o as unknown as { spec: PodSpec }).spec ?? ((o as Json).spec = { containers: [] }), { tolerations: true });
      break;
    case 'Deployment': {
      const d = o as Deployment;
      d.spec ??= {} as Deployment['spec'];
      d.spec.replicas ??= 1;
      d.spec.revisionHistoryLimit ??= 10;
      d.spec.progressDeadlineSeconds ??= 600;
      const s = (d.spec.strategy ??= {});
      s.type ??= 'RollingUpdate';
      if (s.type === 'RollingUpdate') {
        s.rollingUpdate ??= {};
        s.rollingUpdate.maxSurge ??= '25%';
        s.rollingUpdate.maxUnavailable ??= '25%';
      }
      defaultTemplate(d);
      break;
    }
    case 'ReplicaSet': {
      const rs = o as ReplicaSet;
      rs.spec ??= {} as ReplicaSet['spec'];
      rs.spec.replicas ??= 1;
      defaultTemplate(rs);
      break;
    }
    case 'Service': {
      const s = o as Service;
      s.spec ??= {};
      s.spec.type ??= 'ClusterIP';
      s.spec.sessionAffinity ??= 'None';
      s.spec.ipFamilies ??= ['IPv4'];
      s.spec.ipFamilyPolicy ??= 'SingleStack';
      s.spec.internalTrafficPolicy ??= 'Cluster';
      if (s.spec.type === 'NodePort' || s.spec.type === 'LoadBalancer') s.spec.externalTrafficPolicy ??= 'Cluster';
      if (s.spec.type === 'LoadBalancer') s.spec.allocateLoadBalancerNodePorts ??= true;
      // LoadBalancerIPMode (GA in 1.32): ingress entries with an IP get ipMode VIP.
      const lb = ((s.status ??= {}) as { loadBalancer?: { ingress?: { ip?: string; ipMode?: string }[] } }).loadBalancer ?? {};
      (s.status as Json).loadBalancer = lb;
      for (const i of lb.ingress ?? []) if (i.ip && !i.ipMode) i.ipMode = 'VIP';
      for (const p of s.spec.ports ?? []) {
        p.protocol ??= 'TCP';
        p.targetPort ??= p.port;
      }
      break;
    }
    case 'Namespace': {
      const n = o as Json & KubeObject;
      n.spec ??= { finalizers: ['kubernetes'] };
      n.status ??= { phase: 'Active' };
      o.metadata.labels = { ...o.metadata.labels, 'kubernetes.io/metadata.name': o.metadata.name ?? '' };
      break;
    }
    case 'HorizontalPodAutoscaler': {
      const spec = ((o as Json).spec ??= {}) as Json;
      spec.minReplicas ??= 1;
      const behavior = (spec.behavior ??= {}) as Json;
      behavior.scaleUp ??= {
        stabilizationWindowSeconds: 0,
        selectPolicy: 'Max',
        policies: [
          { type: 'Pods', value: 4, periodSeconds: 15 },
          { type: 'Percent', value: 100, periodSeconds: 15 },
        ],
      };
      behavior.scaleDown ??= { stabilizationWindowSeconds: 300, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] };
      break;
    }
    case 'LimitRange':
      for (const item of ((o as Json).spec as { limits?: Record<string, Record<string, unknown> | string>[] } | undefined)?.limits ?? []) {
        if (item.type !== 'Container') continue;
        const defaults = (item.default ??= {}) as Record<string, unknown>;
        const requests = (item.defaultRequest ??= {}) as Record<string, unknown>;
        for (const [k, v] of Object.entries((item.max ?? {}) as Record<string, unknown>)) defaults[k] ??= v;
        for (const [k, v] of Object.entries(defaults)) requests[k] ??= v;
        for (const [k, v] of Object.entries((item.min ?? {}) as Record<string, unknown>)) requests[k] ??= v;
      }
      break;
    case 'Secret': {
      const secret = o as Json;
      secret.type ??= 'Opaque';
      // stringData is write-only: merged into data (base64), as the API server does.
      const stringData = secret.stringData as Record<string, string> | undefined;
      if (stringData) {
        const data = { ...(secret.data as Record<string, string> | undefined) };
        for (const [k, v] of Object.entries(stringData)) data[k] = Buffer.from(String(v)).toString('base64');
        secret.data = data;
        delete secret.stringData;
      }
      break;
    }
    case 'DaemonSet': {
      const spec = ((o as Json).spec ??= {}) as Json;
      const strategy = (spec.updateStrategy ??= {}) as Json;
      strategy.type ??= 'RollingUpdate';
      if (strategy.type === 'RollingUpdate') strategy.rollingUpdate = { maxUnavailable: 1, maxSurge: 0, ...(strategy.rollingUpdate as Json | undefined) };
      spec.revisionHistoryLimit ??= 10;
      defaultTemplate(o as never);
      break;
    }
    case 'StatefulSet': {
      const spec = ((o as Json).spec ??= {}) as Json;
      spec.replicas ??= 1;
      spec.podManagementPolicy ??= 'OrderedReady';
      const strategy = (spec.updateStrategy ??= {}) as Json;
      strategy.type ??= 'RollingUpdate';
      if (strategy.type === 'RollingUpdate') strategy.rollingUpdate = { partition: 0, ...(strategy.rollingUpdate as Json | undefined) };
      spec.revisionHistoryLimit ??= 10;
      spec.persistentVolumeClaimRetentionPolicy ??= { whenDeleted: 'Retain', whenScaled: 'Retain' };
      defaultTemplate(o as never);
      break;
    }
    case 'Job':
      defaultJob(o, ((o as Json).spec ??= {}) as Json);
      break;
    case 'CronJob': {
      const spec = ((o as Json).spec ??= {}) as Json;
      spec.concurrencyPolicy ??= 'Allow';
      spec.suspend ??= false;
      spec.successfulJobsHistoryLimit ??= 3;
      spec.failedJobsHistoryLimit ??= 1;
      const jobTemplate = (spec.jobTemplate ??= {}) as Json;
      const jobSpec = (jobTemplate.spec ??= {}) as Json;
      jobTemplate.metadata ??= { creationTimestamp: null };
      if (jobSpec.completions === undefined && jobSpec.parallelism === undefined) {
        jobSpec.completions = 1;
        jobSpec.parallelism = 1;
      }
      jobSpec.backoffLimit ??= 6;
      jobSpec.completionMode ??= 'NonIndexed';
      jobSpec.suspend ??= false;
      jobSpec.podReplacementPolicy ??= 'TerminatingOrFailed';
      defaultTemplate({ spec: jobSpec } as never);
      break;
    }
    case 'PriorityClass':
      (o as Json).preemptionPolicy ??= 'PreemptLowerPriority';
      break;
    case 'StorageClass':
      (o as Json).reclaimPolicy ??= 'Delete';
      (o as Json).volumeBindingMode ??= 'Immediate';
      break;
    case 'PersistentVolumeClaim': {
      const spec = ((o as Json).spec ??= {}) as Json;
      spec.volumeMode ??= 'Filesystem';
      (o as Json).status ??= { phase: 'Pending' };
      break;
    }
  }
}
