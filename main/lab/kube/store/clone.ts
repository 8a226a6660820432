/**
 * Deep copy of JSON values (the only shape API objects take): several times faster than
 * structuredClone, which dominated the lab API's CPU profile (bench/kube-api-bench.ts).
 */
export function cloneJson<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const out = new Array(value.length);
    for (let i = 0; i < value.length; i++) out[i] = cloneJson(value[i]);
    return out as T;
  }
  const out: Record<string, unknown> = {};
  for (const k in value as Record<string, unknown>) {
    const v = (value as Record<string, unknown>)[k];
    if (v !== undefined) out[k] = cloneJson(v);
  }
  return out as T;
}

/**
 * Whether two JSON values serialise to the same JSON text (`JSON.stringify(a) === JSON.stringify(b)`,
 * key order included, undefined members left out) without building the texts: the store's
 * unchanged-write and generation checks ran two whole-object stringifies per write.
 * `skipKey` is left out of `a` and `b` themselves (not of nested objects).
 */
export function jsonEqual(a: unknown, b: unknown, skipKey?: string): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') {
    const omitA = isOmitted(a);
    const omitB = isOmitted(b);
    if (omitA || omitB) return omitA && omitB;
    // Numbers JSON cannot hold (NaN, Infinity) serialise as null; other distinct leaves differ.
    if (typeof a === 'number' || typeof b === 'number' || (a !== null && typeof a === 'object') || (b !== null && typeof b === 'object')) return JSON.stringify(a) === JSON.stringify(b);
    return false;
  }
  if (typeof (a as { toJSON?: unknown }).toJSON === 'function' || typeof (b as { toJSON?: unknown }).toJSON === 'function') return JSON.stringify(a) === JSON.stringify(b);
  const arrA = Array.isArray(a);
  if (arrA !== Array.isArray(b)) return false;
  if (arrA) {
    const x = a as unknown[];
    const y = b as unknown[];
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) {
      // Array members that JSON leaves out of objects (undefined, functions) serialise as null.
      const u = isOmitted(x[i]) ? null : x[i];
      const v = isOmitted(y[i]) ? null : y[i];
      if (!jsonEqual(u, v)) return false;
    }
    return true;
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const kx = Object.keys(x);
  const ky = Object.keys(y);
  let i = 0;
  let j = 0;
  for (;;) {
    while (i < kx.length && (kx[i] === skipKey || isOmitted(x[kx[i]!]))) i++;
    while (j < ky.length && (ky[j] === skipKey || isOmitted(y[ky[j]!]))) j++;
    if (i === kx.length || j === ky.length) return i === kx.length && j === ky.length;
    if (kx[i] !== ky[j] || !jsonEqual(x[kx[i]!], y[ky[j]!])) return false;
    i++;
    j++;
  }
}

const isOmitted = (v: unknown) => v === undefined || typeof v === 'function' || typeof v === 'symbol';

/**
 * Removes object members whose value is undefined, in place, and returns the value: what a
 * JSON round trip (or cloneJson) would have left out, for bodies the API stores without copying.
 * Arrays keep their length (cloneJson keeps undefined items too).
 */
export function dropUndefined<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    for (const item of value) dropUndefined(item);
    return value;
  }
  const o = value as Record<string, unknown>;
  for (const k in o) {
    const v = o[k];
    if (v === undefined) delete o[k];
    else if (v !== null && typeof v === 'object') dropUndefined(v);
  }
  return value;
}
