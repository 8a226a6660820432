/**
 * `kubectl rollout status|history|undo|pause|resume|restart` for Deployments, with kubectl 1.32's
 * logic and texts (pkg/polymorphichelpers: rollout_status.go, history.go, rollback.go,
 * objectpauser/objectresumer/objectrestarter; see /work/shared/reference/kubernetes-behaviour.md).
 */
import { resourceForKind } from '../../kube/api/resource-registry';
import { selectorToString } from '../../kube/api/selectors';
import type { Deployment, KubeObject, ReplicaSet } from '../../kube/api/types';
import { ApiHttpError, KubectlError, serverError } from './client';
import type { Env } from './env';
import { flag } from './env';
import { TabWriter } from './tabwriter';
import { describePodTemplateText } from './describe';
import { objectPath, typeAndNames } from './resources';

const REVISION = 'deployment.kubernetes.io/revision';
const CHANGE_CAUSE = 'kubernetes.io/change-cause';
const SKIP = new Set(['kubectl.kubernetes.io/last-applied-configuration', REVISION, 'deployment.kubernetes.io/revision-history', 'deployment.kubernetes.io/desired-replicas', 'deployment.kubernetes.io/max-replicas', 'deprecated.deployment.rollback.to']);

async function deploymentOf(env: Env): Promise<{ d: Deployment; name: string }> {
  const groups = typeAndNames(env.args.positional.slice(1));
  const g = groups[0];
  if (!g || !g.names.length) throw new KubectlError(`error: required resource not specified`);
  if (g.t.kind !== 'Deployment') throw new KubectlError(`error: the practice lab's "microk8s kubectl rollout" knows deployments only`);
  const name = g.names[0]!;
  try {
    return { d: await env.client.get<Deployment>(objectPath(g.t, env.namespace, name)), name };
  } catch (err) {
    if (err instanceof ApiHttpError) throw serverError(err.status, err.code);
    throw err;
  }
}

async function replicaSetsOf(env: Env, d: Deployment): Promise<ReplicaSet[]> {
  const list = await env.client.get<KubeObject & { items: ReplicaSet[] }>(`/apis/apps/v1/namespaces/${d.metadata.namespace}/replicasets?labelSelector=${encodeURIComponent(selectorToString(d.spec.selector))}`);
  return list.items.filter((rs) => rs.metadata.ownerReferences?.some((r) => r.controller && r.uid === d.metadata.uid));
}

function statusMessage(d: Deployment): { message: string; done: boolean; error?: string } {
  const s = d.status ?? {};
  const name = d.metadata.name;
  if ((d.metadata.generation ?? 0) <= (s.observedGeneration ?? 0)) {
    const progressing = s.conditions?.find((c) => c.type === 'Progressing');
    if (progressing?.reason === 'ProgressDeadlineExceeded') return { message: '', done: false, error: `error: deployment "${name}" exceeded its progress deadline` };
    const replicas = d.spec.replicas ?? 1;
    const updated = s.updatedReplicas ?? 0;
    if (updated < replicas) return { message: `Waiting for deployment "${name}" rollout to finish: ${updated} out of ${replicas} new replicas have been updated...\n`, done: false };
    if ((s.replicas ?? 0) > updated) return { message: `Waiting for deployment "${name}" rollout to finish: ${(s.replicas ?? 0) - updated} old replicas are pending termination...\n`, done: false };
    if ((s.availableReplicas ?? 0) < updated) return { message: `Waiting for deployment "${name}" rollout to finish: ${s.availableReplicas ?? 0} of ${updated} updated replicas are available...\n`, done: false };
    return { message: `deployment "${name}" successfully rolled out\n`, done: true };
  }
  return { message: 'Waiting for deployment spec update to be observed...\n', done: false };
}

async function status(env: Env): Promise<number> {
  const { d, name } = await deploymentOf(env);
  const first = statusMessage(d);
  if (first.error) throw new KubectlError(first.error);
  env.out(first.message);
  if (first.done || flag(env, 'watch') === 'false' || env.args.bools.get('watch') === false) return 0;
  const timeout = flag(env, 'timeout');
  const deadline = timeout ? env.clock.now() + parseDuration(timeout) : Infinity;
  let last = first.message;
  const stop = new AbortController();
  let result: number | undefined;
  let errorText: string | undefined;
  const timer = Number.isFinite(deadline) ? env.clock.after(deadline - env.clock.now(), () => stop.abort()) : undefined;
  let buffer = '';
  try {
    await env.client.stream(
      `/apis/apps/v1/namespaces/${env.namespace}/deployments?fieldSelector=${encodeURIComponent(`metadata.name=${name}`)}&watch=true&resourceVersion=${d.metadata.resourceVersion}`,
      (chunk) => {
        buffer += chunk;
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          if (!line.trim() || result !== undefined) continue;
          const ev = JSON.parse(line) as { type: string; object: Deployment };
          if (ev.type === 'DELETED') {
            errorText = `error: object has been deleted`;
            result = 1;
            stop.abort();
            continue;
          }
          if (ev.type !== 'ADDED' && ev.type !== 'MODIFIED') continue;
          const m = statusMessage(ev.object);
          if (m.error) {
            errorText = m.error;
            result = 1;
            stop.abort();
            continue;
          }
          if (m.message !== last) env.out(m.message);
          last = m.message;
          if (m.done) {
            result = 0;
            stop.abort();
          }
        }
      },
      undefined,
      stop.signal,
    );
  } finally {
    timer?.cancel();
  }
  if (errorText) throw new KubectlError(errorText);
  if (result === undefined && stop.signal.aborted) throw new KubectlError('error: timed out waiting for the condition');
  return result ?? 0;
}

function parseDuration(s: string): number {
  let ms = 0;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) ms += Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
  if (!ms && /^\d+$/.test(s)) ms = Number(s) * 1000;
  return ms;
}

async function history(env: Env): Promise<number> {
  const { d, name } = await deploymentOf(env);
  const rsList = await replicaSetsOf(env, d);
  const revision = Number(flag(env, 'revision') ?? 0);
  if (revision < 0) throw new KubectlError(`error: revision must be a positive integer: ${revision}`);
  const byRevision = new Map<number, ReplicaSet>();
  for (const rs of rsList) {
    const v = Number(rs.metadata.annotations?.[REVISION]);
    if (Number.isInteger(v)) byRevision.set(v, rs);
  }
  let info: string;
  if (!byRevision.size) info = 'No rollout history found.';
  else if (revision > 0) {
    const rs = byRevision.get(revision);
    if (!rs) throw new KubectlError('error: unable to find the specified revision');
    const template = structuredClone(rs.spec.template);
    const cause = rs.metadata.annotations?.[CHANGE_CAUSE];
    if (cause) template.metadata = { ...template.metadata, annotations: { ...template.metadata?.annotations, [CHANGE_CAUSE]: cause } };
    info = describePodTemplateText(template);
  } else {
    const w = new TabWriter(2);
    w.write('REVISION\tCHANGE-CAUSE\n');
    for (const r of [...byRevision.keys()].sort((a, b) => a - b)) w.write(`${r}\t${byRevision.get(r)!.metadata.annotations?.[CHANGE_CAUSE] || '<none>'}\n`);
    info = w.toString();
  }
  env.out(`deployment.apps/${name} ${revision > 0 ? `with revision #${revision}` : ''}\n${info}\n`);
  return 0;
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]));
  return v;
}

function withoutHash(t: Deployment['spec']['template']): string {
  const c = structuredClone(t);
  if (c.metadata?.labels) delete c.metadata.labels['pod-template-hash'];
  return JSON.stringify(canonical(c));
}

async function undo(env: Env): Promise<number> {
  const { d, name } = await deploymentOf(env);
  const toRevision = Number(flag(env, 'to-revision') ?? 0);
  if (toRevision < 0) throw new KubectlError(`error: unable to find specified revision ${toRevision} in history`);
  const rsList = await replicaSetsOf(env, d);
  let target: ReplicaSet | undefined;
  if (toRevision > 0) {
    target = rsList.find((rs) => Number(rs.metadata.annotations?.[REVISION]) === toRevision);
    if (!target) throw new KubectlError(`error: unable to find specified revision ${toRevision} in history`);
  } else {
    const sorted = rsList.filter((rs) => Number.isInteger(Number(rs.metadata.annotations?.[REVISION]))).sort((a, b) => Number(b.metadata.annotations![REVISION]) - Number(a.metadata.annotations![REVISION]));
    target = sorted[1];
    if (!target) throw new KubectlError(`error: no rollout history found for deployment "${name}"`);
  }
  if (d.spec.paused) throw new KubectlError(`error: you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try again`);
  const revision = Number(target.metadata.annotations?.[REVISION]);
  if (withoutHash(target.spec.template) === withoutHash(d.spec.template)) {
    env.out(`deployment.apps/${name} skipped rollback (current template already matches revision ${revision})\n`);
    return 0;
  }
  const template = structuredClone(target.spec.template);
  if (template.metadata?.labels) delete template.metadata.labels['pod-template-hash'];
  const annotations: Record<string, string> = {};
  for (const k of SKIP) if (d.metadata.annotations?.[k] !== undefined) annotations[k] = d.metadata.annotations[k]!;
  for (const [k, v] of Object.entries(target.metadata.annotations ?? {})) if (!SKIP.has(k)) annotations[k] = v;
  try {
    await env.client.json('PATCH', objectPath(resourceForKind('Deployment'), env.namespace, name), [
      { op: 'replace', path: '/spec/template', value: template },
      { op: 'replace', path: '/metadata/annotations', value: annotations },
    ], 'application/json-patch+json');
  } catch (err) {
    if (err instanceof ApiHttpError) throw new KubectlError(`error: failed restoring revision ${revision}: ${err.status.message}`);
    throw err;
  }
  env.out(`deployment.apps/${name} rolled back\n`);
  return 0;
}

async function pauseResume(env: Env, pause: boolean): Promise<number> {
  const { d, name } = await deploymentOf(env);
  if (!!d.spec.paused === pause) throw new KubectlError(`error: deployments.apps "${name}" is ${pause ? 'already paused' : 'not paused'}`);
  await env.client.json('PATCH', `${objectPath(resourceForKind('Deployment'), env.namespace, name)}?fieldManager=kubectl-rollout`, { spec: { paused: pause ? true : null } }, 'application/strategic-merge-patch+json');
  env.out(`deployment.apps/${name} ${pause ? 'paused' : 'resumed'}\n`);
  return 0;
}

async function restart(env: Env): Promise<number> {
  const { d, name } = await deploymentOf(env);
  if (d.spec.paused) throw new KubectlError("error: can't restart paused deployment (run rollout resume first)");
  const at = new Date(env.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  if (d.spec.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt'] === at) {
    throw new KubectlError(`error: failed to create patch for ${name}: if restart has already been triggered within the past second, please wait before attempting to trigger another`);
  }
  await env.client.json('PATCH', `${objectPath(resourceForKind('Deployment'), env.namespace, name)}?fieldManager=kubectl-rollout`, { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': at } } } } }, 'application/strategic-merge-patch+json');
  env.out(`deployment.apps/${name} restarted\n`);
  return 0;
}

export async function rollout(env: Env): Promise<number> {
  const sub = env.args.positional[0];
  switch (sub) {
    case 'status':
      return status(env);
    case 'history':
      return history(env);
    case 'undo':
      return undo(env);
    case 'pause':
      return pauseResume(env, true);
    case 'resume':
      return pauseResume(env, false);
    case 'restart':
      return restart(env);
    default:
      throw new KubectlError(`error: unknown command "${sub ?? ''}" for "kubectl rollout"\nSee 'kubectl rollout -h' for help and examples`);
  }
}
