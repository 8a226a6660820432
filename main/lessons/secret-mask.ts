/**
 * Secret values never leave main: what the lessons show of a Secret (the preview YAML, the live
 * plan's field changes, the drift asked about before overwriting) has every value of `data` and
 * `stringData` replaced by a mask, keys kept, so the user sees which keys a Secret holds and
 * nothing of what they hold.
 */
import type { KubeObject } from '../kube/manifests';

export const SECRET_MASK = '********';

function maskValues(v: unknown): unknown {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return v;
  return Object.fromEntries(Object.keys(v as Record<string, unknown>).map((k) => [k, SECRET_MASK]));
}

/** Copies of the objects with each Secret's values masked (other kinds unchanged). */
export function maskSecrets(objects: readonly KubeObject[]): KubeObject[] {
  return objects.map((o) => {
    if (o.kind !== 'Secret') return o;
    const copy = { ...o };
    if ('data' in copy) copy['data'] = maskValues(copy['data']);
    if ('stringData' in copy) copy['stringData'] = maskValues(copy['stringData']);
    return copy;
  });
}

interface FieldChangeLike {
  path: string;
  live?: unknown;
  desired?: unknown;
}

interface PlanLike {
  kind: string;
  changes: FieldChangeLike[];
  drift: FieldChangeLike[];
}

const SECRET_FIELD = /^\.(data|stringData)(\.|\[|$)/;

function maskChange<C extends FieldChangeLike>(c: C): C {
  if (!SECRET_FIELD.test(c.path)) return c;
  const out = { ...c };
  if (out.live !== undefined) out.live = typeof out.live === 'object' ? maskValues(out.live) : SECRET_MASK;
  if (out.desired !== undefined) out.desired = typeof out.desired === 'object' ? maskValues(out.desired) : SECRET_MASK;
  return out;
}

/** A live plan (or drift list) with the values of Secret fields masked. */
export function maskPlans<P extends PlanLike>(plans: readonly P[]): P[] {
  return plans.map((p) => (p.kind === 'Secret' ? { ...p, changes: p.changes.map(maskChange), drift: p.drift.map(maskChange) } : p));
}
