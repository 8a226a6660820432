/**
 * The graceful way to take a node away, as kubectl 1.32 does it (pkg/drain, pkg/cmd/drain):
 * cordon (spec.unschedulable through a PATCH), then every pod on the node evicted through the
 * eviction API (so PodDisruptionBudgets are respected) except DaemonSet pods and mirror pods,
 * waiting until each is gone; uncordon lets pods come back. The output mirrors
 * `kubectl drain NODE --ignore-daemonsets --delete-emptydir-data`, line for line, so what the
 * user reads in the app is what they will read in a terminal.
 */
import type { KubeCluster } from '../../kube/kube-cluster';

interface PodJson {
  metadata: { name: string; namespace: string; uid: string; deletionTimestamp?: string; annotations?: Record<string, string>; ownerReferences?: Array<{ kind: string; name: string; controller?: boolean }> };
  spec: { volumes?: Array<{ emptyDir?: unknown }> };
  status?: { phase?: string };
}

export interface DrainLine {
  stream: 'stdout' | 'stderr';
  text: string;
}

export interface DrainResult {
  ok: boolean;
  lines: DrainLine[];
  evicted: string[];
}

const nodePath = (node: string) => `/api/v1/nodes/${encodeURIComponent(node)}`;

async function setUnschedulable(cluster: KubeCluster, node: string, unschedulable: boolean): Promise<'changed' | 'already'> {
  const current = await cluster.conn.request<{ spec?: { unschedulable?: boolean } }>({ method: 'GET', path: nodePath(node) });
  if ((current.spec?.unschedulable ?? false) === unschedulable) return 'already';
  await cluster.conn.request({
    method: 'PATCH',
    path: nodePath(node),
    query: { fieldManager: 'pi-cluster-wizard' },
    contentType: 'application/strategic-merge-patch+json',
    body: { spec: { unschedulable: unschedulable ? true : null } },
  });
  return 'changed';
}

/** `kubectl cordon NODE`: `node/NODE cordoned` or `node/NODE already cordoned`. */
export async function cordon(cluster: KubeCluster, node: string): Promise<string> {
  return (await setUnschedulable(cluster, node, true)) === 'changed' ? `node/${node} cordoned` : `node/${node} already cordoned`;
}

/** `kubectl uncordon NODE`. */
export async function uncordon(cluster: KubeCluster, node: string): Promise<string> {
  return (await setUnschedulable(cluster, node, false)) === 'changed' ? `node/${node} uncordoned` : `node/${node} already uncordoned`;
}

const key = (p: PodJson) => `${p.metadata.namespace}/${p.metadata.name}`;
const controllerOf = (p: PodJson) => p.metadata.ownerReferences?.find((o) => o.controller);

export interface DrainOptions {
  signal?: AbortSignal;
  /** Each line as it is printed. */
  onLine?: (line: DrainLine) => void;
  /** How long to wait for the pods to go (real ms); kubectl waits forever by default. */
  timeoutMs?: number;
  /** kubectl's retry after a 429 from a disruption budget (5 s). */
  retryMs?: number;
}

/** `kubectl drain NODE --ignore-daemonsets --delete-emptydir-data`. */
export async function drain(cluster: KubeCluster, node: string, options: DrainOptions = {}): Promise<DrainResult> {
  const lines: DrainLine[] = [];
  const print = (stream: DrainLine['stream'], text: string) => {
    const line = { stream, text };
    lines.push(line);
    options.onLine?.(line);
  };
  print('stdout', await cordon(cluster, node));

  const list = await cluster.conn.request<{ items?: PodJson[] }>({ method: 'GET', path: '/api/v1/pods', query: { fieldSelector: `spec.nodeName=${node}` } });
  const pods = list.items ?? [];
  const daemonSet: string[] = [];
  const localStorage: string[] = [];
  const unreplicated: string[] = [];
  const toEvict: PodJson[] = [];
  for (const p of pods) {
    const terminal = p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
    if (p.metadata.annotations?.['kubernetes.io/config.mirror']) continue;
    const controller = controllerOf(p);
    if (!terminal && controller?.kind === 'DaemonSet') {
      daemonSet.push(key(p));
      continue;
    }
    if (!terminal && !controller) unreplicated.push(key(p));
    if (!terminal && p.spec.volumes?.some((v) => v.emptyDir)) localStorage.push(key(p));
    toEvict.push(p);
  }
  if (unreplicated.length > 0) {
    // kubectl refuses the whole node without --force, and says so on stderr.
    const error = `cannot delete cannot delete Pods that declare no controller (use --force to override): ${unreplicated.join(', ')}`;
    print('stderr', `error: unable to drain node "${node}" due to error: ${error}, continuing command...`);
    print('stderr', 'There are pending nodes to be drained:');
    print('stderr', ` ${node}`);
    print('stderr', error);
    return { ok: false, lines, evicted: [] };
  }
  const warnings = [...(daemonSet.length ? [`ignoring DaemonSet-managed Pods: ${daemonSet.join(', ')}`] : []), ...(localStorage.length ? [`deleting Pods with local storage: ${localStorage.join(', ')}`] : [])];
  if (warnings.length) print('stderr', `Warning: ${warnings.join('; ')}`);

  const deadline = Date.now() + (options.timeoutMs ?? 300_000);
  const retryMs = options.retryMs ?? 5_000;
  const evicted: string[] = [];
  await Promise.all(
    toEvict.map(async (p) => {
      print('stdout', `evicting pod ${key(p)}`);
      const path = `/api/v1/namespaces/${encodeURIComponent(p.metadata.namespace)}/pods/${encodeURIComponent(p.metadata.name)}`;
      for (;;) {
        if (options.signal?.aborted) throw new Error('The drain was cancelled.');
        try {
          await cluster.conn.request({
            method: 'POST',
            path: `${path}/eviction`,
            body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: p.metadata.name, namespace: p.metadata.namespace } },
          });
          break;
        } catch (error) {
          const e = error as { code?: string; httpStatus?: number; status?: { message?: string }; message?: string };
          if (e.code === 'NOT_FOUND') break;
          if (e.httpStatus !== 429 || Date.now() > deadline) throw error;
          print('stderr', `error when evicting pods/"${p.metadata.name}" -n "${p.metadata.namespace}" (will retry after 5s): ${e.status?.message ?? e.message ?? ''}`);
          await new Promise((r) => setTimeout(r, retryMs));
        }
      }
      // kubectl waits until the pod is gone (or replaced by another with the same name).
      for (;;) {
        const now = await cluster.conn.request<PodJson>({ method: 'GET', path }).catch((error: { code?: string }) => {
          if (error.code === 'NOT_FOUND') return undefined;
          throw error;
        });
        if (!now || now.metadata.uid !== p.metadata.uid) break;
        if (Date.now() > deadline) throw new Error(`${key(p)} is still there after ${Math.round((options.timeoutMs ?? 300_000) / 1000)} s.`);
        await new Promise((r) => setTimeout(r, 250));
      }
      evicted.push(key(p));
      print('stdout', `pod/${p.metadata.name} evicted`);
    }),
  );
  print('stdout', `node/${node} drained`);
  return { ok: true, lines, evicted };
}
