/**
 * Step 12, High availability: `microk8s status` read on a control plane (is the datastore
 * replicated, and on which nodes), then the drills: take a node away (the lab's power switch,
 * `sudo poweroff` over SSH, or the user pulls the plug) and watch Kubernetes give up on it and
 * replace its pods; take away the control plane the kubeconfig names and keep reading through
 * another; take a second one and lose the datastore's quorum. `kubectl drain` / `uncordon` are
 * the graceful way. Each drill's timeline is recorded by `HaDrills` (drill-recorder.ts) from the
 * live view and read by the window through `ha.state`.
 */
import { z } from 'zod';
import type { KubeNodeView } from '../../../preload/contract/kube';
import type { LessonOutcome } from '../../../preload/contract/lessons';
import { withManagedBy } from '../../kube/manifests';
import type { KubeObject } from '../../kube/manifests';
import type { KubeView } from '../../kube/kube-views';
import { command } from '../../ssh/shell-quote';
import { lessonAction } from '../lesson-kit';
import type { LessonContext } from '../lesson-kit';
import { applyPrepared } from '../lessons-service';
import { cordon, drain, uncordon } from './drain';
import { DrillRecorder } from './drill-recorder';
import type { DrillClock } from './drill-recorder';
import type { HaState } from '../../../preload/contract/ha';
import { parseMicrok8sStatus } from './microk8s-status';

export const DRILL_DEPLOYMENT = 'ha-drill';

const nodeName = z
  .string()
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'a node name: lowercase letters, digits and "-"');

/** Three nginx pods spread over the nodes (a wish, not a rule: replacements may share a node). */
export function drillDeployment(): KubeObject {
  return withManagedBy({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: DRILL_DEPLOYMENT, labels: { app: DRILL_DEPLOYMENT } },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: DRILL_DEPLOYMENT } },
      template: {
        metadata: { labels: { app: DRILL_DEPLOYMENT } },
        spec: {
          containers: [{ name: 'nginx', image: 'nginx:1.16.1', ports: [{ containerPort: 80 }] }],
          affinity: {
            podAntiAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [
                { weight: 100, podAffinityTerm: { labelSelector: { matchLabels: { app: DRILL_DEPLOYMENT } }, topologyKey: 'kubernetes.io/hostname' } },
              ],
            },
          },
        },
      },
    },
  } as KubeObject);
}

const isControlPlane = (n: KubeNodeView) => n.roles.includes('control-plane');

/** The drill's recorder and the live view feeding it (open only while a drill is watched). */
export class HaDrills {
  readonly recorder: DrillRecorder;
  #view: KubeView | undefined;

  constructor(clock: DrillClock, onChange: (state: HaState) => void) {
    this.recorder = new DrillRecorder(clock, (state) => {
      if (state.drill?.phase !== 'watching') this.#closeView();
      onChange(state);
    });
  }

  async start(ctx: LessonContext, input: { kind: 'worker' | 'control-plane' | 'quorum'; node: string; how: 'power' | 'ssh' | 'unplugged' }): Promise<void> {
    const cluster = await ctx.cluster();
    this.#closeView();
    this.recorder.start({ ...input, snapshot: ctx.live() });
    this.#view = cluster.view({ kinds: ['nodes', 'pods', 'events'], namespace: 'default' }, (s) => this.recorder.observe(s));
  }

  end(): void {
    this.#closeView();
    this.recorder.end();
  }

  close(): void {
    this.#closeView();
  }

  #closeView(): void {
    this.#view?.close();
    this.#view = undefined;
  }
}

/** Why a drill cannot start now (a code the window words, with values), or undefined. */
export function refusal(nodes: readonly KubeNodeView[], node: string, kind: 'worker' | 'control-plane' | 'quorum'): LessonOutcome | undefined {
  const target = nodes.find((n) => n.name === node);
  if (!target) return { ok: false, code: 'ha-unknown-node', values: { node } };
  if (target.ready.status !== 'True') return { ok: false, code: 'ha-node-already-down', values: { node } };
  const down = nodes.filter((n) => n.ready.status !== 'True');
  const planes = nodes.filter(isControlPlane);
  if (kind === 'worker') {
    if (down.length > 0) return { ok: false, code: 'ha-other-node-down', values: { nodes: down.map((n) => n.name).join(', ') } };
    if (nodes.length < 2) return { ok: false, code: 'ha-needs-two-nodes', values: { count: nodes.length } };
    if (isControlPlane(target) && planes.length < 3) return { ok: false, code: 'ha-only-control-plane', values: { node } };
    return undefined;
  }
  if (!isControlPlane(target)) return { ok: false, code: 'ha-not-control-plane', values: { node } };
  if (planes.length < 3) return { ok: false, code: 'ha-needs-three', values: { count: planes.length } };
  const planesDown = planes.filter((n) => n.ready.status !== 'True');
  if (kind === 'control-plane' && down.length > 0) return { ok: false, code: 'ha-other-node-down', values: { nodes: down.map((n) => n.name).join(', ') } };
  if (kind === 'quorum' && planesDown.length !== 1) return { ok: false, code: 'ha-quorum-needs-one-down', values: { down: planesDown.length } };
  return undefined;
}

async function stopOverSsh(ctx: LessonContext, node: string): Promise<void> {
  if (!ctx.nodeSession) throw new Error('This app cannot open SSH sessions to the nodes.');
  const session = await ctx.nodeSession(node);
  try {
    await session.run(command(['poweroff']), { sudo: true, timeoutMs: 20_000 });
  } catch {
    // The connection drops as the node goes down: that is the expected end of `sudo poweroff`.
  } finally {
    session.close();
  }
}

export function haActions(drills: HaDrills) {
  return [
    lessonAction({
      id: 'ha.status',
      params: z.object({}).strict(),
      prepare: () => ({ kubectl: ['microk8s status', 'kubectl get nodes -o wide'] }),
      run: async (ctx): Promise<LessonOutcome> => {
        const session = await ctx.controlPlaneSession();
        try {
          let r = await session.run(command(['microk8s', 'status']), { timeoutMs: 60_000, quiet: true });
          if (/Insufficient permissions to access MicroK8s/.test(r.stderr)) r = await session.run(command(['microk8s', 'status']), { sudo: true, timeoutMs: 60_000, quiet: true });
          const output = [r.stdout, r.stderr].filter(Boolean).join('');
          const status = parseMicrok8sStatus(output);
          if (status.running) await ctx.mark('ha', 'status');
          return {
            ok: status.running,
            code: status.running ? 'ha-status' : 'ha-status-not-running',
            output,
            values: {
              node: session.name,
              ha: status.highAvailability === undefined ? '' : status.highAvailability ? 'yes' : 'no',
              masters: status.masters.join(' '),
              standby: status.standby.join(' '),
            },
          };
        } finally {
          session.close();
        }
      },
    }),
    lessonAction({
      id: 'ha.deployDrill',
      params: z.object({}).strict(),
      prepare: () => ({ objects: [drillDeployment()], kubectl: [`kubectl apply -f ${DRILL_DEPLOYMENT}.yaml`, `kubectl get pods -l app=${DRILL_DEPLOYMENT} -o wide`] }),
      run: async (ctx, _p, { force, prepared }) => {
        const outcome = await applyPrepared(ctx, prepared!, force);
        if (outcome.ok) await ctx.mark('ha', 'drill-deployed');
        return outcome;
      },
    }),
    lessonAction({
      id: 'ha.takeAway',
      params: z.object({ node: nodeName, kind: z.enum(['worker', 'control-plane', 'quorum']), how: z.enum(['power', 'ssh', 'unplugged']) }).strict(),
      prepare: (_ctx, { node, how }) => ({
        kubectl: how === 'ssh' ? [`ssh ubuntu@${node} sudo poweroff`, 'kubectl get nodes --watch'] : ['kubectl get nodes --watch', `kubectl get events --field-selector involvedObject.name=${node} --watch`],
      }),
      run: async (ctx, { node, kind, how }): Promise<LessonOutcome> => {
        const running = drills.recorder.drill;
        if (running?.phase === 'watching' && kind !== 'quorum') return { ok: false, code: 'ha-drill-running', values: { node: running.node } };
        if (how === 'power' && !ctx.power) return { ok: false, code: 'ha-no-power-switch', values: { node } };
        const refused = refusal(ctx.live()?.nodes ?? [], node, kind);
        if (refused) return refused;
        await drills.start(ctx, { kind, node, how });
        try {
          if (how === 'power') await ctx.power!(node, false);
          else if (how === 'ssh') await stopOverSsh(ctx, node);
        } catch (error) {
          // The node is still there: no drill to watch.
          drills.end();
          throw error;
        }
        await ctx.mark('ha', `${kind}-off`);
        return { ok: true, code: 'ha-node-off', values: { node, how, kind } };
      },
    }),
    lessonAction({
      id: 'ha.bringBack',
      params: z.object({ node: nodeName, how: z.enum(['power', 'plugged']) }).strict(),
      prepare: () => ({ kubectl: ['kubectl get nodes --watch'] }),
      run: async (ctx, { node, how }): Promise<LessonOutcome> => {
        if (how === 'power') {
          if (!ctx.power) return { ok: false, code: 'ha-no-power-switch', values: { node } };
          await ctx.power(node, true);
        }
        if (drills.recorder.drill?.node === node) drills.recorder.nodeOn();
        return { ok: true, code: 'ha-node-on', values: { node } };
      },
    }),
    lessonAction({
      id: 'ha.endDrill',
      params: z.object({}).strict(),
      run: async () => {
        drills.end();
        return { ok: true, code: 'ha-drill-ended' };
      },
    }),
    lessonAction({
      id: 'ha.cordon',
      params: z.object({ node: nodeName }).strict(),
      prepare: (_ctx, { node }) => ({ kubectl: [`kubectl cordon ${node}`] }),
      run: async (ctx, { node }) => ({ ok: true, code: 'ha-cordoned', output: `${await cordon(await ctx.cluster(), node)}\n`, values: { node } }),
    }),
    lessonAction({
      id: 'ha.uncordon',
      params: z.object({ node: nodeName }).strict(),
      prepare: (_ctx, { node }) => ({ kubectl: [`kubectl uncordon ${node}`] }),
      run: async (ctx, { node }) => {
        const output = `${await uncordon(await ctx.cluster(), node)}\n`;
        await ctx.mark('ha', 'uncordoned');
        return { ok: true, code: 'ha-uncordoned', output, values: { node } };
      },
    }),
    lessonAction({
      id: 'ha.drain',
      params: z.object({ node: nodeName }).strict(),
      prepare: (_ctx, { node }) => ({ kubectl: [`kubectl drain ${node} --ignore-daemonsets --delete-emptydir-data`, `kubectl get pods -A -o wide --field-selector spec.nodeName=${node}`] }),
      run: async (ctx, { node }): Promise<LessonOutcome> => {
        if (!(ctx.live()?.nodes ?? []).some((n) => n.name === node)) return { ok: false, code: 'ha-unknown-node', values: { node } };
        const result = await drain(await ctx.cluster(), node);
        const output = result.lines.map((l) => `${l.text}\n`).join('');
        if (result.ok) await ctx.mark('ha', 'drained');
        return { ok: result.ok, code: result.ok ? 'ha-drained' : 'ha-drain-refused', output, values: { node, evicted: result.evicted.length } };
      },
    }),
  ];
}
