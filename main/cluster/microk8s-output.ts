/** Parsers of MicroK8s' own outputs (texts in /work/shared/reference/microk8s-cli.md). */

/** What `status`, `kubectl` and `config` print on a worker node. */
export function isWorkerNotice(text: string): boolean {
  return /This MicroK8s deployment is acting as a node in a cluster\./.test(text);
}

export interface KubectlNode {
  name: string;
  /** Ready, NotReady, Ready,SchedulingDisabled... */
  status: string;
  ready: boolean;
}

/** `microk8s kubectl get nodes [-o wide]`. */
export function parseGetNodes(text: string): KubectlNode[] {
  const lines = text.split('\n').filter((l) => l.trim());
  if (!/^NAME\s+STATUS\b/.test(lines[0] ?? '')) return [];
  return lines.slice(1).map((l) => {
    const [name = '', status = ''] = l.trim().split(/\s+/);
    return { name, status, ready: status.split(',').includes('Ready') };
  });
}

export interface AddNodeToken {
  /** `token/check` */
  token: string;
  /** `ip:25000/token/check` for each of the control plane's addresses. */
  urls: string[];
}

/** `microk8s add-node --format json`. */
export function parseAddNodeJson(text: string): AddNodeToken | undefined {
  try {
    const v = JSON.parse(text) as { token?: unknown; urls?: unknown };
    if (typeof v.token !== 'string' || !Array.isArray(v.urls)) return undefined;
    return { token: v.token, urls: v.urls.filter((u): u is string => typeof u === 'string') };
  } catch {
    return undefined;
  }
}

/** `microk8s status`: high availability and the datastore voters. */
export function parseStatus(text: string): { running: boolean; highAvailability: boolean; voters: string[] } {
  const running = /^microk8s is running$/m.test(text);
  const ha = /^high-availability: (yes|no)$/m.exec(text)?.[1] === 'yes';
  const voters = /^\s*datastore master nodes: (.*)$/m.exec(text)?.[1]?.trim();
  return { running, highAvailability: ha, voters: voters && voters !== 'none' ? voters.split(/\s+/) : [] };
}
