/**
 * Every failure of the Kubernetes library as one error type with a stable code. API failures
 * keep the API's own Status (reason, code, message, causes) and add what the window needs to
 * explain them: the quota and its numbers, the field managers of an apply conflict, the fields
 * of an invalid object. Network failures say which server and how. Messages are the API's or
 * kubectl's own text; the renderer words everything else from the code.
 */
import type { KubeErrorCode } from '../../preload/contract/kube';
import type { ForbiddenDetail } from './quota-messages';
import { parseForbidden } from './quota-messages';

/** The stable codes (listed in preload/contract/kube.ts so the window can branch on them). */
export type { KubeErrorCode };

export interface StatusCause {
  field?: string;
  reason?: string;
  message?: string;
}

/** A Kubernetes `Status` object as the API returns it. */
export interface KubeStatus {
  kind?: 'Status';
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { name?: string; group?: string; kind?: string; uid?: string; causes?: StatusCause[]; retryAfterSeconds?: number };
}

/** One field owned by another manager that a server-side apply would change. */
export interface ApplyConflict {
  manager: string;
  field: string;
  /** The API version the manager wrote with, from `conflict with "m" using apps/v1`. */
  apiVersion?: string;
}

export interface NetworkFailure {
  /** errno-style: ECONNREFUSED, ETIMEDOUT (our timeout), ECONNRESET, EHOSTUNREACH, ENOTFOUND, ... */
  code: string;
  server?: string;
  /** `connect`: the request never reached the server (safe to send elsewhere); `response`: it may have. */
  phase: 'connect' | 'response';
}

export interface KubeErrorInit {
  httpStatus?: number;
  status?: KubeStatus;
  forbidden?: ForbiddenDetail;
  conflicts?: ApplyConflict[];
  causes?: StatusCause[];
  network?: NetworkFailure;
  /** Free values for the renderer (names, numbers), e.g. `{ revision: 3 }`. */
  values?: Record<string, string | number>;
  cause?: unknown;
}

/** Plain form for logs and the contract (`kubeErrorInfo` in preload/contract/kube.ts). */
export interface KubeErrorInfo {
  code: KubeErrorCode;
  message: string;
  httpStatus?: number;
  reason?: string;
  details?: { name?: string; group?: string; kind?: string };
  forbidden?: ForbiddenDetail;
  conflicts?: ApplyConflict[];
  causes?: StatusCause[];
  network?: NetworkFailure;
  values?: Record<string, string | number>;
}

export class KubeError extends Error {
  override readonly name = 'KubeError';
  readonly httpStatus?: number;
  readonly status?: KubeStatus;
  readonly forbidden?: ForbiddenDetail;
  readonly conflicts?: ApplyConflict[];
  readonly causes?: StatusCause[];
  readonly network?: NetworkFailure;
  readonly values?: Record<string, string | number>;

  constructor(
    readonly code: KubeErrorCode,
    message: string,
    init: KubeErrorInit = {},
  ) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    const { cause: _cause, ...fields } = init;
    Object.assign(this, fields);
  }

  /** The API's Status.reason (`Forbidden`, `Conflict`, `Invalid`, ...). */
  get reason(): string | undefined {
    return this.status?.reason;
  }

  toInfo(): KubeErrorInfo {
    const info: KubeErrorInfo = { code: this.code, message: this.message };
    if (this.httpStatus !== undefined) info.httpStatus = this.httpStatus;
    if (this.status?.reason) info.reason = this.status.reason;
    const d = this.status?.details;
    if (d && (d.name || d.kind || d.group)) info.details = { ...(d.name ? { name: d.name } : {}), ...(d.kind ? { kind: d.kind } : {}), ...(d.group ? { group: d.group } : {}) };
    if (this.forbidden) info.forbidden = this.forbidden;
    if (this.conflicts) info.conflicts = this.conflicts;
    if (this.causes) info.causes = this.causes;
    if (this.network) info.network = this.network;
    if (this.values) info.values = this.values;
    return info;
  }
}

/** `conflict with "kubectl-edit" using apps/v1` -> manager and version. */
function parseConflictCause(c: StatusCause): ApplyConflict | undefined {
  const m = /^conflict with "([^"]*)"(?: using (\S+))?/.exec(c.message ?? '');
  if (!m) return undefined;
  const out: ApplyConflict = { manager: m[1]!, field: c.field ?? '' };
  if (m[2]) out.apiVersion = m[2];
  return out;
}

const BY_REASON: Record<string, KubeErrorCode> = {
  Forbidden: 'FORBIDDEN',
  Conflict: 'CONFLICT',
  Invalid: 'INVALID',
  NotFound: 'NOT_FOUND',
  AlreadyExists: 'ALREADY_EXISTS',
  Unauthorized: 'UNAUTHORIZED',
  BadRequest: 'BAD_REQUEST',
  Gone: 'GONE',
  Expired: 'GONE',
  TooManyRequests: 'TOO_MANY_REQUESTS',
  ServiceUnavailable: 'UNAVAILABLE',
  Timeout: 'UNAVAILABLE',
  ServerTimeout: 'UNAVAILABLE',
};

const BY_HTTP: Record<number, KubeErrorCode> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  410: 'GONE',
  422: 'INVALID',
  429: 'TOO_MANY_REQUESTS',
  503: 'UNAVAILABLE',
  504: 'UNAVAILABLE',
};

/** An error response of the API (`httpStatus` plus the body, a Status object or text). */
export function fromApiResponse(httpStatus: number, body: unknown): KubeError {
  const status: KubeStatus | undefined = body && typeof body === 'object' && !Array.isArray(body) ? (body as KubeStatus) : undefined;
  const message = status?.message ?? (typeof body === 'string' && body.trim() ? body.trim() : `HTTP ${httpStatus}`);
  let code: KubeErrorCode = (status?.reason && BY_REASON[status.reason]) || BY_HTTP[httpStatus] || 'SERVER_ERROR';
  // AlreadyExists and Conflict share 409: the reason decides.
  if (httpStatus === 409 && status?.reason === 'AlreadyExists') code = 'ALREADY_EXISTS';
  const init: KubeErrorInit = { httpStatus };
  if (status) init.status = status;
  const causes = status?.details?.causes;
  if (code === 'CONFLICT' && causes?.length) {
    const conflicts = causes.flatMap((c) => parseConflictCause(c) ?? []);
    if (conflicts.length) init.conflicts = conflicts;
  }
  if (causes?.length) init.causes = causes.map((c) => ({ ...(c.field ? { field: c.field } : {}), ...(c.reason ? { reason: c.reason } : {}), ...(c.message ? { message: c.message } : {}) }));
  if (code === 'FORBIDDEN') {
    const f = parseForbidden(message);
    if (f) init.forbidden = f;
  }
  return new KubeError(code, message, init);
}

const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_|CERT_|ERR_OSSL)/;

/** A failure below HTTP: refused, reset, timed out, DNS, TLS. */
export function fromNetworkError(err: unknown, server: string, phase: 'connect' | 'response'): KubeError {
  if (err instanceof KubeError) return err;
  const e = err as NodeJS.ErrnoException & { name?: string };
  if (e?.name === 'AbortError' || e?.code === 'ABORT_ERR') return new KubeError('CANCELLED', 'The request was cancelled.', { network: { code: 'ABORTED', server, phase }, cause: err });
  const code = String(e?.code ?? 'ECONNRESET');
  if (TLS_CODES.test(code)) return new KubeError('TLS', e?.message ?? code, { network: { code, server, phase }, cause: err });
  return new KubeError('UNAVAILABLE', e?.message ?? code, { network: { code, server, phase }, cause: err });
}

/** Anything thrown by the library's callers or client-node, as a KubeError. */
export function toKubeError(err: unknown, server?: string): KubeError {
  if (err instanceof KubeError) return err;
  const e = err as { code?: unknown; statusCode?: unknown; body?: unknown; message?: string } | null;
  // client-node's ApiException (`code` + `body`) and Watch errors (`statusCode`).
  const http = typeof e?.code === 'number' ? e.code : typeof e?.statusCode === 'number' ? e.statusCode : undefined;
  if (http !== undefined) {
    let body = e?.body;
    if (typeof body === 'string') {
      try {
        body = JSON.parse(body);
      } catch {
        /* plain text */
      }
    }
    return fromApiResponse(http, body ?? e?.message);
  }
  if (typeof e?.code === 'string') return fromNetworkError(err, server ?? '', 'response');
  return new KubeError('SERVER_ERROR', e?.message ?? String(err), { cause: err });
}

/** Whether another control plane may answer where this one did not. */
export function isUnreachable(err: unknown): boolean {
  return err instanceof KubeError && (err.code === 'UNAVAILABLE' || err.code === 'TLS') && err.network !== undefined;
}

/** The same error with kubectl's wording around the API's message (`failed to patch: ...`). */
export function rewordKubeError(err: KubeError, message: string): KubeError {
  const init: KubeErrorInit = { cause: err };
  for (const k of ['httpStatus', 'status', 'forbidden', 'conflicts', 'causes', 'network', 'values'] as const) {
    if (err[k] !== undefined) (init as Record<string, unknown>)[k] = err[k];
  }
  return new KubeError(err.code, message, init);
}
