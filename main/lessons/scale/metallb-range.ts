/**
 * The address range MetalLB may hand out to LoadBalancer Services (`microk8s enable
 * metallb:FIRST-LAST`): proposed from the nodes' subnet and checked before anything runs on a
 * node. MetalLB answers ARP for these addresses on the LAN, so an address a node, the router or
 * another device already uses would be claimed twice; the range must therefore be in the nodes'
 * /24, small, and clear of every node (and, with DHCP, of the router's pool: only the user knows it).
 */

export type RangeProblem = 'format' | 'order' | 'subnet' | 'tooLarge' | 'networkOrBroadcast' | 'containsNode' | 'containsGateway' | 'noNodes';

export interface RangeCheck {
  ok: boolean;
  problem?: RangeProblem;
  /** The range written as MicroK8s takes it: `a.b.c.d-a.b.c.e`. */
  range?: string;
  count?: number;
  /** The node (or gateway) address inside the range, or the nodes' subnet. */
  address?: string;
  subnet?: string;
}

export const MAX_RANGE_ADDRESSES = 64;

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

export function ipv4ToNumber(ip: string): number | undefined {
  const m = IPV4.exec(ip.trim());
  if (!m) return undefined;
  return ((Number(m[1]) << 24) >>> 0) + (Number(m[2]) << 16) + (Number(m[3]) << 8) + Number(m[4]);
}

export function numberToIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** `192.168.1.0/24` for any address in it. */
export function subnet24(ip: string): string | undefined {
  const n = ipv4ToNumber(ip);
  return n === undefined ? undefined : `${numberToIpv4(n & 0xffffff00)}/24`;
}

/**
 * Checks `FIRST-LAST` (a single address also counts as a range of one) against the nodes'
 * addresses: same /24 as the first node, at most 64 addresses, neither the subnet's network nor
 * broadcast address, no node address and not the gateway.
 */
export function checkRange(text: string, nodeAddresses: readonly string[], gateway?: string): RangeCheck {
  const nodes = nodeAddresses.map((a) => ({ a, n: ipv4ToNumber(a) })).filter((x): x is { a: string; n: number } => x.n !== undefined);
  if (nodes.length === 0) return { ok: false, problem: 'noNodes' };
  const subnetBase = nodes[0]!.n & 0xffffff00;
  const subnet = `${numberToIpv4(subnetBase)}/24`;
  const parts = text.trim().split(/\s*-\s*/);
  if (parts.length > 2 || parts.some((p) => p === '')) return { ok: false, problem: 'format', subnet };
  const first = ipv4ToNumber(parts[0]!);
  const last = ipv4ToNumber(parts[1] ?? parts[0]!);
  if (first === undefined || last === undefined) return { ok: false, problem: 'format', subnet };
  const range = `${numberToIpv4(first)}-${numberToIpv4(last)}`;
  if (first > last) return { ok: false, problem: 'order', range, subnet };
  if ((first & 0xffffff00) !== subnetBase || (last & 0xffffff00) !== subnetBase) return { ok: false, problem: 'subnet', range, subnet };
  const count = last - first + 1;
  if (count > MAX_RANGE_ADDRESSES) return { ok: false, problem: 'tooLarge', range, count, subnet };
  if ((first & 255) === 0 || (last & 255) === 255) return { ok: false, problem: 'networkOrBroadcast', range, count, subnet };
  const node = nodes.find((x) => x.n >= first && x.n <= last);
  if (node) return { ok: false, problem: 'containsNode', range, count, address: node.a, subnet };
  const gw = gateway ? ipv4ToNumber(gateway) : undefined;
  if (gw !== undefined && gw >= first && gw <= last) return { ok: false, problem: 'containsGateway', range, count, address: gateway!, subnet };
  return { ok: true, range, count, subnet };
}

/**
 * A range to propose: eleven addresses high in the nodes' /24 (.240-.250, the MicroK8s docs'
 * style, well above the DHCP pools routers usually start low), moved down in steps of 20 while it
 * would hold a node or the gateway.
 */
export function proposeRange(nodeAddresses: readonly string[], gateway?: string): string | undefined {
  const first = nodeAddresses.map(ipv4ToNumber).find((n) => n !== undefined);
  if (first === undefined) return undefined;
  const base = first & 0xffffff00;
  for (let start = 240; start >= 20; start -= 20) {
    const range = `${numberToIpv4(base + start)}-${numberToIpv4(base + start + 10)}`;
    if (checkRange(range, nodeAddresses, gateway).ok) return range;
  }
  return undefined;
}
