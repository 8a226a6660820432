/**
 * Reads `microk8s status` as MicroK8s prints it (scripts/wrappers/status.py, pretty format):
 * whether the cluster is highly available and which nodes hold the datastore (dqlite voters,
 * "datastore master nodes", and standbys). The HA lesson shows the output as printed and these
 * facts beside it.
 *
 *   microk8s is running
 *   high-availability: yes
 *     datastore master nodes: 192.168.1.21:19001 192.168.1.22:19001 192.168.1.23:19001
 *     datastore standby nodes: none
 */

export interface Microk8sStatus {
  running: boolean;
  /** `high-availability: yes` (at least three voters). Undefined when the output did not say. */
  highAvailability?: boolean;
  /** `address:port` of each datastore voter. */
  masters: string[];
  standby: string[];
  /** The node answered that it is a worker: `status` only works on a control plane. */
  worker: boolean;
}

function list(value: string | undefined): string[] {
  if (!value || value.trim() === 'none') return [];
  return value.trim().split(/\s+/);
}

export function parseMicrok8sStatus(output: string): Microk8sStatus {
  const line = (label: string) => new RegExp(`^\\s*${label}:\\s*(.*)$`, 'm').exec(output)?.[1];
  const ha = line('high-availability')?.trim();
  return {
    running: /^microk8s is running$/m.test(output),
    ...(ha === 'yes' || ha === 'no' ? { highAvailability: ha === 'yes' } : {}),
    masters: list(line('datastore master nodes')),
    standby: list(line('datastore standby nodes')),
    worker: /acting as a node in a cluster/.test(output),
  };
}

/** The IP part of `192.168.1.21:19001` (or `[fd00::1]:19001`). */
export function datastoreHost(address: string): string {
  const v6 = /^\[([^\]]+)\]:\d+$/.exec(address);
  if (v6) return v6[1]!;
  const i = address.lastIndexOf(':');
  return i > 0 ? address.slice(0, i) : address;
}
