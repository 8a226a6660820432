/**
 * The envelope every call returns and the stable error codes it can carry.
 * Codes never change meaning; messages are for humans and say what to do.
 */
import { z } from 'zod';

export const ErrorCode = {
  /** The method name is not part of the contract. */
  UNKNOWN_METHOD: 'UNKNOWN_METHOD',
  /** Params failed the method's schema or a validation rule; `issues` lists each field. */
  INVALID_PARAMS: 'INVALID_PARAMS',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  /** The user cancelled, or a job was cancelled. */
  CANCELLED: 'CANCELLED',
  /** Something the app needs (a drive, a host, the network) is not there. */
  UNAVAILABLE: 'UNAVAILABLE',
  /** Writing to a device needs administrator rights. */
  NEEDS_ADMIN: 'NEEDS_ADMIN',
  /** A remote host's SSH key changed since it was first trusted. */
  HOST_KEY_CHANGED: 'HOST_KEY_CHANGED',
  /** A host answered as, or at the planned address of, a node the app prepared, with a key the app did not write to that node's card. */
  HOST_KEY_NOT_PREPARED: 'HOST_KEY_NOT_PREPARED',
  /** A host the app never met and whose key the user has not confirmed yet (step 3 asks). */
  HOST_KEY_UNCONFIRMED: 'HOST_KEY_UNCONFIRMED',
  /** A known failure with a specific explanation in the message. */
  FAILED: 'FAILED',
  /** A bug: main threw something unexpected or returned a result that breaks the contract. */
  INTERNAL: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export const validationIssue = z.object({
  /** Dotted path of the field, e.g. `nodes.1.hostname`. */
  path: z.string(),
  /** Stable message key for translation, e.g. `hostname.duplicate`. */
  key: z.string(),
  /** English message that says how to fix it. */
  message: z.string(),
  values: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
});
export type ValidationIssue = z.infer<typeof validationIssue>;

/** Values a message key is worded with (names, counts, a command's own output as `detail`). */
export const messageValues = z.record(z.string(), z.union([z.string(), z.number()]));
export type MessageValues = z.infer<typeof messageValues>;

export const errorBody = z.object({
  code: z.string(),
  /** English, for logs and clients without the window's catalogues; the window words `key` instead. */
  message: z.string(),
  issues: z.array(validationIssue).optional(),
  /** What went wrong and what to do, as a stable key the window words (`errors.<key>` in its catalogue). */
  key: z.string().optional(),
  /** Values for the key's text; `detail` is text the app did not write (a command's or the system's), shown as it is. */
  values: messageValues.optional(),
});
export type ErrorBody = z.infer<typeof errorBody>;

export type Envelope<T> = { ok: true; result: T } | { ok: false; error: ErrorBody };
