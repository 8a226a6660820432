/**
 * The JSON text of stored objects, made once per stored version: stored objects are never
 * mutated, so API responses, watch events, list items and the on-disk snapshot all reuse it
 * (the lab's CPU went to re-serialising the same 500 pods for each of them).
 */
import type { KubeObject } from '../api/types';

const objectJsonCache = new WeakMap<KubeObject, string>();
const itemBytesCache = new WeakMap<KubeObject, Buffer>();
const objectBytesCache = new WeakMap<KubeObject, Buffer>();

/** objectJson as UTF-8 bytes (a GET or write response), cached per stored object. */
export function objectBytes(o: KubeObject): Buffer {
  let bytes = objectBytesCache.get(o);
  if (bytes === undefined) objectBytesCache.set(o, (bytes = Buffer.from(objectJson(o))));
  return bytes;
}

/** `JSON.stringify(o)` of a stored object, cached per object. */
export function objectJson(o: KubeObject): string {
  let json = objectJsonCache.get(o);
  if (json === undefined) objectJsonCache.set(o, (json = JSON.stringify(o)));
  return json;
}

/**
 * A list item's JSON (without apiVersion/kind, as list items are served) as UTF-8 bytes, cached
 * per stored object: a list of 500 pods is then one copy of cached bytes, not 1.4 MB of text
 * joined and encoded again for every request.
 */
export function itemBytes(o: KubeObject): Buffer {
  let bytes = itemBytesCache.get(o);
  if (bytes === undefined) {
    const { apiVersion: _a, kind: _k, ...rest } = o;
    itemBytesCache.set(o, (bytes = Buffer.from(JSON.stringify(rest))));
  }
  return bytes;
}

const keyCache = new WeakMap<KubeObject, string>();

/** `namespace/name` of a stored object, cached per object (list sorting and watch filters ask for it often). */
export function namespacedKey(o: KubeObject): string {
  let k = keyCache.get(o);
  if (k === undefined) keyCache.set(o, (k = `${o.metadata.namespace ?? ''}/${o.metadata.name}`));
  return k;
}
