import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { bootConfig, CMDLINE, CMDLINE_BACKUP, wipeBootFiles } from './boot-config';
import { BootConfigError } from './boot-yaml';
import { CGROUP_ARGS, cmdlineArgs, patchCmdline } from './cmdline';
import { metaData } from './meta-data';
import { networkConfig } from './network-config';
import { TEST_PASSWORD_HASH, TEST_PSK, TEST_PUBLIC_KEY, testPlan, wifiPlan } from './testing/plan-fixtures';
import { generateEd25519 } from '../ssh/keygen';
import { hostsFile, needsModulesExtra, userData } from './user-data';

/** The node's host key pair as boot-config.ts makes it for each card. */
const HOST_KEY = generateEd25519('root@pi-01');

/** Runs ssh-keygen (OpenSSH's own reading of a key file) on `text` written to a 0600 file. */
function sshKeygen(args: string[], text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'pcw-hostkey-'));
  try {
    const file = join(dir, 'key');
    writeFileSync(file, text, { mode: 0o600 });
    return execFileSync('ssh-keygen', [...args, file], { encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const NOBLE_CMDLINE = 'console=serial0,115200 multipath=off dwc_otg.lpm_enable=0 console=tty1 root=LABEL=writable rootfstype=ext4 rootwait fixrtc\n';

/** PyYAML is what cloud-init parses these files with; use it when this machine has it. */
function pyYamlAvailable(): boolean {
  try {
    execFileSync('python3', ['-c', 'import yaml'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const hasPyYaml = pyYamlAvailable();
/** Parse many documents with PyYAML in one python3 run. */
function pyYamlLoadAll(texts: string[]): unknown[] {
  const script = 'import sys, json, yaml; print(json.dumps([yaml.safe_load(t) for t in json.load(sys.stdin)], default=str))';
  return JSON.parse(execFileSync('python3', ['-c', script], { input: JSON.stringify(texts) }).toString()) as unknown[];
}

/** Every document parsed in this file, checked against PyYAML at the end. */
const parsed: { text: string; doc: unknown }[] = [];
function parseBoth(text: string): unknown {
  const doc = parse(text, { version: '1.1' }) as unknown;
  parsed.push({ text, doc });
  return doc;
}

const HOSTILE_SSIDS = [
  'Home WiFi',
  'yes',
  'off',
  'null',
  '12:30',
  '0755',
  '1e3',
  'caf\u00e9 "quoted" \'single\'',
  'key: value # not a comment',
  '#start',
  '- list',
  '[brackets] {braces}',
  '&a *b !t %p @a `t` |x >y',
  ' leading and trailing ',
  '\\backslash\\',
  '\u4e2d\u6587\u7f51\u7edc\u540d\u79f0',
  '\ud83d\udce1 emoji',
  'x'.repeat(32),
  '\u00e9'.repeat(16),
];

describe('network-config', () => {
  it.each(HOSTILE_SSIDS)('keeps the SSID %j exactly as typed, with the PSK as password', (ssid) => {
    for (const release of ['24.04', '22.04'] as const) {
      const doc = parseBoth(networkConfig(wifiPlan(ssid, { hidden: true }), 'pi-01', release)) as {
        network: { version: number; wifis: { wlan0: Record<string, unknown> & { 'access-points': Record<string, { password: string; hidden?: boolean }> } } };
      };
      const wlan0 = doc.network.wifis.wlan0;
      expect(doc.network.version).toBe(2);
      expect(Object.keys(wlan0['access-points'])).toEqual([ssid]);
      expect(wlan0['access-points'][ssid]).toEqual({ password: TEST_PSK, hidden: true });
      expect(wlan0['optional']).toBe(true);
      expect(wlan0['regulatory-domain']).toBe(release === '24.04' ? 'CN' : undefined);
    }
  });

  it.each([
    ['a newline', 'two\nlines', /line breaks/],
    ['a tab', 'tab\there', /control characters/],
    ['33 bytes of UTF-8', '\u4e2d'.repeat(11), /at most 32 bytes; this one is 33/],
    ['nothing', '', /empty/],
  ])('rejects an SSID with %s', (_what, ssid, message) => {
    expect(() => networkConfig(wifiPlan(ssid), 'pi-01', '24.04')).toThrow(message);
    expect(() => networkConfig(wifiPlan(ssid), 'pi-01', '24.04')).toThrow(BootConfigError);
  });

  it('writes a visible network without hidden, and DHCP without addresses', () => {
    const doc = parseBoth(networkConfig(wifiPlan('Home', { dhcp: true }), 'pi-02', '24.04')) as { network: { wifis: { wlan0: Record<string, unknown> } } };
    expect(doc.network.wifis.wlan0).toEqual({ dhcp4: true, optional: true, 'regulatory-domain': 'CN', 'access-points': { Home: { password: TEST_PSK } } });
  });

  it('writes static Ethernet: address/prefix, default route via the gateway, DNS', () => {
    const doc = parseBoth(networkConfig(testPlan(), 'pi-02', '22.04'));
    expect(doc).toEqual({
      network: {
        version: 2,
        ethernets: {
          eth0: {
            dhcp4: false,
            addresses: ['192.168.1.102/24'],
            routes: [{ to: 'default', via: '192.168.1.1' }],
            nameservers: { addresses: ['192.168.1.1', '223.5.5.5'] },
            optional: true,
          },
        },
      },
    });
  });

  it('writes Ethernet DHCP as Ubuntu ships it', () => {
    const plan = testPlan({ network: { kind: 'ethernet', mode: 'dhcp' }, nodes: [{ hostname: 'pi-01', role: 'control-plane' }, { hostname: 'pi-02', role: 'worker' }] });
    expect(parseBoth(networkConfig(plan, 'pi-01', '24.04'))).toEqual({ network: { version: 2, ethernets: { eth0: { dhcp4: true, optional: true } } } });
  });

  it('refuses a static plan without an address for the node', () => {
    const plan = testPlan({ nodes: [{ hostname: 'pi-01', role: 'control-plane' }] });
    expect(() => networkConfig(plan, 'pi-01', '24.04')).toThrow(/needs an IPv4 address/);
  });
});

describe('cmdline.txt', () => {
  it('prepends the cgroup flags once, however often it is written, keeping every other argument', () => {
    const once = patchCmdline(NOBLE_CMDLINE);
    const twice = patchCmdline(once);
    expect(twice).toBe(once);
    expect(once.split('\n')).toEqual([expect.any(String), '']);
    const args = cmdlineArgs(twice);
    expect(args.slice(0, 2)).toEqual([...CGROUP_ARGS]);
    expect(args.filter((a) => a === 'cgroup_enable=memory')).toHaveLength(1);
    expect(args.slice(2)).toEqual(cmdlineArgs(NOBLE_CMDLINE));
  });

  it('moves flags a user added elsewhere to the front, and sets or replaces the regulatory domain', () => {
    const edited = 'console=tty1 cgroup_memory=1 root=LABEL=writable cgroup_enable=memory cfg80211.ieee80211_regdom=GB rootwait\n';
    expect(patchCmdline(edited, { regdom: 'CN' })).toBe('cgroup_enable=memory cgroup_memory=1 cfg80211.ieee80211_regdom=CN console=tty1 root=LABEL=writable rootwait\n');
    expect(patchCmdline(edited)).toBe('cgroup_enable=memory cgroup_memory=1 console=tty1 root=LABEL=writable cfg80211.ieee80211_regdom=GB rootwait\n');
  });

  it('uses only the first line, as the firmware does', () => {
    expect(patchCmdline('\uFEFFroot=LABEL=writable rootwait\r\nignored=1\n')).toBe('cgroup_enable=memory cgroup_memory=1 root=LABEL=writable rootwait\n');
  });
});

describe('user-data', () => {
  it('starts with #cloud-config and sets hostname, key-only login, hosts for every node, timezone (24.04)', () => {
    const text = userData(testPlan(), 'pi-01', '24.04', HOST_KEY);
    expect(text.split('\n')[0]).toBe('#cloud-config');
    const doc = parseBoth(text) as Record<string, unknown> & { users: Record<string, unknown>[]; write_files: { path: string; content: string }[] };
    expect(doc['hostname']).toBe('pi-01');
    expect(doc['timezone']).toBe('Asia/Shanghai');
    expect(doc['ssh_pwauth']).toBe(false);
    expect(doc['chpasswd']).toEqual({ expire: false });
    expect(doc['manage_etc_hosts']).toBe(false);
    expect(doc['packages']).toBeUndefined();
    expect(doc.users).toHaveLength(1);
    expect(doc.users[0]).toMatchObject({ name: 'ubuntu', lock_passwd: true, sudo: 'ALL=(ALL) NOPASSWD:ALL', ssh_authorized_keys: [TEST_PUBLIC_KEY] });
    expect(doc.users[0]).not.toHaveProperty('passwd');
    const hosts = doc.write_files.find((f) => f.path === '/etc/hosts')!.content;
    expect(hosts).toContain('192.168.1.101 pi-01\n');
    expect(hosts).toContain('192.168.1.102 pi-02\n');
    expect(hosts).toContain('127.0.0.1 localhost\n');
    expect(hosts).not.toContain('127.0.1.1');
  });

  it('sets the password hash only when the plan has one, never expires it, and allows password SSH then', () => {
    const doc = parseBoth(userData(testPlan({ login: { publicKey: TEST_PUBLIC_KEY, passwordHash: TEST_PASSWORD_HASH } }), 'pi-02', '24.04', HOST_KEY)) as Record<string, unknown> & { users: Record<string, unknown>[] };
    expect(doc.users[0]).toMatchObject({ lock_passwd: false, passwd: TEST_PASSWORD_HASH });
    expect(doc['ssh_pwauth']).toBe(true);
    expect(doc['chpasswd']).toEqual({ expire: false });
  });

  it('installs linux-modules-extra-raspi on 22.04 only (releases 21.10 to 23.10)', () => {
    const doc = parseBoth(userData(testPlan(), 'pi-01', '22.04', HOST_KEY)) as Record<string, unknown>;
    expect(doc['packages']).toEqual(['linux-modules-extra-raspi']);
    expect(doc['package_update']).toBe(true);
    expect(['21.04', '21.10', '22.04', '23.10', '24.04'].map(needsModulesExtra)).toEqual([false, true, true, true, false]);
  });

  it('with DHCP maps only its own name (the others are added after discovery)', () => {
    const plan = testPlan({ network: { kind: 'ethernet', mode: 'dhcp' }, nodes: [{ hostname: 'pi-01', role: 'control-plane' }, { hostname: 'pi-02', role: 'worker' }] });
    const hosts = hostsFile(plan, 'pi-02');
    expect(hosts).toContain('127.0.1.1 pi-02\n');
    expect(hosts).not.toContain('pi-01');
  });

  it.each(['Pi-01', 'pi_01', 'pi-01\nroot', 'a:b', '-pi', 'pi 01', 'yes:'])('rejects the hostname %j', (bad) => {
    const plan = testPlan({ nodes: [{ hostname: bad, role: 'control-plane', address: '192.168.1.101' }] });
    expect(() => userData(plan, bad, '24.04', HOST_KEY)).toThrow(BootConfigError);
  });

  it('keeps YAML-1.1-looking hostnames as strings', () => {
    const plan = testPlan({ nodes: [{ hostname: 'yes', role: 'control-plane', address: '192.168.1.101' }, { hostname: '0755', role: 'worker', address: '192.168.1.102' }] });
    const doc = parseBoth(userData(plan, '0755', '24.04', HOST_KEY)) as Record<string, unknown>;
    expect(doc['hostname']).toBe('0755');
  });

  it("writes the node's own host key for cloud-init's ssh module: the image's keys deleted, no other type generated", () => {
    const doc = parseBoth(userData(testPlan(), 'pi-01', '24.04', HOST_KEY)) as Record<string, unknown> & { ssh_keys: Record<string, string> };
    expect(doc['ssh_deletekeys']).toBe(true);
    expect(doc['ssh_genkeytypes']).toEqual([]);
    expect(Object.keys(doc.ssh_keys).sort()).toEqual(['ed25519_private', 'ed25519_public']);
    expect(doc.ssh_keys['ed25519_public']).toBe(`${HOST_KEY.public.trim()}\n`);
    // OpenSSH reads the private key file cc_ssh writes, and its public half is the one pinned.
    expect(doc.ssh_keys['ed25519_private']!.endsWith('-----END OPENSSH PRIVATE KEY-----\n')).toBe(true);
    const derived = sshKeygen(['-y', '-f'], doc.ssh_keys['ed25519_private']!).trim().split(' ').slice(0, 2).join(' ');
    expect(derived).toBe(HOST_KEY.public.split(' ').slice(0, 2).join(' '));
  });

  it('refuses a host key pair that is not a usable ed25519 pair', () => {
    const other = generateEd25519();
    expect(() => userData(testPlan(), 'pi-01', '24.04', { private: 'not a key', public: HOST_KEY.public })).toThrow(/host key/);
    expect(() => userData(testPlan(), 'pi-01', '24.04', { private: other.private, public: 'ssh-rsa AAAAB3NzaC1yc2E= x' })).toThrow(/host key/);
  });

  it('rejects a malformed key or hash instead of writing it', () => {
    expect(() => userData(testPlan({ login: { publicKey: 'ssh-ed25519 AAAA\nssh-rsa BBBB' } }), 'pi-01', '24.04', HOST_KEY)).toThrow(/SSH public key/);
    expect(() => userData(testPlan({ login: { publicKey: TEST_PUBLIC_KEY, passwordHash: 'plain' } }), 'pi-01', '24.04', HOST_KEY)).toThrow(/sha512-crypt/);
  });
});

describe('meta-data and the whole boot configuration', () => {
  it('gets a new instance-id on every write', () => {
    const a = parseBoth(metaData('pi-01')) as Record<string, string>;
    const b = parseBoth(metaData('pi-01')) as Record<string, string>;
    expect(a['instance-id']).toMatch(/^pcw-pi-01-[0-9a-f]{12}$/);
    expect(a['instance-id']).not.toBe(b['instance-id']);
    expect(a['dsmode']).toBe('local');
  });

  it('backs cmdline.txt up once, then writes the files in a safe order', () => {
    const plan = wifiPlan('Home', { country: 'DE' });
    const first = bootConfig(plan, 'pi-01', { release: '22.04', cmdline: NOBLE_CMDLINE, hasCmdlineBackup: false });
    expect(first.files.map((f) => f.name)).toEqual([CMDLINE_BACKUP, CMDLINE, 'ssh', 'network-config', 'user-data', 'meta-data']);
    expect(first.files[0]!.data.toString()).toBe(NOBLE_CMDLINE);
    expect(first.files.find((f) => f.name === 'ssh')!.data.length).toBe(0);
    const cmdline = first.files.find((f) => f.name === CMDLINE)!.data.toString();
    expect(cmdline).toContain('cfg80211.ieee80211_regdom=DE');
    const again = bootConfig(plan, 'pi-01', { release: '22.04', cmdline, hasCmdlineBackup: true });
    expect(again.files.map((f) => f.name)).not.toContain(CMDLINE_BACKUP);
    expect(again.files.find((f) => f.name === CMDLINE)!.data.toString()).toBe(cmdline);
    expect(again.instanceId).not.toBe(first.instanceId);
    // 24.04 takes the regulatory domain in netplan instead.
    const noble = bootConfig(plan, 'pi-01', { release: '24.04', cmdline: NOBLE_CMDLINE, hasCmdlineBackup: true });
    expect(noble.files.find((f) => f.name === CMDLINE)!.data.toString()).not.toContain('regdom');
  });

  it('makes a new host key for every card and hands out only its public half, fingerprinted as ssh-keygen does', () => {
    const card = { release: '24.04', cmdline: NOBLE_CMDLINE, hasCmdlineBackup: true } as const;
    const a = bootConfig(testPlan(), 'pi-01', card);
    const b = bootConfig(testPlan(), 'pi-01', card);
    expect(a.hostKey.fingerprint).not.toBe(b.hostKey.fingerprint);
    expect(Object.keys(a.hostKey).sort()).toEqual(['fingerprint', 'keyType', 'publicKey']);
    expect(a.hostKey.keyType).toBe('ssh-ed25519');
    expect(a.hostKey.publicKey).not.toMatch(/PRIVATE/);
    const written = parseBoth(a.files.find((f) => f.name === 'user-data')!.data.toString()) as { ssh_keys: Record<string, string> };
    expect(written.ssh_keys['ed25519_public']!.trim()).toBe(a.hostKey.publicKey);
    expect(sshKeygen(['-l', '-f'], `${a.hostKey.publicKey}\n`).split(' ')[1]).toBe(a.hostKey.fingerprint);
    wipeBootFiles(a.files);
    expect(a.files.every((f) => f.data.every((byte) => byte === 0))).toBe(true);
  });
});

describe('PyYAML (what cloud-init parses with)', () => {
  it.skipIf(!hasPyYaml)('reads every generated file exactly as the yaml library does', () => {
    expect(parsed.length).toBeGreaterThan(40);
    expect(pyYamlLoadAll(parsed.map((p) => p.text))).toEqual(parsed.map((p) => p.doc));
  });
});
