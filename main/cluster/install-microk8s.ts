/**
 * Installing MicroK8s on every node at once, each node's progress reported on its own:
 * `sudo snap install microk8s --classic --channel=<plan>`, the login user into the `microk8s`
 * group (+ `chown -R` of ~/.kube, as MicroK8s says), a fresh SSH session so the group counts,
 * then `microk8s status --wait-ready`. Every step looks at the node's real state first, so a
 * second run skips what is done and a run after an interruption (app closed, power lost
 * mid-install) carries on from where each node actually is.
 */
import { command, sh } from '../ssh/shell-quote';
import { ClusterError } from './cluster-errors';
import { parseSnapList } from './node-facts';
import { isTransient, lastLine, type NodeSession } from './node-session';

export type InstallPhase = 'checking' | 'installing' | 'group' | 'starting' | 'ready';

export interface InstallProgress {
  node: string;
  phase: InstallPhase;
  /** 0..1 for this node. */
  fraction: number;
  /** 0..1 over every node of this install (installMicroK8s only). */
  overall?: number;
}

export interface InstallOptions {
  /** Snap channel from the plan, e.g. 1.32/stable. */
  channel: string;
  onProgress?: (p: InstallProgress) => void;
  /** How often a lost connection (power cut, reboot) is retried per node. Default 2. */
  retries?: number;
}

export interface NodeInstallResult {
  node: string;
  /** MicroK8s was already installed (the snap install was skipped). */
  alreadyInstalled: boolean;
  version: string;
  /** Times the node had to be reconnected (power lost, reboot). */
  resumed: number;
}

const FRACTION: Record<InstallPhase, number> = { checking: 0, installing: 0.05, group: 0.7, starting: 0.8, ready: 1 };
const IN_PROGRESS = /has "[a-z-]+" change in progress/;

async function installedVersion(node: NodeSession): Promise<{ installed: boolean; version?: string; tracking?: string }> {
  const r = await node.run('snap list microk8s', { quiet: true, timeoutMs: 60_000 });
  return parseSnapList(r.stdout);
}

/** Installs (or finds installed) MicroK8s on one node and waits until it is ready. */
export async function installOnNode(node: NodeSession, options: InstallOptions): Promise<NodeInstallResult> {
  const progress = (phase: InstallPhase) => options.onProgress?.({ node: node.name, phase, fraction: FRACTION[phase] });
  let resumed = 0;
  let alreadyInstalled: boolean | undefined;
  for (;;) {
    try {
      progress('checking');
      let snap = await installedVersion(node);
      alreadyInstalled ??= snap.installed;
      if (snap.installed) node.log(`MicroK8s ${snap.version} (${snap.tracking}) is installed; skipping the snap install`);
      else {
        progress('installing');
        const r = await node.run(command(['snap', 'install', 'microk8s', '--classic', `--channel=${options.channel}`]), { sudo: true, timeoutMs: 3_600_000 });
        if (r.code !== 0 && IN_PROGRESS.test(r.stderr)) {
          node.log('another MicroK8s install is still running on this node (started before); waiting for it');
          while (!(snap = await installedVersion(node)).installed) await node.pace.sleep(10_000, node.ctx.signal);
        } else if (r.code !== 0) {
          throw new ClusterError('INSTALL_FAILED', `Installing MicroK8s on ${node.name} failed: ${lastLine(r.stderr || r.stdout)}`, node.name, undefined, undefined, { node: node.name, detail: lastLine(r.stderr || r.stdout) });
        }
        snap = await installedVersion(node);
      }
      progress('group');
      await joinMicrok8sGroup(node);
      progress('starting');
      node.log('$ microk8s status --wait-ready');
      const ready = await node.run('microk8s status --wait-ready --timeout 600', { quiet: true, timeoutMs: 1_800_000 });
      const out = ready.stdout + ready.stderr;
      if (ready.code !== 0 && !/acting as a node in a cluster/.test(out)) {
        throw new ClusterError('MICROK8S_NOT_READY', `MicroK8s on ${node.name} did not become ready within 10 minutes: ${lastLine(out)}. Run "sudo microk8s inspect" on the node for details.`, node.name, undefined, undefined, { node: node.name, detail: lastLine(out) });
      }
      node.log(lastLine(out.split('\n')[0] ?? ''));
      progress('ready');
      return { node: node.name, alreadyInstalled, version: snap.version ?? '', resumed };
    } catch (e) {
      if (!isTransient(e) || resumed >= (options.retries ?? 2)) throw e;
      resumed++;
      node.log(`lost the connection (${(e as Error).message}); waiting for the node to come back, then resuming from its real state`);
      await node.reconnect();
    }
  }
}

/**
 * Puts the login user into the microk8s group and logs in again so the group applies (an SSH
 * connection keeps the groups it logged in with, whatever its later channels would say).
 */
async function joinMicrok8sGroup(node: NodeSession): Promise<void> {
  const user = node.username;
  const members = (await node.run(command(['id', '-Gn', user]), { quiet: true })).stdout.trim().split(/\s+/);
  const added = !members.includes('microk8s');
  if (added) await node.expect(command(['usermod', '-a', '-G', 'microk8s', user]), 'Adding the user to the microk8s group', { sudo: true });
  const kube = `${(await node.expect('echo "$HOME"', 'Reading the home folder', { quiet: true })).stdout.trim()}/.kube`;
  await node.expect(sh`test ! -d ${kube} || chown -R ${user} ${kube}`, 'Giving the user its ~/.kube folder', { sudo: true });
  if (added || !(await node.run('id -Gn', { quiet: true })).stdout.trim().split(/\s+/).includes('microk8s')) {
    node.log('logging in again so the microk8s group applies');
    await node.reconnect();
  }
}

/** Installs on every node in parallel; one node failing does not stop the others. */
export async function installMicroK8s(nodes: readonly NodeSession[], options: InstallOptions): Promise<PromiseSettledResult<NodeInstallResult>[]> {
  const fractions = new Map(nodes.map((n) => [n.name, 0]));
  const onProgress = (p: InstallProgress) => {
    fractions.set(p.node, p.fraction);
    const overall = [...fractions.values()].reduce((a, b) => a + b, 0) / Math.max(1, fractions.size);
    options.onProgress?.({ ...p, overall });
  };
  return Promise.allSettled(nodes.map((n) => installOnNode(n, { ...options, onProgress })));
}
