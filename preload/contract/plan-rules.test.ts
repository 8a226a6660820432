import { describe, expect, it } from 'vitest';
import { hostnameProblem, validatePlanRules } from './plan-rules';
import type { PlanRulesInput } from './plan-rules';

function plan(overrides: Partial<PlanRulesInput> = {}): PlanRulesInput {
  return {
    clusterName: 'home-lab',
    nodes: [
      { hostname: 'pi-01', role: 'control-plane' },
      { hostname: 'pi-02', role: 'worker' },
    ],
    network: { kind: 'ethernet', mode: 'dhcp' },
    microk8sChannel: '1.32/stable',
    timezone: 'Asia/Shanghai',
    ...overrides,
  };
}

const keys = (p: PlanRulesInput, ctx = {}) => validatePlanRules(p, ctx).map((i) => `${i.path}:${i.key}`);

describe('hostnames', () => {
  it.each([
    ['Pi_01', 'hostname.uppercase'],
    ['pi_01', 'hostname.underscore'],
    ['-pi', 'hostname.hyphenEdge'],
    ['pi.01', 'hostname.chars'],
    ['pi 01', 'hostname.chars'],
    ['', 'hostname.empty'],
    ['a'.repeat(64), 'hostname.long'],
  ])('%j is refused as %s', (name, key) => {
    expect(hostnameProblem(name)?.key).toBe(key);
  });

  it.each(['pi-01', 'a', '0pi', 'node-20-worker'])('%j is accepted', (name) => {
    expect(hostnameProblem(name)).toBeNull();
  });

  it('flags every node that shares a hostname, naming the other node', () => {
    const issues = validatePlanRules(
      plan({ nodes: [{ hostname: 'pi-01', role: 'control-plane' }, { hostname: 'pi-02', role: 'worker' }, { hostname: 'pi-02', role: 'worker' }] }),
    );
    expect(issues.map((i) => i.message)).toEqual([
      '"pi-02" is also used by node 3: every node needs its own hostname.',
      '"pi-02" is also used by node 2: every node needs its own hostname.',
    ]);
  });

  it('needs 2 to 20 nodes and at least one control plane', () => {
    expect(keys(plan({ nodes: [{ hostname: 'pi-01', role: 'control-plane' }] }))).toEqual(['nodes:nodes.count']);
    const many = Array.from({ length: 21 }, (_, i) => ({ hostname: `pi-${i}`, role: 'worker' }));
    expect(keys(plan({ nodes: many }))).toEqual(['nodes:nodes.count', 'nodes:nodes.noControlPlane']);
  });
});

describe('Wi-Fi', () => {
  const wifi = (ssid: string, passphrase: string, country = 'CN') => plan({ network: { kind: 'wifi', mode: 'dhcp', wifi: { ssid, passphrase, hidden: false, country } } });

  it('accepts SSIDs with quotes, colons, # and unicode up to 32 bytes', () => {
    expect(keys(wifi('Café "5G": #1 \'x\'', 'correct horse'))).toEqual([]);
    expect(keys(wifi('家'.repeat(10) + 'ab', 'correct horse'))).toEqual([]); // 32 bytes
  });

  it('refuses SSIDs over 32 bytes (counting UTF-8) and with line breaks', () => {
    expect(keys(wifi('家'.repeat(11), 'correct horse'))).toEqual(['network.wifi.ssid:ssid.long']);
    expect(keys(wifi('a\nb', 'correct horse'))).toEqual(['network.wifi.ssid:ssid.control']);
  });

  it('takes passphrases of 8-63 printable characters or 64 hex digits', () => {
    expect(keys(wifi('home', '1234567'))).toEqual(['network.wifi.passphrase:passphrase.length']);
    expect(keys(wifi('home', '12345678'))).toEqual([]);
    expect(keys(wifi('home', 'x'.repeat(63)))).toEqual([]);
    expect(keys(wifi('home', 'x'.repeat(64)))).toEqual(['network.wifi.passphrase:passphrase.length']);
    expect(keys(wifi('home', 'ab'.repeat(32)))).toEqual([]);
    expect(keys(wifi('home', 'pässwörd1'))).toEqual(['network.wifi.passphrase:passphrase.chars']);
  });

  it('keeps a stored passphrase only for the same SSID', () => {
    expect(keys(wifi('home', ''), { storedWifiSsid: 'home' })).toEqual([]);
    expect(keys(wifi('other', ''), { storedWifiSsid: 'home' })).toEqual(['network.wifi.passphrase:passphrase.length']);
  });

  it('needs a real country code', () => {
    expect(keys(wifi('home', '12345678', 'XX'))).toEqual(['network.wifi.country:country.invalid']);
  });
});

describe('static addresses', () => {
  const st = (addresses: string[], gateway = '192.0.2.1', prefix = 24) =>
    plan({
      nodes: addresses.map((address, i) => ({ hostname: `pi-0${i + 1}`, role: i === 0 ? 'control-plane' : 'worker', address })),
      network: { kind: 'ethernet', mode: 'static', static: { prefix, gateway, dns: ['192.0.2.1'] } },
    });

  it('accepts unique host addresses inside the gateway network', () => {
    expect(keys(st(['192.0.2.21', '192.0.2.22']))).toEqual([]);
  });

  it('refuses addresses outside the prefix, network and broadcast addresses, the gateway, and duplicates', () => {
    const issues = validatePlanRules(st(['198.51.100.5', '192.0.2.0', '192.0.2.255', '192.0.2.1', '192.0.2.9', '192.0.2.9']));
    expect(issues.map((i) => `${i.path}:${i.key}`)).toEqual([
      'nodes.0.address:ip.outside',
      'nodes.1.address:ip.network',
      'nodes.2.address:ip.broadcast',
      'nodes.3.address:ip.gateway',
      'nodes.5.address:ip.duplicate',
    ]);
    expect(issues[0]?.message).toBe('198.51.100.5 is outside the network 192.0.2.0/24 of the gateway: pick an address inside it.');
  });

  it('uses the prefix to decide the network', () => {
    expect(keys(st(['192.0.2.130', '192.0.2.20'], '192.0.2.129', 25))).toEqual(['nodes.1.address:ip.outside']);
  });

  it('refuses malformed addresses and prefixes', () => {
    expect(keys(st(['192.0.2.256', '192.0.2.3'], '192.0.2.1', 31))).toEqual(['network.static.prefix:prefix.range', 'nodes.0.address:ip.invalid']);
  });
});

describe('software', () => {
  it('checks the snap channel and the time zone', () => {
    expect(keys(plan({ microk8sChannel: '1.32', timezone: 'Mars/Base' }), { timeZones: ['Asia/Shanghai'] })).toEqual([
      'microk8sChannel:channel.invalid',
      'timezone:timezone.invalid',
    ]);
  });
});
