/** IPv4 subnet arithmetic shared by interface selection and the port sweep. */

export interface Subnet {
  /** Network address, e.g. "192.168.1.0". */
  network: string;
  prefix: number;
  /** Canonical CIDR, e.g. "192.168.1.0/24". */
  cidr: string;
}

export function ipToInt(ip: string): number {
  const parts = ip.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) {
    throw new Error(`"${ip}" is not an IPv4 address.`);
  }
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

export function intToIp(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

export function isIpv4(ip: string): boolean {
  try {
    ipToInt(ip);
    return true;
  } catch {
    return false;
  }
}

/** Whether `ip` is an IPv4 loopback address (127.0.0.0/8). */
export function isLoopback(ip: string): boolean {
  return isIpv4(ip) && subnetOf(ip, 8).network === '127.0.0.0';
}

/** The subnet of `prefix` bits that contains `ip`. */
export function subnetOf(ip: string, prefix: number): Subnet {
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > 32) throw new Error(`/${prefix} is not an IPv4 prefix length.`);
  const size = 2 ** (32 - prefix);
  const network = intToIp(Math.floor(ipToInt(ip) / size) * size);
  return { network, prefix, cidr: `${network}/${prefix}` };
}

/** Parses "10.0.0.0/24" (or a bare address as /32). */
export function parseCidr(cidr: string): Subnet {
  const [ip, bits] = cidr.trim().split('/');
  return subnetOf(ip ?? '', bits === undefined ? 32 : Number(bits));
}

/** Number of host addresses (network and broadcast excluded for prefixes up to /30). */
export function hostCount(subnet: Subnet): number {
  const size = 2 ** (32 - subnet.prefix);
  return subnet.prefix >= 31 ? size : size - 2;
}

/** Host addresses of the subnet, in order. */
export function hostAddresses(subnet: Subnet): string[] {
  const size = 2 ** (32 - subnet.prefix);
  const base = ipToInt(subnet.network);
  const [first, last] = subnet.prefix >= 31 ? [base, base + size - 1] : [base + 1, base + size - 2];
  const out: string[] = [];
  for (let n = first; n <= last; n++) out.push(intToIp(n));
  return out;
}

export function subnetContains(subnet: Subnet, ip: string): boolean {
  return isIpv4(ip) && subnetOf(ip, subnet.prefix).network === subnet.network;
}
