/** Typed calls into main, checked by the compiler against the contract. */
import type { EventName, EventPayload, MethodName, Params, Result, ValidationIssue } from '../../../preload/contract';
import type { ErrorBody, MessageValues } from '../../../preload/contract/errors';
import { getBridge } from './transport';

/** A call main refused: its code, the key (and values) the window words, and main's English message. */
export class CallError extends Error {
  readonly key?: string;
  readonly values?: MessageValues;
  constructor(
    readonly code: string,
    message: string,
    readonly issues: ValidationIssue[] = [],
    wording: { key?: string; values?: MessageValues } = {},
  ) {
    super(message);
    if (wording.key) this.key = wording.key;
    if (wording.values) this.values = wording.values;
  }

  body(): ErrorBody {
    return { code: this.code, message: this.message, issues: this.issues, ...(this.key ? { key: this.key } : {}), ...(this.values ? { values: this.values } : {}) };
  }
}

/** Anything a call or an action threw, as an error body the window can word. */
export function errorBodyOf(error: unknown): ErrorBody {
  if (error instanceof CallError) return error.body();
  return { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) };
}

export async function call<M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>> {
  const envelope = await getBridge().invoke(method, params);
  if (envelope.ok) return envelope.result as Result<M>;
  throw new CallError(envelope.error.code, envelope.error.message, envelope.error.issues, envelope.error);
}

export function onEvent<E extends EventName>(name: E, listener: (payload: EventPayload<E>) => void): () => void {
  return getBridge().subscribe((n, payload) => {
    if (n === name) listener(payload as EventPayload<E>);
  });
}

export function onConnection(listener: (connected: boolean) => void): () => void {
  return getBridge().subscribe((n, payload) => {
    if (n === 'connection') listener((payload as { connected: boolean }).connected);
  });
}
