/**
 * Steps 4 and 5 in the app: preflight (with one-click fixes), then install + join as one job,
 * over SSH to the nodes "Boot & discover" found. Uses the cluster key and the host keys pinned
 * during discovery; in practice mode waits run on the lab clock and the kubeconfig points at
 * the lab's Kubernetes API.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { ClusterState } from '../../preload/contract/cluster';
import { ErrorCode } from '../../preload/contract/errors';
import type { StoredPlan } from '../../preload/contract/plan';
import { buildCluster } from '../cluster/build-cluster';
import { removeNode, resetCluster } from '../cluster/change-cluster';
import { defaultKubeconfigPath, mergeKubeconfig } from '../cluster/kubeconfig';
import { openAll, realPace } from '../cluster/node-session';
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
  #checks: PreflightCheck[] = [];
  #preflight: ClusterState['preflight'];
  /** Sessions kept open after preflight so its fixes can run. */
  #sessions: NodeSession[] = [];

  constructor(private readonly options: ClusterServiceOptions) {}

  state(): ClusterState {
    const saved = built.safeParse(this.options.store.state.records[BUILT_KEY]);
    return {
      ...(this.#jobId ? { jobId: this.#jobId } : {}),
      ...(this.#preflight ? { preflight: this.#preflight } : {}),
      ...(saved.success ? { built: saved.data } : {}),
    };
  }

  preflight(): { jobId: string } {
    const plan = this.#plan();
    return this.#start('cluster.preflight', 'Check every node before installing', async (job) => {
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
    return this.#start('cluster.fix', `Fix ${id} on ${node}`, async (job) => {
      job.log(`${node}: ${fix.description}`);
      const again = await fix.run();
      this.#setChecks(this.#checks.map((c) => (c === check ? again : c)));
      job.log(`${node}: ${id} is now ${again.status}${again.problem ? ` (${again.problem})` : ''}`);
      return { status: again.status };
    });
  }

  build(): { jobId: string } {
    const plan = this.#plan();
    const failed = this.#preflight?.checks.filter((c) => c.status === 'fail') ?? [];
    if (failed.length > 0) {
      throw new AppError(ErrorCode.CONFLICT, `Fix the failed checks first: ${failed.map((c) => `${c.id} on ${c.node}`).join(', ')}.`);
    }
    return this.#start('cluster.build', 'Install MicroK8s and form the cluster', async (job) => {
      this.#closeSessions();
      const result = await buildCluster({
        plan,
        targets: this.#targets(plan),
        login: this.#login(job),
        dataDir: this.options.store.dataDir,
        ctx: this.#ctx(job),
        ...(this.options.practice.kubeApiUrl() ? { apiServer: this.options.practice.kubeApiUrl() } : {}),
        onPhase: (phase, progress) => job.phase(phase, progress),
        onNodeInstall: (node, phase) => job.log(`${node}: ${phase}`),
        onNodeJoin: (node, state) => job.log(`${node}: ${typeof state === 'string' ? state : JSON.stringify(state)}`),
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
    });
  }

  removeNode(name: string): { jobId: string } {
    const plan = this.#plan();
    const saved = this.state().built;
    if (!saved?.nodes.some((n) => n.name === name)) throw new AppError(ErrorCode.NOT_FOUND, `${name} is not in the cluster.`);
    if (name === saved.controlPlane) throw new AppError(ErrorCode.CONFLICT, `${name} runs the cluster's first control plane: reset the cluster instead.`);
    const targets = this.#targets(plan);
    const cpTarget = targets.find((t) => t.hostname === saved.controlPlane);
    const nodeTarget = targets.find((t) => t.hostname === name);
    if (!cpTarget) throw new AppError(ErrorCode.UNAVAILABLE, `${saved.controlPlane} has not been found (step 3).`);
    return this.#start('cluster.removeNode', `Remove ${name} from the cluster`, async (job) => {
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
    return this.#start('cluster.reset', 'Reset the cluster', async (job) => {
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
      onNewHostKey: (key) => {
        job.log(`First contact with ${key.host}: trusting its host key ${key.fingerprint}.`);
        return true;
      },
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

  #start(kind: string, title: string, run: (job: JobContext) => Promise<unknown>): { jobId: string } {
    const job = this.options.jobs.start({ kind, title, run });
    this.#jobId = job.id;
    void this.options.jobs.settled(job.id).then(() => {
      if (this.#jobId === job.id) this.#jobId = undefined;
      this.options.onChange(this.state());
    });
    this.options.onChange(this.state());
    return { jobId: job.id };
  }

  #closeSessions(): void {
    for (const s of this.#sessions) s.close();
    this.#sessions = [];
  }
}
