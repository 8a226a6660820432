/**
 * Steps 4 and 5 in the app: preflight (with one-click fixes), then install + join as one job,
 * over SSH to the nodes "Boot & discover" found. Uses the cluster key and the host keys pinned
 * during discovery; in practice mode waits run on the lab clock and the kubeconfig points at
 * the lab's Kubernetes API.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { ClusterState, NodeProgress, NodeStage } from '../../preload/contract/cluster';
import { ErrorCode } from '../../preload/contract/errors';
import type { StoredPlan } from '../../preload/contract/plan';
import { buildCluster } from '../cluster/build-cluster';
import { ClusterError } from '../cluster/cluster-errors';
import { SshError } from '../ssh/ssh-errors';
import { waitForNodesReady } from '../cluster/cluster-api';
import { addNode, removeNode, resetCluster } from '../cluster/change-cluster';
import { highAvailability } from '../cluster/form-cluster';
import { defaultKubeconfigPath, fetchKubeconfig, mergeKubeconfig } from '../cluster/kubeconfig';
import { deadlineAfter, openAll, realPace } from '../cluster/node-session';
import type { NodeLogin, NodeSession, NodeTarget, OperationContext } from '../cluster/node-session';
import { checkView, runPreflight } from '../cluster/preflight';
import type { PreflightCheck } from '../cluster/preflight';
import type { FindNodesService } from '../find-nodes/find-nodes-service';
import type { JobContext, JobManager } from '../jobs/job-manager';
import type { PlanService } from '../plan/plan-service';
import type { PracticeService } from '../practice/practice-service';
import { AppError } from '../router/app-error';
import type { StateStore } from '../state/state-store';

const BUILT_KEY = 'clusterBuilt';
/** Set while an install + join job runs; still there at start-up means the app closed mid-job. */
const RUNNING_KEY = 'clusterBuildRunning';
const running = z.object({ startedAt: z.number() });
/** Where the cards step keeps each node's last card report (records.cardReports, by hostname). */
const CARD_REPORTS_KEY = 'cardReports';
const built = z.object({
  controlPlane: z.string(),
  nodes: z.array(z.object({ name: z.string(), ready: z.boolean(), role: z.enum(['control-plane', 'worker']), internalIP: z.string().optional() })),
  highAvailability: z.boolean(),
  kubeconfigPath: z.string(),
  at: z.number(),
});

export interface ClusterServiceOptions {
  store: StateStore;
  jobs: JobManager;
  plans: PlanService;
  findNodes: FindNodesService;
  practice: PracticeService;
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

  state(): ClusterState {
    const saved = built.safeParse(this.options.store.state.records[BUILT_KEY]);
    return {
      ...(this.#jobId ? { jobId: this.#jobId } : {}),
      ...(Object.keys(this.#progress).length > 0 ? { progress: { ...this.#progress } } : {}),
      ...(this.#preflight ? { preflight: this.#preflight } : {}),
      ...(saved.success ? { built: saved.data, notInCluster: this.#notInCluster(saved.data) } : {}),
    };
  }

  /** The planned nodes the formed cluster does not have, with what the earlier steps know about them. */
  #notInCluster(cluster: z.infer<typeof built>): NonNullable<ClusterState['notInCluster']> {
    const plan = this.options.plans.stored();
    if (!plan) return [];
    const found = this.options.findNodes.found();
    const reports = this.options.store.state.records[CARD_REPORTS_KEY];
    const prepared = (name: string) => typeof reports === 'object' && reports !== null && name in reports;
    return plan.nodes
      .filter((n) => !cluster.nodes.some((m) => m.name === n.hostname))
      .map((n) => {
        const at = found[n.hostname];
        return { name: n.hostname, role: n.role, cardPrepared: prepared(n.hostname), ...(at ? { found: { address: at.address, port: at.port } } : {}) };
      });
  }

  preflight(): { jobId: string } {
    const plan = this.#plan();
    return this.#start('cluster.preflight', 'Check every node before installing', undefined, async (job) => {
      this.#closeSessions();
      this.#sessions = await openAll(this.#targets(plan), this.#login(job), this.#ctx(job));
      job.phase('checking', null);
      const report = await runPreflight(this.#sessions, { clusterName: plan.clusterName, release: plan.ubuntuRelease, channel: plan.microk8sChannel });
      this.#setChecks(report.checks);
      return { ok: report.ok };
    });
  }

  fix(node: string, id: string): { jobId: string } {
    const check = this.#checks.find((c) => c.node === node && c.id === id);
    if (!check?.fix) throw new AppError(ErrorCode.NOT_FOUND, `There is no fix for "${id}" on ${node}: run the checks again first.`);
    const fix = check.fix;
    return this.#start('cluster.fix', `Fix ${id} on ${node}`, node, async (job) => {
      job.log(`${node}: ${fix.description}`);
      const again = await fix.run();
      this.#setChecks(this.#checks.map((c) => (c === check ? again : c)));
      job.log(`${node}: ${id} is now ${again.status}${again.problem ? ` (${again.problem})` : ''}`);
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
      throw new AppError(ErrorCode.CONFLICT, `Fix the failed checks first: ${failed.map((c) => `${c.id} on ${c.node}`).join(', ')}.`);
    }
    return this.#start('cluster.build', 'Install MicroK8s and form the cluster', undefined, async (job) => {
      const startedAt = options.resumedFrom ?? Date.now();
      await this.options.store.update((s) => ({ ...s, records: { ...s.records, [RUNNING_KEY]: { startedAt } } }));
      try {
        return await this.#buildJob(job, plan, options.resumedFrom);
      } finally {
        // Closing the app aborts the job but keeps the mark, so the next start picks it up.
        if (!this.#closing) await this.options.store.update((s) => ({ ...s, records: Object.fromEntries(Object.entries(s.records).filter(([k]) => k !== RUNNING_KEY)) }));
      }
    });
  }

  /** Starts the install + join again if the app was closed while it ran; returns its job id. */
  resumeInterrupted(): string | undefined {
    const mark = running.safeParse(this.options.store.state.records[RUNNING_KEY]);
    if (!mark.success) return undefined;
    try {
      return this.build({ resumedFrom: mark.data.startedAt }).jobId;
    } catch {
      // The plan or the found nodes changed since: the user starts again from the Install step.
      void this.options.store.update((s) => ({ ...s, records: Object.fromEntries(Object.entries(s.records).filter(([k]) => k !== RUNNING_KEY)) }));
      return undefined;
    }
  }

  async #buildJob(job: JobContext, plan: StoredPlan, resumedFrom: number | undefined): Promise<unknown> {
    if (resumedFrom !== undefined) {
      job.log(`The app was closed while this job ran (started ${new Date(resumedFrom).toISOString()}). Picking up from each node's real state: what is already installed or joined is kept.`);
    }
    const pace = this.#ctx(job).pace ?? realPace;
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
    const result = await buildCluster({
      plan,
      targets: this.#targets(plan),
      login: this.#login(job),
      dataDir: this.options.store.dataDir,
      ctx: this.#ctx(job),
      ...this.#practiceApiServer(plan),
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
    const record = {
      controlPlane: result.controlPlane,
      nodes: result.nodes.map((n) => ({ name: n.name, ready: n.ready, role: n.role, ...(n.internalIP ? { internalIP: n.internalIP } : {}) })),
      highAvailability: result.highAvailability,
      kubeconfigPath: result.kubeconfigPath,
      at: Date.now(),
    };
    await this.options.store.update((s) => ({ ...s, records: { ...s.records, [BUILT_KEY]: record }, steps: { ...s.steps, install: 'done', cluster: 'done' } }));
    job.log(`Every node is Ready${result.highAvailability ? '; high availability is on' : ''}. kubeconfig: ${result.kubeconfigPath}`);
    return { nodes: record.nodes.length, highAvailability: record.highAvailability };
  }

  /**
   * Adds a planned node to the formed cluster: installs MicroK8s on it, writes hosts entries on
   * every node, joins it as its planned role, then records it as the Kubernetes API lists it.
   * Only the control plane, the members and the new node need to have been found.
   */
  addNode(name: string): { jobId: string } {
    const plan = this.options.plans.stored();
    if (!plan) throw new AppError(ErrorCode.UNAVAILABLE, 'Save the cluster plan first.');
    const saved = this.state().built;
    if (!saved) throw new AppError(ErrorCode.UNAVAILABLE, `There is no cluster to add ${name} to yet: form the cluster first (steps 4 and 5).`);
    const planned = plan.nodes.find((n) => n.hostname === name);
    if (!planned) throw new AppError(ErrorCode.NOT_FOUND, `${name} is not in the plan: add it in step 1 and prepare its card first.`);
    if (saved.nodes.some((n) => n.name === name)) throw new AppError(ErrorCode.CONFLICT, `${name} is already in the cluster.`);
    if (this.#jobId) throw new AppError(ErrorCode.CONFLICT, 'Another cluster job is still running: wait for it or cancel it.');
    const found = this.options.findNodes.found();
    if (!found[name]) throw new AppError(ErrorCode.UNAVAILABLE, `${name} has not been found yet: power it on and search in step 3.`);
    const members = [saved.controlPlane, ...saved.nodes.map((n) => n.name).filter((n) => n !== saved.controlPlane)];
    const lost = members.filter((m) => !found[m]);
    if (lost.length > 0) {
      throw new AppError(ErrorCode.UNAVAILABLE, `${lost.join(', ')} ${lost.length === 1 ? 'is' : 'are'} in the cluster but not found: search in step 3 so every node can get hosts entries for ${name}.`);
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
        job.phase('installing and joining', null);
        const report = await addNode(controlPlane, sessions.slice(0, -1), node, {
          clusterName: plan.clusterName,
          channel: plan.microk8sChannel,
          onInstall: (phase, fraction) => this.#setProgress(name, phase, phase === 'ready' ? 1 : fraction),
          onJoin: (state) => this.#setProgress(name, state, null),
        });
        if (report.failures.length > 0) job.log(`${name}: joined after ${report.attempts} attempts (${report.failures.map((f) => f.kind).join(', ')})`);
        job.phase('checking', null);
        const apiServer = this.options.practice.kubeApiUrl(targets[0]!.host);
        const kubeconfig = await fetchKubeconfig(controlPlane, { clusterName: plan.clusterName, ...(apiServer ? { server: apiServer } : {}) });
        const names = sessions.map((s) => s.name);
        const listed = await waitForNodesReady(kubeconfig, names, ctx);
        const ha = await highAvailability(controlPlane);
        const nodes = names.map((n) => {
          const api = listed.find((x) => x.name === n)!;
          return { name: n, ready: api.ready, role: api.role, ...(api.internalIP ? { internalIP: api.internalIP } : {}) };
        });
        await this.options.store.update((s) => {
          const record = built.parse(s.records[BUILT_KEY]);
          return { ...s, records: { ...s.records, [BUILT_KEY]: { ...record, nodes, highAvailability: ha, at: Date.now() } } };
        });
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
    const plan = this.options.plans.stored();
    if (!plan) throw new AppError(ErrorCode.UNAVAILABLE, 'Save the cluster plan first.');
    if (this.#jobId) throw new AppError(ErrorCode.CONFLICT, 'Another cluster job is still running: wait for it or cancel it.');
    const saved = this.state().built;
    if (!saved?.nodes.some((n) => n.name === name)) throw new AppError(ErrorCode.NOT_FOUND, `${name} is not in the cluster.`);
    if (name === saved.controlPlane) throw new AppError(ErrorCode.CONFLICT, `${name} runs the cluster's first control plane: reset the cluster instead.`);
    const cpTarget = this.#memberTarget(plan, saved, saved.controlPlane);
    const nodeTarget = this.#memberTarget(plan, saved, name);
    if (!cpTarget) throw new AppError(ErrorCode.UNAVAILABLE, `${saved.controlPlane} has not been found (step 3).`);
    return this.#start('cluster.removeNode', `Remove ${name} from the cluster`, name, async (job) => {
      this.#closeSessions();
      const [cp] = await openAll([cpTarget], this.#login(job), this.#ctx(job));
      let node: NodeSession | undefined;
      try {
        node = nodeTarget ? (await openAll([nodeTarget], this.#login(job), this.#ctx(job)))[0] : undefined;
      } catch (error) {
        job.log(`${name} cannot be reached (${(error as Error).message}): removing it with --force.`);
      }
      try {
        await removeNode(cp!, name, node);
      } finally {
        cp?.close();
        node?.close();
      }
      await this.options.store.update((s) => {
        const record = built.parse(s.records[BUILT_KEY]);
        return { ...s, records: { ...s.records, [BUILT_KEY]: { ...record, nodes: record.nodes.filter((n) => n.name !== name) } } };
      });
      job.log(`${name} left the cluster.`);
      return { removed: name };
    });
  }

  reset(): { jobId: string } {
    const plan = this.#plan();
    if (!this.state().built) throw new AppError(ErrorCode.UNAVAILABLE, 'There is no cluster to reset yet.');
    return this.#start('cluster.reset', 'Reset the cluster', undefined, async (job) => {
      this.#closeSessions();
      const sessions = await openAll(this.#targets(plan), this.#login(job), this.#ctx(job));
      try {
        await resetCluster(sessions);
      } finally {
        for (const s of sessions) s.close();
      }
      await this.options.store.update((s) => {
        const { [BUILT_KEY]: _gone, ...records } = s.records;
        return { ...s, records, steps: { ...s.steps, cluster: 'not-started' } };
      });
      job.log('Every node is a standalone MicroK8s again.');
      return { reset: true };
    });
  }

  async mergeKubeconfig(): Promise<{ path: string; backupPath?: string }> {
    const saved = this.state().built;
    if (!saved) throw new AppError(ErrorCode.UNAVAILABLE, 'Form the cluster first: there is no kubeconfig yet.');
    const result = await mergeKubeconfig(defaultKubeconfigPath(), await readFile(saved.kubeconfigPath, 'utf8'), { useContext: true });
    return { path: result.path, ...(result.backupPath ? { backupPath: result.backupPath } : {}) };
  }

  close(): void {
    this.#closing = true;
    clearTimeout(this.#progressTimer);
    this.#closeSessions();
  }

  #plan(): StoredPlan {
    const plan = this.options.plans.stored();
    if (!plan) throw new AppError(ErrorCode.UNAVAILABLE, 'Save the cluster plan first.');
    const missing = this.options.findNodes.state().missing;
    if (missing.length > 0) throw new AppError(ErrorCode.UNAVAILABLE, `Find every node first (step 3): ${missing.join(', ')} not found yet.`);
    if (this.#jobId) throw new AppError(ErrorCode.CONFLICT, 'Another cluster job is still running: wait for it or cancel it.');
    return plan;
  }

  /** Where to reach a planned node or cluster member (its role from the plan, else from the cluster); undefined when it has not been found. */
  #memberTarget(plan: StoredPlan, cluster: z.infer<typeof built>, hostname: string): NodeTarget | undefined {
    const at = this.options.findNodes.found()[hostname];
    const planned = plan.nodes.find((n) => n.hostname === hostname);
    const role = planned?.role ?? cluster.nodes.find((n) => n.name === hostname)?.role;
    if (!at || !role) return undefined;
    return { hostname, role, host: at.address, port: at.port, ...(planned?.address ? { address: planned.address } : {}) };
  }

  /** In practice mode: the lab API of the plan's first control plane (the Pi the app reaches at its found address). */
  #practiceApiServer(plan: StoredPlan): { apiServer?: string } {
    const first = this.#targets(plan)[0];
    const url = first ? this.options.practice.kubeApiUrl(first.host) : undefined;
    return url ? { apiServer: url } : {};
  }

  /** Where to reach each node: the first control plane first; the node reports its own LAN address. */
  #targets(plan: StoredPlan): NodeTarget[] {
    const found = this.options.findNodes.found();
    const controlPlane = plan.nodes.find((n) => n.role === 'control-plane');
    const ordered = controlPlane ? [controlPlane, ...plan.nodes.filter((n) => n !== controlPlane)] : plan.nodes;
    return ordered.map((n) => {
      const at = found[n.hostname];
      if (!at) throw new AppError(ErrorCode.UNAVAILABLE, `${n.hostname} has not been found yet (step 3).`);
      return { hostname: n.hostname, role: n.role, host: at.address, port: at.port, ...(n.address ? { address: n.address } : {}) };
    });
  }

  #login(job: JobContext): NodeLogin {
    return {
      username: 'ubuntu',
      privateKeyPath: this.options.plans.key.privateKeyPath,
      knownHosts: this.options.findNodes.knownHosts,
      onNewHostKey: (key) => this.options.findNodes.acceptNewHostKey(key, (line) => job.log(line)),
    };
  }

  #ctx(job: JobContext): OperationContext {
    return { signal: job.signal, log: (line) => job.log(line), pace: this.options.practice.labClock() ?? realPace };
  }

  #setChecks(checks: PreflightCheck[]): void {
    this.#checks = checks;
    this.#preflight = { checks: checks.map(checkView), ok: checks.every((c) => c.status !== 'fail'), at: Date.now() };
    this.options.onChange(this.state());
  }

  #start(kind: string, title: string, subject: string | undefined, run: (job: JobContext) => Promise<unknown>): { jobId: string } {
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
    if (error.sshError?.hostKeyChange) this.options.findNodes.reportHostKeyChange(error.sshError.hostKeyChange);
    const code =
      error.code === 'CANCELLED'
        ? ErrorCode.CANCELLED
        : error.sshCode === 'HOST_KEY_CHANGED'
          ? ErrorCode.HOST_KEY_CHANGED
          : error.sshCode === 'HOST_UNREACHABLE' || error.sshCode === 'TIMEOUT' || error.sshCode === 'CONNECTION_LOST'
            ? ErrorCode.UNAVAILABLE
            : ErrorCode.FAILED;
    return new AppError(code, error.message);
  }

  #closeSessions(): void {
    for (const s of this.#sessions) s.close();
    this.#sessions = [];
  }
}
