/**
 * Strategic merge patch (`application/strategic-merge-patch+json`), the patch client-side
 * `kubectl apply` sends: maps merge, lists with a merge key merge element by element, and the
 * directives `$patch` (replace/delete/merge), `$setElementOrder/<list>`, `$deleteFromPrimitiveList/<list>`
 * and `$retainKeys` are honoured.
 */
import { cloneJson } from '../store/clone';
import { listStrategy } from './patch-schema';

type Json = Record<string, unknown>;
const isMap = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

function stripDirectives(v: unknown): unknown {
  if (Array.isArray(v)) return v.filter((x) => !(isMap(x) && x.$patch === 'delete')).map(stripDirectives);
  if (!isMap(v)) return v;
  const out: Json = {};
  for (const [k, x] of Object.entries(v)) if (!k.startsWith('$')) out[k] = stripDirectives(x);
  return out;
}

function sameKey(a: unknown, b: unknown, key: string): boolean {
  return isMap(a) && isMap(b) && JSON.stringify(a[key]) === JSON.stringify(b[key]);
}

function mergeList(original: unknown, patch: unknown[], path: string): unknown[] {
  const strategy = listStrategy(path);
  if (patch.some((x) => isMap(x) && x.$patch === 'replace')) {
    return patch.filter((x) => !(isMap(x) && x.$patch === 'replace')).map(stripDirectives);
  }
  const base = Array.isArray(original) ? cloneJson(original) : [];
  if (strategy === 'replace') return patch.map(stripDirectives);
  if (strategy === 'merge-primitive') {
    const out = [...base];
    for (const v of patch) if (!out.includes(v)) out.push(v);
    return out;
  }
  const key = strategy.mergeKey;
  const out = base;
  for (const item of patch) {
    const i = out.findIndex((x) => sameKey(x, item, key));
    if (isMap(item) && item.$patch === 'delete') {
      if (i >= 0) out.splice(i, 1);
      continue;
    }
    if (i >= 0) out[i] = strategicMerge(out[i], item, `${path}[]`);
    else out.push(strategicMerge(undefined, item, `${path}[]`));
  }
  return out;
}

function orderBy(list: unknown[], order: unknown[], path: string): unknown[] {
  const strategy = listStrategy(path);
  const indexOf = (x: unknown) =>
    order.findIndex((o) => (typeof strategy === 'object' ? sameKey(o, x, strategy.mergeKey) : o === x));
  const ranked = list.map((x, i) => ({ x, i, r: indexOf(x) }));
  ranked.sort((a, b) => (a.r < 0 || b.r < 0 ? a.i - b.i : a.r - b.r));
  return ranked.map((e) => e.x);
}

/** Apply a strategic merge patch to `original` (not modified). `path` is the field path of `original`. */
export function strategicMerge(original: unknown, patch: unknown, path = ''): unknown {
  if (!isMap(patch)) return Array.isArray(patch) ? mergeList(original, patch, path) : cloneJson(patch);
  if (patch.$patch === 'replace') return stripDirectives(patch);
  const result: Json = isMap(original) ? cloneJson(original) : {};
  const after: (() => void)[] = [];
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch') continue;
    if (key === '$retainKeys') {
      const keep = new Set(value as string[]);
      after.push(() => {
        for (const k of Object.keys(result)) if (!keep.has(k)) delete result[k];
      });
      continue;
    }
    if (key.startsWith('$setElementOrder/')) {
      const field = key.slice('$setElementOrder/'.length);
      after.push(() => {
        if (Array.isArray(result[field])) result[field] = orderBy(result[field] as unknown[], value as unknown[], join(path, field));
      });
      continue;
    }
    if (key.startsWith('$deleteFromPrimitiveList/')) {
      const field = key.slice('$deleteFromPrimitiveList/'.length);
      after.push(() => {
        if (Array.isArray(result[field])) result[field] = (result[field] as unknown[]).filter((v) => !(value as unknown[]).includes(v));
      });
      continue;
    }
    if (value === null) {
      delete result[key];
    } else if (isMap(value) && value.$patch === 'delete') {
      delete result[key];
    } else if (Array.isArray(value)) {
      result[key] = mergeList(result[key], value, join(path, key));
    } else if (isMap(value)) {
      result[key] = strategicMerge(result[key], value, join(path, key));
    } else {
      result[key] = value;
    }
  }
  for (const f of after) f();
  return result;
}
