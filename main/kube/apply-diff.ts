/**
 * What applying an object would change, field by field, and who owns each live field
 * (`metadata.managedFields`). A field the app sets that another manager now owns with another
 * value (`kubectl-edit`, `kubectl-client-side-apply`, `kubectl-scale`...) was changed behind the
 * app's back: it is marked `foreign`, and it is exactly what server-side apply would refuse as a
 * conflict until the user agrees to overwrite it.
 */
import type { Segment } from './field-paths';
import { displayPath, fieldsV1Paths, leaves, ownsPath, sameValue, valueAt } from './field-paths';
import type { KubeObject } from './manifests';
import { FIELD_MANAGER } from './manifests';

export interface FieldOwner {
  manager: string;
  operation?: string;
  /** `scale` or `status` when the manager wrote through a subresource. */
  subresource?: string;
}

export interface FieldChange {
  /** `.spec.replicas`, `.spec.template.spec.containers[name="nginx"].image` */
  path: string;
  change: 'add' | 'change' | 'remove';
  live?: unknown;
  desired?: unknown;
  /** The managers owning the live field. */
  owners: FieldOwner[];
  /** Owned by a manager other than the app: changed behind the app's back. */
  foreign: boolean;
}

const IDENTITY = new Set(['.metadata.name', '.metadata.namespace', '.apiVersion', '.kind']);

function ownersOf(live: KubeObject | undefined, segments: Segment[]): FieldOwner[] {
  const out: FieldOwner[] = [];
  for (const e of live?.metadata.managedFields ?? []) {
    if (!e.manager || !ownsPath(e.fieldsV1, segments)) continue;
    const o: FieldOwner = { manager: e.manager };
    if (e.operation) o.operation = e.operation;
    if (e.subresource) o.subresource = e.subresource;
    out.push(o);
  }
  return out;
}

const isForeign = (owners: FieldOwner[]) => owners.some((o) => o.manager !== FIELD_MANAGER);

/** The changes applying `desired` (already labelled) over `live` would make; [] for a new object. */
export function diffAgainstLive(desired: KubeObject, live: KubeObject | undefined): FieldChange[] {
  if (!live) return [];
  const changes: FieldChange[] = [];
  for (const leaf of leaves(desired)) {
    const path = displayPath(leaf.segments);
    if (IDENTITY.has(path)) continue;
    const current = valueAt(live, leaf.segments);
    if (sameValue(current, leaf.value, leaf.segments)) continue;
    const owners = ownersOf(live, leaf.segments);
    const change: FieldChange = { path, change: current === undefined ? 'add' : 'change', desired: leaf.value, owners, foreign: isForeign(owners) };
    if (current !== undefined) change.live = current;
    changes.push(change);
  }
  // Fields the app applied before and no longer sets are removed, unless another manager owns them.
  const mine = live.metadata.managedFields?.find((e) => e.manager === FIELD_MANAGER && e.operation === 'Apply');
  for (const segments of fieldsV1Paths(mine?.fieldsV1)) {
    if (valueAt(desired, segments) !== undefined) continue;
    const current = valueAt(live, segments);
    if (current === undefined) continue;
    const owners = ownersOf(live, segments).filter((o) => !(o.manager === FIELD_MANAGER && o.operation === 'Apply'));
    if (owners.length) continue;
    changes.push({ path: displayPath(segments), change: 'remove', live: current, owners: [{ manager: FIELD_MANAGER, operation: 'Apply' }], foreign: false });
  }
  return changes;
}
