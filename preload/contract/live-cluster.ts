/**
 * The formed cluster, live, through its Kubernetes API: nodes with their Ready condition (since
 * when and why), and the default namespace's workloads for the lessons, pushed at most ten times
 * a second; other namespaces on request. Real Pis or the practice lab alike.
 */
import { z } from 'zod';
import { event, method } from './define';
import { kubeErrorInfo, kubeViewSnapshot } from './kube';

export const liveClusterState = z.object({
  /** none: no cluster formed in this world yet. */
  status: z.enum(['none', 'connecting', 'connected', 'reconnecting']),
  /** The API server the app reads from now. */
  server: z.string().optional(),
  /** The saved server did not answer: another control plane's is used. */
  failedOver: z.object({ from: z.string(), to: z.string() }).optional(),
  error: kubeErrorInfo.optional(),
  /** Nodes, and the default namespace's pods, deployments, ReplicaSets, services, endpoints and events. */
  snapshot: kubeViewSnapshot.optional(),
});
export type LiveClusterState = z.infer<typeof liveClusterState>;

const namespace = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'a namespace name: lowercase letters, digits and "-"')
  .refine((n) => n !== 'default', 'the default namespace is always in liveCluster.state');

export const liveClusterMethods = {
  'liveCluster.state': method(z.object({}).strict(), liveClusterState, 'The cluster as its API shows it now (no cluster: status none).'),
  'liveCluster.watch': method(
    z.object({ namespace, viewId: z.string().max(64).optional(), extraKinds: z.array(z.enum(['resourcequotas', 'limitranges'])).max(2).optional() }).strict(),
    z.object({ viewId: z.string(), leaseMs: z.number().int() }),
    'Watch another namespace (its workloads and events, plus `extraKinds` such as its ResourceQuotas and LimitRanges); renew with the same viewId before the lease ends (a window that went away stops watching by itself).',
  ),
  'liveCluster.unwatch': method(z.object({ viewId: z.string().max(64) }).strict(), z.object({}), 'Stop watching a namespace.'),
};

export const liveClusterEvents = {
  'liveCluster.changed': event(liveClusterState, 'The cluster changed (at most ten times a second).'),
  'liveCluster.view': event(z.object({ viewId: z.string(), namespace: z.string(), snapshot: kubeViewSnapshot }), 'A watched namespace changed.'),
};
