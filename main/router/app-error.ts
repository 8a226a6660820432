/** The error services throw on purpose: a stable code and a message that says what to do. */
import type { ErrorCode, ValidationIssue } from '../../preload/contract/errors';

export class AppError extends Error {
  readonly code: ErrorCode | (string & {});
  readonly issues?: ValidationIssue[];

  constructor(code: ErrorCode | (string & {}), message: string, options: { issues?: ValidationIssue[]; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    if (options.issues) this.issues = options.issues;
  }
}
