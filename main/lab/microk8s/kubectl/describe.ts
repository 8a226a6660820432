/**
 * `kubectl describe` for the kinds the lessons use (Pod, Deployment, ReplicaSet, Node, Service,
 * ResourceQuota, Namespace, ConfigMap, PodDisruptionBudget), written as kubectl 1.32's describers
 * (k8s.io/kubectl pkg/describe) write them: a tabwriter with padding 2, two spaces per level, the
 * object's events at the end (sorted by last timestamp; ages against the real clock).
 */
import type { ResourceType } from '../../kube/api/resource-registry';
import { selectorToString } from '../../kube/api/selectors';
import type { Condition, Container, ContainerStatus, Deployment, EventObject, KubeObject, LabelSelector, NodeObject, Pod, ReplicaSet, Service } from '../../kube/api/types';
import { humanDuration } from '../../kube/tables/human-duration';
import { ApiHttpError, KubectlError, serverError } from './client';
import type { Env } from './env';
import { flag, rfc1123z } from './env';
import { collectionPath, objectPath, typeAndNames } from './resources';
import { TabWriter } from './tabwriter';

const MAX_ANNOTATION_LEN = 140;

class PrefixWriter {
  readonly w = new TabWriter(2);
  write(level: number, text: string): void {
    this.w.write('  '.repeat(level) + text);
  }
  /** Text continuing the current line (no indentation). */
  cont(text: string): void {
    this.w.write(text);
  }
  flush(): void {
    this.w.flush();
  }
  toString(): string {
    return this.w.toString();
  }
}

const BINARY: [string, number][] = [['Ei', 2 ** 60], ['Pi', 2 ** 50], ['Ti', 2 ** 40], ['Gi', 2 ** 30], ['Mi', 2 ** 20], ['Ki', 2 ** 10]];
const DECIMAL: [string, number][] = [['E', 1e18], ['P', 1e15], ['T', 1e12], ['G', 1e9], ['M', 1e6], ['k', 1e3], ['', 1]];

/** resource.Quantity's canonical String() (`4194304Ki` -> `4Gi`, `0.5` -> `500m`), as describe prints quantities. */
export function canonicalQuantity(q: unknown): string {
  const s = String(q ?? '');
  const m = /^([+-]?[0-9.]+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/.exec(s);
  if (!m) return s;
  const num = Number(m[1]);
  const suffix = m[2] ?? '';
  if (suffix.endsWith('i')) {
    const bytes = num * BINARY.find(([x]) => x === suffix)![1];
    if (!Number.isInteger(bytes)) return s;
    if (bytes === 0) return '0';
    for (const [x, v] of BINARY) if (bytes % v === 0) return `${bytes / v}${x}`;
    return String(bytes);
  }
  const milli = Math.round(num * (suffix === 'm' ? 1 : (DECIMAL.find(([x]) => x === suffix)?.[1] ?? 1) * 1000));
  if (milli === 0) return '0';
  if (milli % 1000 !== 0) return `${milli}m`;
  const units = milli / 1000;
  for (const [x, v] of DECIMAL) if (units % v === 0) return `${units / v}${x}`;
  return String(units);
}

function since(env: Env, ts: string | undefined | null): string {
  if (!ts) return '<unknown>';
  return humanDuration(env.now() - Date.parse(ts));
}

function labelsMultiline(w: PrefixWriter, title: string, labels: Record<string, string> | undefined, initialIndent = ''): void {
  w.cont(`${initialIndent}${title}:\t`);
  const keys = Object.keys(labels ?? {}).sort();
  if (!keys.length) return w.cont('<none>\n');
  keys.forEach((k, i) => w.cont(`${i ? `${initialIndent}\t` : ''}${k}=${labels![k]}\n`));
}

function annotationsMultiline(w: PrefixWriter, title: string, annotations: Record<string, string> | undefined): void {
  w.cont(`${title}:\t`);
  const keys = Object.keys(annotations ?? {})
    .filter((k) => k !== 'kubectl.kubernetes.io/last-applied-configuration')
    .sort();
  if (!keys.length) return w.cont('<none>\n');
  keys.forEach((k, i) => {
    if (i) w.cont('\t');
    const value = annotations![k]!.replace(/\n$/, '');
    if (value.length + k.length + 2 > MAX_ANNOTATION_LEN || value.includes('\n')) {
      w.cont(`${k}:\n`);
      for (const s of value.split('\n')) w.cont(`\t  ${s.length > MAX_ANNOTATION_LEN - 2 ? s.slice(0, MAX_ANNOTATION_LEN - 2) + '...' : s}\n`);
    } else w.cont(`${k}: ${value}\n`);
  });
}

function tolerationsMultiline(w: PrefixWriter, title: string, tolerations: Pod['spec']['tolerations'], initialIndent = ''): void {
  w.cont(`${initialIndent}${title}:\t`);
  const list = [...(tolerations ?? [])].sort((a, b) => (a.key ?? '').localeCompare(b.key ?? ''));
  if (!list.length) return w.cont('<none>\n');
  list.forEach((t, i) => {
    let s = i ? `${initialIndent}\t` : '';
    s += t.key ?? '';
    if (t.value) s += `=${t.value}`;
    if (t.effect) s += `:${t.effect}`;
    if (t.operator === 'Exists' && !t.value) s += t.key || t.effect ? ' op=Exists' : 'op=Exists';
    if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null) s += ` for ${t.tolerationSeconds}s`;
    w.cont(s + '\n');
  });
}

function taintsMultiline(w: PrefixWriter, taints: NodeObject['spec']['taints']): void {
  w.cont('Taints:\t');
  const list = [...(taints ?? [])].sort((a, b) => `${a.effect},${a.key}`.localeCompare(`${b.effect},${b.key}`));
  if (!list.length) return w.cont('<none>\n');
  list.forEach((t, i) => w.cont(`${i ? '\t' : ''}${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}\n`));
}

function selectorText(sel: LabelSelector | undefined): string {
  if (!sel) return '<none>';
  const s = selectorToString(sel);
  return s || '<none>';
}

async function eventsOf(env: Env, o: KubeObject, withKind: boolean): Promise<EventObject[]> {
  const parts = [`involvedObject.name=${o.metadata.name}`, `involvedObject.namespace=${o.metadata.namespace ?? ''}`];
  if (withKind) parts.push(`involvedObject.kind=${o.kind}`);
  parts.push(`involvedObject.uid=${o.metadata.uid}`);
  const ns = o.metadata.namespace ?? 'default';
  try {
    const list = await env.client.get<KubeObject & { items: EventObject[] }>(`/api/v1/namespaces/${ns}/events?fieldSelector=${encodeURIComponent(parts.join(','))}`);
    // sort.Sort by lastTimestamp (insertion sort for short lists: stable).
    return list.items.map((e, i) => ({ e, i })).sort((a, b) => Date.parse(a.e.lastTimestamp ?? '') - Date.parse(b.e.lastTimestamp ?? '') || a.i - b.i).map((x) => x.e);
  } catch {
    return [];
  }
}

function describeEvents(env: Env, w: PrefixWriter, events: EventObject[]): void {
  if (!events.length) return w.write(0, 'Events:\t<none>\n');
  w.flush();
  w.write(0, 'Events:\n  Type\tReason\tAge\tFrom\tMessage\n');
  w.write(1, '----\t------\t----\t----\t-------\n');
  for (const e of events) {
    const first = e.eventTime ? since(env, e.eventTime as string) : since(env, e.firstTimestamp);
    const interval = (e.count ?? 1) > 1 ? `${since(env, e.lastTimestamp)} (x${e.count} over ${first})` : first;
    const source = e.source?.component || (e as { reportingComponent?: string }).reportingComponent || '';
    w.write(1, `${e.type}\t${e.reason}\t${interval}\t${source}\t${(e.message ?? '').trim()}\n`);
  }
}

function ports(c: Container, host: boolean): string {
  return (c.ports ?? []).map((p) => `${host ? ((p as { hostPort?: number }).hostPort ?? 0) : p.containerPort}/${p.protocol ?? 'TCP'}`).join(', ');
}

function describeState(w: PrefixWriter, name: string, state: ContainerStatus['state'] | undefined): void {
  const s = (state ?? {}) as { running?: { startedAt?: string }; waiting?: { reason?: string }; terminated?: { reason?: string; message?: string; exitCode?: number; signal?: number; startedAt?: string; finishedAt?: string } };
  if (s.running) {
    w.write(2, `${name}:\tRunning\n`);
    w.write(3, `Started:\t${rfc1123z(s.running.startedAt)}\n`);
  } else if (s.waiting) {
    w.write(2, `${name}:\tWaiting\n`);
    if (s.waiting.reason) w.write(3, `Reason:\t${s.waiting.reason}\n`);
  } else if (s.terminated) {
    w.write(2, `${name}:\tTerminated\n`);
    if (s.terminated.reason) w.write(3, `Reason:\t${s.terminated.reason}\n`);
    if (s.terminated.message) w.write(3, `Message:\t${s.terminated.message}\n`);
    w.write(3, `Exit Code:\t${s.terminated.exitCode ?? 0}\n`);
    if (s.terminated.signal) w.write(3, `Signal:\t${s.terminated.signal}\n`);
    w.write(3, `Started:\t${rfc1123z(s.terminated.startedAt)}\n`);
    w.write(3, `Finished:\t${rfc1123z(s.terminated.finishedAt)}\n`);
  } else w.write(2, `${name}:\tWaiting\n`);
}

function sortedResourceNames(r: Record<string, unknown> | undefined): string[] {
  return Object.keys(r ?? {}).sort();
}

function describeContainers(w: PrefixWriter, label: string, containers: Container[], statuses: ContainerStatus[] | undefined, space: string): void {
  w.write(0, `${space}${label}:${containers.length ? '' : ' <none>'}\n`);
  for (const c of containers) {
    const st = statuses?.find((s) => s.name === c.name);
    w.write(1, `${space ? ' ' : ''}${c.name}:\n`);
    if (st) w.write(2, `Container ID:\t${st.containerID ?? ''}\n`);
    w.write(2, `Image:\t${c.image}\n`);
    if (st) w.write(2, `Image ID:\t${st.imageID ?? ''}\n`);
    const p = ports(c, false);
    w.write(2, p.includes(',') ? `Ports:\t${p}\n` : `Port:\t${p || '<none>'}\n`);
    const hp = ports(c, true);
    w.write(2, hp.includes(',') ? `Host Ports:\t${hp}\n` : `Host Port:\t${hp || '<none>'}\n`);
    const cx = c as Container & { command?: string[]; args?: string[] };
    if (cx.command?.length) {
      w.write(2, 'Command:\n');
      for (const s of cx.command.flatMap((x) => x.split('\n'))) w.write(3, `${s}\n`);
    }
    if (cx.args?.length) {
      w.write(2, 'Args:\n');
      for (const s of cx.args.flatMap((x) => x.split('\n'))) w.write(3, `${s}\n`);
    }
    if (st) {
      describeState(w, 'State', st.state);
      const last = st.lastState as { terminated?: unknown } | undefined;
      if (last?.terminated) describeState(w, 'Last State', st.lastState as ContainerStatus['state']);
      w.write(2, `Ready:\t${st.ready ? 'True' : 'False'}\n`);
      w.write(2, `Restart Count:\t${st.restartCount ?? 0}\n`);
    }
    const res = c.resources ?? {};
    if (Object.keys(res.limits ?? {}).length) w.write(2, 'Limits:\n');
    for (const n of sortedResourceNames(res.limits)) w.write(3, `${n}:\t${canonicalQuantity(res.limits![n])}\n`);
    if (Object.keys(res.requests ?? {}).length) w.write(2, 'Requests:\n');
    for (const n of sortedResourceNames(res.requests)) w.write(3, `${n}:\t${canonicalQuantity(res.requests![n])}\n`);
    if (c.envFrom?.length) {
      w.write(2, 'Environment Variables from:\n');
      for (const e of c.envFrom) {
        const from = e.configMapRef ? 'ConfigMap' : 'Secret';
        const ref = e.configMapRef ?? e.secretRef;
        const prefix = (e as { prefix?: string }).prefix;
        w.write(3, `${ref?.name ?? ''}\t${from}${prefix ? ` with prefix '${prefix}'` : ''}\tOptional: ${ref?.optional === true}\n`);
      }
    }
    w.write(2, `Environment:${c.env?.length ? '' : '\t<none>'}\n`);
    for (const e of c.env ?? []) {
      if (!e.valueFrom) {
        (e.value ?? '').split('\n').forEach((s, i) => w.write(3, i === 0 ? `${e.name}:\t${s}\n` : `\t${s}\n`));
      } else if (e.valueFrom.secretKeyRef) {
        const r = e.valueFrom.secretKeyRef;
        w.write(3, `${e.name}:\t<set to the key '${r.key}' in secret '${r.name}'>\tOptional: ${r.optional === true}\n`);
      } else if (e.valueFrom.configMapKeyRef) {
        const r = e.valueFrom.configMapKeyRef;
        w.write(3, `${e.name}:\t<set to the key '${r.key}' of config map '${r.name}'>\tOptional: ${r.optional === true}\n`);
      }
    }
    const mounts = [...((c.volumeMounts ?? []) as { name: string; mountPath: string; readOnly?: boolean; subPath?: string }[])].sort((a, b) => a.mountPath.localeCompare(b.mountPath));
    w.write(2, `Mounts:${mounts.length ? '' : '\t<none>'}\n`);
    for (const m of mounts) {
      const flags = [m.readOnly ? 'ro' : 'rw', ...(m.subPath ? [`path=${JSON.stringify(m.subPath)}`] : [])];
      w.write(3, `${m.mountPath} from ${m.name} (${flags.join(',')})\n`);
    }
  }
}

function describeVolumes(w: PrefixWriter, volumes: Pod['spec']['volumes'], space: string): void {
  if (!volumes?.length) return w.write(0, `${space}Volumes:\t<none>\n`);
  w.write(0, `${space}Volumes:\n`);
  for (const v of volumes) {
    w.write(1, `${space ? ' ' : ''}${v.name}:\n`);
    const vx = v as typeof v & { emptyDir?: { medium?: string; sizeLimit?: string }; hostPath?: { path: string; type?: string } };
    if (vx.hostPath) w.write(2, `Type:\tHostPath (bare host directory volume)\n    Path:\t${vx.hostPath.path}\n    HostPathType:\t${vx.hostPath.type ?? ''}\n`);
    else if (vx.emptyDir) w.write(2, `Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n    Medium:\t${vx.emptyDir.medium ?? ''}\n    SizeLimit:\t${vx.emptyDir.sizeLimit ?? '<unset>'}\n`);
    else if (v.secret) w.write(2, `Type:\tSecret (a volume populated by a Secret)\n    SecretName:\t${v.secret.secretName}\n    Optional:\t${v.secret.optional === true}\n`);
    else if (v.configMap) w.write(2, `Type:\tConfigMap (a volume populated by a ConfigMap)\n    Name:\t${v.configMap.name}\n    Optional:\t${v.configMap.optional === true}\n`);
    else w.write(2, `<unknown>\n`);
  }
}

function podTemplate(w: PrefixWriter, template: Deployment['spec']['template']): void {
  w.write(0, 'Pod Template:\n');
  labelsMultiline(w, 'Labels', template.metadata?.labels, '  ');
  if (Object.keys(template.metadata?.annotations ?? {}).length) {
    w.cont('  ');
    annotationsMultiline(w, 'Annotations', template.metadata?.annotations);
  }
  const spec = template.spec;
  if (spec.serviceAccountName) w.write(1, `Service Account:\t${spec.serviceAccountName}\n`);
  const init = (spec as { initContainers?: Container[] }).initContainers;
  if (init?.length) describeContainers(w, 'Init Containers', init, undefined, '  ');
  describeContainers(w, 'Containers', spec.containers, undefined, '  ');
  describeVolumes(w, spec.volumes, '  ');
  if (spec.priorityClassName) w.write(1, `Priority Class Name:\t${spec.priorityClassName}\n`);
  labelsMultiline(w, 'Node-Selectors', spec.nodeSelector, '  ');
  tolerationsMultiline(w, 'Tolerations', spec.tolerations, '  ');
}

/** DescribePodTemplate on its own (rollout history --revision). */
export function describePodTemplateText(template: Deployment['spec']['template']): string {
  const w = new PrefixWriter();
  podTemplate(w, template);
  return w.toString();
}

function conditionsTable(w: PrefixWriter, conditions: Condition[] | undefined): void {
  if (!conditions?.length) return;
  w.write(0, 'Conditions:\n  Type\tStatus\tReason\n');
  w.write(1, '----\t------\t------\n');
  for (const c of conditions) w.write(1, `${c.type} \t${c.status}\t${c.reason ?? ''}\n`);
}

function qosClass(pod: Pod): string {
  return (pod.status as { qosClass?: string } | undefined)?.qosClass ?? 'BestEffort';
}

async function describePod(env: Env, pod: Pod): Promise<string> {
  const w = new PrefixWriter();
  const s = pod.status ?? {};
  w.write(0, `Name:\t${pod.metadata.name}\n`);
  w.write(0, `Namespace:\t${pod.metadata.namespace}\n`);
  if (pod.spec.priority !== undefined && pod.spec.priority !== null) w.write(0, `Priority:\t${pod.spec.priority}\n`);
  if (pod.spec.priorityClassName) w.write(0, `Priority Class Name:\t${pod.spec.priorityClassName}\n`);
  if (pod.spec.serviceAccountName) w.write(0, `Service Account:\t${pod.spec.serviceAccountName}\n`);
  w.write(0, pod.spec.nodeName ? `Node:\t${pod.spec.nodeName}/${s.hostIP ?? ''}\n` : 'Node:\t<none>\n');
  if (s.startTime) w.write(0, `Start Time:\t${rfc1123z(s.startTime)}\n`);
  labelsMultiline(w, 'Labels', pod.metadata.labels);
  annotationsMultiline(w, 'Annotations', pod.metadata.annotations);
  if (pod.metadata.deletionTimestamp && s.phase !== 'Failed' && s.phase !== 'Succeeded') {
    w.write(0, `Status:\tTerminating (lasts ${since(env, pod.metadata.deletionTimestamp)})\n`);
    w.write(0, `Termination Grace Period:\t${pod.metadata.deletionGracePeriodSeconds ?? 0}s\n`);
  } else w.write(0, `Status:\t${s.phase ?? ''}\n`);
  if (s.reason) w.write(0, `Reason:\t${s.reason}\n`);
  if (s.message) w.write(0, `Message:\t${s.message}\n`);
  w.write(0, `IP:\t${s.podIP ?? ''}\n`);
  if (!s.podIPs?.length) w.write(0, 'IPs:\t<none>\n');
  else {
    w.write(0, 'IPs:\n');
    for (const ip of s.podIPs) w.write(1, `IP:\t${ip.ip}\n`);
  }
  const owner = pod.metadata.ownerReferences?.find((r) => r.controller);
  if (owner) w.write(0, `Controlled By:\t${owner.kind}/${owner.name}\n`);
  const sx = s as { nominatedNodeName?: string };
  if (sx.nominatedNodeName) w.write(0, `NominatedNodeName:\t${sx.nominatedNodeName}\n`);
  const init = (pod.spec as { initContainers?: Container[] }).initContainers;
  if (init?.length) describeContainers(w, 'Init Containers', init, (s as { initContainerStatuses?: ContainerStatus[] }).initContainerStatuses, '');
  describeContainers(w, 'Containers', pod.spec.containers, s.containerStatuses, '');
  if (s.conditions?.length) {
    w.write(0, 'Conditions:\n  Type\tStatus\n');
    for (const c of s.conditions) w.write(1, `${c.type} \t${c.status} \n`);
  }
  describeVolumes(w, pod.spec.volumes, '');
  w.write(0, `QoS Class:\t${qosClass(pod)}\n`);
  labelsMultiline(w, 'Node-Selectors', pod.spec.nodeSelector);
  tolerationsMultiline(w, 'Tolerations', pod.spec.tolerations);
  describeEvents(env, w, await eventsOf(env, pod, false));
  return w.toString();
}

async function replicaSetsOf(env: Env, d: Deployment): Promise<{ old: ReplicaSet[]; current: ReplicaSet | undefined }> {
  const list = await env.client.get<KubeObject & { items: ReplicaSet[] }>(`${collectionPath({ group: 'apps', version: 'v1', plural: 'replicasets', namespaced: true } as ResourceType, d.metadata.namespace)}?labelSelector=${encodeURIComponent(selectorToString(d.spec.selector))}`);
  const owned = list.items.filter((rs) => rs.metadata.ownerReferences?.some((r) => r.controller && r.uid === d.metadata.uid));
  const same = (rs: ReplicaSet) => JSON.stringify(withoutHash(rs.spec.template)) === JSON.stringify(withoutHash(d.spec.template));
  const current = owned.filter(same).sort((a, b) => Date.parse(a.metadata.creationTimestamp ?? '') - Date.parse(b.metadata.creationTimestamp ?? ''))[0];
  const old = owned.filter((rs) => rs !== current);
  return { old, current };
}

function withoutHash(template: Deployment['spec']['template']): unknown {
  const t = structuredClone(template);
  if (t.metadata?.labels) delete t.metadata.labels['pod-template-hash'];
  return canonical(t);
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]));
  return v;
}

function rsList(list: ReplicaSet[]): string {
  return list.length ? list.map((rs) => `${rs.metadata.name} (${rs.status?.replicas ?? 0}/${rs.spec.replicas ?? 0} replicas created)`).join(', ') : '<none>';
}

async function describeDeployment(env: Env, d: Deployment): Promise<string> {
  const w = new PrefixWriter();
  const s = d.status ?? {};
  w.write(0, `Name:\t${d.metadata.name}\n`);
  w.write(0, `Namespace:\t${d.metadata.namespace}\n`);
  w.write(0, `CreationTimestamp:\t${rfc1123z(d.metadata.creationTimestamp)}\n`);
  labelsMultiline(w, 'Labels', d.metadata.labels);
  annotationsMultiline(w, 'Annotations', d.metadata.annotations);
  w.write(0, `Selector:\t${selectorText(d.spec.selector)}\n`);
  w.write(0, `Replicas:\t${d.spec.replicas ?? 1} desired | ${s.updatedReplicas ?? 0} updated | ${s.replicas ?? 0} total | ${s.availableReplicas ?? 0} available | ${s.unavailableReplicas ?? 0} unavailable\n`);
  const strategy = d.spec.strategy ?? {};
  w.write(0, `StrategyType:\t${strategy.type ?? ''}\n`);
  w.write(0, `MinReadySeconds:\t${d.spec.minReadySeconds ?? 0}\n`);
  if (strategy.rollingUpdate) w.write(0, `RollingUpdateStrategy:\t${strategy.rollingUpdate.maxUnavailable ?? ''} max unavailable, ${strategy.rollingUpdate.maxSurge ?? ''} max surge\n`);
  podTemplate(w, d.spec.template);
  conditionsTable(w, s.conditions);
  let sets: { old: ReplicaSet[]; current: ReplicaSet | undefined } = { old: [], current: undefined };
  try {
    sets = await replicaSetsOf(env, d);
  } catch {
    // as kubectl: no ReplicaSet lines when they cannot be listed
  }
  if (sets.old.length || sets.current) {
    w.write(0, `OldReplicaSets:\t${rsList(sets.old)}\n`);
    w.write(0, `NewReplicaSet:\t${rsList(sets.current ? [sets.current] : [])}\n`);
  }
  describeEvents(env, w, await eventsOf(env, d, true));
  return w.toString();
}

async function describeReplicaSet(env: Env, rs: ReplicaSet): Promise<string> {
  const w = new PrefixWriter();
  w.write(0, `Name:\t${rs.metadata.name}\n`);
  w.write(0, `Namespace:\t${rs.metadata.namespace}\n`);
  w.write(0, `Selector:\t${selectorText(rs.spec.selector)}\n`);
  labelsMultiline(w, 'Labels', rs.metadata.labels);
  annotationsMultiline(w, 'Annotations', rs.metadata.annotations);
  const owner = rs.metadata.ownerReferences?.find((r) => r.controller);
  if (owner) w.write(0, `Controlled By:\t${owner.kind}/${owner.name}\n`);
  w.write(0, `Replicas:\t${rs.status?.replicas ?? 0} current / ${rs.spec.replicas ?? 0} desired\n`);
  const pods = await env.client.get<KubeObject & { items: Pod[] }>(`/api/v1/namespaces/${rs.metadata.namespace}/pods?labelSelector=${encodeURIComponent(selectorToString(rs.spec.selector))}`);
  const mine = pods.items.filter((p) => p.metadata.ownerReferences?.some((r) => r.uid === rs.metadata.uid));
  const count = (phase: string) => mine.filter((p) => p.status?.phase === phase).length;
  w.write(0, `Pods Status:\t${count('Running')} Running / ${count('Pending')} Waiting / ${count('Succeeded')} Succeeded / ${count('Failed')} Failed\n`);
  podTemplate(w, rs.spec.template);
  conditionsTable(w, (rs.status as { conditions?: Condition[] } | undefined)?.conditions);
  describeEvents(env, w, await eventsOf(env, rs, true));
  return w.toString();
}

function quantityValue(q: unknown): number {
  const s = String(q ?? '0');
  const m = /^([0-9.]+)(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(s);
  if (!m) return 0;
  const mult: Record<string, number> = { m: 1e-3, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, k: 1e3, M: 1e6, G: 1e9, T: 1e12 };
  return Number(m[1]) * (m[2] ? mult[m[2]]! : 1);
}

/** resource.Quantity.String() of a sum: millicores for cpu, BinarySI for memory. */
function cpuText(cores: number): string {
  return Number.isInteger(cores) ? String(cores) : `${Math.round(cores * 1000)}m`;
}

function memText(bytes: number): string {
  if (bytes === 0) return '0';
  for (const [s, v] of [['Ei', 1024 ** 6], ['Pi', 1024 ** 5], ['Ti', 1024 ** 4], ['Gi', 1024 ** 3], ['Mi', 1024 ** 2], ['Ki', 1024]] as const) if (bytes % v === 0) return `${bytes / v}${s}`;
  return String(bytes);
}

function podTotals(pod: Pod): { req: { cpu: number; memory: number }; lim: { cpu: number; memory: number } } {
  const req = { cpu: 0, memory: 0 };
  const lim = { cpu: 0, memory: 0 };
  for (const c of pod.spec.containers) {
    req.cpu += quantityValue(c.resources?.requests?.cpu ?? c.resources?.limits?.cpu);
    req.memory += quantityValue(c.resources?.requests?.memory ?? c.resources?.limits?.memory);
    lim.cpu += quantityValue(c.resources?.limits?.cpu);
    lim.memory += quantityValue(c.resources?.limits?.memory);
  }
  return { req, lim };
}

async function describeNode(env: Env, node: NodeObject): Promise<string> {
  const w = new PrefixWriter();
  w.write(0, `Name:\t${node.metadata.name}\n`);
  const roles = Object.entries(node.metadata.labels ?? {})
    .flatMap(([k, v]) => (k.startsWith('node-role.kubernetes.io/') && k.length > 24 ? [k.slice(24)] : k === 'kubernetes.io/role' && v ? [v] : []))
    .sort();
  w.write(0, `Roles:\t${roles.length ? roles.join(',') : '<none>'}\n`);
  labelsMultiline(w, 'Labels', node.metadata.labels);
  annotationsMultiline(w, 'Annotations', node.metadata.annotations);
  w.write(0, `CreationTimestamp:\t${rfc1123z(node.metadata.creationTimestamp)}\n`);
  taintsMultiline(w, node.spec?.taints);
  w.write(0, `Unschedulable:\t${node.spec?.unschedulable === true}\n`);
  try {
    const lease = await env.client.get<KubeObject & { spec?: { holderIdentity?: string; acquireTime?: string; renewTime?: string } }>(`/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${node.metadata.name}`);
    w.write(0, 'Lease:\n');
    w.write(1, `HolderIdentity:\t${lease.spec?.holderIdentity ?? '<unset>'}\n`);
    w.write(1, `AcquireTime:\t${lease.spec?.acquireTime ? rfc1123z(lease.spec.acquireTime) : '<unset>'}\n`);
    w.write(1, `RenewTime:\t${lease.spec?.renewTime ? rfc1123z(lease.spec.renewTime) : '<unset>'}\n`);
  } catch (err) {
    w.write(0, `Lease:\tFailed to get lease: ${err instanceof ApiHttpError ? err.message : String(err)}\n`);
  }
  const st = node.status ?? {};
  if (st.conditions?.length) {
    w.write(0, 'Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n');
    w.write(1, '----\t------\t-----------------\t------------------\t------\t-------\n');
    for (const c of st.conditions) w.write(1, `${c.type} \t${c.status} \t${rfc1123z(c.lastHeartbeatTime)} \t${rfc1123z(c.lastTransitionTime)} \t${c.reason ?? ''} \t${c.message ?? ''}\n`);
  }
  w.write(0, 'Addresses:\n');
  for (const a of st.addresses ?? []) w.write(1, `${a.type}:\t${a.address}\n`);
  const resources = (title: string, list: Record<string, string> | undefined) => {
    if (!Object.keys(list ?? {}).length) return;
    w.write(0, `${title}:\n`);
    for (const k of Object.keys(list!).sort(resourceOrder)) w.write(0, `  ${k}:\t${canonicalQuantity(list![k])}\n`);
  };
  resources('Capacity', st.capacity);
  resources('Allocatable', st.allocatable);
  const info = st.nodeInfo ?? {};
  w.write(0, 'System Info:\n');
  for (const [label, key] of [
    ['Machine ID', 'machineID'],
    ['System UUID', 'systemUUID'],
    ['Boot ID', 'bootID'],
    ['Kernel Version', 'kernelVersion'],
    ['OS Image', 'osImage'],
    ['Operating System', 'operatingSystem'],
    ['Architecture', 'architecture'],
    ['Container Runtime Version', 'containerRuntimeVersion'],
    ['Kubelet Version', 'kubeletVersion'],
    ['Kube-Proxy Version', 'kubeProxyVersion'],
  ] as const)
    w.write(0, `  ${label}:\t${info[key] ?? ''}\n`);
  if (node.spec?.podCIDR) w.write(0, `PodCIDR:\t${node.spec.podCIDR}\n`);
  const selector = encodeURIComponent(`spec.nodeName=${node.metadata.name},status.phase!=Succeeded,status.phase!=Failed`);
  const pods = (await env.client.get<KubeObject & { items: Pod[] }>(`/api/v1/pods?fieldSelector=${selector}`)).items;
  const alloc = Object.keys(st.allocatable ?? {}).length ? st.allocatable! : (st.capacity ?? {});
  const allocCpu = quantityValue(alloc.cpu);
  const allocMem = quantityValue(alloc.memory);
  const pct = (v: number, total: number) => (total ? Math.trunc((v / total) * 100) : 0);
  w.write(0, `Non-terminated Pods:\t(${pods.length} in total)\n`);
  w.write(1, 'Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge\n');
  w.write(1, '---------\t----\t\t------------\t----------\t---------------\t-------------\t---\n');
  const total = { rc: 0, lc: 0, rm: 0, lm: 0 };
  for (const p of pods) {
    const { req, lim } = podTotals(p);
    total.rc += req.cpu;
    total.lc += lim.cpu;
    total.rm += req.memory;
    total.lm += lim.memory;
    w.write(1, `${p.metadata.namespace}\t${p.metadata.name}\t\t${cpuText(req.cpu)} (${pct(req.cpu, allocCpu)}%)\t${cpuText(lim.cpu)} (${pct(lim.cpu, allocCpu)}%)\t${memText(req.memory)} (${pct(req.memory, allocMem)}%)\t${memText(lim.memory)} (${pct(lim.memory, allocMem)}%)\t${since(env, p.metadata.creationTimestamp)}\n`);
  }
  w.write(0, 'Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)\n');
  w.write(1, 'Resource\tRequests\tLimits\n');
  w.write(1, '--------\t--------\t------\n');
  w.write(1, `cpu\t${cpuText(total.rc)} (${pct(total.rc, allocCpu)}%)\t${cpuText(total.lc)} (${pct(total.lc, allocCpu)}%)\n`);
  w.write(1, `memory\t${memText(total.rm)} (${pct(total.rm, allocMem)}%)\t${memText(total.lm)} (${pct(total.lm, allocMem)}%)\n`);
  w.write(1, 'ephemeral-storage\t0 (0%)\t0 (0%)\n');
  for (const k of Object.keys(alloc).filter((k) => k.startsWith('hugepages-')).sort()) w.write(1, `${k}\t0 (0%)\t0 (0%)\n`);
  describeEvents(env, w, await eventsOf(env, node, true));
  return w.toString();
}

/** SortableResourceNames: plain alphabetical. */
function resourceOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

async function describeService(env: Env, svc: Service): Promise<string> {
  const w = new PrefixWriter();
  const spec = svc.spec as Service['spec'] & {
    ipFamilyPolicy?: string;
    ipFamilies?: string[];
    clusterIPs?: string[];
    externalIPs?: string[];
    loadBalancerIP?: string;
    sessionAffinity?: string;
    externalTrafficPolicy?: string;
    internalTrafficPolicy?: string;
    healthCheckNodePort?: number;
  };
  w.write(0, `Name:\t${svc.metadata.name}\n`);
  w.write(0, `Namespace:\t${svc.metadata.namespace}\n`);
  labelsMultiline(w, 'Labels', svc.metadata.labels);
  annotationsMultiline(w, 'Annotations', svc.metadata.annotations);
  const sel = Object.keys(spec.selector ?? {}).sort().map((k) => `${k}=${spec.selector![k]}`).join(',');
  w.write(0, `Selector:\t${sel}\n`);
  w.write(0, `Type:\t${spec.type ?? 'ClusterIP'}\n`);
  if (spec.ipFamilyPolicy) w.write(0, `IP Family Policy:\t${spec.ipFamilyPolicy}\n`);
  w.write(0, `IP Families:\t${spec.ipFamilies?.length ? spec.ipFamilies.join(',') : '<none>'}\n`);
  w.write(0, `IP:\t${spec.clusterIP ?? ''}\n`);
  w.write(0, `IPs:\t${spec.clusterIPs?.length ? spec.clusterIPs.join(',') : '<none>'}\n`);
  if (spec.externalIPs?.length) w.write(0, `External IPs:\t${spec.externalIPs.join(',')}\n`);
  if (spec.loadBalancerIP) w.write(0, `Desired LoadBalancer IP:\t${spec.loadBalancerIP}\n`);
  const ingress = (svc.status as { loadBalancer?: { ingress?: { ip?: string; hostname?: string; ipMode?: string }[] } } | undefined)?.loadBalancer?.ingress ?? [];
  if (ingress.length) w.write(0, `LoadBalancer Ingress:\t${ingress.map((i) => (i.ip ? `${i.ip}${i.ipMode ? ` (${i.ipMode})` : ''}` : (i.hostname ?? ''))).join(', ')}\n`);
  let slices: { ports?: { name?: string; port?: number }[]; endpoints?: { addresses: string[]; conditions?: { ready?: boolean } }[] }[] = [];
  try {
    slices = (await env.client.get<KubeObject & { items: typeof slices }>(`/apis/discovery.k8s.io/v1/namespaces/${svc.metadata.namespace}/endpointslices?labelSelector=${encodeURIComponent(`kubernetes.io/service-name=${svc.metadata.name}`)}`)).items;
  } catch {
    slices = [];
  }
  for (const p of spec.ports ?? []) {
    const name = p.name || '<unset>';
    const proto = p.protocol ?? 'TCP';
    w.write(0, `Port:\t${name}\t${p.port}/${proto}\n`);
    w.write(0, `TargetPort:\t${p.targetPort ?? p.port}/${proto}\n`);
    if (p.nodePort) w.write(0, `NodePort:\t${name}\t${p.nodePort}/${proto}\n`);
    w.write(0, `Endpoints:\t${endpointsText(slices, p.name ?? '')}\n`);
  }
  w.write(0, `Session Affinity:\t${spec.sessionAffinity ?? 'None'}\n`);
  if (spec.externalTrafficPolicy) w.write(0, `External Traffic Policy:\t${spec.externalTrafficPolicy}\n`);
  if (spec.internalTrafficPolicy) w.write(0, `Internal Traffic Policy:\t${spec.internalTrafficPolicy}\n`);
  if (spec.healthCheckNodePort) w.write(0, `HealthCheck NodePort:\t${spec.healthCheckNodePort}\n`);
  describeEvents(env, w, await eventsOf(env, svc, true));
  return w.toString();
}

/** formatEndpointSlices: ready endpoints `ip:port`, at most 3 then `+ N more...`. */
function endpointsText(slices: { ports?: { name?: string; port?: number }[]; endpoints?: { addresses: string[]; conditions?: { ready?: boolean } }[] }[], portName: string): string {
  if (!slices.length) return '<none>';
  const list: string[] = [];
  let count = 0;
  let more = false;
  for (const s of slices) {
    for (const port of s.ports ?? []) {
      if ((port.name ?? '') !== portName) continue;
      for (const e of s.endpoints ?? []) {
        if (list.length === 3) more = true;
        if (e.conditions?.ready === false) continue;
        if (!more) list.push(`${e.addresses[0]}:${port.port}`);
        count++;
      }
    }
  }
  const ret = list.join(',');
  return more ? `${ret} + ${count - 3} more...` : ret;
}

function describeQuota(q: KubeObject): string {
  const w = new PrefixWriter();
  w.write(0, `Name:\t${q.metadata.name}\n`);
  w.write(0, `Namespace:\t${q.metadata.namespace}\n`);
  const scopes = [...((q.spec as { scopes?: string[] } | undefined)?.scopes ?? [])].sort();
  if (scopes.length) w.write(0, `Scopes:\t${scopes.join(', ')}\n`);
  w.write(0, 'Resource\tUsed\tHard\n');
  w.write(0, '--------\t----\t----\n');
  const st = (q.status ?? {}) as { hard?: Record<string, string>; used?: Record<string, string> };
  for (const r of Object.keys(st.hard ?? {}).sort()) w.write(0, `${r}\t${canonicalQuantity(st.used?.[r] ?? '0')}\t${canonicalQuantity(st.hard![r])}\n`);
  return w.toString();
}

async function describeNamespace(env: Env, ns: KubeObject): Promise<string> {
  const w = new PrefixWriter();
  w.write(0, `Name:\t${ns.metadata.name}\n`);
  labelsMultiline(w, 'Labels', ns.metadata.labels);
  annotationsMultiline(w, 'Annotations', ns.metadata.annotations);
  w.write(0, `Status:\t${(ns.status as { phase?: string } | undefined)?.phase ?? ''}\n`);
  const quotas = (await env.client.get<KubeObject & { items: KubeObject[] }>(`/api/v1/namespaces/${ns.metadata.name}/resourcequotas`)).items;
  if (!quotas.length) w.write(0, '\nNo resource quota.\n');
  else {
    w.write(0, '\n');
    for (const q of quotas) {
      w.write(0, `Resource Quotas\n`);
      w.write(1, `Name:\t${q.metadata.name}\n`);
      w.write(1, 'Resource\tUsed\tHard\n');
      w.write(1, '--------\t---\t---\n');
      const st = (q.status ?? {}) as { hard?: Record<string, string>; used?: Record<string, string> };
      for (const r of Object.keys(st.hard ?? {}).sort()) w.write(1, `${r}\t${st.used?.[r] ?? '0'}\t${st.hard![r]}\n`);
    }
  }
  const limits = (await env.client.get<KubeObject & { items: KubeObject[] }>(`/api/v1/namespaces/${ns.metadata.name}/limitranges`)).items;
  if (!limits.length) w.write(0, '\nNo LimitRange resource.\n');
  return w.toString();
}

function describeConfigMap(env: Env, cm: KubeObject, events: EventObject[]): string {
  const w = new PrefixWriter();
  w.write(0, `Name:\t${cm.metadata.name}\n`);
  w.write(0, `Namespace:\t${cm.metadata.namespace}\n`);
  labelsMultiline(w, 'Labels', cm.metadata.labels);
  annotationsMultiline(w, 'Annotations', cm.metadata.annotations);
  w.write(0, '\nData\n====\n');
  const data = (cm.data ?? {}) as Record<string, string>;
  for (const k of Object.keys(data).sort()) {
    w.write(0, `${k}:\n----\n`);
    w.write(0, `${data[k]}\n`);
  }
  w.write(0, '\nBinaryData\n====\n');
  const bin = (cm.binaryData ?? {}) as Record<string, string>;
  for (const k of Object.keys(bin).sort()) w.write(0, `${k}: ${Buffer.from(bin[k]!, 'base64').length} bytes\n`);
  describeEvents(env, w, events);
  return w.toString();
}

async function describePdb(env: Env, pdb: KubeObject): Promise<string> {
  const w = new PrefixWriter();
  const spec = (pdb.spec ?? {}) as { minAvailable?: number | string; maxUnavailable?: number | string; selector?: LabelSelector };
  const st = (pdb.status ?? {}) as { disruptionsAllowed?: number; currentHealthy?: number; desiredHealthy?: number; expectedPods?: number };
  w.write(0, `Name:\t${pdb.metadata.name}\n`);
  w.write(0, `Namespace:\t${pdb.metadata.namespace}\n`);
  if (spec.minAvailable !== undefined) w.write(0, `Min available:\t${spec.minAvailable}\n`);
  if (spec.maxUnavailable !== undefined) w.write(0, `Max unavailable:\t${spec.maxUnavailable}\n`);
  w.write(0, `Selector:\t${spec.selector ? selectorText(spec.selector) : '<unset>'}\n`);
  w.write(0, 'Status:\n');
  w.write(1, `Allowed disruptions:\t${st.disruptionsAllowed ?? 0}\n`);
  w.write(1, `Current:\t${st.currentHealthy ?? 0}\n`);
  w.write(1, `Desired:\t${st.desiredHealthy ?? 0}\n`);
  w.write(1, `Total:\t${st.expectedPods ?? 0}\n`);
  describeEvents(env, w, await eventsOf(env, pdb, true));
  return w.toString();
}

const DESCRIBERS: Record<string, (env: Env, o: KubeObject) => Promise<string> | string> = {
  Pod: (env, o) => describePod(env, o as Pod),
  Deployment: (env, o) => describeDeployment(env, o as Deployment),
  ReplicaSet: (env, o) => describeReplicaSet(env, o as ReplicaSet),
  Node: (env, o) => describeNode(env, o as NodeObject),
  Service: (env, o) => describeService(env, o as Service),
  ResourceQuota: (_env, o) => describeQuota(o),
  Namespace: (env, o) => describeNamespace(env, o),
  ConfigMap: async (env, o) => describeConfigMap(env, o, await eventsOf(env, o, true)),
  PodDisruptionBudget: (env, o) => describePdb(env, o),
};

export async function describe(env: Env): Promise<number> {
  const positional = env.args.positional;
  if (!positional.length) throw new KubectlError("You must specify the type of resource to describe. Use \"kubectl api-resources\" for a complete list of supported resources.\nerror: Required resource not specified.\nSee 'kubectl describe -h' for help and examples");
  const groups = typeAndNames(positional);
  const selector = flag(env, 'selector');
  let first = true;
  let status = 0;
  for (const { t, names } of groups) {
    const describer = DESCRIBERS[t.kind];
    if (!describer) throw new KubectlError(`error: the practice lab's "microk8s kubectl describe" knows ${Object.keys(DESCRIBERS).map((k) => k.toLowerCase()).join(', ')}; use "get ${t.plural} -o yaml" for ${t.plural}`);
    const ns = t.namespaced ? (env.allNamespaces ? undefined : env.namespace) : undefined;
    let objects: KubeObject[] = [];
    try {
      if (names.length) {
        for (const name of names) {
          try {
            objects.push(await env.client.get(objectPath(t, ns ?? env.namespace, name)));
          } catch (err) {
            if (!(err instanceof ApiHttpError)) throw err;
            // `describe TYPE PREFIX`: every object whose name starts with it (DescribeMatchingResources).
            const matching =
              err.code === 404 && positional.length === 2 ? (await env.client.get<KubeObject & { items: KubeObject[] }>(collectionPath(t, ns))).items.filter((o) => o.metadata.name!.startsWith(name)) : [];
            if (matching.length) objects.push(...matching.map((o) => ({ ...o, kind: t.kind, prefixMatch: true })));
            else {
              env.err(serverError(err.status, err.code).message + '\n');
              status = 1;
            }
          }
        }
      } else {
        // `describe pods nginx`: kubectl also matches by name prefix when the name is not found; here: all, or by selector.
        objects = (await env.client.get<KubeObject & { items: KubeObject[] }>(`${collectionPath(t, ns)}${selector ? `?labelSelector=${encodeURIComponent(selector)}` : ''}`)).items.map((o) => ({ ...o, kind: t.kind }));
      }
    } catch (err) {
      if (err instanceof ApiHttpError) throw serverError(err.status, err.code);
      throw err;
    }
    for (const o of objects) {
      const prefixMatch = (o as { prefixMatch?: boolean }).prefixMatch === true;
      delete (o as { prefixMatch?: boolean }).prefixMatch;
      o.kind ??= t.kind;
      const text = await describer(env, o);
      // DescribeMatchingResources prints each match followed by a newline.
      if (prefixMatch) env.out(`${text}\n`);
      else env.out(first ? text : `\n\n${text}`);
      first = false;
    }
    if (!objects.length && !names.length && !status) env.err(t.namespaced && !env.allNamespaces ? `No resources found in ${env.namespace} namespace.\n` : 'No resources found\n');
  }
  return status;
}
