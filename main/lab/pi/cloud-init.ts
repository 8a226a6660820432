/**
 * What Ubuntu's first boot takes from the card's seed (cloud-init NoCloud): user-data,
 * network-config (netplan v2) and meta-data. Parsing only; pi-os.ts applies the result.
 */
import { parse as parseYaml } from 'yaml';

export interface SeedUser {
  name: string;
  groups: string[];
  sudo: 'nopasswd' | 'password' | 'none';
  /** Plain text (hashed when applied) or a crypt hash. */
  password?: { text: string } | { hash: string };
  lockPassword: boolean;
  expire: boolean;
  authorizedKeys: string[];
  isDefault: boolean;
}

export interface SeedFile {
  path: string;
  content: string;
  permissions: number;
  owner: string;
  append: boolean;
}

/** The host key types cloud-init's cc_ssh knows (its GENERATE_KEY_NAMES). */
export const HOST_KEY_TYPES = ['rsa', 'ecdsa', 'ed25519'] as const;
export type HostKeyType = (typeof HOST_KEY_TYPES)[number];

/** What cc_ssh does with the host keys on a new instance. */
export interface SshHostKeysConfig {
  /** `ssh_deletekeys` (default true): remove /etc/ssh/ssh_host_*key* first. */
  deleteKeys: boolean;
  /**
   * `ssh_keys`, when given: the files to write (`<type>_private` 0600, `<type>_public` 0644;
   * unknown entries are skipped). When absent, cc_ssh generates `genKeyTypes` instead.
   */
  keys?: Partial<Record<`${HostKeyType}_${'private' | 'public'}`, string>>;
  /** `ssh_genkeytypes` (default rsa, ecdsa, ed25519): types generated when their file is missing; unused when `keys` is given. */
  genKeyTypes: string[];
}

export interface UserData {
  hostname?: string;
  fqdn?: string;
  manageEtcHosts: boolean;
  users: SeedUser[];
  sshPwauth?: boolean;
  writeFiles: SeedFile[];
  packages: string[];
  runcmd: string[];
  sshHostKeys: SshHostKeysConfig;
}

export interface NetworkConfig {
  iface: string;
  dhcp: boolean;
  address?: string;
  prefix?: number;
  gateway?: string;
}

export const DEFAULT_USER_GROUPS = ['adm', 'dialout', 'cdrom', 'floppy', 'sudo', 'audio', 'dip', 'video', 'plugdev', 'netdev', 'lxd'];

type Yaml = Record<string, unknown>;

function asList(v: unknown): string[] {
  if (Array.isArray(v)) return v.map(String);
  if (typeof v === 'string') return v.split(',').map((s) => s.trim()).filter(Boolean);
  return [];
}

function sudoRule(v: unknown): SeedUser['sudo'] {
  if (v === false || v === undefined || v === null) return 'none';
  const rules = Array.isArray(v) ? v.map(String) : [String(v)];
  return rules.some((r) => r.includes('NOPASSWD')) ? 'nopasswd' : 'password';
}

function loadYaml(text: string | undefined): Yaml {
  if (!text) return {};
  const doc = parseYaml(text) as unknown;
  return doc && typeof doc === 'object' ? (doc as Yaml) : {};
}

/** Parse `#cloud-config` user-data. */
export function parseUserData(text: string | undefined): UserData {
  const y = loadYaml(text);
  const users: SeedUser[] = [];
  const defaultUser = (): SeedUser => ({
    name: 'ubuntu',
    groups: [...DEFAULT_USER_GROUPS],
    sudo: 'nopasswd',
    lockPassword: true,
    expire: false,
    authorizedKeys: [],
    isDefault: true,
  });
  const rawUsers = y.users === undefined ? ['default'] : Array.isArray(y.users) ? y.users : [];
  for (const u of rawUsers) {
    if (u === 'default') {
      users.push(defaultUser());
      continue;
    }
    if (!u || typeof u !== 'object') continue;
    const o = u as Yaml;
    const user: SeedUser = {
      name: String(o.name),
      groups: asList(o.groups),
      sudo: sudoRule(o.sudo),
      lockPassword: o.lock_passwd !== false,
      expire: false,
      authorizedKeys: asList(o.ssh_authorized_keys),
      isDefault: false,
    };
    const hash = o.hashed_passwd ?? o.passwd;
    if (typeof hash === 'string') user.password = { hash };
    else if (typeof o.plain_text_passwd === 'string') user.password = { text: o.plain_text_passwd };
    if (user.sudo !== 'none' && !user.groups.includes('sudo') && user.sudo === 'password') user.groups.push('sudo');
    users.push(user);
  }
  const def = users.find((u) => u.isDefault);
  if (def) def.authorizedKeys.push(...asList(y.ssh_authorized_keys));
  // chpasswd and `password:` (cloud-init's cc_set_passwords): passwords expire by default.
  const ch = (y.chpasswd ?? {}) as Yaml;
  const expire = ch.expire !== false;
  const setPassword = (name: string, pw: { text: string } | { hash: string }) => {
    const user = users.find((u) => u.name === name);
    if (!user) return;
    user.password = pw;
    user.lockPassword = false;
    user.expire = expire;
  };
  if (typeof y.password === 'string' && def) setPassword(def.name, { text: y.password });
  const list = typeof ch.list === 'string' ? ch.list.split('\n') : Array.isArray(ch.list) ? ch.list.map(String) : [];
  for (const line of list) {
    const i = line.indexOf(':');
    if (i < 0) continue;
    const pw = line.slice(i + 1).trim();
    setPassword(line.slice(0, i).trim(), pw.startsWith('$') ? { hash: pw } : { text: pw });
  }
  for (const u of Array.isArray(ch.users) ? (ch.users as Yaml[]) : []) {
    if (!u || typeof u.password !== 'string') continue;
    setPassword(String(u.name), u.type === 'hash' ? { hash: u.password } : { text: u.password });
  }
  const writeFiles: SeedFile[] = [];
  for (const f of Array.isArray(y.write_files) ? (y.write_files as Yaml[]) : []) {
    if (!f || typeof f.path !== 'string') continue;
    let content = typeof f.content === 'string' ? f.content : '';
    const enc = String(f.encoding ?? '');
    if (['b64', 'base64'].includes(enc)) content = Buffer.from(content, 'base64').toString('utf8');
    const owner = String(f.owner ?? 'root:root').split(':')[0]!;
    writeFiles.push({ path: f.path, content, permissions: parseInt(String(f.permissions ?? '0644'), 8), owner, append: f.append === true });
  }
  const runcmd = (Array.isArray(y.runcmd) ? y.runcmd : []).map((c: unknown) =>
    Array.isArray(c) ? c.map((a) => `'${String(a).replace(/'/g, `'\\''`)}'`).join(' ') : String(c),
  );
  return {
    sshHostKeys: parseSshHostKeys(y),
    hostname: typeof y.hostname === 'string' ? y.hostname : undefined,
    fqdn: typeof y.fqdn === 'string' ? y.fqdn : undefined,
    manageEtcHosts: y.manage_etc_hosts === true || y.manage_etc_hosts === 'localhost',
    users,
    sshPwauth: typeof y.ssh_pwauth === 'boolean' ? y.ssh_pwauth : undefined,
    writeFiles,
    packages: asList(y.packages),
    runcmd,
  };
}

/** cc_ssh's reading of `ssh_deletekeys`, `ssh_keys` and `ssh_genkeytypes` (cloudinit/config/cc_ssh.py). */
function parseSshHostKeys(y: Yaml): SshHostKeysConfig {
  const config: SshHostKeysConfig = {
    deleteKeys: y.ssh_deletekeys !== false,
    genKeyTypes: y.ssh_genkeytypes === undefined || y.ssh_genkeytypes === null ? [...HOST_KEY_TYPES] : asList(y.ssh_genkeytypes),
  };
  if (y.ssh_keys && typeof y.ssh_keys === 'object') {
    const keys: NonNullable<SshHostKeysConfig['keys']> = {};
    for (const [name, value] of Object.entries(y.ssh_keys as Yaml)) {
      const match = /^(rsa|ecdsa|ed25519)_(private|public)$/.exec(name);
      if (match && typeof value === 'string') keys[name as keyof typeof keys] = value; // certificates and *-sk types are not modelled
    }
    config.keys = keys;
  }
  return config;
}

/** Parse the netplan network-config; the first ethernet wins over Wi-Fi, as a cabled Pi would. */
export function parseNetworkConfig(text: string | undefined): NetworkConfig {
  const y = loadYaml(text);
  const net = (y.network ?? y) as Yaml;
  const pick = (group: unknown, fallback: string): NetworkConfig | undefined => {
    if (!group || typeof group !== 'object') return undefined;
    const entries = Object.entries(group as Yaml);
    const [name, cfg] = entries[0] ?? [];
    if (!name || !cfg || typeof cfg !== 'object') return undefined;
    const c = cfg as Yaml;
    const addr = asList(c.addresses).find((a) => /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(a));
    const routes = Array.isArray(c.routes) ? (c.routes as Yaml[]) : [];
    const via = routes.find((r) => r && (r.to === 'default' || r.to === '0.0.0.0/0'))?.via;
    if (addr && c.dhcp4 !== true) {
      const [ip, prefix] = addr.split('/') as [string, string];
      return { iface: /^(eth|wlan)\d+$/.test(name) ? name : fallback, dhcp: false, address: ip, prefix: Number(prefix), gateway: String(c.gateway4 ?? via ?? '') || undefined };
    }
    return { iface: /^(eth|wlan)\d+$/.test(name) ? name : fallback, dhcp: true };
  };
  return pick(net.ethernets, 'eth0') ?? pick(net.wifis, 'wlan0') ?? { iface: 'eth0', dhcp: true };
}

/** meta-data's instance id (`instance-id`, or `instance_id` as the Pi images spell it). */
export function parseInstanceId(text: string | undefined): string {
  const y = loadYaml(text);
  return String(y['instance-id'] ?? y.instance_id ?? 'iid-datasource-none');
}
