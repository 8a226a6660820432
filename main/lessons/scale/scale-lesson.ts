/**
 * Step 8, Scale and load balancing: replicas through the Deployment's `/scale` subresource (0 to
 * nodes + 2), pods left Pending when the required anti-affinity has no node left for them, and the
 * ways out (relax the rule to a preference, or the tutorial's deployment-scale.yaml after deleting
 * the strict Deployment; adding a node is step 5's). Then a LoadBalancer Service: MetalLB enabled
 * with `microk8s enable metallb:RANGE` on a control plane over SSH (the range checked here first),
 * the Service's EXTERNAL-IP, nginx fetched through it.
 */
import { z } from 'zod';
import type { KubeServiceView, KubeViewSnapshot } from '../../../preload/contract/kube';
import type { LessonOutcome } from '../../../preload/contract/lessons';
import type { KubeObject } from '../../kube/manifests';
import { parseManifests, withManagedBy } from '../../kube/manifests';
import type { DeploymentJson } from '../../kube/replica-sets';
import { CHANGE_CAUSE_ANNOTATION } from '../../kube/replica-sets';
import { httpProbe } from '../../kube/http-probe';
import { command } from '../../ssh/shell-quote';
import { DEPLOYMENT, SERVICE, nginxService } from '../deploy/deploy-lesson';
import type { LessonContext } from '../lesson-kit';
import { lessonAction } from '../lesson-kit';
import { serviceTarget } from '../lesson-probe';
import { applyPrepared } from '../lessons-service';
import { DEPLOYMENT_SCALE_YAML, DEPLOYMENT_YAML } from '../tutorial-manifests';
import { MAX_RANGE_ADDRESSES, checkRange, proposeRange, subnet24 } from './metallb-range';

const NAMESPACE = 'default';
const DEPLOYMENT_PATH = `/apis/apps/v1/namespaces/${NAMESPACE}/deployments/${DEPLOYMENT}`;
export const RELAX_CHANGE_CAUSE = 'kubectl apply -f deployment-relaxed.yaml (anti-affinity preferred, not required)';
const METALLB_POOLS = '/apis/metallb.io/v1beta1/namespaces/metallb-system/ipaddresspools';

/** Nodes that take new pods now: Ready and not cordoned. */
export function schedulableNodes(live: KubeViewSnapshot | undefined): number {
  return (live?.nodes ?? []).filter((n) => n.ready.status === 'True' && !n.unschedulable).length;
}

/** The replica control's upper bound: the cluster's nodes + 2 (so the user can go past what fits). */
export function maxReplicas(ctx: LessonContext): number {
  const nodes = ctx.live()?.nodes?.length ?? ctx.plan()?.nodes.length ?? 2;
  return nodes + 2;
}

/** nginx pods the scheduler could not place (PodScheduled False, Unschedulable). */
export function unschedulablePods(live: KubeViewSnapshot | undefined) {
  return (live?.pods ?? []).filter((p) => p.labels['app'] === 'nginx' && !p.node && !p.deletingAt && p.conditions.some((c) => c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable'));
}

async function readDeploymentJson(ctx: LessonContext): Promise<DeploymentJson | undefined> {
  try {
    return await (await ctx.cluster()).conn.request<DeploymentJson>({ method: 'GET', path: DEPLOYMENT_PATH });
  } catch (error) {
    if ((error as { code?: string }).code === 'NOT_FOUND') return undefined;
    throw error;
  }
}

type Json = Record<string, unknown>;
interface LiveSpec {
  replicas?: number;
  strategy?: { type?: string; rollingUpdate?: { maxSurge?: number | string; maxUnavailable?: number | string } };
  template: { spec?: Json & { containers?: Json[]; affinity?: Json } };
}
interface TemplateSpec {
  metadata: Json;
  spec: Json & { containers: Json[]; affinity?: Json };
}

/** The tutorial's selector and pod template (deployment.yaml), to build the app's manifests from. */
function tutorialParts(): { d: KubeObject; selector: unknown; template: TemplateSpec } {
  const d = parseManifests(DEPLOYMENT_YAML)[0]!;
  const spec = d.spec as { selector: unknown; template: TemplateSpec };
  return { d, selector: spec.selector, template: spec.template };
}

/**
 * The live Deployment written as the app's manifest (the tutorial's shape with the live replicas,
 * image, strategy when it is not the default one, affinity and change-cause): the left side of a diff.
 */
export function asAppManifest(live: DeploymentJson): KubeObject {
  const { d, selector, template } = tutorialParts();
  const liveSpec = live.spec as unknown as LiveSpec;
  const image = liveSpec.template.spec?.containers?.[0]?.['image'];
  if (typeof image === 'string') template.spec.containers[0]!['image'] = image;
  if (liveSpec.template.spec?.affinity) template.spec.affinity = liveSpec.template.spec.affinity;
  else delete template.spec.affinity;
  const spec: Json = { selector, replicas: liveSpec.replicas ?? 1 };
  // The tutorial's deployment.yaml has no strategy (25%/25% by default); deployment-update.yaml's has maxSurge 0.
  const ru = liveSpec.strategy?.rollingUpdate;
  if (liveSpec.strategy?.type === 'Recreate') spec['strategy'] = { type: 'Recreate' };
  else if (ru && !(ru.maxSurge === '25%' && ru.maxUnavailable === '25%')) spec['strategy'] = { rollingUpdate: { maxSurge: ru.maxSurge, maxUnavailable: ru.maxUnavailable }, type: 'RollingUpdate' };
  spec['template'] = template;
  d.spec = spec;
  const cause = live.metadata.annotations?.[CHANGE_CAUSE_ANNOTATION];
  if (cause) d.metadata.annotations = { [CHANGE_CAUSE_ANNOTATION]: cause };
  return withManagedBy(d);
}

/**
 * The Deployment with the anti-affinity relaxed to a preference (weight 100, same selector and
 * topologyKey), the live replicas and image kept. The running pods keep the strict rule until
 * they are replaced (IgnoredDuringExecution), and it repels the new pods from every node where an
 * old one still runs; so the rollout may take down as many old pods as needed to free one node
 * (`maxUnavailable` = replicas - schedulable nodes + 1, at least 1) and adds none (`maxSurge: 0`).
 */
export function relaxedDeployment(live: DeploymentJson | undefined, nodes: number): KubeObject {
  const { d, selector, template } = tutorialParts();
  const liveSpec = live?.spec as unknown as LiveSpec | undefined;
  const image = liveSpec?.template.spec?.containers?.[0]?.['image'];
  if (typeof image === 'string') template.spec.containers[0]!['image'] = image;
  const replicas = liveSpec?.replicas ?? 2;
  const tutorialRule = ((template.spec.affinity?.['podAntiAffinity'] as Json)['requiredDuringSchedulingIgnoredDuringExecution'] as Json[])[0]!;
  template.spec.affinity = { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: tutorialRule }] } };
  const maxUnavailable = Math.max(1, replicas - Math.max(1, nodes) + 1);
  d.spec = { selector, replicas, strategy: { rollingUpdate: { maxSurge: 0, maxUnavailable }, type: 'RollingUpdate' }, template };
  d.metadata.annotations = { [CHANGE_CAUSE_ANNOTATION]: RELAX_CHANGE_CAUSE };
  return withManagedBy(d);
}

/** The ranges of MetalLB's address pools, or undefined when MetalLB is not enabled. */
export async function metallbRanges(ctx: LessonContext): Promise<string[] | undefined> {
  try {
    const pools = await (await ctx.cluster()).conn.request<{ items?: Array<{ spec?: { addresses?: string[] } }> }>({ method: 'GET', path: METALLB_POOLS });
    return (pools.items ?? []).flatMap((p) => p.spec?.addresses ?? []);
  } catch (error) {
    if ((error as { code?: string }).code === 'NOT_FOUND') return undefined;
    throw error;
  }
}

/** The nodes' LAN addresses (from the cluster, else the static plan) and the plan's gateway. */
function lanFacts(ctx: LessonContext): { addresses: string[]; gateway?: string; mode: 'dhcp' | 'static' } {
  const plan = ctx.plan();
  const live = (ctx.live()?.nodes ?? []).flatMap((n) => (n.internalIP ? [n.internalIP] : []));
  const planned = (plan?.nodes ?? []).flatMap((n) => (n.address ? [n.address.replace(/\/\d+$/, '')] : []));
  const gateway = plan?.network.static?.gateway;
  return { addresses: [...new Set([...live, ...planned])], mode: plan?.network.mode ?? 'dhcp', ...(gateway ? { gateway } : {}) };
}

async function readService(ctx: LessonContext): Promise<KubeServiceView | undefined> {
  const { toService } = await import('../../kube/snapshots');
  try {
    return toService(await (await ctx.cluster()).conn.request({ method: 'GET', path: `/api/v1/namespaces/${NAMESPACE}/services/${SERVICE}` }));
  } catch (error) {
    if ((error as { code?: string }).code === 'NOT_FOUND') return undefined;
    throw error;
  }
}

interface QuotaJson {
  metadata: { name: string };
  status?: { hard?: Record<string, string>; used?: Record<string, string> };
}

/** A ResourceQuota of the namespace that would not let `replicas` nginx pods exist, with how many it allows. */
async function podQuotaLimit(ctx: LessonContext, replicas: number): Promise<{ quota: string; hard: number; allowed: number } | undefined> {
  const cluster = await ctx.cluster();
  const list = await cluster.conn.request<{ items?: QuotaJson[] }>({ method: 'GET', path: `/api/v1/namespaces/${NAMESPACE}/resourcequotas` });
  const nginxNow = (ctx.live()?.pods ?? []).filter((p) => p.labels['app'] === 'nginx' && !p.deletingAt && p.phase !== 'Succeeded' && p.phase !== 'Failed').length;
  for (const q of list.items ?? []) {
    const hard = Number(q.status?.hard?.['pods'] ?? q.status?.hard?.['count/pods']);
    const used = Number(q.status?.used?.['pods'] ?? q.status?.used?.['count/pods'] ?? 0);
    if (!Number.isFinite(hard)) continue;
    const allowed = Math.max(0, hard - Math.max(0, used - nginxNow));
    if (replicas > allowed) return { quota: q.metadata.name, hard, allowed };
  }
  return undefined;
}

export const scaleActions = [
  lessonAction({
    id: 'scale.set',
    params: z.object({ replicas: z.number().int().min(0).max(66) }).strict(),
    prepare: (_ctx, p) => ({ kubectl: [`kubectl scale deployment/${DEPLOYMENT} --replicas=${p.replicas}`, 'kubectl get pods -l app=nginx -o wide'] }),
    run: async (ctx, p): Promise<LessonOutcome> => {
      const max = maxReplicas(ctx);
      if (p.replicas > max) return { ok: false, code: 'replicas-out-of-range', values: { replicas: p.replicas, max } };
      const cluster = await ctx.cluster();
      const over = await podQuotaLimit(ctx, p.replicas).catch(() => undefined);
      const rollout = await cluster.scale(NAMESPACE, DEPLOYMENT, p.replicas);
      await ctx.mark('scale', p.replicas === 0 ? 'zero' : 'scaled');
      const values = { replicas: p.replicas, nodes: schedulableNodes(ctx.live()) };
      if (over) return { ok: true, code: 'scaled-over-quota', rollout: { message: rollout.message, outcome: rollout.outcome }, values: { ...values, ...over } };
      return { ok: true, code: p.replicas > values.nodes ? 'scaled-past-nodes' : 'scaled', rollout: { message: rollout.message, outcome: rollout.outcome }, values };
    },
  }),
  lessonAction({
    id: 'scale.relax',
    params: z.object({}).strict(),
    prepare: async (ctx) => {
      const live = await readDeploymentJson(ctx).catch(() => undefined);
      return {
        objects: [relaxedDeployment(live, schedulableNodes(ctx.live()) || 2)],
        ...(live ? { before: [asAppManifest(live)] } : {}),
        kubectl: ['kubectl apply -f deployment-relaxed.yaml', `kubectl rollout status deployment/${DEPLOYMENT}`, 'kubectl get pods -l app=nginx -o wide'],
      };
    },
    run: async (ctx, _p, { force, prepared }) => {
      const outcome = await applyPrepared(ctx, prepared!, force, 'relaxed');
      if (outcome.ok) await ctx.mark('scale', 'relaxed');
      return outcome;
    },
  }),
  lessonAction({
    id: 'scale.tutorial',
    params: z.object({}).strict(),
    prepare: async (ctx) => {
      const live = await readDeploymentJson(ctx).catch(() => undefined);
      return {
        objects: parseManifests(DEPLOYMENT_SCALE_YAML).map(withManagedBy),
        ...(live ? { before: [asAppManifest(live)] } : {}),
        kubectl: [`kubectl delete deployment ${DEPLOYMENT}`, 'kubectl apply -f deployment-scale.yaml', 'kubectl get pods -l app=nginx -o wide'],
      };
    },
    // The strict pods would repel the new ones and stall the rollout: the Deployment goes first (a short gap).
    run: async (ctx, _p, { force, prepared }): Promise<LessonOutcome> => {
      const cluster = await ctx.cluster();
      const live = await readDeploymentJson(ctx);
      if (live) {
        await cluster.conn.request({ method: 'DELETE', path: DEPLOYMENT_PATH, body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Foreground', preconditions: { uid: live.metadata.uid } } });
        const deadline = Date.now() + 180_000;
        while (await readDeploymentJson(ctx)) {
          if (Date.now() > deadline) return { ok: false, code: 'delete-timeout', values: { name: DEPLOYMENT } };
          await new Promise((r) => setTimeout(r, 250));
        }
      }
      const outcome = await applyPrepared(ctx, prepared!, force, 'tutorial-applied');
      if (outcome.ok) await ctx.mark('scale', 'tutorial');
      return outcome;
    },
  }),
  lessonAction({
    id: 'scale.loadBalancerInfo',
    params: z.object({}).strict(),
    run: async (ctx): Promise<LessonOutcome> => {
      const ranges = await metallbRanges(ctx);
      const facts = lanFacts(ctx);
      const proposed = proposeRange(facts.addresses, facts.gateway);
      const values: Record<string, string | number> = { metallb: ranges ? 'enabled' : 'disabled', mode: facts.mode, nodes: facts.addresses.join(', ') };
      if (ranges) values['ranges'] = ranges.join(', ');
      if (proposed) values['proposed'] = proposed;
      const subnet = facts.addresses[0] ? subnet24(facts.addresses[0]) : undefined;
      if (subnet) values['subnet'] = subnet;
      return { ok: true, code: 'load-balancer-info', values };
    },
  }),
  lessonAction({
    id: 'scale.enableMetallb',
    params: z.object({ range: z.string().max(64), dhcpConfirmed: z.boolean().default(false) }).strict(),
    prepare: (_ctx, p) => ({ kubectl: [`microk8s enable metallb:${p.range.trim()}`, 'kubectl get ipaddresspools -n metallb-system'] }),
    run: async (ctx, p): Promise<LessonOutcome> => {
      const facts = lanFacts(ctx);
      const check = checkRange(p.range, facts.addresses, facts.gateway);
      if (!check.ok) {
        return { ok: false, code: 'metallb-range-invalid', values: { problem: check.problem!, range: p.range.trim(), max: MAX_RANGE_ADDRESSES, count: check.count ?? 0, address: check.address ?? '', subnet: check.subnet ?? '' } };
      }
      // With DHCP only the user knows the router's pool: MetalLB must never hand out an address it leases.
      if (facts.mode === 'dhcp' && !p.dhcpConfirmed) return { ok: false, code: 'metallb-range-unconfirmed', values: { range: check.range! } };
      const existing = await metallbRanges(ctx);
      if (existing) return { ok: true, code: 'metallb-already-enabled', values: { ranges: existing.join(', ') } };
      let session;
      try {
        session = await ctx.controlPlaneSession();
      } catch (error) {
        return { ok: false, code: 'ssh-failed', values: { reason: (error as Error).message } };
      }
      try {
        // 2>&1: the output as the command printed it, stderr lines where they came.
        const r = await session.run(`${command(['microk8s', 'enable', `metallb:${check.range!}`])} 2>&1`, { timeoutMs: 15 * 60_000 }).catch((error: Error) => error);
        if (r instanceof Error) return { ok: false, code: 'ssh-failed', values: { reason: r.message } };
        const output = r.stdout;
        if (r.code !== 0) return { ok: false, code: 'metallb-failed', output, values: { node: session.name, exit: r.code ?? -1 } };
        await ctx.mark('scale', 'metallb');
        return { ok: true, code: 'metallb-enabled', output, values: { node: session.name, range: check.range! } };
      } finally {
        session.close();
      }
    },
  }),
  lessonAction({
    id: 'scale.loadBalancer',
    params: z.object({}).strict(),
    prepare: async (ctx) => {
      const live = ctx.live()?.services?.find((s) => s.name === SERVICE);
      return {
        objects: [nginxService('LoadBalancer')],
        kubectl: [
          live ? `kubectl patch service ${SERVICE} -p '{"spec":{"type":"LoadBalancer"}}'` : `kubectl expose deployment ${DEPLOYMENT} --name=${SERVICE} --type=LoadBalancer --port=80 --target-port=80`,
          `kubectl get service ${SERVICE}`,
        ],
      };
    },
    run: async (ctx, _p, { force, prepared }) => {
      const outcome = await applyPrepared(ctx, prepared!, force, 'load-balancer-created');
      if (outcome.ok) await ctx.mark('scale', 'load-balancer');
      return outcome;
    },
  }),
  lessonAction({
    id: 'scale.open',
    params: z.object({}).strict(),
    prepare: () => ({ kubectl: [`kubectl get service ${SERVICE}`, 'curl -i http://<EXTERNAL-IP>/'] }),
    run: async (ctx): Promise<LessonOutcome> => {
      const service = await readService(ctx);
      if (!service) return { ok: false, code: 'no-service', values: { service: SERVICE } };
      if (service.type !== 'LoadBalancer') return { ok: false, code: 'not-load-balancer', values: { service: SERVICE, type: service.type } };
      if (!service.loadBalancer.ingress[0]) {
        const ranges = await metallbRanges(ctx).catch(() => undefined);
        return { ok: false, code: 'lb-pending', values: { service: SERVICE, metallb: ranges ? 'enabled' : 'disabled' } };
      }
      const target = serviceTarget(service, ctx.live()?.nodes ?? [])!;
      const probe = await httpProbe({ host: target.host, port: target.port, path: '/', translate: ctx.reach, maxBodyBytes: 4096 });
      const { pod: _pod, nginxVersion, ...view } = probe;
      if (probe.status === 200) await ctx.mark('scale', 'lb-answered');
      const values: Record<string, string> = { url: target.display, address: target.host };
      if (nginxVersion) values['version'] = nginxVersion;
      return { ok: probe.status === 200, code: probe.status === 200 ? 'lb-opened' : 'open-failed', values, probe: view };
    },
  }),
];
