/**
 * Changing a formed cluster: add a node (install, hosts entries everywhere, join), remove a node
 * as the tutorial does (`microk8s leave` on the node, then `microk8s remove-node <name>` on the
 * control plane; `--force` when the node is gone for good), and reset the whole cluster (every
 * other node leaves and is removed: each ends as a standalone MicroK8s, still installed).
 */
import { command } from '../ssh/shell-quote';
import { ClusterError } from './cluster-errors';
import { clusterNodes, hostEntries, joinNode, type JoinReport, type JoinState } from './form-cluster';
import { ensureHostsEntries } from './hosts-file';
import { installOnNode, type InstallPhase } from './install-microk8s';
import { lastLine, type NodeSession } from './node-session';

export interface AddNodeOptions {
  clusterName: string;
  channel: string;
  readyTimeoutMs?: number;
  /** The new node's install phases, then its join states. */
  onInstall?: (phase: InstallPhase, fraction: number) => void;
  onJoin?: (state: JoinState) => void;
}

/** Installs MicroK8s on `node` and joins it (as its target role) to the cluster of `controlPlane`. */
export async function addNode(controlPlane: NodeSession, existing: readonly NodeSession[], node: NodeSession, options: AddNodeOptions): Promise<JoinReport> {
  await installOnNode(node, { channel: options.channel, onProgress: (p) => options.onInstall?.(p.phase, p.fraction) });
  const all = [...existing.filter((s) => s !== node), node];
  const entries = await hostEntries(all);
  await Promise.all(all.map((s) => ensureHostsEntries(s, entries, options.clusterName)));
  const address = (s: NodeSession) => entries.find((e) => e.hostname === s.name)!.address;
  if ((await clusterNodes(controlPlane)).some((n) => n.name === node.name)) {
    node.log('already in the cluster');
    options.onJoin?.('member');
    return { node: node.name, alreadyMember: true, attempts: 0, failures: [] };
  }
  return joinNode(controlPlane, node, { node: address(node), controlPlane: address(controlPlane) }, { clusterName: options.clusterName, readyTimeoutMs: options.readyTimeoutMs, onState: options.onJoin });
}

/**
 * Removes the node called `name`. With its session, the node leaves first (the tutorial's way);
 * without one (the node is dead or gone), the control plane removes it with --force.
 */
export async function removeNode(controlPlane: NodeSession, name: string, node?: NodeSession): Promise<void> {
  if (node) {
    const left = await node.run('microk8s leave', { sudo: true, timeoutMs: 900_000 });
    if (left.code !== 0) throw new ClusterError('REMOVE_FAILED', `${name} could not leave the cluster: ${lastLine(left.stdout + left.stderr)}`, name, undefined, undefined, { node: name, detail: lastLine(left.stdout + left.stderr) });
  }
  if ((await clusterNodes(controlPlane)).some((n) => n.name === name)) {
    const argv = ['microk8s', 'remove-node', name, ...(node ? [] : ['--force'])];
    const r = await controlPlane.run(command(argv), { sudo: true, timeoutMs: 300_000 });
    if (r.code !== 0) throw new ClusterError('REMOVE_FAILED', `${controlPlane.name} could not remove ${name}: ${lastLine(r.stdout + r.stderr)}`, name, undefined, undefined, { node: name, detail: lastLine(r.stdout + r.stderr) });
  }
  if ((await clusterNodes(controlPlane)).some((n) => n.name === name)) {
    throw new ClusterError('REMOVE_FAILED', `${name} is still listed by ${controlPlane.name} after remove-node.`, name, undefined, undefined, { node: name });
  }
  controlPlane.log(`${name} removed from the cluster`);
}

/** Every node but the first control plane leaves and is removed: workers first, then control planes (last joined first). */
export async function resetCluster(sessions: readonly NodeSession[]): Promise<void> {
  const controlPlane = sessions.find((s) => s.target.role === 'control-plane');
  if (!controlPlane) throw new ClusterError('NO_CONTROL_PLANE', 'There is no control plane to reset the cluster from.');
  const members = new Set((await clusterNodes(controlPlane)).map((n) => n.name));
  const others = sessions.filter((s) => s !== controlPlane && members.has(s.name));
  await Promise.all(others.filter((s) => s.target.role === 'worker').map((s) => removeNode(controlPlane, s.name, s)));
  for (const cp of others.filter((s) => s.target.role === 'control-plane').reverse()) await removeNode(controlPlane, cp.name, cp);
}
