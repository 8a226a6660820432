import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { candidateSubnets } from './interfaces';

function v4(address: string, cidrBits: number, internal = false): NetworkInterfaceInfo {
  const mask = (0xffffffff << (32 - cidrBits)) >>> 0;
  const netmask = [24, 16, 8, 0].map((s) => (mask >>> s) & 255).join('.');
  return { address, netmask, family: 'IPv4', mac: '3c:22:fb:00:00:01', internal, cidr: `${address}/${cidrBits}` };
}
const v6: NetworkInterfaceInfo = { address: 'fe80::1', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '3c:22:fb:00:00:01', internal: false, cidr: 'fe80::1/64', scopeid: 2 };

describe('candidate subnets', () => {
  it('keeps the home LAN interfaces and skips loopback, virtual, VPN and container ones', () => {
    const result = candidateSubnets({
      lo: [v4('127.0.0.1', 8, true)],
      wlp2s0: [v4('192.168.1.10', 24), v6],
      enp0s31f6: [v4('10.0.0.5', 24)],
      docker0: [v4('172.17.0.1', 16)],
      'br-3f2a': [v4('172.18.0.1', 16)],
      veth12ab: [v4('10.1.0.1', 24)],
      virbr0: [v4('192.168.122.1', 24)],
      vmnet8: [v4('192.168.56.1', 24)],
      vboxnet0: [v4('192.168.57.1', 24)],
      tun0: [v4('10.8.0.2', 24)],
      wg0: [v4('10.9.0.2', 24)],
      utun3: [v4('10.10.0.2', 24)],
      zt7nnig26: [v4('10.147.17.5', 24)],
      tailscale0: [v4('100.101.102.103', 32)],
      'vEthernet (WSL)': [v4('172.29.80.1', 20)],
      bridge100: [v4('192.168.64.1', 24)],
      ppp0: [v4('10.64.0.9', 24)],
      'Wi-Fi': [v4('169.254.10.20', 16)],
    });
    expect(result.map((s) => [s.interfaceName, s.cidr, s.localAddress])).toEqual([
      ['wlp2s0', '192.168.1.0/24', '192.168.1.10'],
      ['enp0s31f6', '10.0.0.0/24', '10.0.0.5'],
    ]);
  });

  it('narrows a wide subnet to the /22 around the laptop and reports it', () => {
    const [s] = candidateSubnets({ eth0: [v4('10.20.37.9', 16)] });
    expect(s).toMatchObject({ cidr: '10.20.36.0/22', narrowedFrom: '10.20.0.0/16' });
  });

  it('falls back to the netmask when cidr is missing and lists a subnet once', () => {
    const a = { ...v4('192.168.0.7', 24), cidr: null };
    const result = candidateSubnets({ 'Ethernet 2': [a], Ethernet: [v4('192.168.0.8', 24)] });
    expect(result.map((s) => s.cidr)).toEqual(['192.168.0.0/24']);
  });
});
