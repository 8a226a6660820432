/** `microk8s kubectl get nodes [-o wide]` rendered as kubectl 1.32 prints it. */
import type { CommandContext } from '../shell/shell';
import type { VirtualPi } from '../pi/virtual-pi';
import type { LabCluster } from './lab-cluster';

/** kubectl's HumanDuration (k8s.io/apimachinery/pkg/util/duration). */
export function humanDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  if (h < 24 * 8) return h % 24 === 0 ? `${Math.floor(h / 24)}d` : `${Math.floor(h / 24)}d${h % 24}h`;
  if (h < 24 * 365 * 2) return `${Math.floor(h / 24)}d`;
  return `${Math.floor(h / 24 / 365)}y`;
}

/** kubectl's tabwriter: columns padded to the widest cell plus 3 spaces. */
function columns(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]! + 3))).join('')).join('\n') + '\n';
}

export async function kubectl(cluster: LabCluster, pi: VirtualPi, ctx: CommandContext, args: string[]): Promise<number> {
  if (cluster.memberOf(pi)?.role === 'worker') {
    ctx.stdout('This MicroK8s deployment is acting as a node in a cluster.\nPlease use the control plane node.\n');
    return 1;
  }
  if (!cluster.running(pi)) {
    ctx.stderr('The connection to the server 127.0.0.1:16443 was refused - did you specify the right host or port?\n');
    return 1;
  }
  const words = args.filter((a) => !a.startsWith('-') && a !== 'wide');
  const wide = args.includes('wide') || args.includes('-owide') || args.includes('--output=wide');
  if (words[0] !== 'get' || !['nodes', 'node', 'no'].includes(words[1] ?? '')) {
    ctx.stderr(`error: the practice lab's "microk8s kubectl" on a Pi answers "get nodes" only; for anything else use kubectl on your computer with the kubeconfig from "microk8s config"\n`);
    return 1;
  }
  const record = cluster.clusterOf(pi)!;
  const nodes = cluster.nodesOf(record).sort((a, b) => a.name.localeCompare(b.name));
  const now = cluster.clock.now();
  const rows = [wide ? ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION', 'INTERNAL-IP', 'EXTERNAL-IP', 'OS-IMAGE', 'KERNEL-VERSION', 'CONTAINER-RUNTIME'] : ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION']];
  for (const n of nodes) {
    const base = [n.name, n.ready ? 'Ready' : 'NotReady', '<none>', humanDuration(now - n.joinedAt), n.kubeletVersion];
    rows.push(wide ? [...base, n.internalIP, '<none>', n.osImage, n.kernelVersion, n.containerRuntimeVersion] : base);
  }
  ctx.stdout(columns(rows));
  return 0;
}
