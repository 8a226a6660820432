/**
 * The whole "install and form" step as one long operation the app runs as a job: connect to
 * every node, install MicroK8s everywhere in parallel, form the cluster, save the kubeconfig
 * in the data dir. Preflight runs before it (its fixes need the user's yes). Safe to run again
 * after a failure or a closed app: every step starts from the nodes' real state.
 *
 *   jobs.start({ kind: 'cluster.build', title: 'Install MicroK8s and form the cluster', run: (job) =>
 *     buildCluster({ plan, targets: planTargets(plan, found), login, dataDir,
 *       ctx: { signal: job.signal, log: job.log }, onPhase: job.phase }) });
 */
import type { StoredPlan } from '../../preload/contract/plan';
import { ClusterError } from './cluster-errors';
import { formCluster, type FormResult, type JoinState } from './form-cluster';
import { installMicroK8s, type InstallPhase, type NodeInstallResult } from './install-microk8s';
import { saveClusterKubeconfig } from './kubeconfig';
import { openAll, type NodeLogin, type NodeTarget, type OperationContext } from './node-session';

export type BuildPhase = 'connecting' | 'installing' | 'forming' | 'saving';

export interface BuildOptions {
  plan: Pick<StoredPlan, 'clusterName' | 'microk8sChannel'>;
  targets: readonly NodeTarget[];
  login: NodeLogin;
  /** The app's data dir: the kubeconfig goes to clusters/<name>/kubeconfig. */
  dataDir: string;
  ctx: OperationContext;
  /** Default: MicroK8s' own https://<first control plane>:16443. The lab passes its API's URL. */
  apiServer?: string;
  /** The name of the kubeconfig's entries (default: the cluster's name). */
  kubeconfigName?: string;
  /** Phase and overall progress 0..1 (a job's `phase`). */
  onPhase?: (phase: BuildPhase, progress: number) => void;
  onNodeInstall?: (node: string, phase: InstallPhase, fraction: number) => void;
  onNodeJoin?: (node: string, state: JoinState) => void;
}

export interface BuildResult extends FormResult {
  installs: NodeInstallResult[];
  kubeconfigPath: string;
}

export async function buildCluster(options: BuildOptions): Promise<BuildResult> {
  const phase = options.onPhase ?? (() => undefined);
  phase('connecting', 0);
  const sessions = await openAll(options.targets, options.login, options.ctx);
  try {
    phase('installing', 0.05);
    const settled = await installMicroK8s(sessions, {
      channel: options.plan.microk8sChannel,
      onProgress: (p) => {
        options.onNodeInstall?.(p.node, p.phase, p.fraction);
        phase('installing', 0.05 + 0.7 * (p.overall ?? 0));
      },
    });
    const failed = settled.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed.length > 0) {
      if (failed.length === 1) throw failed[0]!.reason;
      throw new ClusterError('INSTALL_FAILED', `MicroK8s could not be installed on ${failed.length} nodes: ${failed.map((f) => (f.reason as Error).message).join(' | ')}`, undefined, undefined, undefined, {
        count: failed.length,
        node: failed.map((f) => (f.reason as { node?: string }).node ?? '').filter(Boolean).join(', '),
      });
    }
    phase('forming', 0.75);
    const formed = await formCluster(sessions, { clusterName: options.plan.clusterName, apiServer: options.apiServer, ...(options.kubeconfigName ? { kubeconfigName: options.kubeconfigName } : {}), onNodeState: options.onNodeJoin });
    phase('saving', 0.98);
    const kubeconfigPath = await saveClusterKubeconfig(options.dataDir, options.plan.clusterName, formed.kubeconfig);
    phase('saving', 1);
    return { ...formed, installs: settled.map((r) => (r as PromiseFulfilledResult<NodeInstallResult>).value), kubeconfigPath };
  } finally {
    for (const s of sessions) s.close();
  }
}
