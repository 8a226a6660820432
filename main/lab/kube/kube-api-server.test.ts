/**
 * The tutorial's journey through @kubernetes/client-node against the lab API server:
 * apply, pods on distinct nodes, scale past the node count (anti-affinity Pending),
 * rolling update with maxSurge 0 one pod at a time, rollback as `kubectl rollout undo` does it,
 * plus the API machinery errors a client sees.
 */
import { AppsV1Api, CoreV1Api, KubeConfig, PatchStrategy, Watch, setHeaderOptions } from '@kubernetes/client-node';
import type { V1Deployment, V1Pod } from '@kubernetes/client-node';
import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { LabFixture } from './testing/lab-fixture';
import { startFixture, until } from './testing/lab-fixture';
import { DEPLOYMENT_UPDATE_YAML, DEPLOYMENT_YAML } from './testing/tutorial-manifests';

let lab: LabFixture;
let apps: AppsV1Api;
let core: CoreV1Api;
let kc: KubeConfig;
const ns = 'default';
const name = 'nginx-deployment';

function errorBody(err: unknown): { code: number; reason: string; message: string; details?: { causes?: { field: string; message: string }[] } } {
  const body = (err as { body?: unknown }).body;
  return typeof body === 'string' ? JSON.parse(body) : (body as never);
}

async function nginxPods(): Promise<V1Pod[]> {
  const list = await core.listNamespacedPod({ namespace: ns, labelSelector: 'app=nginx' });
  return list.items.filter((p) => !p.metadata?.deletionTimestamp);
}

const running = (pods: V1Pod[]) => pods.filter((p) => p.status?.phase === 'Running' && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));

async function rolledOut(image: string, replicas: number): Promise<boolean> {
  const d = await apps.readNamespacedDeployment({ name, namespace: ns });
  const s = d.status ?? {};
  const pods = await core.listNamespacedPod({ namespace: ns, labelSelector: 'app=nginx' });
  return (
    (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0) &&
    (s.updatedReplicas ?? 0) === replicas &&
    (s.replicas ?? 0) === replicas &&
    (s.availableReplicas ?? 0) === replicas &&
    pods.items.length === replicas &&
    pods.items.every((p) => p.spec?.containers[0]?.image === image && p.status?.phase === 'Running')
  );
}

async function scalingEvents(): Promise<string[]> {
  const events = await core.listNamespacedEvent({ namespace: ns, fieldSelector: `involvedObject.kind=Deployment,involvedObject.name=${name},reason=ScalingReplicaSet` });
  return events.items
    .sort((a, b) => String(a.metadata?.creationTimestamp ?? a.firstTimestamp).localeCompare(String(b.metadata?.creationTimestamp ?? b.firstTimestamp)) || Number(a.metadata?.resourceVersion) - Number(b.metadata?.resourceVersion))
    .map((e) => e.message ?? '');
}

beforeAll(async () => {
  lab = await startFixture({ nodes: ['pi-01', 'pi-02', 'pi-03', 'pi-04'] });
  kc = new KubeConfig();
  kc.loadFromString(lab.api.kubeconfig());
  apps = kc.makeApiClient(AppsV1Api);
  core = kc.makeApiClient(CoreV1Api);
});

afterAll(async () => {
  await lab?.api.stop();
});

describe('client-node follows the tutorial', () => {
  it('lists the Pis as MicroK8s nodes', async () => {
    const nodes = await until('nodes Ready', async () => {
      const list = await core.listNode();
      return list.items.length === 4 && list.items.every((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) && list.items;
    });
    const first = nodes.find((n) => n.metadata?.name === 'pi-01')!;
    expect(first.metadata?.labels).toMatchObject({
      'kubernetes.io/hostname': 'pi-01',
      'kubernetes.io/arch': 'arm64',
      'kubernetes.io/os': 'linux',
      'node.kubernetes.io/microk8s-controlplane': 'microk8s-controlplane',
    });
    expect(nodes.find((n) => n.metadata?.name === 'pi-02')!.metadata?.labels?.['node.kubernetes.io/microk8s-worker']).toBe('microk8s-worker');
    expect(first.status?.capacity?.cpu).toBe('4');
    expect(first.status?.nodeInfo?.kubeletVersion).toBe('v1.32.3');
    expect(first.status?.addresses).toContainEqual({ type: 'InternalIP', address: '192.168.1.21' });
  });

  it('runs the two replicas on two different nodes', async () => {
    await apps.createNamespacedDeployment({ namespace: ns, body: parse(DEPLOYMENT_YAML) as V1Deployment });
    const pods = await until('2 running pods', async () => {
      const p = running(await nginxPods());
      return p.length === 2 && p;
    });
    expect(new Set(pods.map((p) => p.spec?.nodeName)).size).toBe(2);
    expect(pods.every((p) => p.status?.podIP?.startsWith('10.1.'))).toBe(true);
    const d = await apps.readNamespacedDeployment({ name, namespace: ns });
    expect(d.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('1');
    expect(d.status?.conditions?.find((c) => c.type === 'Available')?.reason).toBe('MinimumReplicasAvailable');
  });

  it('keeps a fifth replica Pending with the anti-affinity reason', async () => {
    await apps.patchNamespacedDeploymentScale({ name, namespace: ns, body: { spec: { replicas: 5 } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    const pending = await until('one pending pod', async () => {
      const pods = await nginxPods();
      const p = pods.filter((x) => x.status?.phase === 'Pending' && x.status.conditions?.some((c) => c.reason === 'Unschedulable'));
      return running(pods).length === 4 && p.length === 1 && p[0];
    });
    const message = '0/4 nodes are available: 4 node(s) didn\'t match pod anti-affinity rules. preemption: 0/4 nodes are available: 4 No preemption victims found for incoming pod.';
    expect(pending.status?.conditions?.find((c) => c.type === 'PodScheduled')?.message).toBe(message);
    const events = await core.listNamespacedEvent({ namespace: ns, fieldSelector: `involvedObject.name=${pending.metadata?.name},reason=FailedScheduling` });
    expect(events.items[0]?.message).toBe(message);
    expect(events.items[0]?.type).toBe('Warning');
    await apps.patchNamespacedDeploymentScale({ name, namespace: ns, body: { spec: { replicas: 2 } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    await until('back to 2 pods', async () => (await nginxPods()).length === 2 && (await rolledOut('nginx:1.14.2', 2)));
  });

  it('rolls out nginx:1.16.1 one pod at a time with maxSurge 0', async () => {
    const before = (await scalingEvents()).length;
    const oldRS = (await apps.listNamespacedReplicaSet({ namespace: ns })).items[0]!.metadata!.name!;
    let maxPods = 0;
    const watch = await new Watch(kc).watch(`/api/v1/namespaces/${ns}/pods`, { labelSelector: 'app=nginx' }, () => {}, () => {});
    // Terminating pods may still be listed while their replacement starts (as upstream): count the live ones.
    const sampler = setInterval(() => void nginxPods().then((p) => (maxPods = Math.max(maxPods, p.filter((x) => !x.metadata?.deletionTimestamp).length))), 5);
    const update = parse(DEPLOYMENT_UPDATE_YAML) as V1Deployment;
    await apps.patchNamespacedDeployment({ name, namespace: ns, body: { spec: { strategy: update.spec!.strategy, template: update.spec!.template } } }, setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch));
    await until('rolled out 1.16.1', () => rolledOut('nginx:1.16.1', 2));
    clearInterval(sampler);
    watch.abort();
    expect(maxPods).toBeLessThanOrEqual(2);
    const newRS = (await apps.listNamespacedReplicaSet({ namespace: ns })).items.find((rs) => rs.metadata?.name !== oldRS)!.metadata!.name!;
    expect((await scalingEvents()).slice(before)).toEqual([
      `Scaled down replica set ${oldRS} to 1 from 2`,
      `Scaled up replica set ${newRS} to 1 from 0`,
      `Scaled down replica set ${oldRS} to 0 from 1`,
      `Scaled up replica set ${newRS} to 2 from 1`,
    ]);
    const d = await apps.readNamespacedDeployment({ name, namespace: ns });
    expect(d.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('2');
    expect(d.status?.conditions?.find((c) => c.type === 'Progressing')?.message).toBe(`ReplicaSet "${newRS}" has successfully progressed.`);
  });

  it('rolls back the way kubectl rollout undo does', async () => {
    const rsList = (await apps.listNamespacedReplicaSet({ namespace: ns })).items;
    const previous = rsList.find((rs) => rs.metadata?.annotations?.['deployment.kubernetes.io/revision'] === '1')!;
    const template = structuredClone(previous.spec!.template!);
    delete template.metadata!.labels!['pod-template-hash'];
    const d = await apps.readNamespacedDeployment({ name, namespace: ns });
    await apps.patchNamespacedDeployment(
      {
        name,
        namespace: ns,
        body: [
          { op: 'replace', path: '/spec/template', value: template },
          { op: 'replace', path: '/metadata/annotations', value: { ...d.metadata!.annotations, 'deployment.kubernetes.io/revision': '1' } },
        ],
      },
      setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
    );
    await until('rolled back to 1.14.2', () => rolledOut('nginx:1.14.2', 2));
    const rs = await apps.readNamespacedReplicaSet({ name: previous.metadata!.name!, namespace: ns });
    expect(rs.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('3');
    expect(rs.metadata?.annotations?.['deployment.kubernetes.io/revision-history']).toBe('1');
    await until('deployment revision 3', async () => (await apps.readNamespacedDeployment({ name, namespace: ns })).metadata?.annotations?.['deployment.kubernetes.io/revision'] === '3');
  });
});

describe('API errors as upstream Status objects', () => {
  it('404 NotFound', async () => {
    const err = await apps.readNamespacedDeployment({ name: 'nope', namespace: ns }).catch((e: unknown) => e);
    expect(errorBody(err)).toMatchObject({ code: 404, reason: 'NotFound', message: 'deployments.apps "nope" not found' });
  });

  it('409 AlreadyExists and Conflict', async () => {
    const err = await apps.createNamespacedDeployment({ namespace: ns, body: parse(DEPLOYMENT_YAML) as V1Deployment }).catch((e: unknown) => e);
    expect(errorBody(err)).toMatchObject({ code: 409, reason: 'AlreadyExists', message: 'deployments.apps "nginx-deployment" already exists' });
    const d = await apps.readNamespacedDeployment({ name, namespace: ns });
    d.metadata!.resourceVersion = '1';
    const conflict = await apps.replaceNamespacedDeployment({ name, namespace: ns, body: d }).catch((e: unknown) => e);
    expect(errorBody(conflict)).toMatchObject({
      code: 409,
      reason: 'Conflict',
      message: 'Operation cannot be fulfilled on deployments.apps "nginx-deployment": the object has been modified; please apply your changes to the latest version and try again',
    });
  });

  it('422 Invalid with field causes', async () => {
    const body = parse(DEPLOYMENT_YAML) as V1Deployment;
    body.metadata!.name = 'Nginx_Deployment';
    body.spec!.replicas = -1;
    const err = errorBody(await apps.createNamespacedDeployment({ namespace: ns, body }).catch((e: unknown) => e));
    expect(err.code).toBe(422);
    expect(err.reason).toBe('Invalid');
    expect(err.message).toContain('Deployment.apps "Nginx_Deployment" is invalid: [metadata.name: Invalid value: "Nginx_Deployment": a lowercase RFC 1123 subdomain must consist of');
    expect(err.details?.causes?.map((c) => c.field)).toEqual(['metadata.name', 'spec.replicas']);
    expect(err.details?.causes?.[1]?.message).toBe('Invalid value: -1: must be greater than or equal to 0');
  });

  it('400 for unknown fields under fieldValidation=Strict (what kubectl apply sends)', async () => {
    // client-node's typed API drops unknown fields itself, so send the manifest as kubectl does.
    const body = JSON.stringify(parse(DEPLOYMENT_YAML.replace('replicas: 2', 'replica: 2').replace('nginx-deployment', 'typo')));
    const url = new URL('/apis/apps/v1/namespaces/default/deployments?fieldValidation=Strict', lab.api.url);
    const res = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(url, { method: 'POST', ca: lab.api.caPem, cert: lab.api.clientCertPem, key: lab.api.clientKeyPem, headers: { 'Content-Type': 'application/json' } }, (r) => {
        let text = '';
        r.on('data', (c: Buffer) => (text += c));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      req.end(body);
    });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toMatchObject({ code: 400, reason: 'BadRequest', message: 'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.replica"' });
  });

  it('410 Gone for a watch from a compacted resourceVersion', async () => {
    const events: { type: string; object: { code?: number; reason?: string } }[] = [];
    await new Promise<void>((resolve) => {
      void new Watch(kc).watch('/api/v1/namespaces/default/pods', { resourceVersion: '-5' }, (type, object) => events.push({ type, object }), () => resolve());
    });
    expect(events[0]).toMatchObject({ type: 'ERROR', object: { code: 410, reason: 'Expired' } });
  });
});
