/** RFC 7386 JSON Merge Patch (`application/merge-patch+json`), as `kubectl scale` sends it. */
import { cloneJson } from '../store/clone';

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isMap(patch)) return cloneJson(patch);
  const result: Record<string, unknown> = isMap(target) ? cloneJson(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete result[k];
    else result[k] = applyMergePatch(result[k], v);
  }
  return result;
}
