/**
 * Field ownership (metadata.managedFields, FieldsV1) and server-side apply
 * (`application/apply-patch+yaml`): an applier owns the fields of its configuration, changing
 * a field another manager owns to a different value is a 409 conflict unless `force=true`,
 * and fields an applier stops sending are removed when nobody else owns them.
 */
import { cloneJson, jsonEqual } from '../store/clone';
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
  return { ...e, time, fieldsV1: buildFieldsV1(paths) };
}

/** A leaf of an object's field set: its path, the path's key (as `key()` makes it) and its value. */
interface Leaf {
  segs: string[];
  value: unknown;
}

/**
 * leafPaths with each leaf's value and key, in one walk (recordUpdate compares old and new values
 * per path; walking each path again from the root, with its merge keys parsed, was most of a write).
 * The first leaf of a key wins, as valueAt finds the first list item with a merge key.
 */
function leafMap(value: unknown): Map<string, Leaf> {
  if (!isMap(value)) return subtreeLeaves(value, [], '');
  const out = new Map<string, Leaf>();
  let empty = true;
  for (const k in value) {
    empty = false;
    if (k === 'apiVersion' || k === 'kind') continue;
    const v = value[k];
    // Top-level members other than metadata are shared by versions that did not change them
    // (a status write keeps the spec object): their leaves are cached per member object.
    let leaves: Map<string, Leaf>;
    if (k !== 'metadata' && v !== null && typeof v === 'object') {
      const cached = memberLeaves.get(v);
      if (cached?.name === k) leaves = cached.leaves;
      else memberLeaves.set(v, { name: k, leaves: (leaves = subtreeLeaves(v, [`f:${k}`], k)) });
    } else leaves = subtreeLeaves(v, [`f:${k}`], k);
    for (const [key, leaf] of leaves) if (!out.has(key)) out.set(key, leaf);
  }
  return empty ? subtreeLeaves(value, [], '') : out;
}

const memberLeaves = new WeakMap<object, { name: string; leaves: Map<string, Leaf> }>();

function subtreeLeaves(value: unknown, prefix: string[], prefixDotted: string): Map<string, Leaf> {
  const out = new Map<string, Leaf>();
  walkLeaves(out, value, prefix, prefixDotted);
  return out;
}

function addLeaf(out: Map<string, Leaf>, segs: string[], v: unknown): void {
  const k = key(segs);
  if (!out.has(k)) out.set(k, { segs, value: v });
}

function walkLeaves(out: Map<string, Leaf>, v: unknown, segs: string[], dotted: string): void {
  if (Array.isArray(v)) {
    const strategy = listStrategy(dotted);
    if (typeof strategy !== 'object') return addLeaf(out, segs, v);
    for (const item of v) {
      if (!isMap(item)) continue;
      walkLeaves(out, item, [...segs, `k:${JSON.stringify({ [strategy.mergeKey]: item[strategy.mergeKey] })}`], `${dotted}[]`);
    }
    return;
  }
  if (!isMap(v)) return addLeaf(out, segs, v);
  let empty = true;
  for (const k in v) {
    empty = false;
    if (segs.length === 0 && (k === 'apiVersion' || k === 'kind')) continue;
    if (segs.length === 1 && segs[0] === 'f:metadata' && SERVER_METADATA.has(k)) continue;
    walkLeaves(out, v[k], [...segs, `f:${k}`], dotted ? `${dotted}.${k}` : k);
  }
  if (empty && segs.length > 0) addLeaf(out, segs, v);
}

/** Paths of a FieldsV1 set and their keys, cached per (immutable, stored) fieldsV1 object. */
const fieldSets = new WeakMap<object, { paths: string[][]; keys: Set<string> }>();

function fieldSet(fieldsV1: unknown): { paths: string[][]; keys: Set<string> } {
  const cacheable = isMap(fieldsV1);
  let set = cacheable ? fieldSets.get(fieldsV1) : undefined;
  if (!set) {
    const paths = fromFieldsV1(fieldsV1);
    set = { paths, keys: new Set(paths.map(key)) };
    if (cacheable) fieldSets.set(fieldsV1, set);
  }
  return set;
}

/** toFieldsV1, marked as built here (its paths are parsed once, by the next write that needs them). */
function buildFieldsV1(paths: string[][]): Json {
  const fields = toFieldsV1(paths);
  canonicalSets.add(fields);
  return fields;
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
  // Entries are only read: each one kept is a new object.
  const entries = old?.metadata.managedFields ?? [];
  const nextLeaves = leafMap(stripMeta(next));
  const oldLeaves = old ? leafMap(stripMeta(old)) : undefined;
  const changed: string[][] = [];
  const changedKeys = new Set<string>();
  for (const [k, leaf] of nextLeaves) {
    let differs = true;
    if (oldLeaves) {
      const before = oldLeaves.get(k);
      // A path that is not a leaf of the old object: compare with whatever is there, as before.
      differs = before ? !jsonEqual(before.value, leaf.value) : JSON.stringify(valueAt(old, leaf.segs)) !== JSON.stringify(leaf.value);
    }
    if (differs) {
      changed.push(leaf.segs);
      changedKeys.add(k);
    }
  }
  const out: ManagedFieldsEntry[] = [];
  for (const e of entries) {
    const { paths, keys } = fieldSet(e.fieldsV1);
    let all = true;
    const kept: string[][] = [];
    for (const p of paths) {
      const k = key(p);
      if (nextLeaves.has(k) && !(changedKeys.has(k) && e.manager !== manager)) kept.push(p);
      else all = false;
    }
    if (!kept.length) continue;
    // Nothing released: the same set (the cached rebuild of a canonical set is the set itself).
    const fieldsV1 = all && keys.size === paths.length && isCanonical(e.fieldsV1) ? e.fieldsV1 : buildFieldsV1(kept);
    out.push({ ...e, time: e.time ?? time, fieldsV1 });
  }
  if (!manager || changed.length === 0) return out.length ? out : undefined;
  const mine = out.find((e) => e.manager === manager && e.operation === 'Update' && e.subresource === subresource);
  let paths = changed;
  if (mine) {
    const own = fieldSet(mine.fieldsV1);
    paths = [...own.paths, ...changed.filter((p) => !own.keys.has(key(p)))];
  }
  const entry: ManagedFieldsEntry = { manager, operation: 'Update', apiVersion, time, fieldsType: 'FieldsV1', fieldsV1: buildFieldsV1(paths) };
  if (subresource) entry.subresource = subresource;
  if (mine) out[out.indexOf(mine)] = entry;
  else out.push(entry);
  return out;
}

/** Sets built here (toFieldsV1 of their own paths) can be kept as they are; others are rebuilt as before. */
const canonicalSets = new WeakSet<object>();

function isCanonical(fieldsV1: unknown): boolean {
  return isMap(fieldsV1) && canonicalSets.has(fieldsV1);
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
