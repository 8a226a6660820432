/**
 * Step 6, Deploy nginx: the tutorial's deployment.yaml (2 replicas of nginx:1.14.2, at most one
 * per node by a required podAntiAffinity), then a NodePort Service in front of it and the welcome
 * page fetched from this computer through it.
 */
import { z } from 'zod';
import type { KubeViewSnapshot } from '../../../preload/contract/kube';
import type { LessonOutcome } from '../../../preload/contract/lessons';
import { parseManifests, withManagedBy } from '../../kube/manifests';
import type { KubeObject } from '../../kube/manifests';
import { httpProbe } from '../../kube/http-probe';
import { lessonAction } from '../lesson-kit';
import type { LessonContext } from '../lesson-kit';
import { applyPrepared } from '../lessons-service';
import { serviceTarget } from '../lesson-probe';
import { DEPLOYMENT_YAML } from '../tutorial-manifests';

export const DEPLOYMENT = 'nginx-deployment';
export const SERVICE = 'nginx-service';

export function nginxService(type: 'NodePort' | 'LoadBalancer' = 'NodePort'): KubeObject {
  return withManagedBy({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: SERVICE },
    spec: { type, selector: { app: 'nginx' }, ports: [{ protocol: 'TCP', port: 80, targetPort: 80 }] },
  } as KubeObject);
}

/** The tutorial's Service as the API has it now, and where this computer reaches it (none: not reachable from here). */
async function nginxServiceTarget(ctx: LessonContext) {
  const cluster = await ctx.cluster();
  const { toService } = await import('../../kube/snapshots');
  const service = toService(await cluster.conn.request({ method: 'GET', path: `/api/v1/namespaces/default/services/${SERVICE}` }));
  return { service, target: serviceTarget(service, ctx.live()?.nodes ?? []) };
}

/**
 * Waits until the Service just created answers HTTP from this computer (a new Service has no
 * endpoints, and on a real cluster no kube-proxy rules, for a moment): a sampler started before
 * would count that moment as a gap in service. Gives up after `timeoutMs` (a Service this computer
 * cannot reach, e.g. behind a firewall, then shows as failed samples instead of a long wait);
 * says whether it answered.
 */
export async function serviceAnswers(ctx: LessonContext, timeoutMs = 10_000): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const { target } = await nginxServiceTarget(ctx);
      if (target && (await httpProbe({ host: target.host, port: target.port, path: '/', translate: ctx.reach, maxBodyBytes: 1024 })).status === 200) return true;
    } catch {
      // not there yet, or the cluster is briefly unreachable: asked again below
    }
    if (Date.now() >= until) return false;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Running, ready pods of the tutorial's Deployment, by node. */
export function nginxPodsByNode(live: KubeViewSnapshot | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const p of live?.pods ?? []) {
    if (p.labels['app'] !== 'nginx' || p.status !== 'Running' || p.ready.ready < p.ready.total || !p.node || p.deletingAt) continue;
    out.set(p.node, (out.get(p.node) ?? 0) + 1);
  }
  return out;
}

export const deployActions = [
  lessonAction({
    id: 'deploy.apply',
    params: z.object({}).strict(),
    prepare: () => ({
      objects: parseManifests(DEPLOYMENT_YAML).map(withManagedBy),
      kubectl: ['kubectl apply -f deployment.yaml', `kubectl describe deployment ${DEPLOYMENT}`, 'kubectl get pods -l app=nginx -o wide'],
    }),
    run: async (ctx, _p, { force, prepared }) => {
      const outcome = await applyPrepared(ctx, prepared!, force);
      if (outcome.ok) await ctx.mark('deploy', 'applied');
      return outcome;
    },
  }),
  lessonAction({
    id: 'deploy.expose',
    params: z.object({}).strict(),
    prepare: () => ({
      objects: [nginxService('NodePort')],
      kubectl: [`kubectl expose deployment ${DEPLOYMENT} --name=${SERVICE} --type=NodePort --port=80 --target-port=80`, `kubectl get service ${SERVICE}`],
    }),
    run: async (ctx, _p, { force, prepared }) => {
      const outcome = await applyPrepared(ctx, prepared!, force);
      if (outcome.ok) await ctx.mark('deploy', 'exposed');
      return outcome;
    },
  }),
  lessonAction({
    id: 'deploy.open',
    params: z.object({}).strict(),
    prepare: () => ({ kubectl: [`kubectl get service ${SERVICE} -o wide`, 'curl -i http://<node address>:<node port>/'] }),
    run: async (ctx): Promise<LessonOutcome> => {
      const { service, target } = await nginxServiceTarget(ctx);
      if (!target) return { ok: false, code: 'not-reachable', values: { service: SERVICE, type: service.type } };
      const probe = await httpProbe({ host: target.host, port: target.port, path: '/', translate: ctx.reach, maxBodyBytes: 4096 });
      const { pod: _pod, nginxVersion, ...view } = probe;
      if (probe.status === 200) await ctx.mark('deploy', 'opened');
      const values: Record<string, string> = { url: target.display };
      if (nginxVersion) values['version'] = nginxVersion;
      return { ok: probe.status === 200, code: probe.status === 200 ? 'opened' : 'open-failed', values, probe: view };
    },
  }),
];
