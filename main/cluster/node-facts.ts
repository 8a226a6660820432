/**
 * What the app needs to know about a node, read in one SSH round trip: architecture, release,
 * memory, disk, hostname and address, kernel command line, clock, default route, /etc/hosts,
 * MicroK8s (installed? which cluster does it see?). Parsers are pure and tested on real outputs.
 */
import type { NodeSession } from './node-session';

export interface NodeFacts {
  hostname: string;
  /** The LAN address other nodes use (the planned one when the node has it, else its first). */
  address: string;
  addresses: string[];
  /** `uname -m`: aarch64, x86_64, armv7l... */
  machine: string;
  os: { id: string; versionId: string; prettyName: string };
  memTotalBytes: number;
  diskAvailableBytes: number;
  /** /proc/cmdline */
  kernelCmdline: string;
  /** From /proc/cgroups when the kernel lists it, else from the command line. */
  memoryCgroup: boolean;
  /** /boot/firmware/cmdline.txt, or undefined when the node does not boot that way (VMs). */
  cmdlineTxt: string | undefined;
  ntpSynchronized: boolean;
  /** Node clock minus this computer's clock, in ms. */
  clockSkewMs: number;
  defaultRoute: string | undefined;
  hosts: string;
  vxlan: boolean;
  /** The login session's groups. */
  groups: string[];
  microk8s: { installed: boolean; version?: string; tracking?: string };
}

const SECTIONS: [name: string, cmd: string][] = [
  ['hostname', 'hostname'],
  ['addresses', 'hostname -I'],
  ['machine', 'uname -m'],
  ['os', 'cat /etc/os-release'],
  ['meminfo', 'cat /proc/meminfo'],
  ['df', 'df -B1 /'],
  ['cmdline', 'cat /proc/cmdline'],
  ['cgroups', 'cat /proc/cgroups 2>/dev/null'],
  ['cmdline.txt', 'cat /boot/firmware/cmdline.txt 2>/dev/null'],
  ['ntp', 'timedatectl show -p NTPSynchronized --value'],
  ['epoch', 'date +%s'],
  ['route', 'ip -4 route show default'],
  ['hosts', 'cat /etc/hosts'],
  ['vxlan', 'modinfo vxlan >/dev/null 2>&1 && echo yes || echo no'],
  ['groups', 'id -Gn'],
  ['snap', 'snap list microk8s 2>/dev/null'],
];

/** The facts script: each section's output follows an `@@name` line. */
export const FACTS_SCRIPT = SECTIONS.map(([name, cmd]) => `echo '@@${name}'; ${cmd}`).join('; ');

export function splitSections(out: string): Map<string, string> {
  const sections = new Map<string, string>();
  let current: string | undefined;
  for (const line of out.split('\n')) {
    const m = /^@@(\S+)$/.exec(line);
    if (m) {
      current = m[1]!;
      sections.set(current, '');
    } else if (current !== undefined) sections.set(current, sections.get(current)! + line + '\n');
  }
  return sections;
}

export function parseOsRelease(text: string): NodeFacts['os'] {
  const field = (k: string) => new RegExp(`^${k}="?([^"\\n]*)"?$`, 'm').exec(text)?.[1] ?? '';
  return { id: field('ID'), versionId: field('VERSION_ID'), prettyName: field('PRETTY_NAME') };
}

export function parseMemTotal(meminfo: string): number {
  return Number(/^MemTotal:\s+(\d+) kB/m.exec(meminfo)?.[1] ?? 0) * 1024;
}

/** `df -B1 /`: the Available column of the last line. */
export function parseDfAvailable(df: string): number {
  const last = df.trim().split('\n').pop() ?? '';
  return Number(last.trim().split(/\s+/)[3] ?? 0);
}

/** The memory cgroup: /proc/cgroups' `enabled` column when listed; else the last cgroup_enable/disable=memory on the command line wins. */
export function memoryCgroupEnabled(cmdline: string, procCgroups: string): boolean {
  const row = /^memory\s+\d+\s+\d+\s+([01])\s*$/m.exec(procCgroups);
  if (row) return row[1] === '1';
  let on = true;
  for (const arg of cmdline.split(/\s+/)) {
    if (arg === 'cgroup_disable=memory') on = false;
    if (arg === 'cgroup_enable=memory') on = true;
  }
  return on;
}

/** `snap list microk8s` (or the whole list): the microk8s row. */
export function parseSnapList(text: string): NodeFacts['microk8s'] {
  const row = text.split('\n').find((l) => /^microk8s\s/.test(l));
  if (!row) return { installed: false };
  const [, version, , tracking] = row.trim().split(/\s+/);
  return { installed: true, version, tracking };
}

/**
 * @param now this computer's time when the node read its clock (the middle of the round trip)
 * @param uncertaintyMs half the round trip plus date's 1 s resolution: skews within it count as 0
 */
export function parseFacts(out: string, now: number, plannedAddress?: string, uncertaintyMs = 1_000): NodeFacts {
  const s = splitSections(out);
  const get = (k: string) => s.get(k) ?? '';
  const addresses = get('addresses').trim().split(/\s+/).filter((a) => /^\d+\.\d+\.\d+\.\d+$/.test(a));
  const kernelCmdline = get('cmdline').trim();
  const cmdlineTxt = get('cmdline.txt');
  const epoch = Number(get('epoch').trim());
  const skew = Number.isFinite(epoch) ? epoch * 1000 - now : 0;
  return {
    hostname: get('hostname').trim(),
    address: plannedAddress && addresses.includes(plannedAddress) ? plannedAddress : (addresses[0] ?? ''),
    addresses,
    machine: get('machine').trim(),
    os: parseOsRelease(get('os')),
    memTotalBytes: parseMemTotal(get('meminfo')),
    diskAvailableBytes: parseDfAvailable(get('df')),
    kernelCmdline,
    memoryCgroup: memoryCgroupEnabled(kernelCmdline, get('cgroups')),
    cmdlineTxt: cmdlineTxt.trim() ? cmdlineTxt : undefined,
    ntpSynchronized: get('ntp').trim() === 'yes',
    clockSkewMs: Math.abs(skew) <= uncertaintyMs ? 0 : skew - Math.sign(skew) * uncertaintyMs,
    defaultRoute: get('route')
      .split('\n')
      .find((l) => l.startsWith('default '))
      ?.trim(),
    hosts: get('hosts'),
    vxlan: get('vxlan').trim() === 'yes',
    groups: get('groups').trim().split(/\s+/).filter(Boolean),
    microk8s: parseSnapList(get('snap')),
  };
}

export async function gatherFacts(node: NodeSession, plannedAddress?: string): Promise<NodeFacts> {
  const before = node.pace.now();
  const r = await node.run(FACTS_SCRIPT, { quiet: true, timeoutMs: 60_000 });
  const after = node.pace.now();
  return parseFacts(r.stdout, (before + after) / 2, plannedAddress ?? node.target.address, (after - before) / 2 + 1_000);
}
