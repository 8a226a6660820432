/**
 * Step 12, High availability: the node-failure drill's timeline, recorded in main as the cluster
 * shows it (a node taken away, NotReady after the node monitor grace period, the unreachable
 * taints, pods marked for deletion after their toleration, replacements, the node back). Events
 * in a busy cluster expire after a few minutes (and in seconds at the lab's higher speeds), so the
 * window cannot rebuild this from the live view: main keeps what it saw, with upstream's texts,
 * in cluster time (the lab's clock may run faster) and in real time. Actions that start and end
 * the drill are lesson actions (`ha.*`); this only reads the timeline.
 */
import { z } from 'zod';
import { event, method } from './define';

export const haMilestoneKind = z.enum([
  'node-off',
  'api-failover',
  'api-lost',
  'api-back',
  'node-not-ready',
  'pods-not-ready',
  'taint-no-schedule',
  'taint-no-execute',
  'pod-marked-for-deletion',
  'eviction-cancelled',
  'replacement-scheduled',
  'replacements-running',
  'replacement-pending',
  'node-on',
  'node-ready',
  'taints-removed',
  'old-pods-gone',
]);
export type HaMilestoneKind = z.infer<typeof haMilestoneKind>;

export const haMilestone = z.object({
  kind: haMilestoneKind,
  /** Milliseconds after the node was taken away, on this computer's clock. */
  realMs: z.number(),
  /** The same in cluster time (the practice lab's clock may run faster; equal on real hardware). */
  clusterMs: z.number(),
  /** What it concerns: a node, a pod (`default/name`), an API server. */
  subject: z.string().optional(),
  /** Upstream's own texts: event messages, condition messages, taints as `key:Effect`. */
  texts: z.array(z.string()),
});
export type HaMilestone = z.infer<typeof haMilestone>;

export const haDrill = z.object({
  id: z.string(),
  /** worker: a node taken away; control-plane: the one the kubeconfig names; quorum: a second control plane. */
  kind: z.enum(['worker', 'control-plane', 'quorum']),
  node: z.string(),
  /** How it was taken away: the lab's power switch, `sudo poweroff` over SSH, or the user unplugged it. */
  how: z.enum(['power', 'ssh', 'unplugged']),
  /** Epoch ms when it was taken away. */
  startedAt: z.number(),
  /** Cluster ms per real ms (1 on real hardware). */
  speed: z.number(),
  /** The pods of the default namespace that were on the node when it went away. */
  podsAtRisk: z.array(z.string()),
  milestones: z.array(haMilestone),
  /** watching: until the node is back and its old pods are gone; over: nothing more to see. */
  phase: z.enum(['watching', 'over']),
});
export type HaDrill = z.infer<typeof haDrill>;

export const haState = z.object({
  drill: haDrill.optional(),
  /** Drills done before in this run of the app (latest first), so a rejoin can be compared. */
  earlier: z.array(haDrill),
});
export type HaState = z.infer<typeof haState>;

export const haMethods = {
  'ha.state': method(z.object({}).strict(), haState, 'The node-failure drill as main recorded it.'),
};

export const haEvents = {
  'ha.changed': event(haState, 'The drill saw something new (at most ten times a second).'),
};
