/** The Plan form's draft: defaults, conversion from the saved plan, and node-count changes. */
import type { NodeRole, PlanDraft, PlanView } from '../../../../preload/contract/plan';
import { defaultHostname } from '../../../../preload/contract/plan-rules';

export interface FormDraft extends Omit<PlanDraft, 'network' | 'nodes'> {
  nodes: { hostname: string; role: NodeRole; address: string }[];
  network: {
    kind: 'ethernet' | 'wifi';
    mode: 'dhcp' | 'static';
    wifi: { ssid: string; passphrase: string; hidden: boolean; country: string };
    static: { prefix: number; gateway: string; dns: string };
  };
}

export function localTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

export function defaultDraft(): FormDraft {
  return {
    clusterName: 'pi-cluster',
    nodes: [
      { hostname: 'pi-01', role: 'control-plane', address: '' },
      { hostname: 'pi-02', role: 'worker', address: '' },
    ],
    network: {
      kind: 'ethernet',
      mode: 'dhcp',
      wifi: { ssid: '', passphrase: '', hidden: false, country: 'CN' },
      static: { prefix: 24, gateway: '', dns: '' },
    },
    microk8sChannel: '1.32/stable',
    ubuntuRelease: '24.04',
    timezone: localTimeZone(),
    password: '',
    removePassword: false,
  };
}

export function draftFromView(view: PlanView): FormDraft {
  const base = defaultDraft();
  return {
    clusterName: view.clusterName,
    nodes: view.nodes.map((n) => ({ hostname: n.hostname, role: n.role, address: n.address ?? '' })),
    network: {
      kind: view.network.kind,
      mode: view.network.mode,
      wifi: view.network.wifi ? { ssid: view.network.wifi.ssid, passphrase: '', hidden: view.network.wifi.hidden, country: view.network.wifi.country } : base.network.wifi,
      static: view.network.static ? { ...view.network.static, dns: view.network.static.dns.join(', ') } : base.network.static,
    },
    microk8sChannel: view.microk8sChannel,
    ubuntuRelease: view.ubuntuRelease,
    timezone: view.timezone,
    password: '',
    removePassword: false,
  };
}

/** What is sent to main: only the parts that apply to the chosen options. */
export function toPlanDraft(form: FormDraft): PlanDraft {
  const staticMode = form.network.mode === 'static';
  return {
    clusterName: form.clusterName.trim(),
    nodes: form.nodes.map((n) => ({ hostname: n.hostname.trim(), role: n.role, ...(staticMode ? { address: n.address.trim() } : {}) })),
    network: {
      kind: form.network.kind,
      mode: form.network.mode,
      ...(form.network.kind === 'wifi' ? { wifi: form.network.wifi } : {}),
      ...(staticMode
        ? {
            static: {
              prefix: Number(form.network.static.prefix),
              gateway: form.network.static.gateway.trim(),
              dns: form.network.static.dns.split(/[\s,]+/).filter(Boolean),
            },
          }
        : {}),
    },
    microk8sChannel: form.microk8sChannel.trim(),
    ubuntuRelease: form.ubuntuRelease,
    timezone: form.timezone,
    ...(form.password ? { password: form.password } : {}),
    ...(form.removePassword ? { removePassword: true } : {}),
  };
}

export function resizeNodes(nodes: FormDraft['nodes'], count: number): FormDraft['nodes'] {
  if (count <= nodes.length) return nodes.slice(0, count);
  const used = new Set(nodes.map((n) => n.hostname));
  const next = [...nodes];
  let i = 0;
  while (next.length < count) {
    const name = defaultHostname(i++);
    if (!used.has(name)) {
      used.add(name);
      next.push({ hostname: name, role: 'worker', address: '' });
    }
  }
  return next;
}

export function isHighAvailability(nodes: FormDraft['nodes']): boolean {
  return nodes.length >= 3 && nodes.slice(0, 3).every((n) => n.role === 'control-plane');
}

export function withHighAvailability(nodes: FormDraft['nodes'], on: boolean): FormDraft['nodes'] {
  return nodes.map((n, i) => ({ ...n, role: (on ? i < 3 : i === 0) ? 'control-plane' : 'worker' }));
}
