/**
 * Field ownership (metadata.managedFields, FieldsV1) and server-side apply
 * (`application/apply-patch+yaml`): an applier owns the fields of its configuration, changing
 * a field another manager owns to a different value is a 409 conflict unless `force=true`,
 * and fields an applier stops sending are removed when nobody else owns them.
 */
import { cloneJson } from '../store/clone';
import { StatusError } from '../api/status-errors';
import type { KubeObject, ManagedFieldsEntry } from '../api/types';
import { listStrategy } from './patch-schema';
import { strategicMerge } from './strategic-merge-patch';

type Json = Record<string, unknown>;
const isMap = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Metadata fields the server owns; never tracked. */
const SERVER_METADATA = new Set(['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'managedFields', 'selfLink']);

/** Leaf field paths of an object: segments are `f:<field>` or `k:{"<mergeKey>":<value>}`. */
function leafPaths(value: unknown, segs: string[] = [], dotted = ''): string[][] {
  if (Array.isArray(value)) {
    const strategy = listStrategy(dotted);
    if (typeof strategy !== 'object') return [segs];
    const out: string[][] = [];
    for (const item of value) {
      if (!isMap(item)) continue;
      const seg = `k:${JSON.stringify({ [strategy.mergeKey]: item[strategy.mergeKey] })}`;
      out.push(...leafPaths(item, [...segs, seg], `${dotted}[]`));
    }
    return out;
  }
  if (!isMap(value) || (Object.keys(value).length === 0 && segs.length > 0)) return [segs];
  const out: string[][] = [];
  for (const [k, v] of Object.entries(value)) {
    if (segs.length === 0 && (k === 'apiVersion' || k === 'kind')) continue;
    if (segs.length === 1 && segs[0] === 'f:metadata' && SERVER_METADATA.has(k)) continue;
    out.push(...leafPaths(v, [...segs, `f:${k}`], dotted ? `${dotted}.${k}` : k));
  }
  return out;
}

function valueAt(o: unknown, segs: string[]): unknown {
  let cur = o;
  for (const s of segs) {
    if (s.startsWith('f:')) cur = isMap(cur) ? cur[s.slice(2)] : undefined;
    else {
      const key = JSON.parse(s.slice(2)) as Json;
      const [k, v] = Object.entries(key)[0]!;
      cur = Array.isArray(cur) ? cur.find((x) => isMap(x) && JSON.stringify(x[k]) === JSON.stringify(v)) : undefined;
    }
  }
  return cur;
}

function removeAt(o: unknown, segs: string[]): void {
  const parent = valueAt(o, segs.slice(0, -1));
  const last = segs[segs.length - 1]!;
  if (last.startsWith('f:') && isMap(parent)) delete parent[last.slice(2)];
}

function toFieldsV1(paths: string[][]): Json {
  const root: Json = {};
  for (const p of paths) {
    let node = root;
    for (const seg of p) {
      node = (node[seg] ??= {}) as Json;
      if (seg.startsWith('k:')) node['.'] = {};
    }
  }
  return root;
}

function fromFieldsV1(node: unknown, segs: string[] = []): string[][] {
  if (!isMap(node)) return [];
  const keys = Object.keys(node).filter((k) => k !== '.');
  if (keys.length === 0) return segs.length ? [segs] : [];
  return keys.flatMap((k) => fromFieldsV1(node[k], [...segs, k]));
}

const key = (p: string[]) => JSON.stringify(p);

function displayPath(p: string[]): string {
  return p
    .map((s) => {
      if (s.startsWith('f:')) return `.${s.slice(2)}`;
      const [k, v] = Object.entries(JSON.parse(s.slice(2)) as Json)[0]!;
      return `[${k}=${JSON.stringify(v)}]`;
    })
    .join('');
}

function entryPaths(e: ManagedFieldsEntry): string[][] {
  return fromFieldsV1(e.fieldsV1);
}

function withPaths(e: ManagedFieldsEntry, paths: string[][], time: string): ManagedFieldsEntry {
  return { ...e, time, fieldsV1: toFieldsV1(paths) };
}

/**
 * managedFields after a non-apply write by `manager`: it takes ownership of every field it
 * changed or added; fields that disappeared are released by everyone.
 */
export function recordUpdate(
  old: KubeObject | undefined,
  next: KubeObject,
  manager: string | undefined,
  apiVersion: string,
  time: string,
  subresource: string | undefined,
): ManagedFieldsEntry[] | undefined {
  const entries = cloneJson(old?.metadata.managedFields ?? []);
  const nextPaths = leafPaths(stripMeta(next));
  const nextKeys = new Set(nextPaths.map(key));
  const changed = nextPaths.filter((p) => !old || JSON.stringify(valueAt(old, p)) !== JSON.stringify(valueAt(next, p)));
  const changedKeys = new Set(changed.map(key));
  const out: ManagedFieldsEntry[] = [];
  for (const e of entries) {
    const kept = entryPaths(e).filter((p) => nextKeys.has(key(p)) && !(changedKeys.has(key(p)) && e.manager !== manager));
    if (kept.length) out.push(withPaths(e, kept, e.time ?? time));
  }
  if (!manager || changed.length === 0) return out.length ? out : undefined;
  const mine = out.find((e) => e.manager === manager && e.operation === 'Update' && e.subresource === subresource);
  const paths = mine ? [...entryPaths(mine), ...changed.filter((p) => !entryPaths(mine).some((q) => key(q) === key(p)))] : changed;
  const entry: ManagedFieldsEntry = { manager, operation: 'Update', apiVersion, time, fieldsType: 'FieldsV1', fieldsV1: toFieldsV1(paths) };
  if (subresource) entry.subresource = subresource;
  if (mine) out[out.indexOf(mine)] = entry;
  else out.push(entry);
  return out;
}

function stripMeta(o: KubeObject): KubeObject {
  const c = { ...o } as Json;
  if (c.status !== undefined) delete c.status;
  return c as KubeObject;
}

/** Server-side apply of `config` by `manager` onto `live` (undefined: the object is created). */
export function applyConfiguration(
  live: KubeObject | undefined,
  config: KubeObject,
  manager: string | undefined,
  force: boolean,
  apiVersion: string,
  time: string,
): KubeObject {
  if (!manager) throw new StatusError(422, 'Invalid', 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
  if (!isMap(config) || !isMap(config.metadata)) throw new StatusError(400, 'BadRequest', 'error decoding patch: metadata is required');
  const cfgPaths = leafPaths(config);
  const cfgKeys = new Set(cfgPaths.map(key));
  const entries = cloneJson(live?.metadata.managedFields ?? []);
  const conflicts = new Map<string, string[]>();
  for (const e of entries) {
    if (e.manager === manager && e.operation === 'Apply') continue;
    for (const p of entryPaths(e)) {
      if (!cfgKeys.has(key(p))) continue;
      if (JSON.stringify(valueAt(live, p)) === JSON.stringify(valueAt(config, p))) continue;
      const list = conflicts.get(e.manager) ?? [];
      list.push(displayPath(p));
      conflicts.set(e.manager, list);
    }
  }
  if (conflicts.size && !force) throw conflictError(conflicts, apiVersion);
  const previous = entries.find((e) => e.manager === manager && e.operation === 'Apply');
  const others = entries.filter((e) => e !== previous);
  const merged = strategicMerge(live ?? {}, config) as KubeObject;
  const ownedByOthers = new Set(others.flatMap((e) => entryPaths(e).map(key)));
  for (const p of previous ? entryPaths(previous) : []) {
    if (!cfgKeys.has(key(p)) && !ownedByOthers.has(key(p))) removeAt(merged, p);
  }
  const out: ManagedFieldsEntry[] = [];
  for (const e of others) {
    const kept = force ? entryPaths(e).filter((p) => !cfgKeys.has(key(p)) || JSON.stringify(valueAt(live, p)) === JSON.stringify(valueAt(config, p))) : entryPaths(e);
    if (kept.length) out.push(withPaths(e, kept, e.time ?? time));
  }
  out.unshift({ manager, operation: 'Apply', apiVersion, time, fieldsType: 'FieldsV1', fieldsV1: toFieldsV1(cfgPaths) });
  merged.metadata = { ...merged.metadata, managedFields: out };
  return merged;
}

function conflictError(conflicts: Map<string, string[]>, apiVersion: string): StatusError {
  const total = [...conflicts.values()].reduce((n, l) => n + l.length, 0);
  const causes = [...conflicts].flatMap(([m, fields]) => fields.map((field) => ({ reason: 'FieldManagerConflict', message: `conflict with "${m}" using ${apiVersion}`, field })));
  let message: string;
  if (total === 1) message = `Apply failed with 1 conflict: ${causes[0]!.message}: ${causes[0]!.field}`;
  else {
    const parts = [...conflicts].map(([m, fields]) => `conflicts with "${m}" using ${apiVersion}:\n${fields.map((f) => `- ${f}`).join('\n')}`);
    message = `Apply failed with ${total} conflicts: ${parts.join('\n')}`;
  }
  return new StatusError(409, 'Conflict', message, { causes });
}
