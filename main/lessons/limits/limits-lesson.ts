/**
 * Step 9, Limits: the tutorial's chapter on ResourceQuota and LimitRange, done on the user's
 * cluster in a namespace of its own (`limits-lesson`, labelled as the app's, so "Reset lessons"
 * deletes it with all it holds):
 *  1. the namespace and a ResourceQuota (pods, requests and limits of CPU and memory);
 *  2. a pod that asks for nothing: the quota counts CPU and memory, so the API refuses it with
 *     upstream's `failed quota: ...: must specify ...` (the quota comes before the LimitRange on
 *     purpose);
 *  3. a LimitRange with defaults, a default request and a maximum; the same pod again, now
 *     admitted, read back with the requests and limits admission wrote and the
 *     `kubernetes.io/limit-ranger` annotation;
 *  4. a Deployment scaled past the quota (the ReplicaSet's pods refused, FailedCreate events),
 *     then one pod more by hand: the API's own 403 `exceeded quota` message;
 *  5. every node's allocatable CPU and memory against what the pods on it request (all
 *     namespaces, as the scheduler counts), which is why a Pi 4 fits only so many pods.
 * Quotas and LimitRanges not made by the app, in the lesson's namespace or in `default`, are
 * found and can be removed (the user confirms; kubectl's command is shown).
 */
import { z } from 'zod';
import type { LessonOutcome } from '../../../preload/contract/lessons';
import { CORE, resourcePath } from '../../kube/api-resources';
import { KubeError } from '../../kube/kube-errors';
import type { KubeCluster } from '../../kube/kube-cluster';
import { isManaged, parseManifests, withManagedBy } from '../../kube/manifests';
import type { KubeObject } from '../../kube/manifests';
import { bytes, cpuMillicores } from '../../kube/quantity';
import type { LessonContext } from '../lesson-kit';
import { lessonAction } from '../lesson-kit';
import { applyPrepared } from '../lessons-service';

export const LIMITS_NAMESPACE = 'limits-lesson';
export const QUOTA = 'compute-quota';
export const LIMIT_RANGE = 'container-limits';
export const BARE_POD = 'no-requests';
export const EXTRA_POD = 'one-more';
export const DEMO_DEPLOYMENT = 'quota-demo';

/**
 * The quota: CPU requests bind first (four pods of the LimitRange's 250m default request fill
 * it), so the refusal names one resource; the other caps are there as in the tutorial.
 */
export const QUOTA_YAML = `apiVersion: v1
kind: ResourceQuota
metadata:
  name: ${QUOTA}
  namespace: ${LIMITS_NAMESPACE}
spec:
  hard:
    pods: "10"
    requests.cpu: "1"
    requests.memory: 1Gi
    limits.cpu: "4"
    limits.memory: 2Gi
`;

export const LIMIT_RANGE_YAML = `apiVersion: v1
kind: LimitRange
metadata:
  name: ${LIMIT_RANGE}
  namespace: ${LIMITS_NAMESPACE}
spec:
  limits:
  - type: Container
    default:
      cpu: 500m
      memory: 256Mi
    defaultRequest:
      cpu: 250m
      memory: 128Mi
    max:
      cpu: "1"
      memory: 512Mi
`;

/** A pod that says nothing about resources (as most first manifests do). */
export function barePodYaml(name: string): string {
  return `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  namespace: ${LIMITS_NAMESPACE}
spec:
  containers:
  - name: nginx
    image: nginx:1.16.1
    ports:
    - containerPort: 80
`;
}

export function demoDeploymentYaml(replicas: number): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${DEMO_DEPLOYMENT}
  namespace: ${LIMITS_NAMESPACE}
spec:
  replicas: ${replicas}
  selector:
    matchLabels:
      app: ${DEMO_DEPLOYMENT}
  template:
    metadata:
      labels:
        app: ${DEMO_DEPLOYMENT}
    spec:
      containers:
      - name: nginx
        image: nginx:1.16.1
        ports:
        - containerPort: 80
`;
}

const NAMESPACE_OBJECT: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: LIMITS_NAMESPACE } };

const managed = (yaml: string) => parseManifests(yaml).map(withManagedBy);

async function getOrUndefined<T>(cluster: KubeCluster, path: string): Promise<T | undefined> {
  try {
    return await cluster.conn.request<T>({ method: 'GET', path });
  } catch (error) {
    if (error instanceof KubeError && error.code === 'NOT_FOUND') return undefined;
    throw error;
  }
}

interface PodJson extends KubeObject {
  spec?: { nodeName?: string; containers?: { name: string; resources?: { requests?: Record<string, string>; limits?: Record<string, string> } }[]; initContainers?: { resources?: { requests?: Record<string, string> } }[] };
  status?: { phase?: string };
}

/** Waits until the quota controller has filled in the quota's status (before that, pods are refused with `status unknown for quota`). */
async function quotaCounted(cluster: KubeCluster, deadlineMs = 15_000): Promise<boolean> {
  const until = Date.now() + deadlineMs;
  const path = resourcePath(CORE.resourcequotas, LIMITS_NAMESPACE, QUOTA);
  for (;;) {
    const q = await getOrUndefined<{ status?: { hard?: Record<string, string> } }>(cluster, path);
    if (q?.status?.hard && Object.keys(q.status.hard).length > 0) return true;
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The requests and limits admission wrote into a pod, with the LimitRanger's annotation. */
async function readBackPod(cluster: KubeCluster, name: string): Promise<Record<string, string>> {
  const pod = await cluster.conn.request<PodJson>({ method: 'GET', path: resourcePath(CORE.pods, LIMITS_NAMESPACE, name) });
  const c = pod.spec?.containers?.[0];
  const values: Record<string, string> = { pod: name };
  const put = (key: string, v: string | undefined) => {
    if (v !== undefined) values[key] = String(v);
  };
  put('requestsCpu', c?.resources?.requests?.['cpu']);
  put('requestsMemory', c?.resources?.requests?.['memory']);
  put('limitsCpu', c?.resources?.limits?.['cpu']);
  put('limitsMemory', c?.resources?.limits?.['memory']);
  put('annotation', pod.metadata.annotations?.['kubernetes.io/limit-ranger']);
  return values;
}

/** What a refused pod looked like to the API, as the outcome the window explains. */
function refusal(outcome: LessonOutcome): LessonOutcome | undefined {
  const f = outcome.error?.forbidden;
  if (!f) return undefined;
  if (f.kind === 'quota-must-specify') return { ...outcome, code: 'must-specify', values: { quota: f.quota } };
  if (f.kind === 'quota-exceeded') return { ...outcome, code: 'quota-exceeded', values: { quota: f.quota } };
  if (f.kind === 'limit-range') return { ...outcome, code: 'limit-range-refused' };
  if (f.kind === 'quota-status-unknown') return { ...outcome, code: 'quota-not-counted', values: { quota: f.quota } };
  return undefined;
}

/** Quotas and LimitRanges someone else made where the lessons run (the lesson's namespace, default). */
export async function foreignLimits(cluster: KubeCluster): Promise<{ kind: 'ResourceQuota' | 'LimitRange'; namespace: string; name: string }[]> {
  const out: { kind: 'ResourceQuota' | 'LimitRange'; namespace: string; name: string }[] = [];
  for (const namespace of ['default', LIMITS_NAMESPACE]) {
    for (const [kind, resource] of [
      ['ResourceQuota', CORE.resourcequotas],
      ['LimitRange', CORE.limitranges],
    ] as const) {
      const list = await getOrUndefined<{ items?: KubeObject[] }>(cluster, resourcePath(resource, namespace));
      for (const o of list?.items ?? []) if (!isManaged(o)) out.push({ kind, namespace, name: o.metadata.name ?? '' });
    }
  }
  return out;
}

/**
 * Requested CPU and memory per node over every namespace (pods not finished), as `kubectl
 * describe node` sums them under "Allocated resources", beside each node's allocatable.
 */
export async function nodeUsage(cluster: KubeCluster): Promise<Record<string, string | number>> {
  const [nodes, pods] = await Promise.all([
    cluster.conn.request<{ items?: (KubeObject & { status?: { allocatable?: Record<string, string> } })[] }>({ method: 'GET', path: resourcePath(CORE.nodes) }),
    cluster.conn.request<{ items?: PodJson[] }>({ method: 'GET', path: resourcePath(CORE.pods) }),
  ]);
  const values: Record<string, string | number> = {};
  for (const n of nodes.items ?? []) {
    const name = n.metadata.name ?? '';
    values[`${name}|cpuAllocatable`] = cpuMillicores(n.status?.allocatable?.['cpu']) ?? 0;
    values[`${name}|memoryAllocatable`] = bytes(n.status?.allocatable?.['memory']) ?? 0;
    values[`${name}|podsAllocatable`] = Number(n.status?.allocatable?.['pods'] ?? 0) || 0;
    values[`${name}|cpuRequested`] = 0;
    values[`${name}|memoryRequested`] = 0;
    values[`${name}|pods`] = 0;
  }
  for (const p of pods.items ?? []) {
    const node = p.spec?.nodeName;
    if (!node || values[`${node}|pods`] === undefined || p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') continue;
    let cpu = 0;
    let memory = 0;
    for (const c of p.spec?.containers ?? []) {
      cpu += cpuMillicores(c.resources?.requests?.['cpu']) ?? 0;
      memory += bytes(c.resources?.requests?.['memory']) ?? 0;
    }
    values[`${node}|cpuRequested`] = (values[`${node}|cpuRequested`] as number) + cpu;
    values[`${node}|memoryRequested`] = (values[`${node}|memoryRequested`] as number) + memory;
    values[`${node}|pods`] = (values[`${node}|pods`] as number) + 1;
  }
  return values;
}

const dnsName = z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'a Kubernetes object name (lowercase letters, digits and "-")');

async function markIfOk(ctx: LessonContext, outcome: LessonOutcome, flag: string): Promise<LessonOutcome> {
  if (outcome.ok) await ctx.mark('limits', flag);
  return outcome;
}

export const limitsActions = [
  lessonAction({
    id: 'limits.quota',
    params: z.object({}).strict(),
    prepare: () => ({
      objects: [withManagedBy(NAMESPACE_OBJECT), ...managed(QUOTA_YAML)],
      kubectl: [`kubectl create namespace ${LIMITS_NAMESPACE}`, 'kubectl apply -f quota.yaml', `kubectl describe quota ${QUOTA} -n ${LIMITS_NAMESPACE}`],
    }),
    run: async (ctx, _p, { force, prepared }) => {
      const outcome = await applyPrepared(ctx, prepared!, force);
      if (!outcome.ok) return outcome;
      // Pods created before the quota controller counted are refused with "status unknown".
      await quotaCounted(await ctx.cluster());
      return markIfOk(ctx, outcome, 'quota');
    },
  }),
  lessonAction({
    id: 'limits.pod',
    params: z.object({}).strict(),
    prepare: () => ({
      objects: managed(barePodYaml(BARE_POD)),
      kubectl: ['kubectl apply -f no-requests.yaml', `kubectl get pod ${BARE_POD} -n ${LIMITS_NAMESPACE} -o yaml`],
    }),
    run: async (ctx, _p, { force, prepared }) => {
      const outcome = await applyPrepared(ctx, prepared!, force);
      const refused = refusal(outcome);
      if (refused) {
        if (refused.code === 'must-specify') await ctx.mark('limits', 'must-specify');
        return refused;
      }
      if (!outcome.ok) return outcome;
      // Admitted: show what admission wrote (the LimitRange's defaults) by reading the pod back.
      const values = await readBackPod(await ctx.cluster(), BARE_POD);
      if (values['annotation']) await ctx.mark('limits', 'defaults');
      return { ...outcome, code: values['annotation'] ? 'defaults-applied' : 'pod-admitted', values };
    },
  }),
  lessonAction({
    id: 'limits.limitRange',
    params: z.object({}).strict(),
    prepare: () => ({
      objects: managed(LIMIT_RANGE_YAML),
      kubectl: ['kubectl apply -f limitrange.yaml', `kubectl describe limitrange ${LIMIT_RANGE} -n ${LIMITS_NAMESPACE}`],
    }),
    run: async (ctx, _p, { force, prepared }) => markIfOk(ctx, await applyPrepared(ctx, prepared!, force), 'limitrange'),
  }),
  lessonAction({
    id: 'limits.deploy',
    params: z.object({ replicas: z.number().int().min(1, 'at least 1 replica').max(8, 'at most 8 replicas in this lesson').default(6) }).strict(),
    prepare: (_ctx, p) => ({
      objects: managed(demoDeploymentYaml(p.replicas)),
      kubectl: ['kubectl apply -f quota-demo.yaml', `kubectl get pods -n ${LIMITS_NAMESPACE} -l app=${DEMO_DEPLOYMENT}`, `kubectl get events -n ${LIMITS_NAMESPACE} --field-selector reason=FailedCreate`],
    }),
    run: async (ctx, p, { force, prepared }) => {
      const outcome = await applyPrepared(ctx, prepared!, force);
      return markIfOk(ctx, { ...outcome, values: { ...outcome.values, replicas: p.replicas } }, 'deployed');
    },
  }),
  lessonAction({
    id: 'limits.extra',
    params: z.object({}).strict(),
    prepare: () => ({
      objects: managed(barePodYaml(EXTRA_POD)),
      kubectl: ['kubectl apply -f one-more.yaml', `kubectl describe quota ${QUOTA} -n ${LIMITS_NAMESPACE}`],
    }),
    run: async (ctx, _p, { force, prepared }) => {
      const outcome = await applyPrepared(ctx, prepared!, force);
      const refused = refusal(outcome);
      if (refused) {
        if (refused.code === 'quota-exceeded') await ctx.mark('limits', 'exceeded');
        return refused;
      }
      if (!outcome.ok) return outcome;
      return { ...outcome, code: 'within-quota', values: { pod: EXTRA_POD } };
    },
  }),
  lessonAction({
    id: 'limits.nodes',
    params: z.object({}).strict(),
    prepare: () => ({ kubectl: ['kubectl describe nodes', 'kubectl get pods -A -o wide'] }),
    run: async (ctx): Promise<LessonOutcome> => ({ ok: true, code: 'node-usage', values: await nodeUsage(await ctx.cluster()) }),
  }),
  lessonAction({
    id: 'limits.check',
    params: z.object({}).strict(),
    prepare: () => ({ kubectl: ['kubectl get resourcequota,limitrange -n default', `kubectl get resourcequota,limitrange -n ${LIMITS_NAMESPACE}`] }),
    run: async (ctx): Promise<LessonOutcome> => {
      const found = await foreignLimits(await ctx.cluster());
      return {
        ok: true,
        code: found.length ? 'foreign-limits' : 'no-foreign-limits',
        values: { count: found.length, list: found.map((f) => `${f.kind} ${f.namespace}/${f.name}`).join(', '), ...Object.fromEntries(found.map((f, i) => [`item${i}`, `${f.kind}|${f.namespace}|${f.name}`])) },
      };
    },
  }),
  lessonAction({
    id: 'limits.removeForeign',
    params: z.object({ kind: z.enum(['ResourceQuota', 'LimitRange']), namespace: z.enum(['default', LIMITS_NAMESPACE]), name: dnsName }).strict(),
    prepare: (_ctx, p) => ({ kubectl: [`kubectl delete ${p.kind.toLowerCase()} ${p.name} -n ${p.namespace}`] }),
    run: async (ctx, p): Promise<LessonOutcome> => {
      const cluster = await ctx.cluster();
      const resource = p.kind === 'ResourceQuota' ? CORE.resourcequotas : CORE.limitranges;
      const path = resourcePath(resource, p.namespace, p.name);
      const live = await getOrUndefined<KubeObject>(cluster, path);
      if (!live) return { ok: true, code: 'foreign-gone', values: { kind: p.kind, namespace: p.namespace, name: p.name } };
      // The app's own objects go with "Reset lessons"; this removes only what someone else made.
      if (isManaged(live)) return { ok: false, code: 'foreign-is-ours', values: { kind: p.kind, namespace: p.namespace, name: p.name } };
      await cluster.conn.request({ method: 'DELETE', path, body: { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid: live.metadata.uid } } });
      return { ok: true, code: 'foreign-removed', values: { kind: p.kind, namespace: p.namespace, name: p.name } };
    },
  }),
];
