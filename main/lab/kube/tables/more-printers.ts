/**
 * Server-side Table columns of the kinds beyond the tutorial's core ones (upstream's
 * pkg/printers/internalversion/printers.go): service accounts, DaemonSets, StatefulSets, Jobs,
 * CronJobs, PodDisruptionBudgets, RBAC, Ingress, storage, webhooks, APIServices, CRDs, and the
 * `additionalPrinterColumns` of custom resources.
 */
import { selectorToString } from '../api/selectors';
import type { CustomResourceInfo } from '../api/resource-registry';
import type { KubeObject, LabelSelector, PodTemplateSpec } from '../api/types';
import { humanDuration, since } from './human-duration';

export interface Column {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format: string;
  description: string;
  priority: number;
}

export type Cell = string | number | boolean;
export interface Printer {
  columns: Column[];
  cells(o: KubeObject, now: number): Cell[];
}

export const col = (name: string, type: Column['type'] = 'string', priority = 0, format = ''): Column => ({ name, type, format, description: name, priority });
const NAME = col('Name', 'string', 0, 'name');
const AGE = col('Age');
const CREATED_AT = col('Created At', 'date');

type Json = Record<string, unknown>;
const spec = (o: KubeObject) => (o.spec ?? {}) as Json;
const status = (o: KubeObject) => (o.status ?? {}) as Json;
const num = (v: unknown) => (typeof v === 'number' ? v : 0);
const age = (o: KubeObject, now: number) => since(o.metadata.creationTimestamp, now);

function templateColumns(template: PodTemplateSpec | undefined, selector: LabelSelector | undefined): [string, string, string] {
  const cs = template?.spec?.containers ?? [];
  return [cs.map((c) => c.name).join(','), cs.map((c) => c.image).join(','), selector ? selectorToString(selector) : '<none>'];
}

function mapText(m: Record<string, string> | undefined): string {
  const entries = Object.entries(m ?? {});
  return entries.length ? entries.map(([k, v]) => `${k}=${v}`).join(',') : '<none>';
}

function jobStatus(o: KubeObject): string {
  const conditions = (status(o).conditions as { type: string; status: string }[] | undefined) ?? [];
  const has = (t: string) => conditions.some((c) => c.type === t && c.status === 'True');
  if (has('Complete')) return 'Complete';
  if (has('Failed')) return 'Failed';
  if (has('FailureTarget')) return 'FailureTarget';
  if (has('SuccessCriteriaMet')) return 'SuccessCriteriaMet';
  if (has('Suspended')) return 'Suspended';
  return 'Running';
}

function jobCompletions(o: KubeObject): string {
  const s = spec(o);
  const succeeded = num(status(o).succeeded);
  if (s.completions !== undefined && s.completions !== null) return `${succeeded}/${num(s.completions)}`;
  const parallelism = s.parallelism === undefined ? 0 : num(s.parallelism);
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

function jobDuration(o: KubeObject, now: number): string {
  const st = status(o);
  if (!st.startTime) return '';
  const end = st.completionTime ? Date.parse(String(st.completionTime)) : now;
  return humanDuration(end - Date.parse(String(st.startTime)));
}

function bindingSubjects(o: KubeObject, kind: string): string {
  const subjects = (o.subjects as { kind: string; name: string; namespace?: string }[] | undefined) ?? [];
  return (
    subjects
      .filter((s) => s.kind === kind)
      .map((s) => (kind === 'ServiceAccount' ? `${s.namespace ?? ''}/${s.name}` : s.name))
      .join(', ')
  );
}

const bindingPrinter: Printer = {
  columns: [NAME, col('Role'), AGE, col('Users', 'string', 1), col('Groups', 'string', 1), col('ServiceAccounts', 'string', 1)],
  cells(o, now) {
    const ref = (o.roleRef as { kind?: string; name?: string } | undefined) ?? {};
    return [o.metadata.name!, `${ref.kind ?? ''}/${ref.name ?? ''}`, age(o, now), bindingSubjects(o, 'User'), bindingSubjects(o, 'Group'), bindingSubjects(o, 'ServiceAccount')];
  },
};

function ingressHosts(o: KubeObject): string {
  const rules = (spec(o).rules as { host?: string }[] | undefined) ?? [];
  const hosts = rules.map((r) => r.host).filter(Boolean) as string[];
  return hosts.length ? (hosts.length > 4 ? `${hosts.slice(0, 4).join(',')} + ${hosts.length - 4} more...` : hosts.join(',')) : '*';
}

function loadBalancerText(o: KubeObject): string {
  const ingress = ((status(o).loadBalancer as { ingress?: { ip?: string; hostname?: string }[] } | undefined)?.ingress ?? []).map((i) => i.ip || i.hostname || '');
  return ingress.filter(Boolean).join(',');
}

function quantityText(q: unknown): string {
  return q === undefined ? '' : String(q);
}

function accessModes(modes: unknown): string {
  const short: Record<string, string> = { ReadWriteOnce: 'RWO', ReadOnlyMany: 'ROX', ReadWriteMany: 'RWX', ReadWriteOncePod: 'RWOP' };
  return ((modes as string[] | undefined) ?? []).map((m) => short[m] ?? m).join(',');
}

export const MORE_PRINTERS: Record<string, Printer> = {
  ServiceAccount: {
    columns: [NAME, col('Secrets', 'integer'), AGE],
    cells: (o, now) => [o.metadata.name!, ((o.secrets as unknown[] | undefined) ?? []).length, age(o, now)],
  },
  DaemonSet: {
    columns: [NAME, col('Desired', 'integer'), col('Current', 'integer'), col('Ready', 'integer'), col('Up-to-date', 'integer'), col('Available', 'integer'), col('Node Selector'), AGE, col('Containers', 'string', 1), col('Images', 'string', 1), col('Selector', 'string', 1)],
    cells(o, now) {
      const s = status(o);
      const template = spec(o).template as PodTemplateSpec | undefined;
      return [
        o.metadata.name!,
        num(s.desiredNumberScheduled),
        num(s.currentNumberScheduled),
        num(s.numberReady),
        num(s.updatedNumberScheduled),
        num(s.numberAvailable),
        mapText(template?.spec?.nodeSelector),
        age(o, now),
        ...templateColumns(template, spec(o).selector as LabelSelector | undefined),
      ];
    },
  },
  StatefulSet: {
    columns: [NAME, col('Ready'), AGE, col('Containers', 'string', 1), col('Images', 'string', 1)],
    cells(o, now) {
      const [containers, images] = templateColumns(spec(o).template as PodTemplateSpec | undefined, undefined);
      return [o.metadata.name!, `${num(status(o).readyReplicas)}/${spec(o).replicas ?? 1}`, age(o, now), containers, images];
    },
  },
  ControllerRevision: {
    columns: [NAME, col('Controller'), col('Revision', 'integer'), AGE],
    cells(o, now) {
      const ref = o.metadata.ownerReferences?.find((r) => r.controller);
      const group = ref?.apiVersion.includes('/') ? ref.apiVersion.split('/')[0] : '';
      return [o.metadata.name!, ref ? `${ref.kind.toLowerCase()}${group ? `.${group}` : ''}/${ref.name}` : '<none>', num(o.revision), age(o, now)];
    },
  },
  Job: {
    columns: [NAME, col('Status'), col('Completions'), col('Duration'), AGE, col('Containers', 'string', 1), col('Images', 'string', 1), col('Selector', 'string', 1)],
    cells: (o, now) => [o.metadata.name!, jobStatus(o), jobCompletions(o), jobDuration(o, now), age(o, now), ...templateColumns(spec(o).template as PodTemplateSpec | undefined, spec(o).selector as LabelSelector | undefined)],
  },
  CronJob: {
    columns: [NAME, col('Schedule'), col('Timezone'), col('Suspend', 'boolean'), col('Active', 'integer'), col('Last Schedule'), AGE, col('Containers', 'string', 1), col('Images', 'string', 1), col('Selector', 'string', 1)],
    cells(o, now) {
      const s = spec(o);
      const template = ((s.jobTemplate as { spec?: { template?: PodTemplateSpec; selector?: LabelSelector } } | undefined)?.spec ?? {}) as { template?: PodTemplateSpec; selector?: LabelSelector };
      const last = status(o).lastScheduleTime as string | undefined;
      return [o.metadata.name!, String(s.schedule ?? ''), String(s.timeZone ?? '<none>'), s.suspend === undefined ? '<unset>' : s.suspend ? 'True' : 'False', ((status(o).active as unknown[] | undefined) ?? []).length, last ? since(last, now) : '<none>', age(o, now), ...templateColumns(template.template, template.selector)];
    },
  },
  PodDisruptionBudget: {
    columns: [NAME, col('Min Available'), col('Max Unavailable'), col('Allowed Disruptions', 'integer'), AGE],
    cells: (o, now) => [o.metadata.name!, spec(o).minAvailable !== undefined ? String(spec(o).minAvailable) : 'N/A', spec(o).maxUnavailable !== undefined ? String(spec(o).maxUnavailable) : 'N/A', num(status(o).disruptionsAllowed), age(o, now)],
  },
  Role: { columns: [NAME, CREATED_AT], cells: (o) => [o.metadata.name!, o.metadata.creationTimestamp ?? ''] },
  ClusterRole: { columns: [NAME, CREATED_AT], cells: (o) => [o.metadata.name!, o.metadata.creationTimestamp ?? ''] },
  RoleBinding: bindingPrinter,
  ClusterRoleBinding: bindingPrinter,
  Ingress: {
    columns: [NAME, col('Class'), col('Hosts'), col('Address'), col('Ports'), AGE],
    cells(o, now) {
      const tls = ((spec(o).tls as unknown[] | undefined) ?? []).length > 0;
      return [o.metadata.name!, String(spec(o).ingressClassName ?? '<none>'), ingressHosts(o), loadBalancerText(o), tls ? '80, 443' : '80', age(o, now)];
    },
  },
  IngressClass: {
    columns: [NAME, col('Controller'), col('Parameters'), AGE],
    cells(o, now) {
      const p = spec(o).parameters as { kind?: string; name?: string; apiGroup?: string } | undefined;
      return [o.metadata.name!, String(spec(o).controller ?? ''), p ? `${p.kind}.${p.apiGroup ?? ''}/${p.name}` : '<none>', age(o, now)];
    },
  },
  NetworkPolicy: {
    columns: [NAME, col('Pod-Selector'), AGE],
    cells: (o, now) => [o.metadata.name!, selectorToString((spec(o).podSelector as LabelSelector | undefined) ?? {}) || '<none>', age(o, now)],
  },
  PriorityClass: {
    columns: [NAME, col('Value', 'integer'), col('Global-Default', 'boolean'), AGE, col('PreemptionPolicy')],
    cells: (o, now) => [o.metadata.name!, num(o.value), o.globalDefault === true, age(o, now), String(o.preemptionPolicy ?? 'PreemptLowerPriority')],
  },
  StorageClass: {
    columns: [NAME, col('Provisioner'), col('ReclaimPolicy'), col('VolumeBindingMode'), col('AllowVolumeExpansion', 'boolean'), AGE],
    cells(o, now) {
      const isDefault = o.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true';
      return [isDefault ? `${o.metadata.name} (default)` : o.metadata.name!, String(o.provisioner ?? ''), String(o.reclaimPolicy ?? 'Delete'), String(o.volumeBindingMode ?? 'Immediate'), String(o.allowVolumeExpansion === true), age(o, now)];
    },
  },
  PersistentVolumeClaim: {
    columns: [NAME, col('Status'), col('Volume'), col('Capacity'), col('Access Modes'), col('StorageClass'), col('VolumeAttributesClass'), AGE, col('VolumeMode', 'string', 1)],
    cells(o, now) {
      const s = status(o);
      const bound = s.phase === 'Bound';
      return [o.metadata.name!, String(s.phase ?? 'Pending'), String(spec(o).volumeName ?? ''), bound ? quantityText((s.capacity as Json | undefined)?.storage) : '', bound ? accessModes(s.accessModes) : '', String(spec(o).storageClassName ?? '<unset>'), '<unset>', age(o, now), String(spec(o).volumeMode ?? 'Filesystem')];
    },
  },
  PersistentVolume: {
    columns: [NAME, col('Capacity'), col('Access Modes'), col('Reclaim Policy'), col('Status'), col('Claim'), col('StorageClass'), col('VolumeAttributesClass'), col('Reason'), AGE, col('VolumeMode', 'string', 1)],
    cells(o, now) {
      const s = spec(o);
      const claim = s.claimRef as { namespace?: string; name?: string } | undefined;
      return [o.metadata.name!, quantityText((s.capacity as Json | undefined)?.storage), accessModes(s.accessModes), String(s.persistentVolumeReclaimPolicy ?? 'Retain'), String(status(o).phase ?? 'Pending'), claim ? `${claim.namespace}/${claim.name}` : '', String(s.storageClassName ?? ''), '<unset>', String(status(o).reason ?? ''), age(o, now), String(s.volumeMode ?? 'Filesystem')];
    },
  },
  Lease: {
    columns: [NAME, col('Holder'), AGE],
    cells: (o, now) => [o.metadata.name!, String(spec(o).holderIdentity ?? ''), age(o, now)],
  },
  CustomResourceDefinition: { columns: [NAME, CREATED_AT], cells: (o) => [o.metadata.name!, o.metadata.creationTimestamp ?? ''] },
  ValidatingWebhookConfiguration: {
    columns: [NAME, col('Webhooks', 'integer'), AGE],
    cells: (o, now) => [o.metadata.name!, ((o.webhooks as unknown[] | undefined) ?? []).length, age(o, now)],
  },
  MutatingWebhookConfiguration: {
    columns: [NAME, col('Webhooks', 'integer'), AGE],
    cells: (o, now) => [o.metadata.name!, ((o.webhooks as unknown[] | undefined) ?? []).length, age(o, now)],
  },
  APIService: {
    columns: [NAME, col('Service'), col('Available'), AGE],
    cells(o, now) {
      const svc = spec(o).service as { namespace?: string; name?: string } | undefined;
      const available = ((status(o).conditions as { type: string; status: string; reason?: string }[] | undefined) ?? []).find((c) => c.type === 'Available');
      const availableText = !available ? 'Unknown' : available.status === 'True' ? 'True' : `${available.status} (${available.reason ?? ''})`;
      return [o.metadata.name!, svc ? `${svc.namespace}/${svc.name}` : 'Local', availableText, age(o, now)];
    },
  },
};

/** A simple JSONPath (`.spec.addresses`, `.metadata.creationTimestamp`) evaluated as kubectl prints custom columns. */
function jsonPathValue(o: KubeObject, path: string): unknown {
  let cur: unknown = o;
  for (const part of path.replace(/^\{?\.?/, '').replace(/\}$/, '').split('.').filter(Boolean)) {
    const m = /^([^[]+)(?:\[(\d+)\])?$/.exec(part);
    if (!m || cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Json)[m[1]!];
    if (m[2] !== undefined) cur = Array.isArray(cur) ? cur[Number(m[2])] : undefined;
  }
  return cur;
}

/** The Table printer of a custom resource: NAME, its additionalPrinterColumns, AGE when none is a date of creation. */
export function customPrinter(info: CustomResourceInfo): Printer {
  const extra = info.printerColumns ?? [];
  if (!extra.length) return { columns: [NAME, AGE], cells: (o, now) => [o.metadata.name!, age(o, now)] };
  return {
    columns: [NAME, ...extra.map((c) => ({ name: c.name, type: (c.type === 'date' ? 'date' : c.type) as Column['type'], format: c.format ?? '', description: c.description ?? c.name, priority: c.priority ?? 0 }))],
    cells(o, now) {
      return [
        o.metadata.name!,
        ...extra.map((c) => {
          const v = jsonPathValue(o, c.jsonPath);
          if (v === undefined || v === null) return '<none>' as Cell;
          if (c.type === 'date') return since(String(v), now);
          if (Array.isArray(v) || typeof v === 'object') return JSON.stringify(v);
          return v as Cell;
        }),
      ];
    },
  };
}
