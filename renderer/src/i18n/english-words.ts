/**
 * What counts as an English word on a Chinese screen: Latin words of three letters or more,
 * except product and protocol names a Chinese user reads as they are. Names, paths, addresses
 * and commands are shown in `.mono` (`<mono>` in a message) and are not looked at. Shared by the
 * catalogue test and the end-to-end walk in Chinese (tests/e2e/chinese.spec.ts).
 */
export const ALLOWED_LATIN = [
  'MicroK8s',
  'Ubuntu',
  'Server',
  'Raspberry Pi',
  'Raspberry Pi OS',
  'Raspberry Pi Imager',
  'Debian',
  'Wi-Fi',
  'SSH',
  'DNS',
  'mDNS',
  'SD',
  'kubeconfig',
  'kubectl',
  'nginx',
  'IPv4',
  'CIDR',
  'DHCP',
  'Kubernetes',
  'Pod',
  'API',
  'TCP',
  'UDP',
  'HTTPS',
  'VXLAN',
  'cgroup',
  'Snap',
  'snap',
  'LTS',
  'GiB',
  'MiB',
  'SHA-256',
  'SHA256',
  'SSID',
  'eMMC',
  'ASCII',
  // Kubernetes' own names for its objects, kept in English in Chinese documentation too.
  'Deployment',
  'Service',
  'ConfigMap',
  'Secret',
  'ResourceQuota',
  'LimitRange',
  'Namespace',
  'Node',
] as const;

const allowed = new RegExp(`(^|[^A-Za-z])(${[...ALLOWED_LATIN].sort((a, b) => b.length - a.length).map((w) => w.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')).join('|')})(?=$|[^A-Za-z])`, 'g');

/** The English words in `text` (after taking the allowed names out). */
export function englishWords(text: string): string[] {
  return [...text.replace(allowed, '$1 ').matchAll(/[A-Za-z]{3,}/g)].map((m) => m[0]);
}
