/**
 * Validation rules of the cluster plan, shared by the form (instant feedback) and main (the
 * authority: nothing invalid is saved). Each problem has a stable key for translation and an
 * English message that says how to fix it.
 */
import type { ValidationIssue } from './errors';

export const MIN_NODES = 2;
export const MAX_NODES = 20;

const HOSTNAME_RE = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const IPV4_RE = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const CHANNEL_RE = /^(latest|\d+\.\d+)\/(stable|candidate|beta|edge)$/;

/** ISO 3166-1 alpha-2 codes accepted as Wi-Fi regulatory domains. */
export const COUNTRY_CODES =
  'AD AE AF AG AI AL AM AO AR AS AT AU AW AZ BA BB BD BE BF BG BH BI BJ BM BN BO BR BS BT BW BY BZ CA CD CF CG CH CI CL CM CN CO CR CU CV CY CZ DE DJ DK DM DO DZ EC EE EG ER ES ET FI FJ FM FR GA GB GD GE GH GL GM GN GP GQ GR GT GU GW GY HK HN HR HT HU ID IE IL IN IQ IR IS IT JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MG MH MK ML MM MN MO MP MQ MR MT MU MV MW MX MY MZ NA NE NG NI NL NO NP NR NZ OM PA PE PF PG PH PK PL PM PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SI SK SL SM SN SO SR SS ST SV SY SZ TC TD TG TH TJ TL TM TN TO TR TT TV TW TZ UA UG US UY UZ VA VC VE VG VI VN VU WS YE ZA ZM ZW'.split(
    ' ',
  );

export function defaultHostname(index: number): string {
  return `pi-${String(index + 1).padStart(2, '0')}`;
}

type Push = (path: string, key: string, message: string, values?: Record<string, string | number>) => void;

function collector(): { issues: ValidationIssue[]; push: Push } {
  const issues: ValidationIssue[] = [];
  return { issues, push: (path, key, message, values) => issues.push({ path, key, message, ...(values ? { values } : {}) }) };
}

/** Problems with one hostname on its own (not duplicates). */
/** The nearest valid spelling of a hostname: lowercase, "_" and spaces become "-". */
export function suggestHostname(name: string): string {
  return name.toLowerCase().replace(/[_\s]+/g, '-').replace(/[^a-z0-9-]/g, '').replace(/^-+|-+$/g, '').slice(0, 63);
}

export function hostnameProblem(name: string): { key: string; message: string } | null {
  if (name.length === 0) return { key: 'hostname.empty', message: 'Give this node a hostname, for example pi-01.' };
  if (name.length > 63) return { key: 'hostname.long', message: 'A hostname can be at most 63 characters.' };
  if (/[A-Z]/.test(name))
    return {
      key: 'hostname.uppercase',
      message: `Use lowercase letters only ("${suggestHostname(name)}"): MicroK8s breaks on hostnames with capitals.`,
    };
  if (name.includes('_'))
    return {
      key: 'hostname.underscore',
      message: `Replace "_" with "-" ("${suggestHostname(name)}"): Kubernetes node names cannot contain underscores.`,
    };
  if (name.startsWith('-') || name.endsWith('-'))
    return { key: 'hostname.hyphenEdge', message: 'A hostname must start and end with a letter or digit.' };
  if (!HOSTNAME_RE.test(name))
    return { key: 'hostname.chars', message: 'Use only lowercase letters a-z, digits 0-9 and "-".' };
  return null;
}

export function isIPv4(text: string): boolean {
  return IPV4_RE.test(text);
}

export function ipToInt(ip: string): number {
  return ip.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
}

export function intToIp(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

export function subnetOf(ip: string, prefix: number): { network: number; broadcast: number } {
  const size = 2 ** (32 - prefix);
  const network = Math.floor(ipToInt(ip) / size) * size;
  return { network, broadcast: network + size - 1 };
}

export function utf8Length(text: string): number {
  return new TextEncoder().encode(text).length;
}

/** The shape the rules look at: the draft as the form holds it (see plan.ts for the schema). */
export interface PlanRulesInput {
  clusterName: string;
  nodes: { hostname: string; role: string; address?: string }[];
  network: {
    kind: string;
    wifi?: { ssid: string; passphrase?: string; hidden?: boolean; country: string };
    mode: string;
    static?: { prefix: number; gateway: string; dns: string[] };
  };
  microk8sChannel: string;
  timezone: string;
  password?: string;
}

export interface PlanRulesContext {
  /** A PSK is already stored for this SSID, so an empty passphrase means "keep it". */
  storedWifiSsid?: string;
  /** Time zones the runtime knows (Intl.supportedValuesOf('timeZone')). */
  timeZones?: readonly string[];
}

export function validatePlanRules(plan: PlanRulesInput, ctx: PlanRulesContext = {}): ValidationIssue[] {
  const { issues, push } = collector();

  const cluster = plan.clusterName;
  if (!cluster) push('clusterName', 'cluster.empty', 'Give the cluster a name, for example home-lab.');
  else if (hostnameProblem(cluster)) {
    push('clusterName', 'cluster.invalid', 'Use lowercase letters, digits and "-" only (at most 63), starting and ending with a letter or digit.');
  }

  if (plan.nodes.length < MIN_NODES || plan.nodes.length > MAX_NODES) {
    push('nodes', 'nodes.count', `Plan between ${MIN_NODES} and ${MAX_NODES} nodes.`, { min: MIN_NODES, max: MAX_NODES });
  }
  const byName = new Map<string, number[]>();
  plan.nodes.forEach((node, i) => byName.set(node.hostname, [...(byName.get(node.hostname) ?? []), i]));
  plan.nodes.forEach((node, i) => {
    const problem = hostnameProblem(node.hostname);
    if (problem) return push(`nodes.${i}.hostname`, problem.key, problem.message, { name: node.hostname, suggestion: suggestHostname(node.hostname) });
    const other = byName.get(node.hostname)?.find((j) => j !== i);
    if (other !== undefined) {
      push(`nodes.${i}.hostname`, 'hostname.duplicate', `"${node.hostname}" is also used by node ${other + 1}: every node needs its own hostname.`, {
        name: node.hostname,
        other: other + 1,
      });
    }
  });
  if (plan.nodes.length > 0 && !plan.nodes.some((n) => n.role === 'control-plane')) {
    push('nodes', 'nodes.noControlPlane', 'Make at least one node a control plane: the cluster needs one to run.');
  }

  const net = plan.network;
  if (net.kind === 'wifi') {
    const wifi = net.wifi;
    if (!wifi) push('network.wifi', 'wifi.missing', 'Enter the Wi-Fi network name and passphrase.');
    else {
      const ssidBytes = utf8Length(wifi.ssid);
      if (ssidBytes === 0) push('network.wifi.ssid', 'ssid.empty', 'Enter the Wi-Fi network name (SSID).');
      else if (ssidBytes > 32) push('network.wifi.ssid', 'ssid.long', `A network name can be at most 32 bytes; this one is ${ssidBytes}.`, { bytes: ssidBytes });
      // eslint-disable-next-line no-control-regex
      else if (/[\u0000-\u001f\u007f]/.test(wifi.ssid)) push('network.wifi.ssid', 'ssid.control', 'The network name cannot contain line breaks or control characters.');
      const pass = wifi.passphrase ?? '';
      const keep = pass === '' && ctx.storedWifiSsid !== undefined && ctx.storedWifiSsid === wifi.ssid;
      if (!keep) {
        if (/^[0-9a-fA-F]{64}$/.test(pass)) {
          /* a raw 64-hex PSK */
        } else if (pass.length < 8 || pass.length > 63) {
          push('network.wifi.passphrase', 'passphrase.length', `A Wi-Fi passphrase has 8 to 63 characters (or is 64 hex digits); this one has ${pass.length}.`, {
            length: pass.length,
          });
        } else if (!/^[\x20-\x7e]+$/.test(pass)) {
          push('network.wifi.passphrase', 'passphrase.chars', 'A Wi-Fi passphrase uses printable ASCII characters only.');
        }
      }
      if (!COUNTRY_CODES.includes(wifi.country)) {
        push('network.wifi.country', 'country.invalid', 'Pick the country the Pis are in: Wi-Fi channels are only allowed by country (for example CN or US).');
      }
    }
  }

  if (net.mode === 'static') {
    const st = net.static;
    if (!st) push('network.static', 'static.missing', 'Enter the prefix, gateway and DNS servers for static addresses.');
    else {
      const prefixOk = Number.isInteger(st.prefix) && st.prefix >= 8 && st.prefix <= 30;
      if (!prefixOk) push('network.static.prefix', 'prefix.range', 'Use a prefix length between 8 and 30 (24 is usual for home networks).');
      const gatewayOk = isIPv4(st.gateway);
      if (!gatewayOk) push('network.static.gateway', 'ip.invalid', 'Enter the router address as four numbers, for example 192.168.1.1.');
      if (st.dns.length === 0) push('network.static.dns', 'dns.empty', 'Enter at least one DNS server (often the router address).');
      st.dns.forEach((d, i) => {
        if (!isIPv4(d)) push(`network.static.dns.${i}`, 'ip.invalid', `"${d}" is not an IPv4 address.`, { value: d });
      });
      const used = new Map<string, number>();
      plan.nodes.forEach((node, i) => {
        const path = `nodes.${i}.address`;
        const addr = node.address ?? '';
        if (!isIPv4(addr)) return push(path, 'ip.invalid', 'Enter this node\'s address as four numbers, for example 192.168.1.21.');
        if (!prefixOk || !gatewayOk) return;
        const gw = subnetOf(st.gateway, st.prefix);
        const here = ipToInt(addr);
        const cidr = `${intToIp(gw.network)}/${st.prefix}`;
        if (here < gw.network || here > gw.broadcast) {
          push(path, 'ip.outside', `${addr} is outside the network ${cidr} of the gateway: pick an address inside it.`, { address: addr, cidr });
        } else if (here === gw.network) {
          push(path, 'ip.network', `${addr} is the network address of ${cidr}, which no host can use.`, { address: addr, cidr });
        } else if (here === gw.broadcast) {
          push(path, 'ip.broadcast', `${addr} is the broadcast address of ${cidr}, which no host can use.`, { address: addr, cidr });
        } else if (addr === st.gateway) {
          push(path, 'ip.gateway', `${addr} is the router's address: pick another one.`, { address: addr });
        } else if (used.has(addr)) {
          push(path, 'ip.duplicate', `${addr} is already used by node ${(used.get(addr) ?? 0) + 1}.`, { address: addr, other: (used.get(addr) ?? 0) + 1 });
        }
        used.set(addr, used.get(addr) ?? i);
      });
    }
  }

  if (!CHANNEL_RE.test(plan.microk8sChannel)) {
    push('microk8sChannel', 'channel.invalid', 'Use a snap channel such as 1.32/stable.');
  }
  const zones = ctx.timeZones;
  if (!plan.timezone || (zones && zones.length > 0 && plan.timezone !== 'UTC' && !zones.includes(plan.timezone))) {
    push('timezone', 'timezone.invalid', 'Pick a time zone such as Asia/Shanghai or Europe/Berlin.');
  }
  if (plan.password !== undefined && plan.password !== '' && plan.password.length < 8) {
    push('password', 'password.short', 'Use at least 8 characters for the ubuntu password, or leave it empty to log in with the key only.');
  }
  return issues;
}
