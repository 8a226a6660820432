/**
 * The one router both hosts serve. It validates the method name and params against the
 * contract, dispatches to the service handler, checks the result against the contract, and
 * always answers with an envelope — never a throw.
 */
import type { z } from 'zod';
import { isMethodName, methods } from '../../preload/contract';
import type { Envelope, MethodName, ParsedParams, Result, ValidationIssue } from '../../preload/contract';
import { ErrorCode } from '../../preload/contract/errors';
import { AppError } from './app-error';

export type Handlers = {
  [M in MethodName]: (params: ParsedParams<M>) => Promise<Result<M>> | Result<M>;
};

export interface Router {
  dispatch(method: unknown, params: unknown): Promise<Envelope<unknown>>;
}

export interface RouterOptions {
  /** Where unexpected errors are reported (never with params: they may hold secrets). */
  onInternalError?: (method: string, error: unknown) => void;
}

export function issuesFromZod(error: z.ZodError): ValidationIssue[] {
  return error.issues.map((issue) => {
    const params = (issue as { params?: Partial<ValidationIssue> }).params;
    const path = issue.path.map(String).join('.');
    if (params?.key && params.message) {
      return { path: params.path ?? path, key: params.key, message: params.message, ...(params.values ? { values: params.values } : {}) };
    }
    return { path, key: `schema.${issue.code}`, message: path ? `${path}: ${issue.message}` : issue.message };
  });
}

export function createRouter(handlers: Handlers, options: RouterOptions = {}): Router {
  return {
    async dispatch(method, params) {
      if (!isMethodName(method)) {
        const name = typeof method === 'string' ? method.slice(0, 100) : typeof method;
        return { ok: false, error: { code: ErrorCode.UNKNOWN_METHOD, message: `"${name}" is not a method of this app.`, key: 'app.unknownMethod', values: { method: typeof name === 'string' ? name.slice(0, 100) : '' } } };
      }
      const spec = methods[method];
      const parsed = spec.params.safeParse(params ?? {});
      if (!parsed.success) {
        const issues = issuesFromZod(parsed.error);
        return {
          ok: false,
          error: { code: ErrorCode.INVALID_PARAMS, message: `Invalid input for ${method}: ${issues.map((i) => i.message).join('; ')}`, issues, key: 'app.invalidParams', values: { count: issues.length } },
        };
      }
      let result: unknown;
      try {
        const handler = handlers[method] as (p: unknown) => unknown;
        result = await handler(parsed.data);
      } catch (error) {
        if (error instanceof AppError) return { ok: false, error: error.body() };
        options.onInternalError?.(method, error);
        return { ok: false, error: { code: ErrorCode.INTERNAL, message: `Something went wrong inside the app while running ${method}. Details are in the log.`, key: 'app.internal', values: { method } } };
      }
      const checked = spec.result.safeParse(result);
      if (!checked.success) {
        options.onInternalError?.(method, checked.error);
        return { ok: false, error: { code: ErrorCode.INTERNAL, message: `The app produced an invalid answer for ${method}. Details are in the log.`, key: 'app.invalidAnswer', values: { method } } };
      }
      return { ok: true, result: checked.data };
    },
  };
}
