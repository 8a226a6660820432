/**
 * Steps 4 and 5 in the app: preflight (with one-click fixes), then install + join as one job,
 * over SSH to the nodes "Boot & discover" found. Uses the cluster key and the host keys pinned
 * during discovery; waits run on the environment's pace and the kubeconfig names the API
 * server the environment says this computer reaches.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { CardReport } from '../../preload/contract/cards';
import type { ClusterState, KubeconfigMergePreview, NodeProgress, NodeStage } from '../../preload/contract/cluster';
import { ErrorCode } from '../../preload/contract/errors';
import type { FoundNode } from '../../preload/contract/find-nodes';
import type { StoredPlan } from '../../preload/contract/plan';
import { buildCluster } from '../cluster/build-cluster';
import { ClusterError } from '../cluster/cluster-errors';
import { SshError } from '../ssh/ssh-errors';
import { waitForNodesReady } from '../cluster/cluster-api';
import { addNode, removeNode, resetCluster } from '../cluster/change-cluster';
import { highAvailability } from '../cluster/form-cluster';
import { clusterKubeconfigPath, defaultKubeconfigPath, fetchKubeconfig, mergeKubeconfig, previewMerge } from '../cluster/kubeconfig';
import { deadlineAfter, NodeSession, openAll, realPace } from '../cluster/node-session';
import type { NodeLogin, NodeTarget, OperationContext } from '../cluster/node-session';
import { checkView, runPreflight, unreachableCheck } from '../cluster/preflight';
import type { PreflightCheck } from '../cluster/preflight';
import type { Environment } from '../environment/environment';
import type { FindNodesService } from '../find-nodes/find-nodes-service';
import type { JobKind } from '../jobs/job-codes';
import type { JobContext, JobManager } from '../jobs/job-manager';
import type { PlanService } from '../plan/plan-service';
import { AppError } from '../router/app-error';
import type { Slice, SliceDef } from '../state/state-store';

const built = z.object({
  /** The cluster's name when it was formed: its kubeconfig is `clusters/<clusterName>/kubeconfig` in the world's folder. */
  clusterName: z.string(),
  /** The name of its kubeconfig entries (the cluster's name; `-practice` added in the practice world). */
  kubeconfigName: z.string().optional(),
  controlPlane: z.string(),
  nodes: z.array(z.object({ name: z.string(), ready: z.boolean(), role: z.enum(['control-plane', 'worker']), internalIP: z.string().optional() })),
  highAvailability: z.boolean(),
  at: z.number(),
});
type Built = z.infer<typeof built>;

const clusterState = z.object({
  built: built.optional(),
  /** Set while an install + join job runs; still there at start-up means the app closed mid-job. */
  running: z.object({ startedAt: z.number() }).optional(),
});
type ClusterSlice = z.infer<typeof clusterState>;

/** Steps 4-5's slice: the formed cluster, and the mark of an install that was running. */
export const clusterSlice: SliceDef<ClusterSlice> = { id: 'cluster', version: 1, schema: clusterState, initial: () => ({}) };

export interface ClusterServiceOptions {
  slice: Slice<ClusterSlice>;
  /** The world's folder: kubeconfigs live in `clusters/<name>/`. */
  dir: string;
  jobs: JobManager;
  env: Environment;
  plans: () => PlanService;
  findNodes: () => FindNodesService;
  cardReport: (hostname: string) => CardReport | undefined;
  onChange: (state: ClusterState) => void;
}

export class ClusterService {
  #jobId: string | undefined;
  #closing = false;
  /** Per-node stage of the running or last install + join (or add-node) job; any other cluster job clears it. */
  #progress: Record<string, NodeProgress> = {};
  #progressTimer: NodeJS.Timeout | undefined;
  #checks: PreflightCheck[] = [];
  #preflight: ClusterState['preflight'];
  /** Sessions kept open after preflight so its fixes can run. */
  #sessions: NodeSession[] = [];

  constructor(private readonly options: ClusterServiceOptions) {}

  /** The formed cluster as saved (undefined before one was formed). */
  built(): (Built & { kubeconfigPath: string }) | undefined {
    const saved = this.options.slice.get().built;
    return saved ? { ...saved, kubeconfigPath: clusterKubeconfigPath(this.options.dir, saved.clusterName) } : undefined;
  }

  /** Whether an install + join job runs now. */
  get busy(): boolean {
    return this.#jobId !== undefined;
  }

  state(): ClusterState {
    const saved = this.built();
    return {
      ...(this.#jobId ? { jobId: this.#jobId } : {}),
      ...(Object.keys(this.#progress).length > 0 ? { progress: { ...this.#progress } } : {}),
      ...(this.#preflight ? { preflight: this.#preflight } : {}),
      ...(saved
        ? {
            built: { controlPlane: saved.controlPlane, nodes: saved.nodes, highAvailability: saved.highAvailability, kubeconfigPath: saved.kubeconfigPath, at: saved.at },
            notInCluster: this.#notInCluster(saved),
          }
        : {}),
    };
  }

  /** The planned nodes the formed cluster does not have, with what the earlier steps know about them. */
  #notInCluster(cluster: Built): NonNullable<ClusterState['notInCluster']> {
    const plan = this.options.plans().stored();
    if (!plan) return [];
    const found = this.options.findNodes().found();
    const prepared = (name: string) => this.options.cardReport(name) !== undefined;
    return plan.nodes
      .filter((n) => !cluster.nodes.some((m) => m.name === n.hostname))
      .map((n) => {
        const at = found[n.hostname];
        return { name: n.hostname, role: n.role, cardPrepared: prepared(n.hostname), ...(at ? { found: { address: at.address, port: at.port } } : {}) };
      });
  }

  /**
   * Checks every found node. A node the app cannot log in to (powered off, still booting, a
   * changed host key) gets a failing `reachable` check saying why; the others are checked anyway.
   */
  preflight(): { jobId: string } {
    const plan = this.#plan();
    return this.#start('cluster.preflight', 'Check every node before installing', undefined, async (job) => {
      this.#closeSessions();
      job.phase('connecting', null);
      const targets = this.#targets(plan);
      const login = this.#login(job);
      const ctx = this.#ctx(job);
      const opened = await Promise.allSettled(targets.map((t) => NodeSession.open(t, login, ctx)));
      this.#sessions = opened.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
      const unreachable = opened.flatMap((o, i) => {
        if (o.status === 'fulfilled') return [];
        const error = o.reason as unknown;
        if (job.signal.aborted) throw error;
        const cluster = error instanceof ClusterError ? error : undefined;
        // A changed host key is also asked about where the user looks (the host key dialog).
        if (cluster?.sshError?.hostKeyChange) this.options.findNodes().reportHostKeyChange(cluster.sshError.hostKeyChange);
        const sshCode = cluster?.sshCode ?? cluster?.code ?? (error instanceof SshError ? error.code : 'CONNECTION_LOST');
        const detail = String(cluster?.sshError?.values?.detail ?? (error as Error).message);
        job.log(`${targets[i]!.hostname}: ${(error as Error).message}`);
        return [unreachableCheck(targets[i]!.hostname, sshCode, detail)];
      });
      job.phase('checking', null);
      const report = await runPreflight(this.#sessions, { clusterName: plan.clusterName, release: plan.ubuntuRelease, channel: plan.microk8sChannel }, unreachable);
      this.#setChecks(report.checks);
      const failed = report.checks.filter((c) => c.status === 'fail');
      job.log(failed.length === 0 ? 'Every node is ready for MicroK8s.' : `${failed.length} checks failed: ${failed.map((c) => `${c.id} on ${c.node}`).join(', ')}.`);
      return { ok: report.ok, failed: failed.length };
    });
  }

  fix(node: string, id: string): { jobId: string } {
    const check = this.#checks.find((c) => c.node === node && c.id === id);
    if (!check?.fix) throw new AppError(ErrorCode.NOT_FOUND, `There is no fix for "${id}" on ${node}: run the checks again first.`, { key: 'cluster.noFix', values: { check: id, node } });
    if (this.#jobId) throw new AppError(ErrorCode.CONFLICT, 'Another cluster job is still running: wait for it or cancel it.', { key: 'cluster.busy' });
    const fix = check.fix;
    return this.#start('cluster.fix', `Fix ${id} on ${node}`, node, async (job) => {
      job.phase('fixing', null, { check: id, node });
      job.log(`${node}: ${fix.description}`);
      const again = await fix.run();
      this.#setChecks(this.#checks.map((c) => (c === check ? again : c)));
      job.log(`${node}: the ${id} check ${again.status === 'pass' ? 'passes now' : `still reports ${again.status}${again.problem ? `: ${again.problem}` : ''}`}`);
      return { status: again.status };
    });
  }

  /**
   * Installs and joins every node. `resumedFrom`: the start of a build the app was closed in the
   * middle of; nodes may still be rebooting, so unreachable nodes are waited for a while.
   */
  build(options: { resumedFrom?: number } = {}): { jobId: string } {
    const plan = this.#plan();
    const failed = this.#preflight?.checks.filter((c) => c.status === 'fail') ?? [];
    if (failed.length > 0) {
      throw new AppError(ErrorCode.CONFLICT, `Fix the failed checks first: ${failed.map((c) => `${c.id} on ${c.node}`).join(', ')}.`, { key: 'cluster.checksFailed', values: { count: failed.length } });
    }
    return this.#start('cluster.build', 'Install MicroK8s and form the cluster', undefined, async (job) => {
      const startedAt = options.resumedFrom ?? Date.now();
      await this.options.slice.update((s) => ({ ...s, running: { startedAt } }));
      try {
        return await this.#buildJob(job, plan, options.resumedFrom);
      } catch (error) {
        this.#stopStages(error);
        throw error;
      } finally {
        // Closing the app aborts the job but keeps the mark, so the next start picks it up.
        if (!this.#closing) await this.options.slice.update(({ running: _done, ...rest }) => rest);
      }
    });
  }

  /** Starts the install + join again if the app was closed while it ran; returns its job id. */
  resumeInterrupted(): string | undefined {
    const mark = this.options.slice.get().running;
    if (!mark) return undefined;
    try {
      return this.build({ resumedFrom: mark.startedAt }).jobId;
    } catch {
      // The plan or the found nodes changed since: the user starts again from the Install step.
      void this.options.slice.update(({ running: _gone, ...rest }) => rest);
      return undefined;
    }
  }

  async #buildJob(job: JobContext, plan: StoredPlan, resumedFrom: number | undefined): Promise<unknown> {
    if (resumedFrom !== undefined) {
      job.log(`The app was closed while this job ran (started ${new Date(resumedFrom).toISOString()}). Picking up from each node's real state: what is already installed or joined is kept.`);
    }
    const pace = this.#ctx(job).pace ?? realPace;
    await this.options.env.ready();
    const deadline = deadlineAfter(pace, 10 * 60_000);
    let lastWait = '';
    for (;;) {
      this.#closeSessions();
      try {
        return await this.#buildOnce(job, plan);
      } catch (error) {
        const code = error instanceof ClusterError ? error.sshCode : error instanceof SshError ? error.code : undefined;
        const transient = code === 'HOST_UNREACHABLE' || code === 'TIMEOUT' || code === 'CONNECTION_LOST';
        if (resumedFrom === undefined || !transient || deadline.passed()) throw error;
        if ((error as Error).message !== lastWait) job.log(`${(error as Error).message} Waiting for it to come back (it may still be booting).`);
        lastWait = (error as Error).message;
        await Promise.all([pace.sleep(15_000, job.signal), realPace.sleep(1000, job.signal)]);
      }
    }
  }

  async #buildOnce(job: JobContext, plan: StoredPlan): Promise<unknown> {
    this.#progress = Object.fromEntries(plan.nodes.map((n) => [n.hostname, { stage: 'checking' as const, fraction: null }]));
    const targets = this.#targets(plan);
    const result = await buildCluster({
      plan,
      targets,
      login: this.#login(job),
      dataDir: this.options.dir,
      ctx: this.#ctx(job),
      apiServer: this.options.env.kubeApiServer({ sshHost: targets[0]!.host }),
      kubeconfigName: this.#kubeconfigName(plan.clusterName),
      onPhase: (phase, progress) => job.phase(phase, progress),
      onNodeInstall: (node, phase, fraction) => {
        if (this.#progress[node]?.stage !== phase) job.log(`${node}: ${phase}`);
        this.#setProgress(node, phase, phase === 'ready' ? 1 : fraction);
      },
      onNodeJoin: (node, state) => {
        job.log(`${node}: ${state}`);
        this.#setProgress(node, state, null);
      },
    });
    const record: Built = {
      clusterName: plan.clusterName,
      kubeconfigName: this.#kubeconfigName(plan.clusterName),
      controlPlane: result.controlPlane,
      nodes: result.nodes.map((n) => ({ name: n.name, ready: n.ready, role: n.role, ...(n.internalIP ? { internalIP: n.internalIP } : {}) })),
      highAvailability: result.highAvailability,
      at: Date.now(),
    };
    await this.options.slice.update((s) => ({ ...s, built: record }));
    job.log(`Every node is Ready${result.highAvailability ? '; high availability is on' : ''}. kubeconfig: ${result.kubeconfigPath}`);
    return { nodes: record.nodes.length, highAvailability: record.highAvailability };
  }

  /**
   * Adds a planned node to the formed cluster: installs MicroK8s on it, writes hosts entries on
   * every node, joins it as its planned role, then records it as the Kubernetes API lists it.
   * Only the control plane, the members and the new node need to have been found.
   */
  addNode(name: string): { jobId: string } {
    const plan = this.options.plans().stored();
    if (!plan) throw new AppError(ErrorCode.UNAVAILABLE, 'Save the cluster plan first.', { key: 'cluster.noPlan' });
    const saved = this.built();
    if (!saved) throw new AppError(ErrorCode.UNAVAILABLE, `There is no cluster to add ${name} to yet: form the cluster first (steps 4 and 5).`, { key: 'cluster.noCluster' });
    const planned = plan.nodes.find((n) => n.hostname === name);
    if (!planned) throw new AppError(ErrorCode.NOT_FOUND, `${name} is not in the plan: add it in step 1 and prepare its card first.`, { key: 'cluster.notPlanned', values: { node: name } });
    if (saved.nodes.some((n) => n.name === name)) throw new AppError(ErrorCode.CONFLICT, `${name} is already in the cluster.`, { key: 'cluster.alreadyMember', values: { node: name } });
    if (this.#jobId) throw new AppError(ErrorCode.CONFLICT, 'Another cluster job is still running: wait for it or cancel it.', { key: 'cluster.busy' });
    const found = this.options.findNodes().found();
    if (!found[name]) throw new AppError(ErrorCode.UNAVAILABLE, `${name} has not been found yet: power it on and search in step 3.`, { key: 'cluster.notFoundYet', values: { node: name } });
    const members = [saved.controlPlane, ...saved.nodes.map((n) => n.name).filter((n) => n !== saved.controlPlane)];
    const lost = members.filter((m) => !found[m]);
    if (lost.length > 0) {
      throw new AppError(ErrorCode.UNAVAILABLE, `${lost.join(', ')} ${lost.length === 1 ? 'is' : 'are'} in the cluster but not found: search in step 3 so every node can get hosts entries for ${name}.`, {
        key: 'cluster.membersNotFound',
        values: { nodes: lost.join(', '), count: lost.length, node: name },
      });
    }
    const targets = [...members, name].map((n) => this.#memberTarget(plan, saved, n)!);
    const as = planned.role === 'control-plane' ? 'control plane' : 'worker';
    return this.#start('cluster.addNode', `Add ${name} to the cluster`, name, async (job) => {
      this.#progress = { [name]: { stage: 'checking', fraction: null } }; // only the node being added
      this.#closeSessions();
      job.phase('connecting', null);
      const ctx = this.#ctx(job);
      const sessions = await openAll(targets, this.#login(job), ctx);
      try {
        const controlPlane = sessions[0]!;
        const node = sessions[sessions.length - 1]!;
        job.log(`${name}: installing MicroK8s (${plan.microk8sChannel}), then joining as a ${as} through ${controlPlane.name}`);
        job.phase('installing-and-joining', null);
        const report = await addNode(controlPlane, sessions.slice(0, -1), node, {
          clusterName: plan.clusterName,
          channel: plan.microk8sChannel,
          onInstall: (phase, fraction) => this.#setProgress(name, phase, phase === 'ready' ? 1 : fraction),
          onJoin: (state) => this.#setProgress(name, state, null),
        });
        if (report.failures.length > 0) job.log(`${name}: joined after ${report.attempts} attempts (${report.failures.map((f) => f.kind).join(', ')})`);
        job.phase('checking', null);
        const kubeconfig = await fetchKubeconfig(controlPlane, {
          clusterName: plan.clusterName,
          server: this.options.env.kubeApiServer({ sshHost: controlPlane.target.host }),
          entryName: saved.kubeconfigName ?? saved.clusterName,
        });
        const names = sessions.map((s) => s.name);
        const listed = await waitForNodesReady(kubeconfig, names, ctx);
        const ha = await highAvailability(controlPlane);
        const nodes = names.map((n) => {
          const api = listed.find((x) => x.name === n)!;
          return { name: n, ready: api.ready, role: api.role, ...(api.internalIP ? { internalIP: api.internalIP } : {}) };
        });
        await this.options.slice.update((s) => (s.built ? { ...s, built: { ...s.built, nodes, highAvailability: ha, at: Date.now() } } : s));
        for (const n of nodes) job.log(`${n.name}: ${n.ready ? 'Ready' : 'NotReady'} (${n.role}${n.internalIP ? `, ${n.internalIP}` : ''})`);
        job.log(`${name} joined the cluster as a ${as}; ${nodes.length} nodes are Ready${ha ? '; high availability is on' : ''}.`);
        return { added: name, nodes: nodes.length, highAvailability: ha };
      } finally {
        for (const s of sessions) s.close();
        this.#progress = {}; // the node is in the cluster table now (or the job failed and says why)
      }
    });
  }

  removeNode(name: string): { jobId: string } {
    // Only the control plane (and, for a clean leave, the node) need to have been found, not every planned node.
    const plan = this.options.plans().stored();
    if (!plan) throw new AppError(ErrorCode.UNAVAILABLE, 'Save the cluster plan first.', { key: 'cluster.noPlan' });
    if (this.#jobId) throw new AppError(ErrorCode.CONFLICT, 'Another cluster job is still running: wait for it or cancel it.', { key: 'cluster.busy' });
    const saved = this.built();
    if (!saved?.nodes.some((n) => n.name === name)) throw new AppError(ErrorCode.NOT_FOUND, `${name} is not in the cluster.`, { key: 'cluster.notMember', values: { node: name } });
    if (name === saved.controlPlane) throw new AppError(ErrorCode.CONFLICT, `${name} runs the cluster's first control plane: reset the cluster instead.`, { key: 'cluster.firstControlPlane', values: { node: name } });
    const cpTarget = this.#memberTarget(plan, saved, saved.controlPlane);
    const nodeTarget = this.#memberTarget(plan, saved, name);
    if (!cpTarget) throw new AppError(ErrorCode.UNAVAILABLE, `${saved.controlPlane} has not been found (step 3).`, { key: 'cluster.notFoundYet', values: { node: saved.controlPlane } });
    return this.#start('cluster.removeNode', `Remove ${name} from the cluster`, name, async (job) => {
      this.#closeSessions();
      job.phase('connecting', null);
      const [cp] = await openAll([cpTarget], this.#login(job), this.#ctx(job));
      let node: NodeSession | undefined;
      try {
        node = nodeTarget ? (await openAll([nodeTarget], this.#login(job), this.#ctx(job)))[0] : undefined;
      } catch (error) {
        job.log(`${name} cannot be reached (${(error as Error).message}): removing it with --force.`);
      }
      job.phase('removing', null);
      try {
        await removeNode(cp!, name, node);
      } finally {
        cp?.close();
        node?.close();
      }
      await this.options.slice.update((s) => (s.built ? { ...s, built: { ...s.built, nodes: s.built.nodes.filter((n) => n.name !== name) } } : s));
      job.log(`${name} left the cluster.`);
      return { removed: name };
    });
  }

  reset(): { jobId: string } {
    const plan = this.#plan();
    if (!this.state().built) throw new AppError(ErrorCode.UNAVAILABLE, 'There is no cluster to reset yet.', { key: 'cluster.noCluster' });
    return this.#start('cluster.reset', 'Reset the cluster', undefined, async (job) => {
      this.#closeSessions();
      job.phase('connecting', null);
      const sessions = await openAll(this.#targets(plan), this.#login(job), this.#ctx(job));
      job.phase('resetting', null);
      try {
        await resetCluster(sessions);
      } finally {
        for (const s of sessions) s.close();
      }
      await this.options.slice.update(({ built: _gone, ...rest }) => rest);
      job.log('Every node is a standalone MicroK8s again.');
      return { reset: true };
    });
  }

  async kubeconfigMergePreview(): Promise<KubeconfigMergePreview> {
    const saved = this.built();
    if (!saved) throw new AppError(ErrorCode.UNAVAILABLE, 'Form the cluster first: there is no kubeconfig yet.', { key: 'cluster.noCluster' });
    return previewMerge(defaultKubeconfigPath(), await readFile(saved.kubeconfigPath, 'utf8'), saved.kubeconfigName ?? saved.clusterName);
  }

  async mergeKubeconfig(): Promise<{ path: string; backupPath?: string }> {
    const saved = this.built();
    if (!saved) throw new AppError(ErrorCode.UNAVAILABLE, 'Form the cluster first: there is no kubeconfig yet.', { key: 'cluster.noCluster' });
    const result = await mergeKubeconfig(defaultKubeconfigPath(), await readFile(saved.kubeconfigPath, 'utf8'), { clusterName: saved.kubeconfigName ?? saved.clusterName, useContext: true });
    return { path: result.path, ...(result.backupPath ? { backupPath: result.backupPath } : {}) };
  }

  #kubeconfigName(clusterName: string): string {
    return this.options.env.kubeconfigName(clusterName);
  }

  /**
   * An SSH session on a control plane of the formed cluster (the first one that answers), for
   * MicroK8s' own commands the lessons run (`microk8s enable metallb:...`). The caller closes it.
   */
  async openControlPlane(ctx: OperationContext = {}): Promise<NodeSession> {
    const plan = this.options.plans().stored();
    const saved = this.built();
    if (!plan || !saved) throw new AppError(ErrorCode.UNAVAILABLE, 'Form the cluster first (steps 4 and 5).');
    const planes = [saved.controlPlane, ...saved.nodes.filter((n) => n.role === 'control-plane' && n.name !== saved.controlPlane).map((n) => n.name)];
    let last: unknown;
    for (const name of planes) {
      const target = this.#memberTarget(plan, saved, name);
      if (!target) continue;
      try {
        const login: NodeLogin = { username: 'ubuntu', privateKeyPath: this.options.plans().key.privateKeyPath, knownHosts: this.options.findNodes().knownHosts, onNewHostKey: () => false };
        const [session] = await openAll([target], login, { pace: this.options.env.pace, ...ctx });
        return session!;
      } catch (error) {
        last = error;
      }
    }
    throw last ?? new AppError(ErrorCode.UNAVAILABLE, 'No control plane of the cluster has been found (step 3).');
  }

  /** An SSH session on one node of the formed cluster (the HA lesson's `sudo poweroff`). The caller closes it. */
  async openMember(hostname: string, ctx: OperationContext = {}): Promise<NodeSession> {
    const plan = this.options.plans().stored();
    const saved = this.built();
    if (!plan || !saved) throw new AppError(ErrorCode.UNAVAILABLE, 'Form the cluster first (steps 4 and 5).');
    const target = saved.nodes.some((n) => n.name === hostname) ? this.#memberTarget(plan, saved, hostname) : undefined;
    if (!target) throw new AppError(ErrorCode.NOT_FOUND, `${hostname} is not a node of the cluster that step 3 found.`);
    const login: NodeLogin = { username: 'ubuntu', privateKeyPath: this.options.plans().key.privateKeyPath, knownHosts: this.options.findNodes().knownHosts, onNewHostKey: () => false };
    const [session] = await openAll([target], login, { pace: this.options.env.pace, ...ctx });
    return session!;
  }

  close(): void {
    this.#closing = true;
    clearTimeout(this.#progressTimer);
    this.#closeSessions();
  }

  #plan(): StoredPlan {
    const plan = this.options.plans().stored();
    if (!plan) throw new AppError(ErrorCode.UNAVAILABLE, 'Save the cluster plan first.', { key: 'cluster.noPlan' });
    const missing = this.options.findNodes().state().missing;
    if (missing.length > 0) throw new AppError(ErrorCode.UNAVAILABLE, `Find every node first (step 3): ${missing.join(', ')} not found yet.`, { key: 'cluster.findEveryNode', values: { nodes: missing.join(', '), count: missing.length } });
    if (this.#jobId) throw new AppError(ErrorCode.CONFLICT, 'Another cluster job is still running: wait for it or cancel it.', { key: 'cluster.busy' });
    return plan;
  }

  /** Where to reach a planned node or cluster member (its role from the plan, else from the cluster); undefined when it has not been found. */
  #memberTarget(plan: StoredPlan, cluster: Built, hostname: string): NodeTarget | undefined {
    const at: FoundNode | undefined = this.options.findNodes().found()[hostname];
    const planned = plan.nodes.find((n) => n.hostname === hostname);
    const role = planned?.role ?? cluster.nodes.find((n) => n.name === hostname)?.role;
    if (!at || !role) return undefined;
    return { hostname, role, host: at.address, port: at.port, ...(planned?.address ? { address: planned.address } : {}) };
  }

  /** Where to reach each node: the first control plane first; the node reports its own LAN address. */
  #targets(plan: StoredPlan): NodeTarget[] {
    const found = this.options.findNodes().found();
    const controlPlane = plan.nodes.find((n) => n.role === 'control-plane');
    const ordered = controlPlane ? [controlPlane, ...plan.nodes.filter((n) => n !== controlPlane)] : plan.nodes;
    return ordered.map((n) => {
      const at = found[n.hostname];
      if (!at) throw new AppError(ErrorCode.UNAVAILABLE, `${n.hostname} has not been found yet (step 3).`, { key: 'cluster.notFoundYet', values: { node: n.hostname } });
      return { hostname: n.hostname, role: n.role, host: at.address, port: at.port, ...(n.address ? { address: n.address } : {}) };
    });
  }

  #login(job: JobContext): NodeLogin {
    return {
      username: 'ubuntu',
      privateKeyPath: this.options.plans().key.privateKeyPath,
      knownHosts: this.options.findNodes().knownHosts,
      onNewHostKey: (key, blob) => this.options.findNodes().acceptNewHostKey(key, blob, (line) => job.log(line)),
    };
  }

  #ctx(job: JobContext): OperationContext {
    return { signal: job.signal, log: (line) => job.log(line), pace: this.options.env.pace };
  }

  #setChecks(checks: PreflightCheck[]): void {
    this.#checks = checks;
    this.#preflight = { checks: checks.map(checkView), ok: checks.every((c) => c.status !== 'fail'), at: Date.now() };
    this.options.onChange(this.state());
  }

  #start(kind: JobKind, title: string, subject: string | undefined, run: (job: JobContext) => Promise<unknown>): { jobId: string } {
    this.#progress = {};
    const job = this.options.jobs.start({ kind, title, ...(subject ? { subject } : {}), run: (ctx) => run(ctx).catch((error: unknown) => Promise.reject(this.#jobError(error))) });
    this.#jobId = job.id;
    void this.options.jobs.settled(job.id).then(() => {
      if (this.#jobId === job.id) this.#jobId = undefined;
      this.options.onChange(this.state());
    });
    this.options.onChange(this.state());
    return { jobId: job.id };
  }

  /**
   * The install ended before every node was done: the node it failed on says failed, the others
   * that were still on their way say stopped (never "checking" or "installing" for ever).
   */
  #stopStages(error: unknown): void {
    const node = error instanceof ClusterError ? error.node : undefined;
    const done = new Set<NodeStage>(['ready', 'member', 'joined', 'failed']);
    for (const [name, p] of Object.entries(this.#progress)) {
      if (!done.has(p.stage)) this.#progress[name] = { stage: name === node ? 'failed' : 'stopped', fraction: null };
    }
    this.options.onChange(this.state());
  }

  /** Records a node's stage; the window hears of it at most four times a second. */
  #setProgress(node: string, stage: NodeStage, fraction: number | null): void {
    this.#progress[node] = { stage, fraction: fraction === null ? null : Math.min(1, Math.max(0, fraction)) };
    this.#progressTimer ??= setTimeout(() => {
      this.#progressTimer = undefined;
      this.options.onChange(this.state());
    }, 250);
  }

  /**
   * Cluster errors as the job's error envelope: a changed host key is also handed to "Boot &
   * discover" so the window asks the user about it; known failures keep their explanation.
   */
  #jobError(error: unknown): unknown {
    if (error instanceof SshError) return this.#jobError(new ClusterError(error.code === 'ABORTED' ? 'CANCELLED' : 'SSH', error.message, undefined, error.code, error));
    if (!(error instanceof ClusterError)) return error;
    if (error.sshError?.hostKeyChange) this.options.findNodes().reportHostKeyChange(error.sshError.hostKeyChange);
    const bySsh: Partial<Record<string, ErrorCode>> = {
      HOST_KEY_CHANGED: ErrorCode.HOST_KEY_CHANGED,
      HOST_KEY_NOT_PREPARED: ErrorCode.HOST_KEY_NOT_PREPARED,
      HOST_KEY_UNCONFIRMED: ErrorCode.HOST_KEY_UNCONFIRMED,
      HOST_UNREACHABLE: ErrorCode.UNAVAILABLE,
      TIMEOUT: ErrorCode.UNAVAILABLE,
      CONNECTION_LOST: ErrorCode.UNAVAILABLE,
    };
    const code = error.code === 'CANCELLED' ? ErrorCode.CANCELLED : ((error.sshCode && bySsh[error.sshCode]) ?? ErrorCode.FAILED);
    return new AppError(code, error.message, { cause: error });
  }

  #closeSessions(): void {
    for (const s of this.#sessions) s.close();
    this.#sessions = [];
  }
}
