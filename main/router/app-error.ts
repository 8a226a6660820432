/**
 * The error services throw on purpose: a stable code, a key (with values) the window words in
 * the user's language, and an English message that says what to do (for logs and other clients).
 */
import type { ErrorBody, ErrorCode, MessageValues, ValidationIssue } from '../../preload/contract/errors';
import { ErrorCode as Codes } from '../../preload/contract/errors';
import type { ErrorKey } from './error-keys';
import { wordingOf } from './error-keys';

export interface AppErrorOptions {
  issues?: ValidationIssue[];
  cause?: unknown;
  /** What the window shows: `errors.<key>` in its catalogue, worded with `values`. */
  key?: ErrorKey;
  values?: MessageValues;
}

export class AppError extends Error {
  readonly code: ErrorCode | (string & {});
  readonly issues?: ValidationIssue[];
  readonly key?: ErrorKey;
  readonly values?: MessageValues;

  constructor(code: ErrorCode | (string & {}), message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    if (options.issues) this.issues = options.issues;
    // Without a key of its own, an error wrapping the SSH, disk or cluster layers' error is worded as that error.
    const wording = options.key ? { key: options.key, values: options.values } : wordingOf(options.cause);
    if (wording) {
      this.key = wording.key;
      if (wording.values) this.values = wording.values;
    }
  }

  /** The envelope's error body. */
  body(): ErrorBody {
    return {
      code: this.code,
      message: this.message,
      ...(this.issues ? { issues: this.issues } : {}),
      ...(this.key ? { key: this.key } : {}),
      ...(this.values ? { values: this.values } : {}),
    };
  }
}

/** Any error as an envelope's body: an AppError as it is; the SSH, disk and cluster layers' errors with their key; anything else INTERNAL. */
export function errorBodyOf(error: unknown, fallback: { code?: ErrorCode; key: ErrorKey; message?: string } = { key: 'app.internal' }): ErrorBody {
  if (error instanceof AppError) return error.body();
  const wording = wordingOf(error);
  const message = error instanceof Error ? error.message : String(error);
  if (wording) return { code: wording.key === 'jobs.cancelled' ? Codes.CANCELLED : Codes.FAILED, message, key: wording.key, ...(wording.values ? { values: wording.values } : {}) };
  return { code: fallback.code ?? Codes.INTERNAL, message: fallback.message ?? message, key: fallback.key, values: { detail: message } };
}
