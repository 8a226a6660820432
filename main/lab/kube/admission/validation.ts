/**
 * Validation of names and of the fields the app and the tutorial send, with upstream's
 * field paths and messages (k8s.io/apimachinery validation, pkg/apis/{core,apps}/validation).
 */
import type { FieldError } from '../api/status-errors';
import { forbiddenField, invalidValue, notSupported, required } from '../api/status-errors';
import { isQuantity, parseQuantity } from '../api/quantity';
import { selectorMatches } from '../api/selectors';
import type { Container, Deployment, KubeObject, PodSpec, ReplicaSet, Service } from '../api/types';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

export function dns1123Subdomain(field: string, value: string): FieldError[] {
  const errs: FieldError[] = [];
  if (value.length > 253) errs.push(invalidValue(field, value, 'must be no more than 253 characters'));
  if (!DNS1123_SUBDOMAIN.test(value)) {
    errs.push(
      invalidValue(
        field,
        value,
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      ),
    );
  }
  return errs;
}

export function dns1123Label(field: string, value: string): FieldError[] {
  const errs: FieldError[] = [];
  if (value.length > 63) errs.push(invalidValue(field, value, 'must be no more than 63 characters'));
  if (!DNS1123_LABEL.test(value)) {
    errs.push(
      invalidValue(
        field,
        value,
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
      ),
    );
  }
  return errs;
}

function dns1035Label(field: string, value: string): FieldError[] {
  const errs: FieldError[] = [];
  if (value.length > 63) errs.push(invalidValue(field, value, 'must be no more than 63 characters'));
  if (!DNS1035_LABEL.test(value)) {
    errs.push(
      invalidValue(
        field,
        value,
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
      ),
    );
  }
  return errs;
}

function validateName(kind: string, o: KubeObject): FieldError[] {
  const name = o.metadata.name;
  if (!name) return [required('metadata.name', 'name or generateName is required')];
  if (kind === 'Namespace') return dns1123Label('metadata.name', name);
  if (kind === 'Service') return dns1035Label('metadata.name', name);
  // RBAC objects take path segment names (`metallb-system:controller`, `system:metrics-server`).
  if (['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding'].includes(kind)) {
    if (name === '.' || name === '..') return [invalidValue('metadata.name', name, `may not be '${name}'`)];
    for (const bad of ['/', '%']) if (name.includes(bad)) return [invalidValue('metadata.name', name, `may not contain '${bad}'`)];
    return [];
  }
  return dns1123Subdomain('metadata.name', name);
}

function validateResources(c: Container, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const { requests = {}, limits = {} } = c.resources ?? {};
  for (const [which, list] of [['requests', requests], ['limits', limits]] as const) {
    for (const [res, q] of Object.entries(list)) {
      if (!isQuantity(q)) errs.push(invalidValue(`${path}.resources.${which}[${res}]`, q, "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"));
    }
  }
  if (errs.length) return errs;
  for (const [res, q] of Object.entries(requests)) {
    const limit = limits[res];
    if (limit !== undefined && parseQuantity(q) > parseQuantity(limit)) {
      errs.push(invalidValue(`${path}.resources.requests`, String(q), `must be less than or equal to ${res} limit of ${limit}`));
    }
  }
  return errs;
}

export function validatePodSpec(spec: PodSpec | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const containers = spec?.containers ?? [];
  if (containers.length === 0) return [required(`${path}.containers`)];
  const names = new Set<string>();
  containers.forEach((c, i) => {
    const p = `${path}.containers[${i}]`;
    if (!c.name) errs.push(required(`${p}.name`));
    else {
      errs.push(...dns1123Label(`${p}.name`, c.name));
      if (names.has(c.name)) errs.push({ type: 'FieldValueDuplicate', field: `${p}.name`, detail: `Duplicate value: "${c.name}"` });
      names.add(c.name);
    }
    if (!c.image) errs.push(required(`${p}.image`));
    (c.ports ?? []).forEach((port, j) => {
      if (!(Number.isInteger(port.containerPort) && port.containerPort >= 1 && port.containerPort <= 65535)) {
        errs.push(invalidValue(`${p}.ports[${j}].containerPort`, port.containerPort, 'must be between 1 and 65535, inclusive'));
      }
    });
    errs.push(...validateResources(c, p));
  });
  const volumes = new Set((spec?.volumes ?? []).map((v) => v.name));
  containers.forEach((c, i) =>
    (c.volumeMounts ?? []).forEach((m, j) => {
      if (!volumes.has(m.name)) errs.push({ type: 'FieldValueNotFound', field: `${path}.containers[${i}].volumeMounts[${j}].name`, detail: `Not found: "${m.name}"` });
    }),
  );
  return errs;
}

function isIntOrPercent(v: unknown): boolean {
  return (typeof v === 'number' && Number.isInteger(v) && v >= 0) || (typeof v === 'string' && /^\d+%$/.test(v));
}

function isZero(v: unknown): boolean {
  return v === 0 || v === '0%';
}

function validateWorkload(o: Deployment | ReplicaSet, old: Deployment | ReplicaSet | undefined): FieldError[] {
  const errs: FieldError[] = [];
  const spec = o.spec ?? ({} as Deployment['spec']);
  if ((spec.replicas ?? 0) < 0) errs.push(invalidValue('spec.replicas', spec.replicas, 'must be greater than or equal to 0'));
  if (!spec.selector || (!spec.selector.matchLabels && !spec.selector.matchExpressions)) errs.push(required('spec.selector'));
  else {
    const labels = spec.template?.metadata?.labels ?? {};
    if (!selectorMatches(spec.selector, labels)) {
      errs.push({
        type: 'FieldValueInvalid',
        field: 'spec.template.metadata.labels',
        detail: `Invalid value: map[string]string{${Object.entries(labels)
          .map(([k, v]) => `"${k}":"${v}"`)
          .join(', ')}}: \`selector\` does not match template \`labels\``,
      });
    }
    if (old && JSON.stringify(old.spec.selector) !== JSON.stringify(spec.selector)) {
      errs.push({ type: 'FieldValueInvalid', field: 'spec.selector', detail: `Invalid value: ${goSelector(spec.selector)}: field is immutable` });
    }
  }
  errs.push(...validatePodSpec(spec.template?.spec, 'spec.template.spec'));
  if (o.kind === 'Deployment') {
    const d = o as Deployment;
    const strategy = d.spec.strategy ?? {};
    if (strategy.type && !['RollingUpdate', 'Recreate'].includes(strategy.type)) errs.push(notSupported('spec.strategy.type', strategy.type, ['Recreate', 'RollingUpdate']));
    if (strategy.type === 'Recreate' && strategy.rollingUpdate) errs.push(forbiddenField('spec.strategy.rollingUpdate', 'may not be specified when strategy `type` is \'Recreate\''));
    const ru = strategy.rollingUpdate;
    if (ru && strategy.type !== 'Recreate') {
      for (const f of ['maxSurge', 'maxUnavailable'] as const) {
        if (ru[f] !== undefined && !isIntOrPercent(ru[f])) errs.push(invalidValue(`spec.strategy.rollingUpdate.${f}`, ru[f], 'must be greater than or equal to 0'));
      }
      if (isZero(ru.maxSurge) && isZero(ru.maxUnavailable)) {
        errs.push(invalidValue('spec.strategy.rollingUpdate.maxUnavailable', ru.maxUnavailable, 'may not be 0 when `maxSurge` is 0'));
      }
    }
    if ((d.spec.progressDeadlineSeconds ?? 600) <= (d.spec.minReadySeconds ?? 0)) {
      errs.push(invalidValue('spec.progressDeadlineSeconds', d.spec.progressDeadlineSeconds, 'must be greater than minReadySeconds'));
    }
  }
  return errs;
}

function goSelector(s: Deployment['spec']['selector']): string {
  const labels = Object.entries(s.matchLabels ?? {})
    .map(([k, v]) => `"${k}":"${v}"`)
    .join(', ');
  return `v1.LabelSelector{MatchLabels:map[string]string{${labels}}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}`;
}

const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];

function validateService(s: Service): FieldError[] {
  const errs: FieldError[] = [];
  const type = s.spec?.type ?? 'ClusterIP';
  if (!SERVICE_TYPES.includes(type)) errs.push(notSupported('spec.type', type, SERVICE_TYPES));
  const ports = s.spec?.ports ?? [];
  if (type !== 'ExternalName' && ports.length === 0) errs.push(required('spec.ports'));
  ports.forEach((p, i) => {
    if (ports.length > 1 && !p.name) errs.push(required(`spec.ports[${i}].name`));
    if (!(Number.isInteger(p.port) && p.port >= 1 && p.port <= 65535)) errs.push(invalidValue(`spec.ports[${i}].port`, p.port, 'must be between 1 and 65535, inclusive'));
    if (p.nodePort !== undefined && (p.nodePort < 30000 || p.nodePort > 32767)) {
      errs.push(invalidValue(`spec.ports[${i}].nodePort`, p.nodePort, 'provided port is not in the valid range. The range of valid ports is 30000-32767'));
    }
  });
  return errs;
}

/** All field errors of `o` (an update when `old` is given). */
export function validateObject(kind: string, o: KubeObject, old?: KubeObject): FieldError[] {
  const errs = validateName(kind, o);
  for (const [k, v] of Object.entries(o.metadata.labels ?? {})) {
    if (typeof v !== 'string' || v.length > 63 || !/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(v)) {
      errs.push(
        invalidValue(
          `metadata.labels`,
          v,
          "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
        ),
      );
    }
    if (!k) errs.push(invalidValue('metadata.labels', k, 'name part must be non-empty'));
  }
  switch (kind) {
    case 'Deployment':
    case 'ReplicaSet':
      errs.push(...validateWorkload(o as Deployment, old as Deployment | undefined));
      break;
    case 'Pod':
      errs.push(...validatePodSpec((o as unknown as { spec?: PodSpec }).spec, 'spec'));
      break;
    case 'Service':
      errs.push(...validateService(o as Service));
      break;
  }
  return errs;
}
