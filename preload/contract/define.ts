/**
 * Building blocks of the contract between the window and main.
 * A method is a name -> { params schema, result schema }; an event is a name -> payload schema.
 * Both hosts (Electron IPC and the browser host's WebSocket) carry exactly these.
 */
import type { z } from 'zod';

export interface MethodSpec<P extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  params: P;
  result: R;
  /** One line for docs and error messages. */
  doc: string;
}

export interface EventSpec<T extends z.ZodType = z.ZodType> {
  payload: T;
  doc: string;
}

export const method = <P extends z.ZodType, R extends z.ZodType>(params: P, result: R, doc: string): MethodSpec<P, R> => ({
  params,
  result,
  doc,
});

export const event = <T extends z.ZodType>(payload: T, doc: string): EventSpec<T> => ({ payload, doc });
