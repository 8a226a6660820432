/**
 * One cluster as the lessons use it: the connection (failover, identity), server-side apply,
 * live views, rollouts, scale, reset, all through one object per kubeconfig. Opening it loads
 * @kubernetes/client-node on first use; nothing here imports it at module load.
 */
import type { KubeViewSnapshot, KubeViewSpec } from '../../preload/contract/kube';
import type { ClusterIdentity } from './cluster-identity';
import type { ConnectResult, KubeConnectOptions } from './kube-connection';
import { KubeConnection } from './kube-connection';
import type { KubeView, ViewOptions } from './kube-views';
import { openView } from './kube-views';
import { planReset, resetLessons } from './lesson-reset';
import type { ResetOptions } from './lesson-reset';
import type { KubeObject } from './manifests';
import { readScale, scaleDeployment } from './deployment-scale';
import { undoRollout } from './rollback';
import type { UndoOptions } from './rollback';
import { annotateChangeCause, pauseRollout, restartRollout, resumeRollout, setImage } from './rollout-actions';
import type { SetImageOptions } from './rollout-actions';
import { revisionTemplate, rolloutHistory } from './rollout-history';
import { readRolloutStatus } from './rollout-status';
import type { ApplyOptions } from './server-side-apply';
import { applyObjects, planApply } from './server-side-apply';
import type { WatchHubOptions } from './watch-hub';
import { WatchHub } from './watch-hub';

export interface OpenClusterOptions extends KubeConnectOptions {
  watch?: WatchHubOptions;
  /** Contact the cluster now (default true); false opens without a network round trip. */
  connect?: boolean;
}

export class KubeCluster {
  readonly hub: WatchHub;
  /** The result of the last `connect()` (which server answered, the attempts, the identity). */
  connected?: ConnectResult;

  constructor(
    readonly conn: KubeConnection,
    watch: WatchHubOptions = {},
  ) {
    this.hub = new WatchHub(conn, watch);
  }

  /** Finds a server that answers (the saved one, then the alternatives). */
  async connect(): Promise<ConnectResult> {
    return (this.connected = await this.conn.connect());
  }

  identity(): Promise<ClusterIdentity> {
    return this.conn.identity();
  }

  apply(input: string | KubeObject | readonly KubeObject[], options?: ApplyOptions) {
    return applyObjects(this.conn, input, options);
  }

  planApply(input: string | KubeObject | readonly KubeObject[], options?: Omit<ApplyOptions, 'dryRun' | 'force'>) {
    return planApply(this.conn, input, options);
  }

  view(spec: KubeViewSpec, onSnapshot: (s: KubeViewSnapshot) => void, options?: ViewOptions): KubeView {
    return openView(this.hub, spec, onSnapshot, options);
  }

  rolloutStatus(namespace: string, name: string, revision?: number) {
    return readRolloutStatus(this.conn, namespace, name, revision);
  }

  history(namespace: string, name: string) {
    return rolloutHistory(this.conn, namespace, name);
  }

  revisionTemplate(namespace: string, name: string, revision: number) {
    return revisionTemplate(this.conn, namespace, name, revision);
  }

  undo(namespace: string, name: string, options?: UndoOptions) {
    return undoRollout(this.conn, namespace, name, options);
  }

  pause(namespace: string, name: string) {
    return pauseRollout(this.conn, namespace, name);
  }

  resume(namespace: string, name: string) {
    return resumeRollout(this.conn, namespace, name);
  }

  restart(namespace: string, name: string) {
    return restartRollout(this.conn, namespace, name);
  }

  setImage(namespace: string, name: string, images: Record<string, string>, options?: SetImageOptions) {
    return setImage(this.conn, namespace, name, images, options);
  }

  annotateChangeCause(namespace: string, name: string, changeCause: string) {
    return annotateChangeCause(this.conn, namespace, name, changeCause);
  }

  scale(namespace: string, name: string, replicas: number) {
    return scaleDeployment(this.conn, namespace, name, replicas);
  }

  readScale(namespace: string, name: string) {
    return readScale(this.conn, namespace, name);
  }

  planReset() {
    return planReset(this.conn);
  }

  reset(options?: ResetOptions) {
    return resetLessons(this.conn, options);
  }

  async close(): Promise<void> {
    await this.hub.close();
    this.conn.close();
  }
}

/** Opens a cluster from its kubeconfig text; with `connect` (default) it also finds a server that answers. */
export async function openCluster(options: OpenClusterOptions): Promise<KubeCluster> {
  const { watch, connect = true, ...connectOptions } = options;
  const cluster = new KubeCluster(await KubeConnection.create(connectOptions), watch);
  if (connect) {
    try {
      await cluster.connect();
    } catch (err) {
      await cluster.close();
      throw err;
    }
  }
  return cluster;
}
