/**
 * Parsers for the operating system's neighbour (ARP) table: Linux `/proc/net/arp`, macOS `arp -a`
 * (unpadded MACs, `(incomplete)`), Windows `arp -a` (dashed MACs, localized headers and type words).
 * Only complete unicast entries are returned; broadcast, multicast and incomplete ones are dropped.
 */
import { isGroupAddress, normaliseMac } from './pi-mac';

export interface NeighbourEntry {
  ip: string;
  /** Lowercase, padded, colon-separated. */
  mac: string;
  /** Interface name (Linux, macOS) or the interface's own address (Windows). */
  interface?: string;
}

export type NeighbourTableFormat = 'linux-proc' | 'macos-arp' | 'windows-arp';

const IPV4 = String.raw`\d{1,3}(?:\.\d{1,3}){3}`;

function entry(ip: string, rawMac: string, iface: string | undefined): NeighbourEntry | undefined {
  const mac = normaliseMac(rawMac);
  if (!mac || mac === '00:00:00:00:00:00' || isGroupAddress(mac)) return undefined;
  return iface ? { ip, mac, interface: iface } : { ip, mac };
}

/** Linux /proc/net/arp: `IP address  HW type  Flags  HW address  Mask  Device`; flags 0x0 = incomplete. */
export function parseLinuxProcArp(text: string): NeighbourEntry[] {
  const out: NeighbourEntry[] = [];
  for (const line of text.split('\n').slice(1)) {
    const [ip, , flags, mac, , device] = line.trim().split(/\s+/);
    if (!ip || !mac || !flags || (parseInt(flags, 16) & 0x2) === 0) continue;
    const e = entry(ip, mac, device);
    if (e) out.push(e);
  }
  return out;
}

/** macOS / BSD `arp -a`: `host (192.168.1.23) at b8:27:eb:1:2:3 on en0 ifscope [ethernet]`. */
export function parseMacosArp(text: string): NeighbourEntry[] {
  const re = new RegExp(String.raw`\((${IPV4})\) at ([0-9a-fA-F:]+) on (\S+)`);
  const out: NeighbourEntry[] = [];
  for (const line of text.split('\n')) {
    const m = re.exec(line);
    if (!m) continue; // includes "(incomplete)" lines
    const e = entry(m[1]!, m[2]!, m[3]);
    if (e) out.push(e);
  }
  return out;
}

/**
 * Windows `arp -a` in any display language: header lines (`Interface:`, `Schnittstelle:`, `接口:`)
 * are recognised by `<address> --- 0x<index>`, entries by an address followed by a dashed MAC.
 */
export function parseWindowsArp(text: string): NeighbourEntry[] {
  const header = new RegExp(String.raw`(${IPV4})\s+---\s+0x[0-9a-fA-F]+`);
  const row = new RegExp(String.raw`^\s*(${IPV4})\s+((?:[0-9a-fA-F]{2}-){5}[0-9a-fA-F]{2})\s`);
  const out: NeighbourEntry[] = [];
  let iface: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    const h = header.exec(line);
    if (h) {
      iface = h[1];
      continue;
    }
    const m = row.exec(`${line} `);
    if (!m) continue;
    const e = entry(m[1]!, m[2]!, iface);
    if (e) out.push(e);
  }
  return out;
}

export function detectNeighbourTableFormat(text: string): NeighbourTableFormat | undefined {
  if (/^IP address\s+HW type/m.test(text)) return 'linux-proc';
  if (/\) at (?:[0-9a-fA-F:]+|\(incomplete\)) on /.test(text)) return 'macos-arp';
  if (/---\s+0x[0-9a-fA-F]+/.test(text)) return 'windows-arp';
  return undefined;
}

/** Parses any supported neighbour table; unknown text yields no entries. */
export function parseNeighbourTable(text: string): NeighbourEntry[] {
  switch (detectNeighbourTableFormat(text)) {
    case 'linux-proc':
      return parseLinuxProcArp(text);
    case 'macos-arp':
      return parseMacosArp(text);
    case 'windows-arp':
      return parseWindowsArp(text);
    default:
      return [];
  }
}
