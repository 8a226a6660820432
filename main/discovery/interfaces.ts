/**
 * Candidate subnets to discover Pis on, from `os.networkInterfaces()`-shaped input (a pure function).
 * Skips loopback, IPv6, link-local, virtual, VPN and container interfaces; subnets wider than the
 * default sweep limit are narrowed to the /22 around the laptop's own address.
 */
import type { NetworkInterfaceInfo } from 'node:os';
import { ipToInt, isLoopback, subnetOf, type Subnet } from './subnet';

export interface CandidateSubnet extends Subnet {
  interfaceName: string;
  /** The laptop's own address on that interface (never probed). */
  localAddress: string;
  /** Set when the interface's subnet was wider than /22 and was narrowed. */
  narrowedFrom?: string;
}

/** Interface name prefixes of virtual, VPN and container networks (case-insensitive). */
export const SKIPPED_INTERFACE_PREFIXES: readonly string[] = [
  'lo', 'docker', 'br-', 'veth', 'virbr', 'vmnet', 'vboxnet', 'tun', 'tap', 'wg', 'utun', 'zt',
  'tailscale', 'vethernet', 'cni', 'flannel', 'cali', 'vxlan', 'lxc', 'lxdbr', 'podman', 'kube',
  'bridge', 'ppp', 'ipsec', 'nordlynx', 'gpd', 'cscotun', 'feth',
];

/** The widest subnet swept by default (/22 = 1022 hosts, within the 1024-address limit). */
export const DEFAULT_WIDEST_PREFIX = 22;

export function isSkippedInterface(name: string): boolean {
  const lower = name.toLowerCase();
  return SKIPPED_INTERFACE_PREFIXES.some((p) => lower.startsWith(p));
}

function isLinkLocalOrCgnat(ip: string): boolean {
  const inRange = (network: string, bits: number) => subnetOf(ip, bits).network === network;
  return inRange('169.254.0.0', 16) || inRange('100.64.0.0', 10) || isLoopback(ip);
}

export function candidateSubnets(
  interfaces: Record<string, NetworkInterfaceInfo[] | undefined>,
  widestPrefix = DEFAULT_WIDEST_PREFIX,
): CandidateSubnet[] {
  const out: CandidateSubnet[] = [];
  const seen = new Set<string>();
  for (const [name, addrs] of Object.entries(interfaces)) {
    if (isSkippedInterface(name)) continue;
    for (const a of addrs ?? []) {
      if (a.family !== 'IPv4' || a.internal || isLinkLocalOrCgnat(a.address)) continue;
      const prefix = Number(a.cidr?.split('/')[1] ?? maskToPrefix(a.netmask));
      if (prefix >= 31) continue; // point-to-point links have no neighbours to discover
      const full = subnetOf(a.address, prefix);
      const chosen = prefix < widestPrefix ? subnetOf(a.address, widestPrefix) : full;
      if (seen.has(chosen.cidr)) continue;
      seen.add(chosen.cidr);
      out.push({
        ...chosen,
        interfaceName: name,
        localAddress: a.address,
        ...(chosen.cidr !== full.cidr ? { narrowedFrom: full.cidr } : {}),
      });
    }
  }
  return out;
}

function maskToPrefix(netmask: string): number {
  return ipToInt(netmask).toString(2).replace(/0/g, '').length;
}
