/**
 * Controller behaviour a learner meets in the lab: quota and LimitRange admission, pods blocked
 * by a missing ConfigMap or an unknown image tag, services with endpoints, autoscaling (a Pi that
 * fails: node-lifecycle.test.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { resourceForKind } from '../api/resource-registry';
import { StatusError } from '../api/status-errors';
import type { Deployment, EventObject, KubeObject, Pod, Service } from '../api/types';
import { startControlPlane } from '../testing/control-plane-fixture';
import { until } from '../testing/lab-fixture';
import type { LabControlPlane } from './control-plane';

let plane: LabControlPlane | undefined;
afterEach(() => plane?.stop());

const pod = (name: string, spec: Partial<Pod['spec']> = {}, image = 'nginx:1.16.1'): Pod =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels: { app: name } }, spec: { containers: [{ name: 'nginx', image }], ...spec } }) as Pod;

function events(p: LabControlPlane, name: string): EventObject[] {
  return p.api.objects<EventObject>('Event', 'default').filter((e) => e.involvedObject.name === name);
}

function getPod(p: LabControlPlane, name: string): Pod | undefined {
  return p.api.tryGet<Pod>(resourceForKind('Pod'), 'default', name);
}

function forbiddenMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof StatusError && e.code === 403) return e.message;
    throw e;
  }
  throw new Error('not rejected');
}

describe('quota and limits', () => {
  it('LimitRange fills in defaults and ResourceQuota rejects the pod over the limit', async () => {
    const lab = startControlPlane(['pi-01', 'pi-02']);
    plane = lab.plane;
    lab.create({ apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'limits' }, spec: { limits: [{ type: 'Container', default: { cpu: '500m', memory: '128Mi' }, max: { cpu: '1' } }] } } as KubeObject);
    lab.create({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'compute' }, spec: { hard: { pods: '2', 'limits.cpu': '1' } } } as KubeObject);
    const a = lab.create(pod('a'));
    expect(a.spec.containers[0]!.resources).toEqual({ limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '500m', memory: '128Mi' } });
    expect(a.metadata.annotations?.['kubernetes.io/limit-ranger']).toBe('LimitRanger plugin set: cpu, memory request for container nginx; cpu, memory limit for container nginx');
    lab.create(pod('b'));
    expect(forbiddenMessage(() => lab.create(pod('c')))).toBe('pods "c" is forbidden: exceeded quota: compute, requested: limits.cpu=500m,pods=1, used: limits.cpu=1,pods=2, limited: limits.cpu=1,pods=2');
    const big = pod('d');
    big.spec.containers[0]!.resources = { limits: { cpu: '2' } };
    expect(forbiddenMessage(() => lab.create(big))).toBe('pods "d" is forbidden: maximum cpu usage per Container is 1, but limit is 2');
    const quota = await until('quota status', () => {
      const q = lab.plane.api.objects('ResourceQuota', 'default')[0]!;
      return (q.status as { used?: Record<string, string> } | undefined)?.used?.pods === '2' && q;
    });
    expect(quota.status).toEqual({ hard: { pods: '2', 'limits.cpu': '1' }, used: { pods: '2', 'limits.cpu': '1' } });
  });

  it('a ReplicaSet over quota records FailedCreate', async () => {
    const lab = startControlPlane(['pi-01']);
    plane = lab.plane;
    lab.create({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'pods' }, spec: { hard: { pods: '1' } } } as KubeObject);
    lab.create({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.16.1' }] } } },
    } as Deployment);
    const failed = await until('FailedCreate', () => lab.plane.api.objects<EventObject>('Event', 'default').find((e) => e.reason === 'FailedCreate'));
    expect(failed.message).toMatch(/^Error creating: pods "web-[a-z0-9]+-[a-z0-9]{5}" is forbidden: exceeded quota: pods, requested: pods=1, used: pods=1, limited: pods=1$/);
    expect(failed.involvedObject.kind).toBe('ReplicaSet');
  });
});

describe('kubelet', () => {
  it('an unknown tag ends in ErrImagePull then ImagePullBackOff', async () => {
    const lab = startControlPlane(['pi-01']);
    plane = lab.plane;
    lab.create(pod('bad', {}, 'nginx:9.9.9'));
    const backoff = await until('ImagePullBackOff', () => {
      const s = getPod(lab.plane, 'bad')?.status?.containerStatuses?.[0]?.state.waiting as { reason?: string; message?: string } | undefined;
      return s?.reason === 'ImagePullBackOff' && s;
    });
    expect(backoff.message).toBe('Back-off pulling image "nginx:9.9.9"');
    const messages = events(lab.plane, 'bad').map((e) => `${e.reason}: ${e.message}`);
    expect(messages).toContain('Failed: Failed to pull image "nginx:9.9.9": rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/library/nginx:9.9.9": failed to resolve reference "docker.io/library/nginx:9.9.9": docker.io/library/nginx:9.9.9: not found');
    expect(messages).toContain('Failed: Error: ErrImagePull');
    expect(messages).toContain('BackOff: Back-off pulling image "nginx:9.9.9"');
    expect(getPod(lab.plane, 'bad')?.status?.phase).toBe('Pending');
  });

  it('a missing ConfigMap blocks the pod until it exists', async () => {
    const lab = startControlPlane(['pi-01']);
    plane = lab.plane;
    const p = pod('cfg');
    p.spec.containers[0]!.env = [{ name: 'GREETING', valueFrom: { configMapKeyRef: { name: 'settings', key: 'greeting' } } }];
    lab.create(p);
    await until('CreateContainerConfigError', () => (getPod(lab.plane, 'cfg')?.status?.containerStatuses?.[0]?.state.waiting as { reason?: string } | undefined)?.reason === 'CreateContainerConfigError');
    expect(getPod(lab.plane, 'cfg')?.status?.containerStatuses?.[0]?.state.waiting).toEqual({ reason: 'CreateContainerConfigError', message: 'configmap "settings" not found' });
    expect(events(lab.plane, 'cfg').map((e) => e.message)).toContain('Error: configmap "settings" not found');
    lab.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { greeting: 'hello' } } as KubeObject);
    await until('Running', () => getPod(lab.plane, 'cfg')?.status?.phase === 'Running');
  });

  it('a Service gets a MicroK8s ClusterIP, a NodePort and the ready pods as endpoints', async () => {
    const lab = startControlPlane(['pi-01']);
    plane = lab.plane;
    lab.create(pod('web'));
    const svc = lab.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 80 }] } } as Service);
    expect(svc.spec.clusterIP).toMatch(/^10\.152\.183\.\d+$/);
    expect(svc.spec.ports![0]!.nodePort).toBeGreaterThanOrEqual(30000);
    expect(svc.spec.ports![0]!.nodePort).toBeLessThanOrEqual(32767);
    const ep = await until('endpoints', () => {
      const e = lab.plane.api.tryGet(resourceForKind('Endpoints'), 'default', 'web') as (KubeObject & { subsets?: { addresses?: { ip: string }[]; ports: { port: number }[] }[] }) | undefined;
      return e?.subsets?.[0]?.addresses?.length && e;
    });
    expect(ep.subsets![0]!.addresses![0]!.ip).toBe(getPod(lab.plane, 'web')!.status!.podIP);
    expect(ep.subsets![0]!.ports).toEqual([{ port: 80, protocol: 'TCP' }]);
  });
});

describe('scheduler', () => {
  it('preferred anti-affinity weighs every matching pod: the node with fewer of them wins, even when it runs more pods', async () => {
    const lab = startControlPlane(['pi-01', 'pi-02']);
    plane = lab.plane;
    const bound = (name: string, node: string, app: string): Pod => {
      const p = pod(name, { nodeName: node });
      p.metadata.labels = { app };
      return p;
    };
    // pi-01: two pods of app=web; pi-02: one pod of app=web and three others.
    for (const [name, node, app] of [['w1', 'pi-01', 'web'], ['w2', 'pi-01', 'web'], ['w3', 'pi-02', 'web'], ['o1', 'pi-02', 'other'], ['o2', 'pi-02', 'other'], ['o3', 'pi-02', 'other']] as const) lab.create(bound(name, node, app));
    const term = { labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'kubernetes.io/hostname' };
    const incoming = pod('w4', { affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term }] } } });
    incoming.metadata.labels = { app: 'web' };
    lab.create(incoming);
    const node = await until('w4 scheduled', () => getPod(lab.plane, 'w4')?.spec.nodeName);
    expect(node).toBe('pi-02');
  });
});

describe('autoscaling', () => {
  it('the HPA follows the CPU load metrics-server reports', async () => {
    const lab = startControlPlane(['pi-01', 'pi-02'], 1000);
    plane = lab.plane;
    lab.create({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.16.1', resources: { requests: { cpu: '100m' } } }] } },
      },
    } as Deployment);
    lab.create({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web' },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 5, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }] },
    } as KubeObject);
    await until('pod running', () => lab.plane.api.objects<Pod>('Pod', 'default').some((p) => p.status?.phase === 'Running'));
    lab.plane.metrics.setLoad('default', 'web', 300);
    // Without the metrics-server addon there is no metrics API: the HPA cannot scale.
    const noMetrics = await until('no metrics', () => lab.plane.api.objects<EventObject>('Event', 'default').find((e) => e.reason === 'FailedGetResourceMetric'));
    expect(noMetrics.message).toContain('unable to fetch metrics from resource metrics API: the server could not find the requested resource (get pods.metrics.k8s.io)');
    expect(lab.plane.addons.apply('metrics-server/metrics-server').lines).toContain('apiservice.apiregistration.k8s.io/v1beta1.metrics.k8s.io created');
    await until('metrics API served', () => lab.plane.api.registry.isServed('metrics.k8s.io'));
    const up = await until('scale up', () => lab.plane.api.objects<EventObject>('Event', 'default').find((e) => e.reason === 'SuccessfulRescale'));
    expect(up.message).toBe('New size: 5; reason: cpu resource utilization (percentage of request) above target');
    const podMetrics = lab.plane.api.list(lab.plane.api.registry.all().find((t) => t.kind === 'PodMetrics')!, 'default').items as (KubeObject & { containers: { usage: { cpu: string } }[] })[];
    expect(podMetrics.length).toBeGreaterThan(0);
    expect(podMetrics.reduce((n, m) => n + parseInt(m.containers[0]!.usage.cpu, 10) / 1e6, 0)).toBeCloseTo(300, -1);
    const busy = lab.plane.api.objects<Pod>('Pod', 'default').find((p) => p.status?.phase === 'Running')!;
    const logs = await until('access log lines', () => lab.plane.kubelet.logs('default', busy.metadata.name!, { tailLines: 1 }).text);
    // The load is answered by the pod's nginx: the welcome page (612 bytes in 1.16.1), the image's "main" log format.
    expect(logs).toMatch(/^\d+\.\d+\.\d+\.\d+ - - \[\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000\] "GET \/ HTTP\/1\.1" 200 612 "-" "hey\/0\.0\.1" "-"\n$/);
    // nginx images before 1.19 print no docker-entrypoint banner: the log starts with the first request.
    expect(/^\d+\.\d+\.\d+\.\d+ - - \[/.test(lab.plane.kubelet.logs('default', busy.metadata.name!, {}).text)).toBe(true);
    lab.plane.metrics.setLoad('default', 'web', 0);
    const down = await until('scale down', () => lab.plane.api.objects<EventObject>('Event', 'default').find((e) => e.message === 'New size: 1; reason: All metrics below target'));
    expect(down.involvedObject.kind).toBe('HorizontalPodAutoscaler');
    const hpa = lab.plane.api.objects('HorizontalPodAutoscaler', 'default')[0]!;
    expect((hpa.status as { conditions: { type: string; reason: string }[] }).conditions.map((c) => `${c.type}=${c.reason}`)).toContain('ScalingActive=ValidMetricFound');
  });
});
