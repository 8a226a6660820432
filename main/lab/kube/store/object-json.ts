/**
 * The JSON text of stored objects, made once per stored version: stored objects are never
 * mutated, so API responses, watch events, list items and the on-disk snapshot all reuse it
 * (the lab's CPU went to re-serialising the same 500 pods for each of them).
 */
import type { KubeObject } from '../api/types';

const objectJsonCache = new WeakMap<KubeObject, string>();
const itemJsonCache = new WeakMap<KubeObject, string>();

/** `JSON.stringify(o)` of a stored object, cached per object. */
export function objectJson(o: KubeObject): string {
  let json = objectJsonCache.get(o);
  if (json === undefined) objectJsonCache.set(o, (json = JSON.stringify(o)));
  return json;
}

/** A list item's JSON (without apiVersion/kind, as list items are served), cached per stored object. */
export function itemJson(o: KubeObject): string {
  let json = itemJsonCache.get(o);
  if (json === undefined) {
    const { apiVersion: _a, kind: _k, ...rest } = o;
    itemJsonCache.set(o, (json = JSON.stringify(rest)));
  }
  return json;
}

const keyCache = new WeakMap<KubeObject, string>();

/** `namespace/name` of a stored object, cached per object (list sorting and watch filters ask for it often). */
export function namespacedKey(o: KubeObject): string {
  let k = keyCache.get(o);
  if (k === undefined) keyCache.set(o, (k = `${o.metadata.namespace ?? ''}/${o.metadata.name}`));
  return k;
}
