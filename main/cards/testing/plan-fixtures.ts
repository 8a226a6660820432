/** Plans for card tests: the tutorial's two-node cluster, with overrides. */
import type { StoredPlan } from '../../../preload/contract/plan';

export const TEST_PUBLIC_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGAKbWTH55Hp5yYc3QhY52+0unygTT7+1qjPg4RhYKKJ pi-cluster-wizard@home';
/** sha512-crypt of "raspberry" with salt "saltsalt". */
export const TEST_PASSWORD_HASH = '$6$saltsalt$677q0O/U8ycKsbBfN68CgcyXcWEbi0J/eUf256PkkeGXfNX3CNnPlwFdNvdBgnSiHDx5X1Xozxf5lg9iVIVVu/';
export const TEST_PSK = 'f3b7c3c0c1ef4d4e53d9f2f95a54e1ad1c5b9c4f18f1b0a9f1d3c6b2e8a7d4c1';

export function testPlan(overrides: Partial<StoredPlan> = {}): StoredPlan {
  return {
    clusterName: 'home-lab',
    nodes: [
      { hostname: 'pi-01', role: 'control-plane', address: '192.168.1.101' },
      { hostname: 'pi-02', role: 'worker', address: '192.168.1.102' },
    ],
    network: { kind: 'ethernet', mode: 'static', static: { prefix: 24, gateway: '192.168.1.1', dns: ['192.168.1.1', '223.5.5.5'] } },
    login: { publicKey: TEST_PUBLIC_KEY },
    microk8sChannel: '1.32/stable',
    ubuntuRelease: '24.04',
    timezone: 'Asia/Shanghai',
    savedAt: 1_700_000_000_000,
    ...overrides,
  };
}

export function wifiPlan(ssid: string, options: { hidden?: boolean; country?: string; dhcp?: boolean } = {}): StoredPlan {
  const base = testPlan();
  return {
    ...base,
    nodes: options.dhcp ? base.nodes.map(({ hostname, role }) => ({ hostname, role })) : base.nodes,
    network: {
      kind: 'wifi',
      wifi: { ssid, psk: TEST_PSK, hidden: options.hidden ?? false, country: options.country ?? 'CN' },
      mode: options.dhcp ? 'dhcp' : 'static',
      ...(options.dhcp ? {} : { static: base.network.static }),
    },
  };
}
