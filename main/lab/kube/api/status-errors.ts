/**
 * API errors as upstream's `Status` objects: the same reason, code and message texts
 * the real API server returns (k8s.io/apimachinery/pkg/api/errors).
 */
import type { ResourceType } from './resource-registry';
import { qualifiedName } from './resource-registry';

export interface StatusCause {
  reason: string;
  message: string;
  field: string;
}

export interface StatusObject {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: { name?: string; group?: string; kind?: string; uid?: string; causes?: StatusCause[]; retryAfterSeconds?: number };
  code: number;
}

export class StatusError extends Error {
  readonly status: StatusObject;
  constructor(code: number, reason: string, message: string, details?: StatusObject['details']) {
    super(message);
    this.status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
    if (details) this.status.details = details;
  }
  get code(): number {
    return this.status.code;
  }
}

function details(t: ResourceType, name: string): StatusObject['details'] {
  const d: StatusObject['details'] = { name, kind: t.plural };
  if (t.group) d.group = t.group;
  return d;
}

export function notFound(t: ResourceType, name: string): StatusError {
  return new StatusError(404, 'NotFound', `${qualifiedName(t)} "${name}" not found`, details(t, name));
}

export function alreadyExists(t: ResourceType, name: string): StatusError {
  return new StatusError(409, 'AlreadyExists', `${qualifiedName(t)} "${name}" already exists`, details(t, name));
}

export function conflict(t: ResourceType, name: string, why = 'the object has been modified; please apply your changes to the latest version and try again'): StatusError {
  return new StatusError(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedName(t)} "${name}": ${why}`, details(t, name));
}

export interface FieldError {
  type: 'FieldValueInvalid' | 'FieldValueRequired' | 'FieldValueNotSupported' | 'FieldValueDuplicate' | 'FieldValueForbidden' | 'FieldValueNotFound';
  field: string;
  /** The text after `field: `, e.g. `Invalid value: -1: must be greater than or equal to 0`. */
  detail: string;
}

export function invalidValue(field: string, value: unknown, why: string): FieldError {
  const shown = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value ?? null);
  return { type: 'FieldValueInvalid', field, detail: `Invalid value: ${shown}: ${why}` };
}

export function required(field: string, why = ''): FieldError {
  return { type: 'FieldValueRequired', field, detail: why ? `Required value: ${why}` : 'Required value' };
}

export function notSupported(field: string, value: unknown, supported: string[]): FieldError {
  return {
    type: 'FieldValueNotSupported',
    field,
    detail: `Unsupported value: ${JSON.stringify(value)}: supported values: ${supported.map((s) => `"${s}"`).join(', ')}`,
  };
}

export function forbiddenField(field: string, why: string): FieldError {
  return { type: 'FieldValueForbidden', field, detail: `Forbidden: ${why}` };
}

/** 422 `Deployment.apps "x" is invalid: ...` (kind qualified by group as upstream). */
export function invalid(t: ResourceType, name: string, errors: FieldError[]): StatusError {
  const kind = t.group ? `${t.kind}.${t.group}` : t.kind;
  const parts = errors.map((e) => `${e.field}: ${e.detail}`);
  const list = parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`;
  const d: StatusObject['details'] = { name, kind: t.kind, causes: errors.map((e) => ({ reason: e.type, message: e.detail, field: e.field })) };
  if (t.group) d.group = t.group;
  return new StatusError(422, 'Invalid', `${kind} "${name}" is invalid: ${list}`, d);
}

export function forbidden(t: ResourceType, name: string, why: string): StatusError {
  return new StatusError(403, 'Forbidden', `${qualifiedName(t)} "${name}" is forbidden: ${why}`, details(t, name));
}

export function badRequest(message: string): StatusError {
  return new StatusError(400, 'BadRequest', message);
}

export function gone(requested: string, current: number): StatusError {
  return new StatusError(410, 'Expired', `too old resource version: ${requested} (${current})`);
}

export function methodNotAllowed(): StatusError {
  return new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
}

export function pathNotFound(): StatusError {
  return new StatusError(404, 'NotFound', 'the server could not find the requested resource');
}

export function unsupportedMediaType(contentType: string): StatusError {
  return new StatusError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json (got ${contentType})`);
}

/** 415 for a request body in a format the lab does not decode (protobuf). */
export function unsupportedBody(contentType: string): StatusError {
  return new StatusError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml (got ${contentType})`);
}

export function internalError(err: unknown): StatusError {
  return new StatusError(500, 'InternalError', `Internal error occurred: ${err instanceof Error ? err.message : String(err)}`);
}
