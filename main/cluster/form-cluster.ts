/**
 * Forming the cluster, as the tutorial does by hand: every node's name in every node's
 * /etc/hosts; for each joining node a fresh single-use token from the first control plane
 * (`microk8s add-node --format json`) and `microk8s join <ip>:25000/<token>/<check> [--worker]`;
 * control planes one at a time, each waited for until Ready (HA with three), workers in
 * parallel. A failed join is explained from MicroK8s' text, cleaned up (`remove-node --force` on
 * the control plane, `leave` on the node) and retried once with a new token. Nodes already in
 * the cluster are skipped, so a second run resumes. Done when every node is Ready through the
 * Kubernetes API.
 */
import { command } from '../ssh/shell-quote';
import { waitForNodesReady, type ApiNode } from './cluster-api';
import { ClusterError } from './cluster-errors';
import { ensureHostsEntries, type HostEntry } from './hosts-file';
import { explainJoinFailure, JoinError, type JoinFailure } from './join-errors';
import { fetchKubeconfig } from './kubeconfig';
import { isWorkerNotice, parseAddNodeJson, parseGetNodes, parseStatus, type AddNodeToken } from './microk8s-output';
import { gatherFacts } from './node-facts';
import { deadlineAfter, type NodeSession } from './node-session';

export interface FormOptions {
  clusterName: string;
  /** The API server URL this computer reaches; default MicroK8s' own (https://<first control plane>:16443). */
  apiServer?: string;
  /** The name of the kubeconfig's cluster, user (+ `-admin`) and context; default the cluster's name. */
  kubeconfigName?: string;
  /** Pace time to wait for each node to become Ready. Default 10 minutes. */
  readyTimeoutMs?: number;
  onNodeState?: (node: string, state: JoinState) => void;
}

export type JoinState = 'member' | 'joining' | 'waiting-ready' | 'joined' | 'retrying' | 'failed';

export interface JoinReport {
  node: string;
  /** Already in the cluster before this run. */
  alreadyMember: boolean;
  attempts: number;
  /** Every failed attempt, explained. */
  failures: JoinFailure[];
}

export interface FormResult {
  controlPlane: string;
  /** The nodes as the Kubernetes API lists them, all Ready. */
  nodes: ApiNode[];
  highAvailability: boolean;
  joins: JoinReport[];
  /** The renamed kubeconfig (save it with saveClusterKubeconfig). */
  kubeconfig: string;
}

export interface JoinOptions {
  /** For the hosts block written when the control plane cannot resolve the node. */
  clusterName: string;
  /** A token to try first (e.g. one the user pasted); later attempts get fresh ones. */
  token?: string;
  readyTimeoutMs?: number;
  onState?: (state: JoinState) => void;
}

/** Addresses the join needs: the node's and the control plane's LAN addresses. */
export interface JoinAddresses {
  node: string;
  controlPlane: string;
}

const MAX_ATTEMPTS = 2;
/** "Wait" failures (agent not up yet, datastore busy) get a few more tries. */
const MAX_WAIT_ATTEMPTS = 4;

/** The Kubernetes node list as the control plane's `microk8s kubectl get nodes` shows it. */
export async function clusterNodes(controlPlane: NodeSession): Promise<ReturnType<typeof parseGetNodes>> {
  const r = await controlPlane.run('microk8s kubectl get nodes', { sudo: true, quiet: true, timeoutMs: 60_000 });
  return r.code === 0 ? parseGetNodes(r.stdout) : [];
}

export async function addNodeToken(controlPlane: NodeSession): Promise<AddNodeToken> {
  const r = await controlPlane.run('microk8s add-node --format json', { sudo: true, quiet: true, timeoutMs: 120_000 });
  const token = r.code === 0 ? parseAddNodeJson(r.stdout) : undefined;
  if (!token) throw new ClusterError('COMMAND_FAILED', `microk8s add-node failed on ${controlPlane.name}: ${(r.stderr || r.stdout).trim()}`, controlPlane.name, undefined, undefined, { node: controlPlane.name, exit: r.code ?? -1, detail: (r.stderr || r.stdout).trim().split('\n').pop() ?? '' });
  controlPlane.log('$ sudo microk8s add-node --format json  (new single-use token)');
  return token;
}

/** Waits until the control plane lists `name` as Ready. */
export async function waitNodeReady(controlPlane: NodeSession, name: string, timeoutMs = 600_000): Promise<void> {
  const deadline = deadlineAfter(controlPlane.pace, timeoutMs);
  for (;;) {
    const node = (await clusterNodes(controlPlane)).find((n) => n.name === name);
    if (node?.ready) return;
    if (deadline.passed()) {
      throw new ClusterError('NODE_NOT_READY', `${name} joined but is ${node ? node.status : 'not listed'} after ${Math.round(timeoutMs / 60_000)} minutes. Run "sudo microk8s inspect" on it; a missing memory cgroup is the usual cause.`, name, undefined, undefined, { node: name, status: node ? node.status : '', minutes: Math.round(timeoutMs / 60_000) });
    }
    await controlPlane.pace.sleep(5_000, controlPlane.ctx.signal);
  }
}

/** Undo what a failed join may have left: the Node on the control plane, the membership on the node. */
async function cleanUpFailedJoin(controlPlane: NodeSession, node: NodeSession): Promise<void> {
  if ((await clusterNodes(controlPlane)).some((n) => n.name === node.name)) {
    await controlPlane.run(command(['microk8s', 'remove-node', node.name, '--force']), { sudo: true, timeoutMs: 300_000 });
  }
  const status = await node.run('microk8s status', { sudo: true, quiet: true, timeoutMs: 60_000 });
  if (isWorkerNotice(status.stdout)) await node.run('microk8s leave', { sudo: true, timeoutMs: 900_000 });
}

/** Joins one node to the control plane's cluster (worker or control plane by its role), with the retry policy above. */
export async function joinNode(controlPlane: NodeSession, node: NodeSession, addresses: JoinAddresses, options: JoinOptions): Promise<JoinReport> {
  const worker = node.target.role === 'worker';
  const report: JoinReport = { node: node.name, alreadyMember: false, attempts: 0, failures: [] };
  const context = { node: node.name, nodeAddress: addresses.node, controlPlane: controlPlane.name, controlPlaneAddress: addresses.controlPlane };
  let given = options.token;
  for (;;) {
    report.attempts++;
    options.onState?.('joining');
    const token = given ?? (await addNodeToken(controlPlane)).token;
    given = undefined;
    const target = `${addresses.controlPlane}:25000/${token}`;
    const argv = ['microk8s', 'join', target, ...(worker ? ['--worker'] : [])];
    const masked = `microk8s join ${addresses.controlPlane}:25000/********${token.includes('/') ? `/${token.split('/')[1]}` : ''}${worker ? ' --worker' : ''}`;
    const r = await node.run(command(argv), { sudo: true, show: masked, timeoutMs: 900_000 });
    if (r.code === 0) {
      options.onState?.('waiting-ready');
      await waitNodeReady(controlPlane, node.name, options.readyTimeoutMs);
      options.onState?.('joined');
      node.log(`joined the cluster as a ${worker ? 'worker' : 'control plane'} and is Ready`);
      return report;
    }
    const failure = explainJoinFailure(r.stdout + r.stderr, context);
    report.failures.push(failure);
    node.log(`join failed (${failure.kind}): ${failure.explanation}`);
    await cleanUpFailedJoin(controlPlane, node);
    const limit = failure.retry === 'wait' ? MAX_WAIT_ATTEMPTS : MAX_ATTEMPTS;
    if (failure.retry === 'no' || report.attempts >= limit) {
      options.onState?.('failed');
      throw new JoinError(failure, node.name);
    }
    options.onState?.('retrying');
    if (failure.retry === 'fix-hosts') await ensureHostsEntries(controlPlane, [{ hostname: node.name, address: addresses.node }], options.clusterName);
    if (failure.retry === 'wait') await controlPlane.pace.sleep(30_000, controlPlane.ctx.signal);
  }
}

/** Every node's name and LAN address, as the nodes report them. */
export async function hostEntries(sessions: readonly NodeSession[]): Promise<HostEntry[]> {
  const facts = await Promise.all(sessions.map((s) => gatherFacts(s)));
  return sessions.map((s, i) => ({ hostname: s.name, address: facts[i]!.address }));
}

export async function highAvailability(controlPlane: NodeSession): Promise<boolean> {
  const r = await controlPlane.run('microk8s status', { sudo: true, quiet: true, timeoutMs: 60_000 });
  return parseStatus(r.stdout).highAvailability;
}

export async function formCluster(sessions: readonly NodeSession[], options: FormOptions): Promise<FormResult> {
  const controlPlane = sessions.find((s) => s.target.role === 'control-plane');
  if (!controlPlane) throw new ClusterError('NO_CONTROL_PLANE', 'The plan has no control-plane node; make one node the control plane.');
  const entries = await hostEntries(sessions);
  await Promise.all(sessions.map((s) => ensureHostsEntries(s, entries, options.clusterName)));
  const address = (s: NodeSession) => entries.find((e) => e.hostname === s.name)!.address;
  const members = new Set((await clusterNodes(controlPlane)).map((n) => n.name));
  options.onNodeState?.(controlPlane.name, 'member'); // the first control plane is the cluster
  const joins: JoinReport[] = [];
  const join = async (node: NodeSession): Promise<void> => {
    if (members.has(node.name)) {
      node.log('already in the cluster');
      options.onNodeState?.(node.name, 'member');
      joins.push({ node: node.name, alreadyMember: true, attempts: 0, failures: [] });
      return;
    }
    joins.push(
      await joinNode(controlPlane, node, { node: address(node), controlPlane: address(controlPlane) }, { clusterName: options.clusterName, readyTimeoutMs: options.readyTimeoutMs, onState: (s) => options.onNodeState?.(node.name, s) }),
    );
  };
  const others = sessions.filter((s) => s !== controlPlane);
  for (const cp of others.filter((s) => s.target.role === 'control-plane')) await join(cp);
  const workers = await Promise.allSettled(others.filter((s) => s.target.role === 'worker').map(join));
  const failed = workers.find((w): w is PromiseRejectedResult => w.status === 'rejected');
  if (failed) throw failed.reason;

  const kubeconfig = await fetchKubeconfig(controlPlane, { clusterName: options.clusterName, server: options.apiServer, ...(options.kubeconfigName ? { entryName: options.kubeconfigName } : {}) });
  const names = sessions.map((s) => s.name);
  const nodes = await waitForNodesReady(kubeconfig, names, controlPlane.ctx, options.readyTimeoutMs);
  const ha = await highAvailability(controlPlane);
  controlPlane.log(`cluster ${options.clusterName}: ${names.length} node(s) Ready in the Kubernetes API; high availability: ${ha ? 'yes' : 'no'}`);
  return { controlPlane: controlPlane.name, nodes: nodes.filter((n) => names.includes(n.name)), highAvailability: ha, joins, kubeconfig };
}
