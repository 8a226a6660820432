/**
 * `network-config` on system-boot: netplan v2, which cloud-init passes through to netplan on
 * first boot. One interface, as the plan says:
 *  - Ethernet `eth0`, or Wi-Fi `wlan0` with one access point (SSID as the key, the 64-hex PSK
 *    as `password`, which netplan hands to wpa_supplicant as a raw PSK; `hidden: true` makes it
 *    probe for a hidden SSID);
 *  - DHCP, or a static address/prefix with a default route via the gateway and DNS servers;
 *  - `optional: true` as Ubuntu ships it (boot does not wait for the network);
 *  - Wi-Fi regulatory domain: 24.04's netplan (1.0) has `regulatory-domain` (netplan PR #281,
 *    July 2022, after 22.04's netplan 0.104); 22.04's own network-config says to use the
 *    `cfg80211.ieee80211_regdom=XX` kernel argument instead, see cmdline.ts.
 */
import type { StoredPlan, UbuntuRelease } from '../../preload/contract/plan';
import { isIPv4, utf8Length } from '../../preload/contract/plan-rules';
import { BootConfigError, toYaml } from './boot-yaml';

export const ETHERNET_INTERFACE = 'eth0';
export const WIFI_INTERFACE = 'wlan0';

/** Whether this release takes the regulatory domain in netplan (else on the kernel command line). */
export function regdomInNetplan(release: UbuntuRelease): boolean {
  return release !== '22.04';
}

export function checkSsid(ssid: string): void {
  const bytes = utf8Length(ssid);
  if (bytes === 0) throw new BootConfigError('The Wi-Fi network name (SSID) is empty.');
  if (bytes > 32) throw new BootConfigError(`A Wi-Fi network name can be at most 32 bytes; this one is ${bytes}.`);
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is rejected
  if (/[\u0000-\u001f\u007f]/.test(ssid)) throw new BootConfigError('The Wi-Fi network name cannot contain line breaks or control characters.');
}

export function checkCountry(country: string): void {
  if (!/^[A-Z]{2}$/.test(country)) throw new BootConfigError(`The Wi-Fi country must be a two-letter code like CN or GB, not ${JSON.stringify(country)}.`);
}

export function networkConfig(plan: StoredPlan, hostname: string, release: UbuntuRelease): string {
  const node = plan.nodes.find((n) => n.hostname === hostname);
  if (!node) throw new BootConfigError(`${hostname} is not a node of the plan.`);
  const { network } = plan;

  const iface: Record<string, unknown> = {};
  if (network.mode === 'static') {
    const settings = network.static;
    if (!settings || !node.address || !isIPv4(node.address)) {
      throw new BootConfigError(`${hostname} needs an IPv4 address, a prefix and a gateway for a static network.`);
    }
    if (!Number.isInteger(settings.prefix) || settings.prefix < 1 || settings.prefix > 32 || !isIPv4(settings.gateway)) {
      throw new BootConfigError('The static network needs a prefix between 1 and 32 and an IPv4 gateway.');
    }
    iface['dhcp4'] = false;
    iface['addresses'] = [`${node.address}/${settings.prefix}`];
    iface['routes'] = [{ to: 'default', via: settings.gateway }];
    if (settings.dns.length > 0) iface['nameservers'] = { addresses: [...settings.dns] };
  } else {
    iface['dhcp4'] = true;
  }
  iface['optional'] = true;

  const config: Record<string, unknown> = { version: 2 };
  if (network.kind === 'wifi') {
    const wifi = network.wifi;
    if (!wifi) throw new BootConfigError('The plan uses Wi-Fi but has no Wi-Fi settings.');
    checkSsid(wifi.ssid);
    checkCountry(wifi.country);
    if (!/^[0-9a-f]{64}$/.test(wifi.psk)) throw new BootConfigError('The stored Wi-Fi key is not a 64-digit PSK; enter the passphrase again.');
    const accessPoint: Record<string, unknown> = { password: wifi.psk };
    if (wifi.hidden) accessPoint['hidden'] = true;
    if (regdomInNetplan(release)) iface['regulatory-domain'] = wifi.country;
    iface['access-points'] = { [wifi.ssid]: accessPoint };
    config['wifis'] = { [WIFI_INTERFACE]: iface };
  } else {
    config['ethernets'] = { [ETHERNET_INTERFACE]: iface };
  }
  return `# Written by Pi Cluster Wizard for ${hostname} (netplan v2, applied by cloud-init on first boot).\n${toYaml({ network: config })}`;
}
