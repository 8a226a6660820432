/**
 * Step 9 against the practice lab through the app's router, in the order a user clicks it: the
 * quota, the pod refused for asking nothing (upstream's "must specify"), the LimitRange and the
 * same pod admitted with its defaults written by admission, a Deployment scaled past the quota
 * and one pod more refused with the API's own 403 `exceeded quota`; live quota bars from the
 * watched namespace; requests per node against allocatable; a quota left by someone else found
 * and removed. Where /usr/bin/kubectl exists, `kubectl describe quota` agrees with the app.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeViewSnapshot } from '../../../preload/contract/kube';
import type { TestApp } from '../../app/testing/test-app';
import { startTestApp } from '../../app/testing/test-app';
import { formedPracticeCluster } from '../testing/lesson-cluster';

let t: TestApp;
const views = new Map<string, KubeViewSnapshot>();

/** The newest snapshot of the watched lesson namespace. */
const lessonView = () => views.get('limits-lesson');

beforeAll(async () => {
  t = await startTestApp('pcw-limits-');
  t.app.events.subscribe((name, payload) => {
    if (name === 'liveCluster.view') {
      const p = payload as { namespace: string; snapshot: KubeViewSnapshot };
      views.set(p.namespace, p.snapshot);
    }
  });
});

afterAll(async () => {
  await t?.app.close();
});

/** Real kubectl on the same cluster (asynchronously: the lab's API server runs in this process). */
const kubectl = async (args: string[]): Promise<string | undefined> => {
  const kubeconfig = (t.app.feature('cluster').built() as { kubeconfigPath?: string } | undefined)?.kubeconfigPath;
  if (!existsSync('/usr/bin/kubectl') || !kubeconfig) return undefined;
  return (await promisify(execFile)('/usr/bin/kubectl', ['--kubeconfig', kubeconfig, ...args], { encoding: 'utf8' })).stdout;
};

describe('step 9, limits', () => {
  it('is locked until a cluster exists', async () => {
    expect((await t.call('app.getState', {})).locked.limits).toBe('needs-cluster');
    await formedPracticeCluster(t, 2);
  }, 300_000);

  it('creates the lesson namespace with the quota, and the quota bars come live from the watched namespace', async () => {
    expect((await t.call('app.getState', {})).available).toContain('limits');
    const preview = await t.call('lessons.preview', { action: 'limits.quota', params: {} });
    expect(preview.yaml).toContain('kind: ResourceQuota');
    expect(preview.yaml).toContain('requests.cpu: "1"');
    expect(preview.yaml).toContain('app.kubernetes.io/managed-by: pi-cluster-wizard');
    expect(preview.kubectl).toContain('kubectl create namespace limits-lesson');

    const done = await t.call('lessons.run', { action: 'limits.quota', params: {} });
    expect(done, JSON.stringify(done)).toMatchObject({ ok: true, code: 'applied' });
    expect(done.applied?.objects.map((o) => `${o.kind} ${o.action}`)).toEqual(['Namespace created', 'ResourceQuota created']);

    const watched = await t.call('liveCluster.watch', { namespace: 'limits-lesson', extraKinds: ['resourcequotas', 'limitranges'] });
    expect(watched.viewId).toBeTruthy();
    await expect.poll(() => lessonView()?.resourcequotas?.[0]?.amounts['requests.cpu'], { timeout: 30_000 }).toEqual({ hard: 1, used: 0 });
    const quota = lessonView()!.resourcequotas![0]!;
    expect(quota).toMatchObject({ name: 'compute-quota', namespace: 'limits-lesson', hard: { pods: '10', 'requests.memory': '1Gi' } });
    expect(quota.amounts['requests.memory']).toEqual({ hard: 2 ** 30, used: 0 });
    expect(lessonView()!.limitranges).toEqual([]);
  });

  it('refuses a pod without requests: the quota tracks CPU and memory, so each container must say what it asks for', async () => {
    const out = await t.call('lessons.run', { action: 'limits.pod', params: {} });
    expect(out.ok).toBe(false);
    expect(out.code).toBe('must-specify');
    expect(out.error?.httpStatus).toBe(403);
    // Upstream's text, sorted resources joined by "; ".
    expect(out.error?.message).toBe('pods "no-requests" is forbidden: failed quota: compute-quota: must specify limits.cpu for: nginx; limits.memory for: nginx; requests.cpu for: nginx; requests.memory for: nginx');
    expect(out.error?.forbidden).toEqual({
      kind: 'quota-must-specify',
      quota: 'compute-quota',
      missing: ['limits.cpu', 'limits.memory', 'requests.cpu', 'requests.memory'].map((resource) => ({ resource, containers: ['nginx'] })),
    });
    expect((await t.call('lessons.state', {})).progress['limits']).toContain('must-specify');
  });

  it('with the LimitRange, the same pod is admitted and carries the defaults admission wrote, with the limit-ranger annotation', async () => {
    expect(await t.call('lessons.run', { action: 'limits.limitRange', params: {} })).toMatchObject({ ok: true });
    await expect.poll(() => lessonView()?.limitranges?.[0]?.limits[0]?.defaultRequest, { timeout: 30_000 }).toEqual({ cpu: '250m', memory: '128Mi' });

    const out = await t.call('lessons.run', { action: 'limits.pod', params: {} });
    expect(out, JSON.stringify(out)).toMatchObject({ ok: true, code: 'defaults-applied' });
    expect(out.values).toEqual({
      pod: 'no-requests',
      requestsCpu: '250m',
      requestsMemory: '128Mi',
      limitsCpu: '500m',
      limitsMemory: '256Mi',
      annotation: 'LimitRanger plugin set: cpu, memory request for container nginx; cpu, memory limit for container nginx',
    });
    // The pod's sums in the live view, and the quota counting them.
    await expect.poll(() => lessonView()?.pods?.find((p) => p.name === 'no-requests')?.resources, { timeout: 30_000 }).toEqual({
      requests: { cpuMillicores: 250, memoryBytes: 128 * 2 ** 20 },
      limits: { cpuMillicores: 500, memoryBytes: 256 * 2 ** 20 },
    });
    await expect.poll(() => lessonView()?.resourcequotas?.[0]?.used['requests.cpu'], { timeout: 30_000 }).toBe('250m');
  });

  it('a Deployment scaled past the quota gets only what fits; the ReplicaSet reports the refusals; one pod more is refused with the 403 exceeded quota', async () => {
    const deployed = await t.call('lessons.run', { action: 'limits.deploy', params: { replicas: 6 } });
    expect(deployed).toMatchObject({ ok: true, values: { replicas: 6 } });
    // 1 CPU of requests at 250m each: the bare pod and three of the Deployment's.
    await expect.poll(() => lessonView()?.resourcequotas?.[0]?.used['requests.cpu'], { timeout: 60_000 }).toBe('1');
    await expect.poll(() => lessonView()?.pods?.filter((p) => p.labels['app'] === 'quota-demo').length, { timeout: 30_000 }).toBe(3);
    await expect
      .poll(() => lessonView()?.events?.find((e) => e.reason === 'FailedCreate')?.message, { timeout: 30_000 })
      .toMatch(/^Error creating: pods "quota-demo-[a-z0-9]+-[a-z0-9]{5}" is forbidden: exceeded quota: compute-quota, requested: requests.cpu=250m, used: requests.cpu=1, limited: requests.cpu=1$/);

    const extra = await t.call('lessons.run', { action: 'limits.extra', params: {} });
    expect(extra.ok).toBe(false);
    expect(extra.code).toBe('quota-exceeded');
    expect(extra.error?.message).toBe('pods "one-more" is forbidden: exceeded quota: compute-quota, requested: requests.cpu=250m, used: requests.cpu=1, limited: requests.cpu=1');
    expect(extra.error?.forbidden).toEqual({ kind: 'quota-exceeded', quota: 'compute-quota', requested: { 'requests.cpu': '250m' }, used: { 'requests.cpu': '1' }, limited: { 'requests.cpu': '1' } });
    expect((await t.call('lessons.state', {})).progress['limits']).toEqual(expect.arrayContaining(['quota', 'must-specify', 'limitrange', 'defaults', 'deployed', 'exceeded']));
    await expect.poll(async () => (await t.call('app.getState', {})).steps.limits).toBe('done');

    const described = await kubectl(['describe', 'quota', 'compute-quota', '-n', 'limits-lesson']);
    if (described !== undefined) {
      expect(described).toMatch(/requests\.cpu\s+1\s+1\n/);
      expect(described).toMatch(/pods\s+4\s+10\n/);
    }
  });

  it('sums what the pods on each node request (all namespaces) beside what the node can give', async () => {
    const out = await t.call('lessons.run', { action: 'limits.nodes', params: {} });
    expect(out.ok).toBe(true);
    const v = out.values!;
    const nodes = (await t.call('liveCluster.state', {})).snapshot!.nodes!;
    let lessonCpu = 0;
    for (const n of nodes) {
      expect(v[`${n.name}|cpuAllocatable`]).toBe(n.allocatable.cpuMillicores);
      expect(v[`${n.name}|memoryAllocatable`]).toBe(n.allocatable.memoryBytes);
      expect(v[`${n.name}|cpuRequested`] as number).toBeLessThanOrEqual(n.allocatable.cpuMillicores);
      lessonCpu += (lessonView()?.pods ?? []).filter((p) => p.node === n.name).reduce((s, p) => s + (p.resources?.requests.cpuMillicores ?? 0), 0);
    }
    const requested = nodes.reduce((s, n) => s + (v[`${n.name}|cpuRequested`] as number), 0);
    // The lesson's four pods (1 CPU) plus what kube-system asks for (CoreDNS's 100m).
    expect(requested).toBeGreaterThanOrEqual(lessonCpu + 100);
    expect(lessonCpu).toBe(1000);
  });

  it('finds a quota someone else left in default, explains it, and removes it on request (never the app’s own)', async () => {
    expect(await t.call('lessons.run', { action: 'limits.check', params: {} })).toMatchObject({ ok: true, code: 'no-foreign-limits', values: { count: 0 } });
    // Someone's quota from earlier, made without the app (as `kubectl create quota` would).
    const cluster = await t.app.feature('liveCluster').cluster();
    await cluster.conn.request({ method: 'POST', path: '/api/v1/namespaces/default/resourcequotas', body: { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'old-quota' }, spec: { hard: { pods: '2' } } } });
    const found = await t.call('lessons.run', { action: 'limits.check', params: {} });
    expect(found).toMatchObject({ ok: true, code: 'foreign-limits', values: { count: 1, list: 'ResourceQuota default/old-quota', item0: 'ResourceQuota|default|old-quota' } });

    expect((await t.call('lessons.preview', { action: 'limits.removeForeign', params: { kind: 'ResourceQuota', namespace: 'default', name: 'old-quota' } })).kubectl).toEqual(['kubectl delete resourcequota old-quota -n default']);
    expect(await t.call('lessons.run', { action: 'limits.removeForeign', params: { kind: 'ResourceQuota', namespace: 'default', name: 'old-quota' } })).toMatchObject({ ok: true, code: 'foreign-removed' });
    expect(await t.call('lessons.run', { action: 'limits.check', params: {} })).toMatchObject({ code: 'no-foreign-limits' });
    // The app's own quota is not "someone else's": Reset lessons removes it.
    expect(await t.call('lessons.run', { action: 'limits.removeForeign', params: { kind: 'ResourceQuota', namespace: 'limits-lesson', name: 'compute-quota' } })).toMatchObject({ ok: false, code: 'foreign-is-ours' });
    // Only quotas and limit ranges, only where the lessons run.
    expect(await t.app.router.dispatch('lessons.run', { action: 'limits.removeForeign', params: { kind: 'Deployment', namespace: 'default', name: 'x' } })).toMatchObject({ ok: false, error: { code: 'INVALID_PARAMS' } });
    expect(await t.app.router.dispatch('lessons.run', { action: 'limits.removeForeign', params: { kind: 'ResourceQuota', namespace: 'kube-system', name: 'x' } })).toMatchObject({ ok: false, error: { code: 'INVALID_PARAMS' } });
    expect(await t.app.router.dispatch('lessons.run', { action: 'limits.deploy', params: { replicas: 50 } })).toMatchObject({ ok: false, error: { code: 'INVALID_PARAMS', message: expect.stringContaining('at most 8 replicas') } });
  });

  it('"Reset lessons" deletes the lesson namespace with everything in it', async () => {
    const plan = await t.call('lessons.planReset', {});
    expect(plan.objects.map((o) => o.display)).toContain('namespace/limits-lesson');
    const job = await t.app.jobs.settled((await t.call('lessons.reset', {})).jobId);
    expect(job.error).toBeUndefined();
    const cluster = await t.app.feature('liveCluster').cluster();
    await expect
      .poll(async () => (await cluster.conn.request<{ items: unknown[] }>({ method: 'GET', path: '/api/v1/namespaces' })).items.some((n) => (n as { metadata: { name: string } }).metadata.name === 'limits-lesson'), { timeout: 60_000 })
      .toBe(false);
  });

  it('with a worker down, still sums requests per node (the down node included, as the quota still counts its pods)', async () => {
    await t.call('practice.power', { pi: 'pi-2', on: false });
    await expect.poll(async () => (await t.call('liveCluster.state', {})).snapshot?.nodes?.find((n) => n.name === 'pi-02')?.ready.status, { timeout: 60_000 }).not.toBe('True');
    const out = await t.call('lessons.run', { action: 'limits.nodes', params: {} });
    expect(out.ok).toBe(true);
    expect(out.values?.['pi-02|cpuAllocatable']).toBeGreaterThan(0);
    expect(out.values?.['pi-01|cpuAllocatable']).toBeGreaterThan(0);
  });

  it('when the control plane does not answer, the live view says so and actions fail with UNAVAILABLE, while the YAML is still shown', async () => {
    await t.call('practice.power', { pi: 'pi-1', on: false });
    await expect.poll(async () => (await t.call('liveCluster.state', {})).status, { timeout: 60_000 }).toBe('reconnecting');
    const preview = await t.call('lessons.preview', { action: 'limits.quota', params: {} });
    expect(preview.yaml).toContain('kind: ResourceQuota');
    const refused = await t.app.router.dispatch('lessons.run', { action: 'limits.quota', params: {} });
    if (refused.ok) expect(refused.result).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });
    else expect(refused.error.code).toBe('UNAVAILABLE');
  }, 120_000);
});
