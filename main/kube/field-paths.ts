/**
 * Field paths as server-side apply sees them: a field of a map, or an element of a keyed list
 * (containers by name, ports by number, ...), written the way the API writes them in apply
 * conflicts (`.spec.template.spec.containers[name="nginx"].image`). Used to compare what the
 * app applies with what is live and to find who owns a field in `metadata.managedFields`.
 */
import { parseQuantity } from './quantity';

type Json = Record<string, unknown>;
export const isMap = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** `{ f: 'spec' }` a map field; `{ k: { name: 'nginx' } }` the element of a keyed list with those key values. */
export type Segment = { f: string } | { k: Record<string, unknown> };

/** The keys of the keyed lists of the kinds the lessons use (OpenAPI `x-kubernetes-list-map-keys`). */
const LIST_KEYS: [RegExp, string[]][] = [
  [/(^|\.)(containers|initContainers|ephemeralContainers)$/, ['name']],
  [/(containers|initContainers|ephemeralContainers)\.ports$/, ['containerPort', 'protocol']],
  [/(containers|initContainers|ephemeralContainers)\.env$/, ['name']],
  [/(containers|initContainers|ephemeralContainers)\.volumeMounts$/, ['mountPath']],
  [/(containers|initContainers|ephemeralContainers)\.volumeDevices$/, ['devicePath']],
  [/(containers|initContainers|ephemeralContainers)\.resizePolicy$/, ['resourceName']],
  [/(^|\.)volumes$/, ['name']],
  [/(^|\.)imagePullSecrets$/, ['name']],
  [/(^|\.)hostAliases$/, ['ip']],
  [/(^|\.)topologySpreadConstraints$/, ['topologyKey', 'whenUnsatisfiable']],
  [/(^|\.)resourceClaims$/, ['name']],
  [/^spec\.ports$/, ['port', 'protocol']],
  [/(^|\.)conditions$/, ['type']],
  [/(^|\.)ownerReferences$/, ['uid']],
];

/** Defaults the API fills into list keys (a port without protocol is TCP). */
const KEY_DEFAULTS: Record<string, unknown> = { protocol: 'TCP' };

/** The list keys for a dotted path without list markers (`spec.template.spec.containers`), or undefined for an atomic list. */
export function listKeys(dotted: string): string[] | undefined {
  for (const [re, keys] of LIST_KEYS) if (re.test(dotted)) return keys;
  return undefined;
}

function keyOf(item: Json, keys: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const v = item[k] ?? KEY_DEFAULTS[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}

function itemMatches(item: unknown, key: Record<string, unknown>): boolean {
  if (!isMap(item)) return false;
  return Object.entries(key).every(([k, v]) => JSON.stringify(item[k] ?? KEY_DEFAULTS[k]) === JSON.stringify(v));
}

export interface Leaf {
  segments: Segment[];
  value: unknown;
}

const dottedOf = (segments: Segment[]) => segments.flatMap((s) => ('f' in s ? [s.f] : [])).join('.');

/** Every leaf of an object: scalars, atomic lists, empty maps; keyed lists descend per element. */
export function leaves(value: unknown, segments: Segment[] = []): Leaf[] {
  if (Array.isArray(value)) {
    const keys = listKeys(dottedOf(segments));
    if (!keys || !value.every(isMap)) return [{ segments, value }];
    return value.flatMap((item) => leaves(item, [...segments, { k: keyOf(item as Json, keys) }]));
  }
  if (!isMap(value) || (Object.keys(value).length === 0 && segments.length > 0)) return [{ segments, value }];
  return Object.entries(value).flatMap(([k, v]) => leaves(v, [...segments, { f: k }]));
}

export function valueAt(obj: unknown, segments: Segment[]): unknown {
  let cur = obj;
  for (const s of segments) {
    if ('f' in s) cur = isMap(cur) ? cur[s.f] : undefined;
    else cur = Array.isArray(cur) ? cur.find((x) => itemMatches(x, s.k)) : undefined;
    if (cur === undefined) return undefined;
  }
  return cur;
}

/** `.spec.template.spec.containers[name="nginx"].image`, as the API prints apply conflicts. */
export function displayPath(segments: Segment[]): string {
  return segments
    .map((s) => ('f' in s ? `.${s.f}` : `[${Object.entries(s.k).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}]`))
    .join('');
}

export const pathKey = (segments: Segment[]) => displayPath(segments);

/** The leaf paths of a managedFields `fieldsV1` tree (`f:spec`, `k:{"name":"x"}`, `v:"x"`). */
export function fieldsV1Paths(node: unknown, segments: Segment[] = []): Segment[][] {
  if (!isMap(node)) return [];
  const children = Object.keys(node).filter((k) => k !== '.');
  if (children.length === 0) return segments.length ? [segments] : [];
  const out: Segment[][] = [];
  for (const c of children) {
    if (c.startsWith('f:')) out.push(...fieldsV1Paths(node[c], [...segments, { f: c.slice(2) }]));
    else if (c.startsWith('k:')) {
      try {
        out.push(...fieldsV1Paths(node[c], [...segments, { k: JSON.parse(c.slice(2)) as Record<string, unknown> }]));
      } catch {
        /* not JSON: skip */
      }
    } else if (c.startsWith('v:') || c.startsWith('i:')) out.push(segments);
  }
  return out;
}

/** Whether a fieldsV1 tree owns the field at `segments` (or a field inside it). */
export function ownsPath(fieldsV1: unknown, segments: Segment[]): boolean {
  let node: unknown = fieldsV1;
  for (const s of segments) {
    if (!isMap(node)) return false;
    if ('f' in s) node = node[`f:${s.f}`];
    else {
      const match = Object.keys(node).find((c) => {
        if (!c.startsWith('k:')) return false;
        try {
          const key = JSON.parse(c.slice(2)) as Record<string, unknown>;
          return Object.entries(key).every(([k, v]) => JSON.stringify(s.k[k] ?? KEY_DEFAULTS[k]) === JSON.stringify(v));
        } catch {
          return false;
        }
      });
      node = match ? node[match] : undefined;
    }
    if (node === undefined) return false;
  }
  return true;
}

const QUANTITY_MAPS = new Set(['limits', 'requests', 'hard', 'used', 'default', 'defaultRequest', 'max', 'min', 'maxLimitRequestRatio', 'capacity', 'allocatable']);

const empty = (v: unknown) => v === undefined || v === null || (Array.isArray(v) && v.length === 0) || (isMap(v) && Object.keys(v).length === 0);

/**
 * Equality as the API means it: missing, null, [] and {} are the same, and quantities in
 * resource maps compare by value (`0.5` equals `500m`).
 */
export function sameValue(a: unknown, b: unknown, segments: Segment[] = []): boolean {
  if (empty(a) && empty(b)) return true;
  const parent = segments.length >= 2 ? segments[segments.length - 2] : undefined;
  if (parent && 'f' in parent && QUANTITY_MAPS.has(parent.f)) {
    const qa = parseQuantity(a);
    const qb = parseQuantity(b);
    if (qa !== undefined && qb !== undefined) return Math.abs(qa - qb) <= Math.abs(qa) * 1e-12;
  }
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  if (isMap(a) && isMap(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((k) => sameValue(a[k], b[k], [...segments, { f: k }]));
  }
  return JSON.stringify(a) === JSON.stringify(b);
}
