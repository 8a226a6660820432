/**
 * The cluster as the Kubernetes API sees it (@kubernetes/client-node with the cluster's
 * kubeconfig): nodes, their role labels and Ready condition. "Formed" means every planned node
 * is Ready here, not merely that the join commands succeeded.
 */
import type { V1Node } from '@kubernetes/client-node';
import { ClusterError } from './cluster-errors';
import type { OperationContext } from './node-session';
import { deadlineAfter, realPace } from './node-session';

export interface ApiNode {
  name: string;
  ready: boolean;
  role: 'control-plane' | 'worker';
  internalIP?: string;
  /** The Ready condition's message when not ready. */
  reason?: string;
}

function toApiNode(n: V1Node): ApiNode {
  const ready = n.status?.conditions?.find((c) => c.type === 'Ready');
  const labels = n.metadata?.labels ?? {};
  return {
    name: n.metadata?.name ?? '',
    ready: ready?.status === 'True',
    role: labels['node.kubernetes.io/microk8s-worker'] ? 'worker' : 'control-plane',
    internalIP: n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address,
    reason: ready?.status === 'True' ? undefined : (ready?.message ?? ready?.reason),
  };
}

export async function listApiNodes(kubeconfig: string): Promise<ApiNode[]> {
  // Loaded on first use: importing the client takes most of a second.
  const { CoreV1Api, KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfig);
  const list = await kc.makeApiClient(CoreV1Api).listNode();
  return list.items.map(toApiNode);
}

/** Polls the API until every named node is Ready; NODE_NOT_READY (with the kubelet's reason) after `timeoutMs` (pace time). */
export async function waitForNodesReady(kubeconfig: string, names: readonly string[], ctx: OperationContext = {}, timeoutMs = 600_000): Promise<ApiNode[]> {
  const pace = ctx.pace ?? realPace;
  const deadline = deadlineAfter(pace, timeoutMs);
  let last: ApiNode[] = [];
  let lastError: unknown;
  for (;;) {
    try {
      last = await listApiNodes(kubeconfig);
      lastError = undefined;
      if (names.every((name) => last.some((n) => n.name === name && n.ready))) return last;
    } catch (e) {
      lastError = e;
    }
    if (deadline.passed()) {
      if (lastError) throw new ClusterError('NODE_NOT_READY', `The Kubernetes API did not answer: ${(lastError as Error).message}`, undefined, undefined, undefined, { detail: (lastError as Error).message });
      const missing = names.flatMap((name) => {
        const n = last.find((x) => x.name === name);
        if (n?.ready) return [];
        return [n ? `${name} is NotReady (${n.reason ?? 'no reason given'})` : `${name} is not in the cluster`];
      });
      const notReady = names.filter((name) => !last.find((x) => x.name === name)?.ready);
      throw new ClusterError('NODE_NOT_READY', `Not every node became Ready: ${missing.join('; ')}.`, notReady[0], undefined, undefined, { node: notReady.join(', '), count: notReady.length });
    }
    await pace.sleep(5_000, ctx.signal);
  }
}
