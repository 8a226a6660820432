/** RFC 6902 JSON Patch (`application/json-patch+json`), as `kubectl rollout undo` sends it. */
import { cloneJson } from '../store/clone';
import { StatusError } from '../api/status-errors';

export interface JsonPatchOp {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  from?: string;
  value?: unknown;
}

type Container = Record<string, unknown> | unknown[];

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw invalidPatch(`invalid JSON pointer "${path}"`);
  return path
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function invalidPatch(message: string): StatusError {
  return new StatusError(422, 'Invalid', message);
}

function parentOf(doc: unknown, tokens: string[], path: string): { parent: Container; key: string } {
  let cur: unknown = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(t)];
    else if (cur && typeof cur === 'object') cur = (cur as Record<string, unknown>)[t];
    else cur = undefined;
    if (cur === undefined || cur === null) throw invalidPatch(`doc is missing path: "${path}": missing value`);
  }
  if (!cur || typeof cur !== 'object') throw invalidPatch(`doc is missing path: "${path}": missing value`);
  return { parent: cur as Container, key: tokens[tokens.length - 1]! };
}

function getAt(doc: unknown, path: string): unknown {
  let cur: unknown = doc;
  for (const t of pointer(path)) {
    if (Array.isArray(cur)) cur = cur[Number(t)];
    else if (cur && typeof cur === 'object') cur = (cur as Record<string, unknown>)[t];
    else return undefined;
  }
  return cur;
}

function add(doc: unknown, path: string, value: unknown): unknown {
  const tokens = pointer(path);
  if (tokens.length === 0) return value;
  const { parent, key } = parentOf(doc, tokens, path);
  if (Array.isArray(parent)) {
    const i = key === '-' ? parent.length : Number(key);
    if (!Number.isInteger(i) || i < 0 || i > parent.length) throw invalidPatch(`add operation does not apply: doc is missing path: "${path}"`);
    parent.splice(i, 0, value);
  } else parent[key] = value;
  return doc;
}

function remove(doc: unknown, path: string): unknown {
  const tokens = pointer(path);
  const { parent, key } = parentOf(doc, tokens, path);
  if (Array.isArray(parent)) {
    const i = Number(key);
    if (!(i >= 0 && i < parent.length)) throw invalidPatch(`remove operation does not apply: doc is missing path: "${path}": missing value`);
    parent.splice(i, 1);
  } else {
    if (!Object.hasOwn(parent, key)) throw invalidPatch(`remove operation does not apply: doc is missing path: "${path}": missing value`);
    delete parent[key];
  }
  return doc;
}

export function applyJsonPatch<T>(document: T, ops: JsonPatchOp[]): T {
  if (!Array.isArray(ops)) throw new StatusError(400, 'BadRequest', 'json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  let doc: unknown = cloneJson(document);
  for (const op of ops) {
    switch (op.op) {
      case 'add':
        doc = add(doc, op.path, cloneJson(op.value));
        break;
      case 'remove':
        doc = remove(doc, op.path);
        break;
      case 'replace':
        if (getAt(doc, op.path) === undefined) throw invalidPatch(`replace operation does not apply: doc is missing key: ${op.path}: missing value`);
        doc = remove(doc, op.path);
        doc = add(doc, op.path, cloneJson(op.value));
        break;
      case 'move': {
        const v = getAt(doc, op.from ?? '');
        doc = remove(doc, op.from ?? '');
        doc = add(doc, op.path, v);
        break;
      }
      case 'copy':
        doc = add(doc, op.path, cloneJson(getAt(doc, op.from ?? '')));
        break;
      case 'test':
        if (JSON.stringify(getAt(doc, op.path)) !== JSON.stringify(op.value)) throw invalidPatch(`testing value ${op.path} failed: test failed`);
        break;
      default:
        throw invalidPatch(`Unexpected kind: ${String((op as { op: unknown }).op)}`);
    }
  }
  return doc as T;
}
