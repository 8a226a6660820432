/**
 * What a lesson is made of in main: actions (`deploy.apply`, `update.undo`, ...) with their own
 * parameter schema, an optional preview (the YAML and kubectl they stand for) and a run. Each
 * lesson folder (main/lessons/<step>/) defines its actions with `lessonAction` and registers them
 * with the lessons feature; nothing about real Pis or the practice lab appears here: the cluster
 * is reached through its kubeconfig, services through the environment's address mapping.
 */
import type { z } from 'zod';
import type { KubeViewSnapshot } from '../../preload/contract/kube';
import type { LessonOutcome } from '../../preload/contract/lessons';
import type { StoredPlan } from '../../preload/contract/plan';
import type { NodeSession } from '../cluster/node-session';
import type { KubeCluster } from '../kube/kube-cluster';
import type { KubeObject } from '../kube/manifests';

export interface LessonContext {
  /** The formed cluster (identity checked: never another cluster than the one the lessons started on). */
  cluster(): Promise<KubeCluster>;
  /** The live view of the default namespace (nodes, pods, deployments, ...). */
  live(): KubeViewSnapshot | undefined;
  /** Where this computer reaches a LAN address:port of the cluster (identity on real hardware). */
  reach(host: string, port: number): { host: string; port: number };
  plan(): StoredPlan | null;
  /** An SSH session on a control plane (for MicroK8s' own commands, e.g. `microk8s enable metallb`). */
  controlPlaneSession(signal?: AbortSignal): Promise<NodeSession>;
  /** An SSH session on one node of the cluster (the HA lesson stops a node with `sudo poweroff`). */
  nodeSession?(hostname: string, signal?: AbortSignal): Promise<NodeSession>;
  /** Power a node off or on where the environment can (the practice lab); undefined where a person must. */
  power?(hostname: string, on: boolean): Promise<void>;
  /** Remember that the user did something in a step (shown as progress; some steps are done by it). */
  mark(step: string, flag: string): Promise<void>;
  progress(step: string): readonly string[];
}

export interface Prepared {
  /** The objects to apply (as they will be sent, managed-by label included). */
  objects?: KubeObject[];
  kubectl: string[];
}

export interface LessonAction<P = Record<string, unknown>> {
  id: string;
  params: z.ZodType<P>;
  /** What the action applies; used for the preview and by `run` when it only applies. */
  prepare?(ctx: LessonContext, params: P): Prepared | Promise<Prepared>;
  run(ctx: LessonContext, params: P, options: { force: boolean; prepared?: Prepared }): Promise<LessonOutcome>;
}

export function lessonAction<P>(action: LessonAction<P>): LessonAction<P> {
  return action;
}
