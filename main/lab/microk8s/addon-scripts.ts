/**
 * MicroK8s 1.32's enable/disable scripts of the addons the lab runs as real objects (metallb,
 * metrics-server, dns), step by step as canonical/microk8s-core-addons' scripts do them: their
 * echo lines, the output of each kubectl command they run (through the lab API's AddonObjects),
 * their waits, and `set -e` (a failing kubectl ends the script with its error).
 */
import type { AddonObjects } from '../kube/addons/lab-addons';
import type { KubectlResult } from '../kube/addons/manifest-apply';
import type { CommandContext } from '../shell/shell';
import type { LabClock } from '../lab-clock';

export interface AddonScript {
  ctx: CommandContext;
  clock: LabClock;
  objects: AddonObjects;
  /** The addon's arguments ($1 of the script). */
  args: string[];
}

/** Print a kubectl result; true when kubectl succeeded. */
function kubectl(s: AddonScript, r: KubectlResult): boolean {
  for (const l of r.lines) s.ctx.stdout(l + '\n');
  for (const e of r.errors) s.ctx.stderr(e + '\n');
  return r.errors.length === 0;
}

const IPV4_RANGE = /^[0-9][0-9]*\.[0-9][0-9]*\.[0-9][0-9]*\.[0-9][0-9]*-[0-9][0-9]*\.[0-9][0-9]*\.[0-9][0-9]*\.[0-9][0-9]*$/;
const IPV4_CIDR = /^[0-9][0-9]*\.[0-9][0-9]*\.[0-9][0-9]*\.[0-9]{1,3}\/[0-9]{1,3}$/;
const IPV6_RANGE = /^(([0-9a-fA-F]{1,4}:){1,7}((([0-9a-fA-F]{1,4})?(:[0-9a-fA-F]{1,4}){1,6})|:))-(([0-9a-fA-F]{1,4}:){1,7}((([0-9a-fA-F]{1,4})?(:[0-9a-fA-F]{1,4}){1,6})|:))$/;
const IPV6_CIDR = /^(([0-9a-fA-F]{1,4}:){1,7}((([0-9a-fA-F]{1,4})?(:[0-9a-fA-F]{1,4}){1,6})|:))\/[0-9]{1,3}$/;

/** `kubectl -n <ns> wait deployment <name> --for condition=Available=True --timeout=30s`, polled each lab second. */
async function waitAvailable(s: AddonScript, namespace: string, name: string, timeoutMs: number): Promise<boolean> {
  const deadline = s.clock.now() + timeoutMs;
  for (;;) {
    if (s.objects.deploymentAvailable(namespace, name)) {
      s.ctx.stdout(`deployment.apps/${name} condition met\n`);
      return true;
    }
    if (s.clock.now() >= deadline) {
      s.ctx.stderr(`error: timed out waiting for the condition on deployments/${name}\n`);
      return false;
    }
    await s.clock.sleep(1_000, s.ctx.signal);
  }
}

/** core-addons addons/metallb/enable */
export async function enableMetalLB(s: AddonScript): Promise<number> {
  const { ctx } = s;
  ctx.stdout('Enabling MetalLB\n');
  let input = s.args.join(' ').trim();
  if (!input) {
    ctx.stdout("Enter each IP address range delimited by comma (e.g. '10.64.140.43-10.64.140.49,192.168.0.105-192.168.0.111'): ");
    input = ((await ctx.stdin.readLine()) ?? '').trim();
    if (!input) {
      ctx.stdout(
        'You have to input an IP Range value when asked, or provide it as an argument to the enable command, eg:\n' +
          '  microk8s enable metallb 10.64.140.43-10.64.140.49,192.168.0.105-192.168.0.111\n' +
          'You can also use CIDR notation, eg.\n' +
          '  microk8s enable metallb 192.168.1.240/24\n',
      );
      return 1;
    }
  }
  // read -ra ARGUMENTS <<< "$1"; then `echo $ip_range_input | sed 's/,/\n/g'` word-split.
  const ranges = input.split(/[,\s]+/).filter(Boolean);
  for (const r of ranges) {
    if (!(IPV4_RANGE.test(r) || IPV4_CIDR.test(r) || IPV6_RANGE.test(r) || IPV6_CIDR.test(r))) {
      ctx.stdout(`Your input value (${r}) is not a valid IP Range\n`);
      return 1;
    }
  }
  ctx.stdout('Applying Metallb manifest\n');
  if (!kubectl(s, s.objects.apply('metallb/crd'))) return 1;
  if (!kubectl(s, s.objects.apply('metallb/metallb'))) return 1;
  ctx.stdout('Waiting for Metallb controller to be ready.\n');
  while (!(await waitAvailable(s, 'metallb-system', 'controller', 30_000))) {
    ctx.stdout('MetalLB controller is still not ready\n');
    await s.clock.sleep(1_000, ctx.signal);
  }
  const addresses = `addresses:${ranges.map((r) => `\n      - ${r}`).join('')}`;
  while (!kubectl(s, s.objects.apply('metallb/addresspool', { '{{addresses}}': addresses }))) {
    ctx.stdout('Failed to create default address pool, will retry\n');
    await s.clock.sleep(1_000, ctx.signal);
  }
  ctx.stdout('MetalLB is enabled\n');
  return 0;
}

/** core-addons addons/metallb/disable */
export async function disableMetalLB(s: AddonScript): Promise<number> {
  const { ctx } = s;
  ctx.stdout('Disabling MetalLB\n');
  for (const name of ['metallb-webhook-configuration', 'validating-webhook-configuration']) {
    const hook = s.objects.get('ValidatingWebhookConfiguration', undefined, name);
    if (hook && JSON.stringify(hook).includes('metallb.io')) {
      if (!kubectl(s, s.objects.deleteObject('ValidatingWebhookConfiguration', undefined, name))) return 1;
    }
  }
  if (!kubectl(s, s.objects.delete('metallb/crd'))) return 1;
  if (!kubectl(s, s.objects.deleteObject('Namespace', undefined, 'metallb-system'))) return 1;
  // kubectl delete waits until the namespace is gone.
  while (s.objects.get('Namespace', undefined, 'metallb-system')) await s.clock.sleep(1_000, ctx.signal);
  for (const [kind, name] of [
    ['ClusterRoleBinding', 'metallb-system:controller'],
    ['ClusterRoleBinding', 'metallb-system:speaker'],
    ['ClusterRole', 'metallb-system:controller'],
    ['ClusterRole', 'metallb-system:speaker'],
  ] as const) {
    if (!kubectl(s, s.objects.deleteObject(kind, undefined, name))) return 1;
  }
  ctx.stdout('MetalLB is terminated\n');
  return 0;
}

/** core-addons addons/metrics-server/enable (the kubelet already runs with --authentication-token-webhook=true). */
export async function enableMetricsServer(s: AddonScript): Promise<number> {
  s.ctx.stdout('Enabling Metrics-Server\n');
  if (!kubectl(s, s.objects.apply('metrics-server/metrics-server'))) return 1;
  s.ctx.stdout('Metrics-Server is enabled\n');
  return 0;
}

/** core-addons addons/metrics-server/disable */
export async function disableMetricsServer(s: AddonScript): Promise<number> {
  s.ctx.stdout('Disabling Metrics-Server\n');
  kubectl(s, s.objects.deleteObject('ConfigMap', 'kube-system', 'metrics-server-config'));
  kubectl(s, s.objects.deleteObject('Deployment', 'kube-system', 'metrics-server-v0.2.1'));
  if (!kubectl(s, s.objects.delete('metrics-server/metrics-server'))) return 1;
  s.ctx.stdout('Metrics-Server is disabled\n');
  return 0;
}

/** core-addons addons/dns/enable with the host's systemd-resolved configuration. */
export async function enableDns(s: AddonScript): Promise<number> {
  const { ctx } = s;
  ctx.stdout('Enabling DNS\nUsing host configuration from /run/systemd/resolve/resolv.conf\nApplying manifest\n');
  if (!kubectl(s, s.objects.apply('dns/coredns'))) return 1;
  await s.clock.sleep(5_000, ctx.signal);
  const ip = (s.objects.get('Service', 'kube-system', 'kube-dns')?.spec as { clusterIP?: string } | undefined)?.clusterIP ?? '';
  ctx.stdout(`CoreDNS service deployed with IP address ${ip}\nRestarting kubelet\nDNS is enabled\n`);
  return 0;
}

/** core-addons addons/dns/disable */
export async function disableDns(s: AddonScript): Promise<number> {
  const { ctx } = s;
  ctx.stdout('Disabling DNS\nReconfiguring kubelet\nRemoving DNS manifest\n');
  if (s.objects.get('Deployment', 'kube-system', 'coredns')) {
    if (!kubectl(s, s.objects.deleteObject('Deployment', 'kube-system', 'coredns'))) return 1;
    const r = s.objects.delete('dns/coredns');
    // --ignore-not-found
    for (const l of r.lines) ctx.stdout(l + '\n');
  }
  await s.clock.sleep(30_000, ctx.signal);
  ctx.stdout('DNS is disabled\n');
  return 0;
}

export const ADDON_SCRIPTS: Record<string, { enable: (s: AddonScript) => Promise<number>; disable: (s: AddonScript) => Promise<number> }> = {
  metallb: { enable: enableMetalLB, disable: disableMetalLB },
  'metrics-server': { enable: enableMetricsServer, disable: disableMetricsServer },
  dns: { enable: enableDns, disable: disableDns },
};
