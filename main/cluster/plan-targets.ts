/**
 * From the saved plan to the nodes the cluster operations work on: each planned node with the
 * address where this computer reaches its sshd. On real hardware that is the node's LAN address
 * (the plan's static address, or the one discovery found); in Practice mode the lab maps LAN
 * addresses to its loopback sshds (`Lab.sshEndpoint`).
 */
import type { StoredPlan } from '../../preload/contract/plan';
import { SshError } from '../ssh/ssh-errors';
import { ClusterError } from './cluster-errors';
import type { NodeTarget } from './node-session';

export interface SshEndpoint {
  host: string;
  port: number;
}

/**
 * @param found addresses discovery found, by planned hostname (needed for DHCP plans)
 * @param endpoint where to reach the sshd of a LAN address (default: the address itself, port 22);
 *   called at every connect, so a lab Pi's new port after a reboot is picked up; undefined means
 *   "not reachable now" (never a fallback to the LAN address: a lab address must not be contacted)
 */
export function planTargets(plan: StoredPlan, found: ReadonlyMap<string, string> = new Map(), endpoint: (address: string) => SshEndpoint | undefined = (address) => ({ host: address, port: 22 })): NodeTarget[] {
  const controlPlanes = plan.nodes.filter((n) => n.role === 'control-plane');
  if (controlPlanes.length === 0) throw new ClusterError('NO_CONTROL_PLANE', 'The plan has no control-plane node; make one node the control plane.');
  // The first control plane of the plan creates the cluster: put it first.
  const ordered = [controlPlanes[0]!, ...plan.nodes.filter((n) => n !== controlPlanes[0])];
  return ordered.map((node) => {
    const address = found.get(node.hostname) ?? node.address;
    if (!address) throw new ClusterError('SSH', `${node.hostname} has not been found on the network yet; power it on and let discovery find it.`, node.hostname, 'HOST_UNREACHABLE');
    const reach = (): SshEndpoint => {
      const e = endpoint(address);
      if (!e) throw new SshError('HOST_UNREACHABLE', `${node.hostname} (${address}) is not reachable right now.`, address);
      return e;
    };
    return {
      hostname: node.hostname,
      role: node.role,
      address,
      get host() {
        return reach().host;
      },
      get port() {
        return reach().port;
      },
    };
  });
}
