/**
 * In-memory object store (the lab's etcd): one global resourceVersion counter, buckets of
 * objects keyed by namespace/name, and a bounded event history so watches can resume from
 * a resourceVersion (or get 410 Gone when it is older than the history).
 */
import type { KubeObject } from '../api/types';
import { cloneJson } from './clone';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  type: WatchEventType;
  bucket: string;
  object: KubeObject;
  rv: number;
}

export type StoreListener = (event: StoreEvent) => void;

/** Everything the store holds, as saved to disk (store-persistence.ts). */
export interface StoreSnapshot {
  resourceVersion: number;
  buckets: Record<string, KubeObject[]>;
}

export class ResourceVersionTooOld extends Error {
  constructor(
    readonly requested: string,
    readonly oldest: number,
  ) {
    super(`too old resource version: ${requested} (${oldest})`);
  }
}

const keyOf = (namespace: string | undefined, name: string) => `${namespace ?? ''}/${name}`;

export class ObjectStore {
  #rv = 1;
  #buckets = new Map<string, Map<string, KubeObject>>();
  #history: StoreEvent[] = [];
  #historyLimit: number;
  /** Oldest rv a watch may resume from. */
  #compactedRv = 1;
  #listeners = new Set<{ bucket: string | undefined; fn: StoreListener }>();

  constructor(options: { historyLimit?: number } = {}) {
    this.#historyLimit = options.historyLimit ?? 20_000;
  }

  get resourceVersion(): number {
    return this.#rv;
  }

  /** A copy-free view of every object with the current resourceVersion (serialise it at once). */
  snapshot(): StoreSnapshot {
    const buckets: Record<string, KubeObject[]> = {};
    for (const [name, b] of this.#buckets) if (b.size) buckets[name] = [...b.values()];
    return { resourceVersion: this.#rv, buckets };
  }

  /**
   * Replace the contents with a saved snapshot (a restarted lab). resourceVersions continue from
   * the saved one; watches cannot resume from before it (410 Gone), as after an etcd compaction.
   */
  load(snapshot: StoreSnapshot): void {
    this.#buckets.clear();
    for (const [name, objects] of Object.entries(snapshot.buckets)) {
      const b = this.#bucket(name);
      for (const o of objects) b.set(keyOf(o.metadata.namespace, o.metadata.name!), o);
    }
    this.#rv = Math.max(this.#rv, snapshot.resourceVersion);
    this.#history = [];
    this.#compactedRv = this.#rv;
  }

  #bucket(bucket: string): Map<string, KubeObject> {
    let b = this.#buckets.get(bucket);
    if (!b) this.#buckets.set(bucket, (b = new Map()));
    return b;
  }

  get(bucket: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const o = this.#bucket(bucket).get(keyOf(namespace, name));
    return o && cloneJson(o);
  }

  /** The stored object itself (no copy), for read-only use: serialising a GET response. */
  peek(bucket: string, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.#bucket(bucket).get(keyOf(namespace, name));
  }

  /** Objects of a bucket (in one namespace when given), in name order. Returns clones. */
  list(bucket: string, namespace?: string): KubeObject[] {
    const out: KubeObject[] = [];
    for (const o of this.#bucket(bucket).values()) {
      if (namespace === undefined || o.metadata.namespace === namespace) out.push(cloneJson(o));
    }
    return out.sort((a, b) => keyOf(a.metadata.namespace, a.metadata.name!).localeCompare(keyOf(b.metadata.namespace, b.metadata.name!)));
  }

  /**
   * The stored objects themselves (no copies), for read-only scans by controllers and for
   * serialising responses. Callers must not mutate them.
   */
  scan(bucket: string, namespace?: string): readonly KubeObject[] {
    const out: KubeObject[] = [];
    for (const o of this.#bucket(bucket).values()) if (namespace === undefined || o.metadata.namespace === namespace) out.push(o);
    return out;
  }

  count(bucket: string, namespace?: string): number {
    if (namespace === undefined) return this.#bucket(bucket).size;
    let n = 0;
    for (const o of this.#bucket(bucket).values()) if (o.metadata.namespace === namespace) n++;
    return n;
  }

  /**
   * Insert a new object; the caller has checked it does not exist. Returns the stored object
   * (read-only). With `owned` the store keeps `object` itself instead of a copy: the caller gives
   * it away (it may share unchanged parts with stored objects, which nobody mutates).
   */
  create(bucket: string, object: KubeObject, options?: { owned?: boolean }): KubeObject {
    return this.#write(bucket, object, 'ADDED', options?.owned);
  }

  update(bucket: string, object: KubeObject, options?: { owned?: boolean }): KubeObject {
    return this.#write(bucket, object, 'MODIFIED', options?.owned);
  }

  remove(bucket: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const b = this.#bucket(bucket);
    const key = keyOf(namespace, name);
    const old = b.get(key);
    if (!old) return undefined;
    b.delete(key);
    const rv = ++this.#rv;
    const object = { ...old, metadata: { ...old.metadata, resourceVersion: String(rv) } };
    this.#emit({ type: 'DELETED', bucket, object, rv });
    return object;
  }

  #write(bucket: string, object: KubeObject, type: WatchEventType, owned = false): KubeObject {
    const rv = ++this.#rv;
    const stored = owned ? { ...object, metadata: { ...object.metadata } } : cloneJson(object);
    stored.metadata.resourceVersion = String(rv);
    this.#bucket(bucket).set(keyOf(stored.metadata.namespace, stored.metadata.name!), stored);
    this.#emit({ type, bucket, object: stored, rv });
    return stored;
  }

  #emit(event: StoreEvent): void {
    this.#history.push(event);
    if (this.#history.length > this.#historyLimit) {
      const dropped = this.#history.splice(0, this.#history.length - this.#historyLimit);
      this.#compactedRv = dropped[dropped.length - 1]!.rv;
    }
    for (const l of [...this.#listeners]) {
      if (l.bucket === undefined || l.bucket === event.bucket) l.fn(event);
    }
  }

  /**
   * Subscribe to changes of one bucket (or all). With `sinceRv`, first replays the history
   * after it; throws ResourceVersionTooOld when that history was compacted. Listeners receive
   * the stored object itself: they must not mutate it.
   */
  subscribe(bucket: string | undefined, fn: StoreListener, sinceRv?: string): () => void {
    if (sinceRv !== undefined && sinceRv !== '' && sinceRv !== '0') {
      const since = Number(sinceRv);
      if (!Number.isFinite(since) || since < this.#compactedRv) throw new ResourceVersionTooOld(sinceRv, this.#compactedRv);
      for (const e of this.#history) if (e.rv > since && (bucket === undefined || e.bucket === bucket)) fn(e);
    }
    const entry = { bucket, fn };
    this.#listeners.add(entry);
    return () => this.#listeners.delete(entry);
  }
}
