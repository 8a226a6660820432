/**
 * Server-side apply as the app does it: field manager `pi-cluster-wizard`, the managed-by label
 * on everything, unknown fields refused (`fieldValidation=Strict`, as kubectl apply), and a
 * dry run of the whole batch before anything is written, so a manifest whose third object is
 * refused leaves nothing half-applied. A 409 conflict names the managers and fields; the app's
 * own earlier imperative changes (scale, set image, undo under the same manager name) are taken
 * back without asking, anyone else's only when the caller passes `force` after asking the user.
 * `planApply` previews: what each object would change, who owns those fields now, and the
 * conflicts a non-forced apply would meet.
 */
import type { ApiResource } from './api-resources';
import { resourceFor, resourcePath } from './api-resources';
import type { FieldChange } from './apply-diff';
import { diffAgainstLive } from './apply-diff';
import type { KubeConnection } from './kube-connection';
import type { ApplyConflict, KubeErrorInfo } from './kube-errors';
import { KubeError } from './kube-errors';
import type { KubeObject } from './manifests';
import { FIELD_MANAGER, checkObject, parseManifests, qualifiedName, withManagedBy } from './manifests';

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

export interface ApplyOptions {
  /** Send everything with `dryRun=All`: the API validates and admits, nothing is stored. */
  dryRun?: boolean;
  /** Take over fields other managers own (only after the user agreed). */
  force?: boolean;
  /** Namespace for namespaced objects that name none (default: the kubeconfig context's, else `default`). */
  namespace?: string;
  signal?: AbortSignal;
}

export interface AppliedObject extends ObjectRef {
  action: 'created' | 'configured' | 'unchanged';
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  /** `deployment.apps/nginx-deployment` */
  display: string;
  /** Fields of the app's own earlier imperative changes that this apply took back. */
  tookBack?: ApplyConflict[];
}

export interface ApplyFailure extends ObjectRef {
  /** Position of the object in the batch (0-based, after namespaces were moved first). */
  index: number;
  /** `check`: the dry run refused it and nothing was written; `apply`: objects before it were applied. */
  stage: 'check' | 'apply';
  error: KubeErrorInfo;
}

export interface ApplyResult {
  dryRun: boolean;
  /** The objects applied (or, in a dry run, that would be), in order. */
  objects: AppliedObject[];
  failed?: ApplyFailure;
}

export interface ObjectPlan extends ObjectRef {
  display: string;
  action: 'create' | 'update' | 'unchanged';
  changes: FieldChange[];
  /** The changes to fields another manager owns (someone changed them behind the app's back). */
  drift: FieldChange[];
  /** What a non-forced apply meets (from a server dry run). */
  conflicts: ApplyConflict[];
  /** Another refusal of the dry run (invalid, quota, ...). */
  error?: KubeErrorInfo;
}

interface Prepared {
  obj: KubeObject;
  res: ApiResource;
  ref: ObjectRef;
}

type ApplyInput = string | KubeObject | readonly KubeObject[];

function toObjects(input: ApplyInput): KubeObject[] {
  if (typeof input === 'string') return parseManifests(input);
  return (Array.isArray(input) ? input : [input]).map((o, i) => checkObject(o, i));
}

async function prepare(conn: KubeConnection, input: ApplyInput, options: ApplyOptions): Promise<Prepared[]> {
  const objects = toObjects(input).map(withManagedBy);
  // Namespaces first, as they must exist before what goes in them.
  objects.sort((a, b) => Number(b.kind === 'Namespace' && !b.apiVersion.includes('/')) - Number(a.kind === 'Namespace' && !a.apiVersion.includes('/')));
  const defaultNs = options.namespace ?? conn.config.namespace ?? 'default';
  const out: Prepared[] = [];
  for (const obj of objects) {
    const res = await resourceFor(conn, obj.apiVersion, obj.kind);
    if (res.namespaced) obj.metadata.namespace ??= defaultNs;
    else delete obj.metadata.namespace;
    const ref: ObjectRef = { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name! };
    if (obj.metadata.namespace) ref.namespace = obj.metadata.namespace;
    out.push({ obj, res, ref });
  }
  return out;
}

async function readLive(conn: KubeConnection, p: Prepared, signal?: AbortSignal): Promise<KubeObject | undefined> {
  try {
    return await conn.request<KubeObject>({ method: 'GET', path: resourcePath(p.res, p.ref.namespace, p.ref.name), signal });
  } catch (err) {
    if (err instanceof KubeError && err.code === 'NOT_FOUND') return undefined;
    throw err;
  }
}

function sendApply(conn: KubeConnection, p: Prepared, opts: { dryRun: boolean; force: boolean; signal?: AbortSignal }): Promise<KubeObject> {
  return conn.request<KubeObject>({
    method: 'PATCH',
    path: resourcePath(p.res, p.ref.namespace, p.ref.name),
    query: { fieldManager: FIELD_MANAGER, force: opts.force || undefined, dryRun: opts.dryRun ? 'All' : undefined, fieldValidation: 'Strict' },
    body: p.obj,
    contentType: 'application/apply-patch+yaml',
    signal: opts.signal,
  });
}

const ownOnly = (err: unknown): err is KubeError => err instanceof KubeError && err.code === 'CONFLICT' && !!err.conflicts?.length && err.conflicts.every((c) => c.manager === FIELD_MANAGER);

/** The object's spec and metadata without status, resourceVersion and managedFields, as JSON. */
function contentOf(o: KubeObject | undefined): string {
  if (!o) return '';
  const { status: _status, metadata, ...rest } = o as KubeObject & { status?: unknown };
  const { resourceVersion: _rv, managedFields: _mf, ...meta } = metadata ?? {};
  return JSON.stringify({ ...rest, metadata: meta });
}

const sameApartFromStatus = (a: KubeObject | undefined, b: KubeObject | undefined) => !!a && !!b && contentOf(a) === contentOf(b);

async function applyOne(conn: KubeConnection, p: Prepared, opts: { dryRun: boolean; force: boolean; signal?: AbortSignal }): Promise<AppliedObject> {
  const live = await readLive(conn, p, opts.signal);
  let tookBack: ApplyConflict[] | undefined;
  let out: KubeObject;
  try {
    out = await sendApply(conn, p, opts);
  } catch (err) {
    if (!ownOnly(err)) throw err;
    tookBack = err.conflicts;
    out = await sendApply(conn, p, { ...opts, force: true });
  }
  // A dry run stores nothing, so its resourceVersion says nothing: compare with what is live instead.
  // A real apply that changed nothing keeps the resourceVersion, unless a controller wrote the
  // object's status between our read and the apply: then only status and bookkeeping differ.
  const action = !live ? 'created' : opts.dryRun ? (diffAgainstLive(p.obj, live).length ? 'configured' : 'unchanged') : out?.metadata?.resourceVersion === live.metadata.resourceVersion || sameApartFromStatus(out, live) ? 'unchanged' : 'configured';
  const applied: AppliedObject = { ...p.ref, action, display: qualifiedName(p.ref.apiVersion, p.ref.kind, p.ref.name) };
  if (!opts.dryRun || live) {
    const meta = (opts.dryRun ? live : out)?.metadata;
    if (meta?.uid) applied.uid = meta.uid;
    if (meta?.resourceVersion) applied.resourceVersion = meta.resourceVersion;
    if (meta?.generation !== undefined) applied.generation = meta.generation;
  }
  if (tookBack) applied.tookBack = tookBack;
  return applied;
}

function failure(p: Prepared, index: number, stage: ApplyFailure['stage'], err: unknown): ApplyFailure {
  const e = err instanceof KubeError ? err : new KubeError('SERVER_ERROR', String(err));
  return { ...p.ref, index, stage, error: e.toInfo() };
}

/**
 * Applies YAML text or objects. Everything is first sent as a dry run; only when every object
 * passes is anything written. The first refusal stops the batch and is returned as `failed`.
 */
export async function applyObjects(conn: KubeConnection, input: ApplyInput, options: ApplyOptions = {}): Promise<ApplyResult> {
  const prepared = await prepare(conn, input, options);
  const force = options.force ?? false;
  const dryRun = options.dryRun ?? false;
  // A namespace created by this batch does not exist during the dry run: what goes in it is checked when applied.
  const newNamespaces = new Set<string>();
  const checked: AppliedObject[] = [];
  for (const [i, p] of prepared.entries()) {
    if (p.ref.namespace && newNamespaces.has(p.ref.namespace)) continue;
    try {
      const r = await applyOne(conn, p, { dryRun: true, force, signal: options.signal });
      if (p.ref.kind === 'Namespace' && r.action === 'created') newNamespaces.add(p.ref.name);
      checked.push(r);
    } catch (err) {
      return { dryRun, objects: [], failed: failure(p, i, 'check', err) };
    }
  }
  if (dryRun) return { dryRun, objects: checked };
  const applied: AppliedObject[] = [];
  for (const [i, p] of prepared.entries()) {
    try {
      applied.push(await applyOne(conn, p, { dryRun: false, force, signal: options.signal }));
    } catch (err) {
      return { dryRun, objects: applied, failed: failure(p, i, 'apply', err) };
    }
  }
  return { dryRun, objects: applied };
}

/** Previews an apply: per object, the field changes, the drift and the conflicts. Writes nothing. */
export async function planApply(conn: KubeConnection, input: ApplyInput, options: Omit<ApplyOptions, 'dryRun' | 'force'> = {}): Promise<ObjectPlan[]> {
  const prepared = await prepare(conn, input, options);
  const plans: ObjectPlan[] = [];
  for (const p of prepared) {
    const live = await readLive(conn, p, options.signal);
    const changes = diffAgainstLive(p.obj, live);
    const plan: ObjectPlan = {
      ...p.ref,
      display: qualifiedName(p.ref.apiVersion, p.ref.kind, p.ref.name),
      action: !live ? 'create' : changes.length ? 'update' : 'unchanged',
      changes,
      drift: changes.filter((c) => c.foreign),
      conflicts: [],
    };
    try {
      await sendApply(conn, p, { dryRun: true, force: false, signal: options.signal });
    } catch (err) {
      const e = err instanceof KubeError ? err : new KubeError('SERVER_ERROR', String(err));
      if (e.code === 'CONFLICT' && e.conflicts) plan.conflicts = e.conflicts;
      // A namespace this batch creates does not exist yet: not a refusal.
      else if (!(e.code === 'NOT_FOUND' && p.ref.namespace && prepared.some((q) => q.ref.kind === 'Namespace' && q.ref.name === p.ref.namespace))) plan.error = e.toInfo();
    }
    plans.push(plan);
  }
  return plans;
}
