/**
 * The environment a container starts with (fixed for its lifetime, as upstream: ConfigMap and
 * Secret changes never reach env vars): the image's PATH, HOSTNAME, the kubelet's variables
 * (`env` with `$(VAR)` references and valueFrom, `envFrom` with prefixes, and the service links:
 * `<NAME>_SERVICE_HOST`, `_PORT`, `_PORT_<port>_TCP...` of the namespace's Services plus the
 * `kubernetes` Service), the rest of the image's ENV, and HOME.
 */
import type { KubeApi } from '../api/kube-api';
import { resourceForKind } from '../api/resource-registry';
import type { Container, KubeObject, Pod, Service } from '../api/types';
import type { ImageProfile } from './images';

type Json = Record<string, unknown>;

function serviceVars(svc: Service): [string, string][] {
  const ip = svc.spec.clusterIP;
  const ports = svc.spec.ports ?? [];
  if (!ip || ip === 'None' || !ports.length) return [];
  const name = svc.metadata.name!.toUpperCase().replace(/-/g, '_');
  const out: [string, string][] = [[`${name}_SERVICE_HOST`, ip], [`${name}_SERVICE_PORT`, String(ports[0]!.port)]];
  for (const p of ports) if (p.name) out.push([`${name}_SERVICE_PORT_${p.name.toUpperCase().replace(/-/g, '_')}`, String(p.port)]);
  const first = ports[0]!;
  out.push([`${name}_PORT`, `${(first.protocol ?? 'TCP').toLowerCase()}://${ip}:${first.port}`]);
  for (const p of ports) {
    const proto = (p.protocol ?? 'TCP').toLowerCase();
    const prefix = `${name}_PORT_${p.port}_${proto.toUpperCase()}`;
    out.push([prefix, `${proto}://${ip}:${p.port}`], [`${prefix}_PROTO`, proto], [`${prefix}_PORT`, String(p.port)], [`${prefix}_ADDR`, ip]);
  }
  return out;
}

function fieldValue(pod: Pod, path: string): string {
  const labels = /^metadata\.labels\['(.+)'\]$/.exec(path);
  if (labels) return pod.metadata.labels?.[labels[1]!] ?? '';
  const annotations = /^metadata\.annotations\['(.+)'\]$/.exec(path);
  if (annotations) return pod.metadata.annotations?.[annotations[1]!] ?? '';
  switch (path) {
    case 'metadata.name':
      return pod.metadata.name ?? '';
    case 'metadata.namespace':
      return pod.metadata.namespace ?? '';
    case 'metadata.uid':
      return pod.metadata.uid ?? '';
    case 'spec.nodeName':
      return pod.spec.nodeName ?? '';
    case 'spec.serviceAccountName':
      return String(pod.spec.serviceAccountName ?? 'default');
    case 'status.hostIP':
      return pod.status?.hostIP ?? '';
    case 'status.podIP':
      return pod.status?.podIP ?? '';
    default:
      return '';
  }
}

function decodeData(o: KubeObject | undefined, secret: boolean): Record<string, string> {
  if (!o) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries((o.data as Record<string, string> | undefined) ?? {})) out[k] = secret ? Buffer.from(v, 'base64').toString('utf8') : v;
  if (!secret) for (const [k, v] of Object.entries((o.binaryData as Record<string, string> | undefined) ?? {})) out[k] = Buffer.from(v, 'base64').toString('utf8');
  return out;
}

/** The environment of `container` in `pod` now (podIP is known: the sandbox exists). */
export function containerEnv(api: KubeApi, pod: Pod, container: Container, profile: ImageProfile, podIP: string): [string, string][] {
  const ns = pod.metadata.namespace!;
  const kubelet = new Map<string, string>();
  const lookup = (kind: 'ConfigMap' | 'Secret', name: string) => api.tryGet(resourceForKind(kind), ns, name);
  for (const from of (container.envFrom ?? []) as { prefix?: string; configMapRef?: { name: string }; secretRef?: { name: string } }[]) {
    const data = from.configMapRef ? decodeData(lookup('ConfigMap', from.configMapRef.name), false) : from.secretRef ? decodeData(lookup('Secret', from.secretRef.name), true) : {};
    for (const [k, v] of Object.entries(data)) kubelet.set(`${from.prefix ?? ''}${k}`, v);
  }
  const withIP = { ...pod, status: { ...pod.status, podIP } } as Pod;
  for (const e of container.env ?? []) {
    const vf = e.valueFrom as (Json & { configMapKeyRef?: { name: string; key: string }; secretKeyRef?: { name: string; key: string }; fieldRef?: { fieldPath: string } }) | undefined;
    let value = e.value ?? '';
    if (vf?.configMapKeyRef) value = decodeData(lookup('ConfigMap', vf.configMapKeyRef.name), false)[vf.configMapKeyRef.key] ?? '';
    else if (vf?.secretKeyRef) value = decodeData(lookup('Secret', vf.secretKeyRef.name), true)[vf.secretKeyRef.key] ?? '';
    else if (vf?.fieldRef) value = fieldValue(withIP, vf.fieldRef.fieldPath);
    else value = value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (all, name: string | undefined) => (all === '$$' ? '$' : kubelet.has(name!) ? kubelet.get(name!)! : all));
    kubelet.set(e.name, value);
  }
  const links = (pod.spec.enableServiceLinks as boolean | undefined) !== false;
  const services = links ? [...api.objects<Service>('Service', ns)] : [];
  const master = api.tryGet<Service>(resourceForKind('Service'), 'default', 'kubernetes');
  if (master && !services.some((s) => s.metadata.uid === master.metadata.uid)) services.push(master);
  for (const svc of services) {
    for (const [k, v] of serviceVars(svc)) if (!kubelet.has(k)) kubelet.set(k, v);
  }
  const out: [string, string][] = [];
  const path = profile.env.find(([k]) => k === 'PATH');
  if (path) out.push(path);
  out.push(['HOSTNAME', String(pod.spec.hostname ?? pod.metadata.name ?? '')]);
  for (const [k, v] of kubelet) out.push([k, v]);
  for (const [k, v] of profile.env) if (k !== 'PATH' && !kubelet.has(k)) out.push([k, v]);
  if (!kubelet.has('HOME')) out.push(['HOME', '/root']);
  return out;
}
