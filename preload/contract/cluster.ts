/**
 * "Install MicroK8s" and "Form the cluster": checks per node (with fixes), then installing on
 * every node in parallel and joining them, as jobs. The result names every node as the
 * Kubernetes API lists it, and where the kubeconfig was saved.
 */
import { z } from 'zod';
import { event, method } from './define';
import { messageValues } from './errors';

export const preflightCheck = z.object({
  /** Which check (`reachable`, `memory-cgroup`, …): the window words its title. */
  id: z.string(),
  node: z.string(),
  status: z.enum(['pass', 'warn', 'fail', 'skipped']),
  /** `<id>.<outcome>`: the window words what was found, what is wrong and why it matters from it and `values`. */
  outcome: z.string(),
  values: messageValues,
  /** The same in English, for logs and clients without the window's catalogues. */
  found: z.string(),
  problem: z.string().optional(),
  why: z.string().optional(),
  /** What the fix does: the window words it from the check's id and values; `description` is the English. */
  fix: z.object({ description: z.string(), rebootsNode: z.boolean() }).optional(),
});
export type PreflightCheckView = z.infer<typeof preflightCheck>;

/** Where one node is in the install + join job (MicroK8s install phases, then join states; `stopped`: the job ended before this node was done). */
export const nodeStage = z.enum(['checking', 'installing', 'group', 'starting', 'ready', 'member', 'joining', 'waiting-ready', 'joined', 'retrying', 'failed', 'stopped']);
export type NodeStage = z.infer<typeof nodeStage>;
export const nodeProgress = z.object({ stage: nodeStage, fraction: z.number().min(0).max(1).nullable() });
export type NodeProgress = z.infer<typeof nodeProgress>;

export const clusterState = z.object({
  /** The running preflight, fix or build job. */
  jobId: z.string().optional(),
  /** Per node: its stage in the running (or last) install + join job, and the install's progress. */
  progress: z.record(z.string(), nodeProgress).optional(),
  preflight: z.object({ checks: z.array(preflightCheck), ok: z.boolean(), at: z.number() }).optional(),
  built: z
    .object({
      controlPlane: z.string(),
      nodes: z.array(z.object({ name: z.string(), ready: z.boolean(), role: z.enum(['control-plane', 'worker']), internalIP: z.string().optional() })),
      highAvailability: z.boolean(),
      kubeconfigPath: z.string(),
      at: z.number(),
    })
    .optional(),
  /** With a cluster formed: the planned nodes that are not in it (yet), in plan order. */
  notInCluster: z
    .array(
      z.object({
        name: z.string(),
        role: z.enum(['control-plane', 'worker']),
        /** A card was prepared for it (step 2). */
        cardPrepared: z.boolean(),
        /** Where "Boot & discover" found it (step 3). */
        found: z.object({ address: z.string(), port: z.number().int() }).optional(),
      }),
    )
    .optional(),
});
export type ClusterState = z.infer<typeof clusterState>;

const nodeName = z.string().min(1).max(63);

/** What adding the cluster to ~/.kube/config would change, shown before asking. */
export const kubeconfigMergePreview = z.object({
  path: z.string(),
  exists: z.boolean(),
  entries: z.array(z.object({ kind: z.enum(['cluster', 'user', 'context']), name: z.string(), replaces: z.boolean() })),
  context: z.string(),
});
export type KubeconfigMergePreview = z.infer<typeof kubeconfigMergePreview>;

export const clusterMethods = {
  'cluster.state': method(z.object({}).strict(), clusterState, 'Last preflight report and the cluster formed, if any.'),
  'cluster.preflight': method(z.object({}).strict(), z.object({ jobId: z.string() }), 'Connect to every found node and check it (a job).'),
  'cluster.fix': method(z.object({ node: nodeName, id: z.string().min(1).max(40) }).strict(), z.object({ jobId: z.string() }), 'Run the fix a failed check offers, then check again (a job).'),
  'cluster.build': method(z.object({}).strict(), z.object({ jobId: z.string() }), 'Install MicroK8s on every node in parallel and form the cluster (a job).'),
  'cluster.addNode': method(
    z.object({ node: nodeName }).strict(),
    z.object({ jobId: z.string() }),
    'Add a planned, found node to the formed cluster: install MicroK8s on it, write hosts entries on every node, join it as its planned role (a job).',
  ),
  'cluster.removeNode': method(z.object({ node: nodeName }).strict(), z.object({ jobId: z.string() }), 'Remove a node as the tutorial does: leave on the node, remove-node on the control plane (--force when the node is unreachable).'),
  'cluster.reset': method(z.object({}).strict(), z.object({ jobId: z.string() }), 'Take the cluster apart: every other node leaves and is removed; MicroK8s stays installed.'),
  'cluster.kubeconfigMergePreview': method(z.object({}).strict(), kubeconfigMergePreview, 'What merging the kubeconfig into ~/.kube/config would add or replace (nothing is written).'),
  'cluster.mergeKubeconfig': method(z.object({}).strict(), z.object({ path: z.string(), backupPath: z.string().optional() }), 'Add the cluster to ~/.kube/config (the old file is backed up first).'),
};

export const clusterEvents = {
  'cluster.changed': event(clusterState, 'A check, fix, build or cluster change started or finished.'),
};
