/**
 * Live views against the lab's real API: the pods-on-nodes picture of the tutorial's
 * deployment (checked against `kubectl get pods -o wide`), a wrong image seen as kubectl shows
 * it, a node going NotReady, a NodePort Service with its endpoints, and snapshots coalesced to
 * at most 10 a second that always end on the latest state. Every snapshot must cross the
 * contract unchanged.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeViewSnapshot, KubeViewSpec } from '../../preload/contract/kube';
import { kubeViewSnapshot } from '../../preload/contract/kube';
import { DEPLOYMENT_YAML } from '../lab/kube/testing/tutorial-manifests';
import type { KubeView } from './kube-views';
import { openView } from './kube-views';
import { applyObjects } from './server-side-apply';
import type { KubeLab } from './testing/kube-lab';
import { startKubeLab, until } from './testing/kube-lab';
import { WatchHub } from './watch-hub';

let k: KubeLab;
let hub: WatchHub;
const views: KubeView[] = [];

beforeAll(async () => {
  k = await startKubeLab({ nodes: ['pi-01', 'pi-02', 'pi-03'] });
  hub = new WatchHub(k.conn);
});

afterAll(async () => {
  for (const v of views) v.close();
  await hub?.close();
  await k?.stop();
});

function watchView(spec: KubeViewSpec, maxPerSecond?: number): { snaps: KubeViewSnapshot[]; latest: () => KubeViewSnapshot | undefined } {
  const snaps: KubeViewSnapshot[] = [];
  views.push(
    openView(
      hub,
      spec,
      (s) => {
        // What crosses the contract must come out of its schema unchanged.
        expect(kubeViewSnapshot.parse(s)).toEqual(s);
        snaps.push(s);
      },
      { maxPerSecond },
    ),
  );
  return { snaps, latest: () => snaps[snaps.length - 1] };
}

describe('the pods-on-nodes view', () => {
  it('shows the tutorial deployment as two running pods on two nodes', async () => {
    const v = watchView({ kinds: ['pods', 'nodes'], namespace: 'default' });
    await applyObjects(k.conn, DEPLOYMENT_YAML);
    const snap = await until('two running nginx pods', () => {
      const s = v.latest();
      const pods = s?.pods?.filter((p) => p.labels['app'] === 'nginx' && p.status === 'Running' && p.ready.ready === 1);
      return pods?.length === 2 && s;
    });
    expect(snap.connection).toMatchObject({ state: 'connected', server: k.lab.api.url });
    const pods = snap.pods!;
    expect(new Set(pods.map((p) => p.node)).size).toBe(2);
    const rs = await k.conn.request<{ items: { metadata: { name: string; uid: string; labels: Record<string, string> } }[] }>({ method: 'GET', path: '/apis/apps/v1/namespaces/default/replicasets' });
    const hash = rs.items[0]!.metadata.labels['pod-template-hash'];
    for (const p of pods) {
      expect(p).toMatchObject({ namespace: 'default', phase: 'Running', ready: { ready: 1, total: 1 }, restarts: 0, podTemplateHash: hash, images: ['nginx:1.14.2'], owner: { kind: 'ReplicaSet', name: rs.items[0]!.metadata.name, uid: rs.items[0]!.metadata.uid } });
      expect(p.name.startsWith(`nginx-deployment-${hash}-`)).toBe(true);
      expect(p.podIP).toMatch(/^10\.1\./);
      expect(p.containers).toMatchObject([{ name: 'nginx', state: 'running', ready: true }]);
      expect(p.conditions.find((c) => c.type === 'Ready')?.status).toBe('True');
    }
    const nodes = snap.nodes!;
    expect(nodes.map((n) => [n.name, n.roles, n.ready.status])).toEqual([
      ['pi-01', ['control-plane'], 'True'],
      ['pi-02', ['worker'], 'True'],
      ['pi-03', ['worker'], 'True'],
    ]);
    expect(nodes[0]).toMatchObject({ allocatable: { cpuMillicores: 4000, pods: 110 }, unschedulable: false, taints: [], internalIP: '192.168.1.21', architecture: 'arm64' });
    expect(nodes[0]!.allocatable.memoryBytes).toBeGreaterThan(3_000_000_000);
    expect(nodes[0]!.ready.reason).toBe('KubeletReady');
  });

  it('agrees with kubectl get pods -o wide', async (ctx) => {
    if (!existsSync('/usr/bin/kubectl')) return ctx.skip();
    const dir = mkdtempSync(path.join(tmpdir(), 'kube-views-'));
    const kubeconfig = path.join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, k.lab.api.kubeconfig(), { mode: 0o600 });
    const v = watchView({ kinds: ['pods'], namespace: 'default' });
    await until('a snapshot', () => v.latest()?.pods?.length === 2);
    const { stdout } = await promisify(execFile)('/usr/bin/kubectl', ['--kubeconfig', kubeconfig, 'get', 'pods', '-o', 'wide', '--no-headers']);
    const rows = stdout.trim().split('\n').map((line) => line.trim().split(/\s+/));
    const ours = v.latest()!.pods!.map((p) => [p.name, `${p.ready.ready}/${p.ready.total}`, p.status, String(p.restarts), p.podIP ?? '<none>', p.node ?? '<none>']);
    expect(rows.map((r) => [r[0], r[1], r[2], r[3], r[5], r[6]])).toEqual(ours);
  });

  it('shows a wrong image as kubectl does, with its events', async () => {
    const v = watchView({ kinds: ['pods', 'events'], namespace: 'default' });
    await applyObjects(k.conn, DEPLOYMENT_YAML.replace('nginx-deployment', 'typo').replace(/app: nginx/g, 'app: typo').replace('- nginx', '- typo').replace('nginx:1.14.2', 'nginx:1.16.1x'));
    const snap = await until('image pull back-off', () => {
      const s = v.latest();
      const p = s?.pods?.find((x) => x.labels['app'] === 'typo' && x.status === 'ImagePullBackOff');
      // The kubelet reports the pull failure and then the container's error, both as reason Failed.
      const failed = s?.events?.filter((e) => p && e.involved.name === p.name && e.reason === 'Failed').map((e) => e.message) ?? [];
      return failed.some((m) => m.startsWith('Failed to pull image')) && failed.includes('Error: ErrImagePull') && s;
    });
    const pod = snap.pods!.find((x) => x.labels['app'] === 'typo' && x.status === 'ImagePullBackOff')!;
    expect(pod).toMatchObject({ phase: 'Pending', ready: { ready: 0, total: 1 }, containers: [{ state: 'waiting', reason: 'ImagePullBackOff' }] });
    const failed = snap.events!.find((e) => e.involved.name === pod.name && e.reason === 'Failed' && e.message.startsWith('Failed to pull image'))!;
    expect(failed).toMatchObject({ type: 'Warning', involved: { kind: 'Pod', namespace: 'default' }, source: { component: 'kubelet', host: pod.node } });
    expect(failed.message).toContain('nginx:1.16.1x');
    expect(failed.count).toBeGreaterThanOrEqual(1);
    expect(failed.lastAt).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('shows a node that stopped answering', async () => {
    const v = watchView({ kinds: ['nodes'] });
    k.lab.cluster.setReady('pi-03', false);
    try {
      const node = await until('pi-03 not ready', () => v.latest()?.nodes?.find((n) => n.name === 'pi-03' && n.ready.status !== 'True' && n.taints.length > 0));
      expect(node.ready).toMatchObject({ status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' });
      expect(node.ready.since).toMatch(/^\d{4}-/);
      expect(node.taints.map((t) => t.key)).toContain('node.kubernetes.io/unreachable');
    } finally {
      k.lab.cluster.setReady('pi-03', true);
    }
    await until('pi-03 ready again', () => v.latest()?.nodes?.find((n) => n.name === 'pi-03')?.ready.status === 'True');
  });
});

describe('services and endpoints', () => {
  it('shows a NodePort Service and the pods behind it', async () => {
    const v = watchView({ kinds: ['services', 'endpoints', 'pods'], namespace: 'default' });
    await applyObjects(k.conn, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'nginx' }, spec: { type: 'NodePort', selector: { app: 'nginx' }, ports: [{ port: 80, targetPort: 80 }] } });
    const snap = await until('endpoints of nginx', () => {
      const s = v.latest();
      return s?.endpoints?.find((e) => e.service === 'nginx')?.ready.length === 2 && s;
    });
    const svc = snap.services!.find((s) => s.name === 'nginx')!;
    expect(svc).toMatchObject({ type: 'NodePort', ports: [{ protocol: 'TCP', port: 80, targetPort: 80 }], selector: { app: 'nginx' }, loadBalancer: { ingress: [], pending: false } });
    expect(svc.clusterIP).toMatch(/^10\.152\.183\./);
    expect(svc.ports[0]!.nodePort).toBeGreaterThanOrEqual(30000);
    expect(svc.ports[0]!.nodePort).toBeLessThanOrEqual(32767);
    const ep = snap.endpoints!.find((e) => e.service === 'nginx')!;
    const nginxPods = snap.pods!.filter((p) => p.labels['app'] === 'nginx');
    expect(ep.ready.map((a) => a.pod).sort()).toEqual(nginxPods.map((p) => p.name).sort());
    expect(ep.ready.map((a) => a.ip).sort()).toEqual(nginxPods.map((p) => p.podIP).sort());

    await applyObjects(k.conn, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'nginx-lb' }, spec: { type: 'LoadBalancer', selector: { app: 'nginx' }, ports: [{ port: 80 }] } });
    const lb = await until('the LoadBalancer', () => v.latest()?.services?.find((s) => s.name === 'nginx-lb'));
    expect(lb.loadBalancer).toEqual({ ingress: [], pending: true });
  });
});

describe('coalescing', () => {
  it('sends at most 10 snapshots in any second and always the last state', async () => {
    const v = watchView({ kinds: ['pods', 'replicasets', 'deployments', 'events'], namespace: 'default' });
    const burst = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: burst
spec:
  replicas: 24
  selector:
    matchLabels: { app: burst }
  template:
    metadata:
      labels: { app: burst }
    spec:
      containers:
      - name: c
        image: nginx:1.16.1
`;
    const before = v.snaps.length;
    await applyObjects(k.conn, burst);
    await until('24 burst pods running', () => v.latest()?.pods?.filter((p) => p.labels['app'] === 'burst' && p.status === 'Running').length === 24, 60_000);
    const snaps = v.snaps.slice(before);
    expect(snaps.length).toBeGreaterThan(2);
    // `at` is read while the snapshot is built, a little after the coalescer's send time (whose
    // rule view-coalescer.test.ts checks exactly): no more than ten in any 950 ms here.
    const times = snaps.map((s) => s.at);
    for (let i = 0; i + 10 < times.length; i++) expect(times[i + 10]! - times[i]!).toBeGreaterThanOrEqual(950);
    expect(snaps.map((s) => s.seq)).toEqual([...snaps.map((s) => s.seq)].sort((a, b) => a - b));
    // The last snapshot is the cluster's final state.
    const list = await k.conn.request<{ items: unknown[] }>({ method: 'GET', path: '/api/v1/namespaces/default/pods', query: { labelSelector: 'app=burst' } });
    expect(v.latest()!.pods!.filter((p) => p.labels['app'] === 'burst')).toHaveLength(list.items.length);
    const d = v.latest()!.deployments!.find((x) => x.name === 'burst')!;
    expect(d).toMatchObject({ replicas: 24, status: { updated: 24 }, strategy: { type: 'RollingUpdate', maxSurge: '25%', maxUnavailable: '25%' }, paused: false, images: ['nginx:1.16.1'], revision: 1 });
  });
});
