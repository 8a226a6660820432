/**
 * Step 8 against the practice lab through the app's router: scaling past the nodes leaves a pod
 * Pending with the scheduler's FailedScheduling text, relaxing the anti-affinity (shown as a
 * diff first) places it, zero and back; the tutorial's deployment-scale.yaml after the strict
 * Deployment is gone; a namespace quota named before its pods go missing; MetalLB enabled over
 * SSH with a checked range, the LoadBalancer's EXTERNAL-IP, nginx through it, and which pod
 * answered each of 20 requests.
 */
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { KubeProbeSample } from '../../../preload/contract/kube';
import { appPerTest } from '../../app/testing/test-app';
import type { TestApp } from '../../app/testing/test-app';
import { formedPracticeCluster } from '../testing/lesson-cluster';

const t = appPerTest('pcw-scale-');
const runFile = promisify(execFile);
const kubectlPath = spawnSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).stdout.trim();

type Call = TestApp['call'];

async function snapshot(call: Call) {
  return (await call('liveCluster.state', {})).snapshot;
}

async function nginxPods(call: Call) {
  return ((await snapshot(call))?.pods ?? []).filter((p) => p.labels['app'] === 'nginx' && !p.deletingAt);
}

async function deployed(call: Call) {
  expect(await call('lessons.run', { action: 'deploy.apply', params: {} })).toMatchObject({ ok: true });
  await expect.poll(async () => (await nginxPods(call)).filter((p) => p.status === 'Running').length, { timeout: 60_000 }).toBe(2);
}

/** Running pods of nginx per node, e.g. `{ 'pi-01': 2, 'pi-02': 1 }`, once `total` run and nothing else is left. */
async function runningSpread(call: Call, total: number) {
  await expect
    .poll(async () => {
      const pods = await nginxPods(call);
      return pods.length === total && pods.every((p) => p.status === 'Running' && p.ready.ready === 1);
    }, { timeout: 120_000 })
    .toBe(true);
  const out: Record<string, number> = {};
  for (const p of await nginxPods(call)) out[p.node!] = (out[p.node!] ?? 0) + 1;
  return out;
}

describe('step 8, scale and load balancing', () => {
  it('scales past the nodes into Pending, relaxes the rule to place the pod, goes to zero and back', async () => {
    await t.start();
    await formedPracticeCluster(t, 2);
    expect((await t.call('app.getState', {})).locked.scale).toBe('needs-deployment');
    await deployed(t.call);
    await expect.poll(async () => (await t.call('app.getState', {})).available).toContain('scale');

    // At most nodes + 2.
    expect(await t.call('lessons.run', { action: 'scale.set', params: { replicas: 5 } })).toMatchObject({ ok: false, code: 'replicas-out-of-range', values: { max: 4 } });
    expect((await t.call('lessons.preview', { action: 'scale.set', params: { replicas: 3 } })).kubectl[0]).toBe('kubectl scale deployment/nginx-deployment --replicas=3');

    const scaled = await t.call('lessons.run', { action: 'scale.set', params: { replicas: 3 } });
    expect(scaled).toMatchObject({ ok: true, code: 'scaled-past-nodes', values: { replicas: 3, nodes: 2 }, rollout: { message: 'deployment.apps/nginx-deployment scaled' } });
    await expect
      .poll(async () => (await nginxPods(t.call)).map((p) => `${p.status} ${p.node ?? '-'}`).sort(), { timeout: 60_000 })
      .toEqual(['Pending -', 'Running pi-01', 'Running pi-02']);
    await expect
      .poll(async () => ((await snapshot(t.call))?.events ?? []).find((e) => e.reason === 'FailedScheduling')?.message, { timeout: 60_000 })
      .toMatch(/^0\/2 nodes are available: 2 node\(s\) didn't match pod anti-affinity rules\./);
    await expect.poll(async () => (await t.call('lessons.state', {})).progress.scale).toContain('pending-seen');

    if (kubectlPath) {
      // kubectl sees what the app shows: the same pods, statuses and nodes.
      const kubeconfig = t.app.feature('cluster').built()!.kubeconfigPath;
      const { stdout } = await runFile('kubectl', ['--kubeconfig', kubeconfig, 'get', 'pods', '-l', 'app=nginx', '-o', 'wide', '--no-headers']);
      const fromKubectl = stdout.trim().split('\n').map((l) => l.split(/\s+/)).map((c) => `${c[0]} ${c[2]} ${c[6]}`).sort();
      const fromApp = (await nginxPods(t.call)).map((p) => `${p.name} ${p.status} ${p.node ?? '<none>'}`).sort();
      expect(fromKubectl).toEqual(fromApp);
    }

    // The way out shown before it runs: the strict rule becomes a preference.
    const preview = await t.call('lessons.preview', { action: 'scale.relax', params: {} });
    expect(preview.before).toContain('requiredDuringSchedulingIgnoredDuringExecution');
    expect(preview.before).toContain('replicas: 3');
    expect(preview.before).not.toContain('preferredDuringSchedulingIgnoredDuringExecution');
    expect(preview.yaml).toContain('preferredDuringSchedulingIgnoredDuringExecution');
    expect(preview.yaml).not.toContain('requiredDuringSchedulingIgnoredDuringExecution');
    expect(preview.yaml).toContain('weight: 100');
    expect(preview.yaml).toContain('topologyKey: kubernetes.io/hostname');
    expect(preview.yaml).toContain('maxUnavailable: 2');
    expect(preview.yaml).toContain('replicas: 3');
    const relaxed = await t.call('lessons.run', { action: 'scale.relax', params: {} });
    expect(relaxed, JSON.stringify(relaxed)).toMatchObject({ ok: true, code: 'relaxed' });
    // All three run now. Where they run depends on timing, as on a real cluster: the old pods keep
    // the strict rule until they are gone, so new pods scheduled meanwhile all go to the freed node.
    const spread = await runningSpread(t.call, 3);
    expect(Object.values(spread).reduce((a, b) => a + b, 0)).toBe(3);
    expect(Object.keys(spread).every((n) => ['pi-01', 'pi-02'].includes(n))).toBe(true);
    await expect.poll(async () => (await t.call('lessons.state', {})).progress.scale).toContain('pending-resolved');

    // Zero: no pod at all; and back.
    expect(await t.call('lessons.run', { action: 'scale.set', params: { replicas: 0 } })).toMatchObject({ ok: true, code: 'scaled' });
    await expect.poll(async () => ((await snapshot(t.call))?.pods ?? []).filter((p) => p.labels['app'] === 'nginx').length, { timeout: 60_000 }).toBe(0);
    expect((await snapshot(t.call))?.deployments?.find((d) => d.name === 'nginx-deployment')).toMatchObject({ replicas: 0 });
    expect(await t.call('lessons.run', { action: 'scale.set', params: { replicas: 2 } })).toMatchObject({ ok: true, code: 'scaled' });
    // With no old pod left, the preference spreads the two new pods over both nodes.
    expect(await runningSpread(t.call, 2)).toEqual({ 'pi-01': 1, 'pi-02': 1 });
    expect((await t.call('lessons.state', {})).progress.scale).toEqual(expect.arrayContaining(['scaled', 'zero', 'relaxed']));
  }, 400_000);

  it('offers the tutorial’s deployment-scale.yaml after the strict Deployment is gone; a pod quota is named before pods go missing', async () => {
    await t.start();
    await formedPracticeCluster(t, 2);
    await deployed(t.call);

    const preview = await t.call('lessons.preview', { action: 'scale.tutorial', params: {} });
    expect(preview.before).toContain('requiredDuringSchedulingIgnoredDuringExecution');
    expect(preview.yaml).not.toContain('affinity');
    expect(preview.yaml).toContain('replicas: 4');
    expect(preview.kubectl.slice(0, 2)).toEqual(['kubectl delete deployment nginx-deployment', 'kubectl apply -f deployment-scale.yaml']);
    const applied = await t.call('lessons.run', { action: 'scale.tutorial', params: {} });
    expect(applied, JSON.stringify(applied)).toMatchObject({ ok: true, code: 'tutorial-applied' });
    expect(applied.applied?.objects[0]).toMatchObject({ kind: 'Deployment', action: 'created' });
    // No rule any more: four pods on two nodes (the scheduler spreads them, without a promise of 2 + 2).
    const four = await runningSpread(t.call, 4);
    expect(Object.keys(four).sort()).toEqual(['pi-01', 'pi-02']);
    expect(Math.max(...Object.values(four))).toBeGreaterThanOrEqual(2);

    // Someone capped the namespace at 3 pods: scaling from 2 to 4 says so (the fourth pod cannot be created).
    expect(await t.call('lessons.run', { action: 'scale.set', params: { replicas: 2 } })).toMatchObject({ ok: true });
    await runningSpread(t.call, 2);
    const cluster = await t.app.feature('lessons').cluster();
    await cluster.conn.request({ method: 'POST', path: '/api/v1/namespaces/default/resourcequotas', body: { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'pods-cap' }, spec: { hard: { pods: '3' } } } });
    await expect.poll(async () => ((await cluster.conn.request<{ status?: { used?: Record<string, string> } }>({ method: 'GET', path: '/api/v1/namespaces/default/resourcequotas/pods-cap' })).status?.used?.['pods']), { timeout: 30_000 }).toBe('2');
    const over = await t.call('lessons.run', { action: 'scale.set', params: { replicas: 4 } });
    expect(over).toMatchObject({ ok: true, code: 'scaled-over-quota', values: { quota: 'pods-cap', hard: 3, allowed: 3, replicas: 4 } });
    await expect
      .poll(async () => ((await snapshot(t.call))?.events ?? []).find((e) => e.reason === 'FailedCreate')?.message, { timeout: 60_000 })
      .toMatch(/is forbidden: exceeded quota: pods-cap, requested: pods=1, used: pods=3, limited: pods=3/);
    expect(Object.values(await runningSpread(t.call, 3)).reduce((a, b) => a + b, 0)).toBe(3);
  }, 400_000);

  it('enables MetalLB over SSH with a checked range; the LoadBalancer gets an address, answers, and spreads requests over the pods', async () => {
    await t.start();
    await formedPracticeCluster(t, 2);
    await deployed(t.call);

    // Without MetalLB the LoadBalancer stays <pending>, and the app says why.
    const lb = await t.call('lessons.run', { action: 'scale.loadBalancer', params: {} });
    expect(lb).toMatchObject({ ok: true, code: 'load-balancer-created' });
    await expect.poll(async () => (await snapshot(t.call))?.services?.find((s) => s.name === 'nginx-service')?.loadBalancer).toEqual({ ingress: [], pending: true });
    expect(await t.call('lessons.run', { action: 'scale.open', params: {} })).toMatchObject({ ok: false, code: 'lb-pending', values: { metallb: 'disabled' } });

    const info = await t.call('lessons.run', { action: 'scale.loadBalancerInfo', params: {} });
    expect(info.values).toMatchObject({ metallb: 'disabled', mode: 'dhcp', subnet: '192.168.1.0/24', proposed: '192.168.1.240-192.168.1.250' });

    // The range is checked in main before anything runs on a node.
    const nodeAddress = String(info.values?.['nodes']).split(', ')[0]!;
    expect(await t.call('lessons.run', { action: 'scale.enableMetallb', params: { range: `${nodeAddress}-${nodeAddress}`, dhcpConfirmed: true } })).toMatchObject({ ok: false, code: 'metallb-range-invalid', values: { problem: 'containsNode', address: nodeAddress } });
    expect(await t.call('lessons.run', { action: 'scale.enableMetallb', params: { range: '192.168.1.1-192.168.1.200', dhcpConfirmed: true } })).toMatchObject({ ok: false, code: 'metallb-range-invalid', values: { problem: 'tooLarge' } });
    expect(await t.call('lessons.run', { action: 'scale.enableMetallb', params: { range: '10.0.0.240-10.0.0.250', dhcpConfirmed: true } })).toMatchObject({ ok: false, code: 'metallb-range-invalid', values: { problem: 'subnet' } });
    expect(await t.call('lessons.run', { action: 'scale.enableMetallb', params: { range: '192.168.1.240-192.168.1.250' } })).toMatchObject({ ok: false, code: 'metallb-range-unconfirmed' });
    expect(await t.app.router.dispatch('lessons.run', { action: 'scale.enableMetallb', params: { range: '192.168.1.240-192.168.1.250; reboot' } })).toMatchObject({ ok: true, result: { ok: false, code: 'metallb-range-invalid', values: { problem: 'format' } } });

    const enabled = await t.call('lessons.run', { action: 'scale.enableMetallb', params: { range: '192.168.1.240-192.168.1.250', dhcpConfirmed: true } });
    expect(enabled, JSON.stringify(enabled)).toMatchObject({ ok: true, code: 'metallb-enabled', values: { node: 'pi-01', range: '192.168.1.240-192.168.1.250' } });
    expect(enabled.output).toMatch(/^Infer repository core for addon metallb\nEnabling MetalLB\nApplying Metallb manifest\n/);
    expect(enabled.output).toMatch(/MetalLB is enabled\n$/);
    expect(await t.call('lessons.run', { action: 'scale.enableMetallb', params: { range: '192.168.1.240-192.168.1.250', dhcpConfirmed: true } })).toMatchObject({ ok: true, code: 'metallb-already-enabled', values: { ranges: '192.168.1.240-192.168.1.250' } });
    expect((await t.call('lessons.run', { action: 'scale.loadBalancerInfo', params: {} })).values).toMatchObject({ metallb: 'enabled', ranges: '192.168.1.240-192.168.1.250' });

    // EXTERNAL-IP: the lowest address of the range; nginx answers there.
    await expect.poll(async () => (await snapshot(t.call))?.services?.find((s) => s.name === 'nginx-service')?.loadBalancer, { timeout: 60_000 }).toEqual({ ingress: ['192.168.1.240'], pending: false });
    let opened = await t.call('lessons.run', { action: 'scale.open', params: {} });
    await expect
      .poll(async () => (opened = await t.call('lessons.run', { action: 'scale.open', params: {} })).ok, { timeout: 30_000 })
      .toBe(true);
    expect(opened).toMatchObject({ code: 'lb-opened', values: { url: 'http://192.168.1.240:80/', address: '192.168.1.240', version: '1.14.2' }, probe: { status: 200, headers: { server: 'nginx/1.14.2' } } });
    expect(opened.probe?.body).toContain('<title>Welcome to nginx!</title>');
    await expect.poll(async () => (await t.call('lessons.state', {})).progress.scale).toContain('lb-answered');
    if (kubectlPath) {
      const kubeconfig = t.app.feature('cluster').built()!.kubeconfigPath;
      const { stdout } = await runFile('kubectl', ['--kubeconfig', kubeconfig, 'get', 'service', 'nginx-service', '--no-headers']);
      expect(stdout).toMatch(/^nginx-service\s+LoadBalancer\s+10\.152\.183\.\d+\s+192\.168\.1\.240\s+80:3\d{4}\/TCP/);
    }

    // Which pod answered each of 20 requests (from the pods' access logs).
    const samples: KubeProbeSample[] = [];
    let done = false;
    const off = t.app.events.subscribe((name, payload) => {
      if (name !== 'lessons.probe') return;
      const p = payload as { samples: KubeProbeSample[]; done: boolean; target?: string };
      if (p.done) {
        samples.splice(0, samples.length, ...p.samples);
        done = true;
      }
    });
    const { probeId } = await t.call('lessons.probeStart', { service: 'nginx-service', count: 20 });
    expect(probeId).toBeTruthy();
    await expect.poll(() => done, { timeout: 60_000 }).toBe(true);
    off();
    expect(samples).toHaveLength(20);
    expect(samples.every((s) => s.status === 200)).toBe(true);
    const pods = (await nginxPods(t.call)).map((p) => p.name).sort();
    expect(samples.every((s) => s.pod && pods.includes(s.pod))).toBe(true);
    expect([...new Set(samples.map((s) => s.pod))].sort()).toEqual(pods);
  }, 400_000);
});
