/**
 * The API server's registry logic, shared by the HTTP layer and the in-process controllers:
 * create / get / list / update / patch / delete with defaulting, validation, admission,
 * optimistic concurrency, generation, the status and scale subresources, graceful pod deletion,
 * finalizers and deletion propagation. Objects are the JSON the clients see.
 */
import { randomUUID } from 'node:crypto';
import type { LabClock } from '../../lab-clock';
import { applyDefaults } from '../admission/defaults';
import { validateObject } from '../admission/validation';
import { applyJsonPatch } from '../patch/json-patch';
import type { JsonPatchOp } from '../patch/json-patch';
import { applyMergePatch } from '../patch/merge-patch';
import { applyConfiguration, recordUpdate } from '../patch/server-side-apply';
import { strategicMerge } from '../patch/strategic-merge-patch';
import type { ObjectStore } from '../store/object-store';
import type { ResourceType } from './resource-registry';
import { ResourceRegistry, apiVersionOf, resourceForKind } from './resource-registry';
import { fieldSelectorFilter, labelSelectorFilter, selectorToString } from './selectors';
import { alreadyExists, badRequest, conflict, invalid, notFound, StatusError, unsupportedMediaType } from './status-errors';
import { unknownFields } from './client-models';
import { applySchemaDefaults } from './custom-resources';
import { cloneJson, dropUndefined, jsonEqual } from '../store/clone';
import { namespacedKey } from '../store/object-json';
import type { KubeObject, ManagedFieldsEntry } from './types';

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE';

/** Admission plugins mutate and/or reject writes (LimitRanger, ResourceQuota, allocators). */
export interface AdmissionPlugin {
  admit(op: Operation, t: ResourceType, object: KubeObject, old: KubeObject | undefined, api: KubeApi): void;
}

/** A read-only view computed on demand (metrics.k8s.io). */
export type VirtualList = (namespace: string | undefined) => KubeObject[];

/** Converts a stored object to/from another API version's shape (events.k8s.io/v1 over core/v1 events). */
export interface ViewConversion {
  toView(stored: KubeObject): KubeObject;
  fromView(view: KubeObject): KubeObject;
}

export interface WriteOptions {
  fieldManager?: string;
  dryRun?: boolean;
  subresource?: string;
  /** Ownership computed by server-side apply for an object it creates. */
  managedFields?: ManagedFieldsEntry[];
  /** Unknown-field handling of client requests (`fieldValidation`); controllers' writes are not checked. */
  fieldValidation?: 'Strict' | 'Warn' | 'Ignore';
  /** Collects `Warning` header texts for the response. */
  warnings?: string[];
  /**
   * The body is the caller's to give away (a freshly parsed request body, a controller's own
   * copy): the API uses and stores it without copying it first. The caller must not touch it after.
   */
  owned?: boolean;
}

export interface DeleteOptions {
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
}

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export const PATCH_CONTENT_TYPES: Record<string, PatchType> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
  'application/apply-patch+cbor': 'apply',
};

const NAME_CHARS = 'bcdfghjklmnpqrstvwxz2456789';

export function randomSuffix(n = 5): string {
  let s = '';
  for (let i = 0; i < n; i++) s += NAME_CHARS[Math.floor(Math.random() * NAME_CHARS.length)];
  return s;
}

export class KubeApi {
  readonly admission: AdmissionPlugin[] = [];
  readonly virtualLists = new Map<string, VirtualList>();
  readonly conversions = new Map<ResourceType, ViewConversion>();
  /** What this server serves: built-in types plus those of its CustomResourceDefinitions. */
  readonly registry = new ResourceRegistry();
  /** The pods/eviction subresource (api/eviction.ts, wired by the control plane with its disruption controller). */
  evict?: (namespace: string, name: string, body: unknown) => object;

  constructor(
    readonly store: ObjectStore,
    readonly clock: LabClock,
  ) {}

  /**
   * Reported time (real wall-clock time, never ahead of the clients' clocks) as an RFC 3339
   * timestamp with seconds precision, as metav1.Time serialises. `offsetLabMs` (a grace period in
   * lab time) gives the real instant at which the lab will have let that much lab time pass.
   */
  timestamp(offsetLabMs = 0): string {
    const wall = offsetLabMs ? this.clock.wallAt(this.clock.now() + offsetLabMs) : this.clock.wallNow();
    const second = Math.floor(wall / 1000);
    // Every write stamps several times (managedFields, conditions, events): one text per second.
    if (second !== this.#stampSecond) {
      this.#stampSecond = second;
      this.#stamp = new Date(second * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    }
    return this.#stamp;
  }

  #stampSecond = NaN;
  #stamp = '';

  /** Reported time with microseconds, as metav1.MicroTime serialises. */
  microTimestamp(): string {
    return new Date(this.clock.wallNow()).toISOString().replace(/Z$/, '000Z');
  }

  #view(t: ResourceType, o: KubeObject): KubeObject {
    const c = this.conversions.get(t);
    const v = c ? c.toView(o) : o;
    v.apiVersion = apiVersionOf(t);
    v.kind = t.kind;
    return v;
  }

  #stored(t: ResourceType, o: KubeObject): KubeObject {
    const c = this.conversions.get(t);
    return c ? c.fromView(o) : o;
  }

  get(t: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const virtual = this.virtualLists.get(t.bucket);
    const o = virtual ? virtual(namespace).find((x) => x.metadata.name === name) : this.store.get(t.bucket, t.namespaced ? namespace : undefined, name);
    if (!o) throw notFound(t, name);
    return this.#view(t, o);
  }

  /** GET for serialising: the stored object itself when no conversion applies (read-only!). */
  read(t: ResourceType, namespace: string | undefined, name: string): KubeObject {
    if (this.virtualLists.has(t.bucket) || this.conversions.has(t)) return this.get(t, namespace, name);
    const o = this.store.peek(t.bucket, t.namespaced ? namespace : undefined, name);
    if (!o) throw notFound(t, name);
    return this.#view(t, o);
  }

  tryGet<T extends KubeObject>(t: ResourceType, namespace: string | undefined, name: string): T | undefined {
    const o = this.store.get(t.bucket, t.namespaced ? namespace : undefined, name);
    return o && (this.#view(t, o) as T);
  }

  /** tryGet without the copy, for controllers that only read: the stored object itself (never mutate it). */
  tryRead<T extends KubeObject>(t: ResourceType, namespace: string | undefined, name: string): T | undefined {
    if (this.virtualLists.has(t.bucket) || this.conversions.has(t)) return this.tryGet<T>(t, namespace, name);
    return this.store.peek(t.bucket, t.namespaced ? namespace : undefined, name) as T | undefined;
  }

  /** List with selectors. Items are read-only (stored objects unless converted): serialise, don't mutate. */
  list(
    t: ResourceType,
    namespace: string | undefined,
    options: { labelSelector?: string | null; fieldSelector?: string | null } = {},
  ): { items: KubeObject[]; resourceVersion: string } {
    const byLabel = labelSelectorFilter(options.labelSelector);
    const byField = fieldSelectorFilter(options.fieldSelector);
    const virtual = this.virtualLists.get(t.bucket);
    const all = virtual ? virtual(namespace) : this.store.scan(t.bucket, namespace);
    // etcd returns objects in key order: namespace, then name.
    const items = all
      .filter((o) => byLabel(o) && byField(o))
      .map((o) => ({ o, k: namespacedKey(o) }))
      .sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0))
      .map(({ o }) => this.#readView(t, o));
    return { items, resourceVersion: String(this.store.resourceVersion) };
  }

  /** Read-only view of a stored object: the object itself unless another API version's shape is needed. */
  #readView(t: ResourceType, o: KubeObject): KubeObject {
    const c = this.conversions.get(t);
    if (!c) return o;
    return this.#view(t, cloneJson(o));
  }

  /**
   * Objects of a kind for controllers' read-only scans: the stored objects themselves, not copies.
   * Never mutate them; write through update/mutate.
   */
  objects<T extends KubeObject>(kind: string, namespace?: string): readonly T[] {
    return this.store.scan(resourceForKind(kind).bucket, namespace) as readonly T[];
  }

  /** fieldValidation: Strict rejects unknown fields as upstream's strict decoder does, Warn reports them. */
  #checkFields(t: ResourceType, o: unknown, options: WriteOptions): void {
    const mode = options.fieldValidation;
    if (!mode || mode === 'Ignore' || !t.model) return;
    const unknown = unknownFields(t.model, o).map((f) => `unknown field "${f}"`);
    if (!unknown.length) return;
    if (mode === 'Strict') throw badRequest(`${t.kind} in version "${t.version}" cannot be handled as a ${t.kind}: strict decoding error: ${unknown.join(', ')}`);
    options.warnings?.push(...unknown);
  }

  #checkWritable(t: ResourceType): void {
    if (t.readOnly) throw new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
  }

  #checkNamespace(t: ResourceType, namespace: string | undefined, op: Operation, name: string): void {
    if (!t.namespaced || !namespace) return;
    const ns = this.store.peek('core/namespaces', undefined, namespace);
    const nsType = resourceForKind('Namespace');
    if (!ns) throw notFound(nsType, namespace);
    if (op === 'CREATE' && (ns.status as { phase?: string } | undefined)?.phase === 'Terminating') {
      throw new StatusError(
        403,
        'Forbidden',
        `${t.plural} "${name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
        { name, kind: t.plural, ...(t.group ? { group: t.group } : {}) },
      );
    }
  }

  #prepare(op: Operation, t: ResourceType, o: KubeObject, old: KubeObject | undefined): void {
    const name = o.metadata.name ?? o.metadata.generateName ?? '';
    if (t.custom) applySchemaDefaults(t.custom.schema, o);
    else applyDefaults(t.kind, o);
    for (const plugin of this.admission) plugin.admit(op, t, o, old, this);
    const errs = validateObject(t.kind, o, old);
    if (errs.length) throw invalid(t, name, errs);
  }

  create<T extends KubeObject = KubeObject>(t: ResourceType, namespace: string | undefined, body: KubeObject, options: WriteOptions = {}): T {
    this.#checkWritable(t);
    if (!body || typeof body !== 'object' || !body.metadata) body = { ...body, metadata: {} };
    this.#checkFields(t, body, options);
    const o = this.#stored(t, options.owned ? body : cloneJson(body));
    const bodyNs = o.metadata.namespace;
    if (t.namespaced) {
      if (bodyNs && namespace && bodyNs !== namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      o.metadata.namespace = namespace ?? bodyNs ?? 'default';
    } else delete o.metadata.namespace;
    if (!o.metadata.name && o.metadata.generateName) o.metadata.name = o.metadata.generateName + randomSuffix();
    this.#checkNamespace(t, o.metadata.namespace, 'CREATE', o.metadata.name ?? '');
    o.apiVersion = apiVersionOf(this.registry.forKind(t.kind, t.group) ?? t);
    o.kind = t.kind;
    // The uid exists before defaulting: a Job's generated selector is built from it.
    o.metadata.uid = randomUUID();
    this.#prepare('CREATE', t, o, undefined);
    if (this.store.peek(t.bucket, o.metadata.namespace, o.metadata.name!)) throw alreadyExists(t, o.metadata.name!);
    o.metadata.creationTimestamp = this.timestamp();
    delete o.metadata.deletionTimestamp;
    if (t.hasGeneration) o.metadata.generation = 1;
    o.metadata.managedFields = options.managedFields ?? recordUpdate(undefined, o, options.fieldManager, apiVersionOf(t), this.timestamp(), undefined);
    if (!o.metadata.managedFields) delete o.metadata.managedFields;
    if (options.dryRun) return this.#view(t, o) as T;
    // Stored without a copy: leave out undefined members as the copy (a JSON round trip) did.
    return this.#view(t, this.store.create(t.bucket, dropUndefined(o), { owned: true })) as T;
  }

  /** PUT: replace the object (or its status / scale subresource). */
  update<T extends KubeObject = KubeObject>(t: ResourceType, namespace: string | undefined, name: string, body: KubeObject, options: WriteOptions = {}): T {
    this.#checkWritable(t);
    const ns = t.namespaced ? namespace : undefined;
    // The stored object itself: #replace only reads it.
    const oldStored = this.store.peek(t.bucket, ns, name);
    if (!oldStored) throw notFound(t, name);
    if (options.subresource === 'scale') return this.#updateScale(t, oldStored, body, options) as T;
    if (body?.metadata?.name && body.metadata.name !== name) {
      throw badRequest(`the name of the object (${body.metadata.name}) does not match the name on the URL (${name})`);
    }
    this.#checkFields(t, body, options);
    const o = this.#stored(t, options.owned ? body : cloneJson(body));
    const rv = o.metadata?.resourceVersion;
    if (rv && rv !== oldStored.metadata.resourceVersion) throw conflict(t, name);
    return this.#replace(t, oldStored, o, options) as T;
  }

  /**
   * `old` is only read (it may be the stored object itself); `incoming` is the API's own copy.
   * The new version shares the parts it keeps from `old` (stored objects are never mutated), so
   * the store takes it without another copy.
   */
  #replace(t: ResourceType, old: KubeObject, incoming: KubeObject, options: WriteOptions): KubeObject {
    let o: KubeObject;
    const sub = options.subresource;
    if (sub === 'status') {
      o = { ...old, metadata: { ...old.metadata }, status: incoming.status };
    } else {
      o = incoming;
      o.metadata ??= {};
      o.metadata.name = old.metadata.name;
      if (t.namespaced) o.metadata.namespace = old.metadata.namespace;
      if (t.subresources.includes('status') && t.kind !== 'Namespace') o.status = old.status;
      if (t.kind === 'Namespace') o.status = old.status;
    }
    for (const k of ['uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation'] as const) {
      if (old.metadata[k] === undefined) delete o.metadata[k];
      else (o.metadata as Record<string, unknown>)[k] = old.metadata[k];
    }
    o.apiVersion = old.apiVersion;
    o.kind = old.kind;
    if (sub !== 'status') this.#prepare('UPDATE', t, o, old);
    else applyDefaults(t.kind, o);
    if (t.hasGeneration && !jsonEqual(o.spec, old.spec)) o.metadata.generation = (old.metadata.generation ?? 1) + 1;
    o.metadata.managedFields = options.managedFields ?? recordUpdate(old, o, options.fieldManager, apiVersionOf(t), this.timestamp(), sub);
    if (!o.metadata.managedFields) delete o.metadata.managedFields;
    delete o.metadata.resourceVersion;
    o.metadata.resourceVersion = old.metadata.resourceVersion;
    const unchanged = jsonEqual({ ...o, metadata: undefined }, { ...old, metadata: undefined }) && jsonEqual(o.metadata, old.metadata, 'managedFields') && metadataKeyOrderEqual(o, old);
    if (unchanged || options.dryRun) return this.#view(t, old);
    // An object that is being deleted goes away when its last finalizer is removed.
    if (o.metadata.deletionTimestamp && !(o.metadata.finalizers ?? []).length && t.kind !== 'Pod') {
      return this.#view(t, this.store.remove(t.bucket, o.metadata.namespace, o.metadata.name!)!);
    }
    // Stored without a copy: leave out undefined members as the copy (a JSON round trip) did.
    return this.#view(t, this.store.update(t.bucket, dropUndefined(o), { owned: true }));
  }

  scaleOf(t: ResourceType, o: KubeObject): KubeObject {
    const spec = o.spec as { replicas?: number; selector?: { matchLabels?: Record<string, string> } };
    const status = (o.status ?? {}) as { replicas?: number };
    return {
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: {
        name: o.metadata.name,
        namespace: o.metadata.namespace,
        uid: o.metadata.uid,
        resourceVersion: o.metadata.resourceVersion,
        creationTimestamp: o.metadata.creationTimestamp,
      },
      spec: { replicas: spec.replicas ?? 0 },
      status: { replicas: status.replicas ?? 0, selector: spec.selector ? selectorToString(spec.selector) : '' },
    };
  }

  #updateScale(t: ResourceType, oldStored: KubeObject, scale: KubeObject, options: WriteOptions): KubeObject {
    const name = oldStored.metadata.name!;
    const rv = scale.metadata?.resourceVersion;
    if (rv && rv !== oldStored.metadata.resourceVersion) throw conflict(t, name);
    const replicas = (scale.spec as { replicas?: unknown } | undefined)?.replicas;
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
      throw new StatusError(422, 'Invalid', `Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas ?? null)}: must be greater than or equal to 0`, {
        name,
        group: 'autoscaling',
        kind: 'Scale',
        causes: [{ reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(replicas ?? null)}: must be greater than or equal to 0`, field: 'spec.replicas' }],
      });
    }
    const o = cloneJson(oldStored);
    (o.spec as { replicas: number }).replicas = replicas;
    return this.scaleOf(t, this.#replace(t, oldStored, o, { ...options, subresource: undefined }));
  }

  patch<T extends KubeObject = KubeObject>(
    t: ResourceType,
    namespace: string | undefined,
    name: string,
    type: PatchType | undefined,
    patch: unknown,
    options: WriteOptions & { force?: boolean; contentType?: string } = {},
  ): T {
    this.#checkWritable(t);
    if (!type) throw unsupportedMediaType(options.contentType ?? '');
    // The patched object is stored without another copy and may keep parts of the patch.
    if (!options.owned) patch = cloneJson(patch);
    const ns = t.namespaced ? namespace : undefined;
    const oldStored = this.store.get(t.bucket, ns, name);
    if (!oldStored && type === 'apply') {
      const cfg = patch as KubeObject;
      this.#checkFields(t, cfg, options);
      const created = applyConfiguration(undefined, cfg, options.fieldManager, options.force ?? false, apiVersionOf(t), this.timestamp());
      return this.create<T>(t, namespace, created, { ...options, managedFields: created.metadata.managedFields });
    }
    if (!oldStored) throw notFound(t, name);
    const current = options.subresource === 'scale' ? this.scaleOf(t, oldStored) : this.#view(t, oldStored);
    let next: KubeObject;
    switch (type) {
      case 'json':
        next = applyJsonPatch(current, patch as JsonPatchOp[]);
        break;
      case 'merge':
        next = applyMergePatch(current, patch) as KubeObject;
        break;
      case 'strategic':
        next = strategicMerge(current, patch) as KubeObject;
        break;
      case 'apply': {
        this.#checkFields(t, patch, options);
        next = applyConfiguration(current, patch as KubeObject, options.fieldManager, options.force ?? false, apiVersionOf(t), this.timestamp());
        return this.#replace(t, oldStored, this.#stored(t, next), { ...options, managedFields: next.metadata.managedFields }) as T;
      }
    }
    if (options.subresource !== 'scale') this.#checkFields(t, next, options);
    if (next.metadata?.resourceVersion && next.metadata.resourceVersion !== oldStored.metadata.resourceVersion) throw conflict(t, name);
    if (options.subresource === 'scale') return this.#updateScale(t, oldStored, next, options) as T;
    return this.#replace(t, oldStored, this.#stored(t, next), options) as T;
  }

  /**
   * pods/binding as the registry's assignPod does it: spec.nodeName and the PodScheduled
   * condition in one write. Returns undefined when the pod is gone or already bound.
   */
  bind<T extends KubeObject>(namespace: string, name: string, node: string, condition: object): T | undefined {
    const t = resourceForKind('Pod');
    const old = this.store.peek(t.bucket, namespace, name);
    const spec = old?.spec as { nodeName?: string } | undefined;
    if (!old || spec?.nodeName || old.metadata.deletionTimestamp) return undefined;
    // A new version sharing what it does not change with the stored one (never mutated).
    const o: KubeObject = { ...old, metadata: { ...old.metadata }, spec: { ...(old.spec as object), nodeName: node } };
    o.status = { ...(old.status as object), phase: 'Pending', conditions: [cloneJson(condition)] };
    o.metadata.managedFields = recordUpdate(old, o, 'kube-scheduler', 'v1', this.timestamp(), 'status') ?? o.metadata.managedFields;
    return this.#view(t, this.store.update(t.bucket, o, { owned: true })) as T;
  }

  /** Read-modify-write for controllers, retrying on conflicts. Returns undefined when the object is gone. */
  mutate<T extends KubeObject>(kind: string, namespace: string | undefined, name: string, fn: (o: T) => void, subresource?: string): T | undefined {
    const t = resourceForKind(kind);
    for (let attempt = 0; attempt < 5; attempt++) {
      const o = this.tryGet<T>(t, namespace, name);
      if (!o) return undefined;
      fn(o);
      try {
        return this.update<T>(t, namespace, name, o, { subresource, fieldManager: controllerManager(kind, subresource), owned: true });
      } catch (err) {
        if (!(err instanceof StatusError && err.status.reason === 'Conflict')) throw err;
      }
    }
    return undefined;
  }

  /**
   * DELETE. Pods on a node terminate gracefully (deletionTimestamp, then the kubelet removes them);
   * Foreground/Orphan add the matching finalizer for the garbage collector; Background deletes
   * at once and the garbage collector removes the dependents.
   */
  delete(t: ResourceType, namespace: string | undefined, name: string, options: DeleteOptions = {}): { object: KubeObject; deleted: boolean } {
    this.#checkWritable(t);
    const ns = t.namespaced ? namespace : undefined;
    const o = this.store.get(t.bucket, ns, name);
    if (!o) throw notFound(t, name);
    if (options.preconditions?.uid && options.preconditions.uid !== o.metadata.uid) {
      throw conflict(t, name, `Precondition failed: UID in precondition: ${options.preconditions.uid}, UID in object meta: ${o.metadata.uid}`);
    }
    if (options.preconditions?.resourceVersion && options.preconditions.resourceVersion !== o.metadata.resourceVersion) {
      throw conflict(t, name, `Precondition failed: ResourceVersion in precondition: ${options.preconditions.resourceVersion}, ResourceVersion in object meta: ${o.metadata.resourceVersion}`);
    }
    const policy = options.propagationPolicy ?? 'Background';
    const finalizers = [...(o.metadata.finalizers ?? [])];
    if (policy === 'Foreground' && !finalizers.includes('foregroundDeletion')) finalizers.push('foregroundDeletion');
    if (policy === 'Orphan' && !finalizers.includes('orphan')) finalizers.push('orphan');
    if (t.kind === 'Namespace') {
      if ((o.status as { phase?: string }).phase !== 'Terminating') {
        o.metadata.deletionTimestamp = this.timestamp();
        o.status = { phase: 'Terminating' };
        return { object: this.#view(t, this.store.update(t.bucket, o)), deleted: false };
      }
      return { object: this.#view(t, o), deleted: false };
    }
    if (t.kind === 'Pod') {
      const pod = o as KubeObject & { spec: { nodeName?: string; terminationGracePeriodSeconds?: number }; status?: { phase?: string } };
      const grace = options.gracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30;
      const finished = pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
      if (pod.spec.nodeName && !finished && grace > 0) {
        const deadline = this.timestamp(grace * 1000);
        if (o.metadata.deletionTimestamp && (o.metadata.deletionGracePeriodSeconds ?? 0) <= grace) return { object: this.#view(t, o), deleted: false };
        o.metadata.deletionTimestamp = deadline;
        o.metadata.deletionGracePeriodSeconds = grace;
        o.metadata.finalizers = finalizers.length ? finalizers : undefined;
        if (!o.metadata.finalizers) delete o.metadata.finalizers;
        return { object: this.#view(t, this.store.update(t.bucket, o)), deleted: false };
      }
    }
    if (finalizers.length) {
      if (o.metadata.deletionTimestamp && JSON.stringify(finalizers) === JSON.stringify(o.metadata.finalizers)) return { object: this.#view(t, o), deleted: false };
      o.metadata.deletionTimestamp ??= this.timestamp();
      o.metadata.deletionGracePeriodSeconds ??= 0;
      o.metadata.finalizers = finalizers;
      return { object: this.#view(t, this.store.update(t.bucket, o)), deleted: false };
    }
    return { object: this.#view(t, this.store.remove(t.bucket, ns, name)!), deleted: true };
  }

  /** Remove an object now, whatever its grace period (the kubelet's final delete, GC of finalized objects). */
  forceRemove(kind: string, namespace: string | undefined, name: string): void {
    this.store.remove(resourceForKind(kind).bucket, namespace, name);
  }
}

/**
 * The position of `metadata` among the top-level keys is part of the JSON text the unchanged
 * check compares (jsonEqual skips the member to compare it without managedFields).
 */
function metadataKeyOrderEqual(a: KubeObject, b: KubeObject): boolean {
  const at = (o: KubeObject) => Object.keys(o).filter((k) => (o as Record<string, unknown>)[k] !== undefined).indexOf('metadata');
  return at(a) === at(b);
}

/** The field manager name upstream's controllers write with. */
export function controllerManager(kind: string, subresource?: string): string {
  if (kind === 'Pod' || kind === 'Node') return 'kubelet';
  return subresource === 'status' && kind === 'Namespace' ? 'kube-apiserver' : 'kube-controller-manager';
}
