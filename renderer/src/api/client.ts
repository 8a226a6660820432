/** Typed calls into main, checked by the compiler against the contract. */
import type { EventName, EventPayload, MethodName, Params, Result, ValidationIssue } from '../../../preload/contract';
import { getBridge } from './transport';

export class CallError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly issues: ValidationIssue[] = [],
  ) {
    super(message);
  }
}

export async function call<M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>> {
  const envelope = await getBridge().invoke(method, params);
  if (envelope.ok) return envelope.result as Result<M>;
  throw new CallError(envelope.error.code, envelope.error.message, envelope.error.issues);
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
