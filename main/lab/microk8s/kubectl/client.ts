/**
 * The HTTP side of `microk8s kubectl` on a virtual Pi: requests go over HTTPS to the API server
 * the Pi itself serves (the lab's API, main/lab/kube), and failures become the lines kubectl
 * prints (`Error from server (NotFound): ...`, `The connection to the server ... was refused`).
 */
import type { KubeObject } from '../../kube/api/types';
import type { ApiRequest, KubeApiEndpoint } from '../kube-api-endpoint';
import type { VirtualPi } from '../../pi/virtual-pi';

/** What kubectl prints for a failure (on stderr), and its exit code. */
export class KubectlError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export interface StatusBody {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { name?: string; kind?: string; group?: string; causes?: { reason?: string; message?: string; field?: string }[] };
}

export const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

/** kubectl's rendering of a Status error (cmdutil.CheckErr / StandardErrorMessage). */
export function serverError(status: StatusBody, httpCode: number): KubectlError {
  const d = status.details;
  if (status.reason === 'Invalid' && d?.causes?.length) {
    const resource = d.group ? `${d.kind}.${d.group}` : (d.kind ?? '');
    const errs = d.causes.map((c) => (c.field ? `${c.field}: ${c.message}` : (c.message ?? '')));
    const prefix = `The ${resource} "${d.name ?? ''}" is invalid: `;
    return new KubectlError(errs.length === 1 ? `${prefix}${errs[0]}` : `${prefix}\n${errs.map((e) => `* ${e}`).join('\n')}`);
  }
  const message = status.message ?? `the server responded with the status code ${httpCode} but did not return more information`;
  return new KubectlError(status.reason ? `Error from server (${status.reason}): ${message}` : `Error from server: ${message}`);
}

export class ApiHttpError extends Error {
  constructor(
    readonly code: number,
    readonly status: StatusBody,
  ) {
    super(status.message ?? `HTTP ${code}`);
  }

  get reason(): string | undefined {
    return this.status.reason;
  }
}

export class KubeClient {
  constructor(
    private readonly endpoint: KubeApiEndpoint,
    private readonly pi: VirtualPi,
    readonly signal: AbortSignal,
    /** The address kubectl on a MicroK8s node talks to. */
    readonly server = '127.0.0.1:16443',
  ) {}

  async raw(req: Omit<ApiRequest, 'signal'>): Promise<{ status: number; text: string }> {
    if (!this.endpoint.request) throw new KubectlError(`The connection to the server ${this.server} was refused - did you specify the right host or port?`);
    try {
      return await this.endpoint.request(this.pi, { ...req, signal: this.signal });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EHOSTUNREACH') {
        throw new KubectlError(`The connection to the server ${this.server} was refused - did you specify the right host or port?`);
      }
      if (this.signal.aborted) throw this.signal.reason;
      throw new KubectlError(`Unable to connect to the server: ${(err as Error).message}`);
    }
  }

  /** A JSON request; non-2xx answers throw ApiHttpError with the server's Status. */
  async json<T = unknown>(method: ApiRequest['method'], path: string, body?: unknown, contentType?: string, accept?: string): Promise<T> {
    const r = await this.raw({ method, path, body, contentType, accept });
    let parsed: unknown;
    try {
      parsed = r.text ? JSON.parse(r.text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (r.status < 200 || r.status >= 300) {
      const status = (parsed && typeof parsed === 'object' ? parsed : { message: r.text.trim() || undefined }) as StatusBody;
      throw new ApiHttpError(r.status, status);
    }
    return parsed as T;
  }

  get<T extends KubeObject = KubeObject>(path: string): Promise<T> {
    return this.json<T>('GET', path);
  }

  /** A watch or log stream: calls `onChunk` as data arrives until the request ends or is aborted. */
  async stream(path: string, onChunk: (text: string) => void, accept?: string, stop?: AbortSignal): Promise<void> {
    if (!this.endpoint.request) throw new KubectlError(`The connection to the server ${this.server} was refused - did you specify the right host or port?`);
    const signal = stop ? AbortSignal.any([this.signal, stop]) : this.signal;
    try {
      await this.endpoint.request(this.pi, { method: 'GET', path, accept, onChunk, signal });
    } catch (err) {
      if (signal.aborted) return;
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ECONNREFUSED') throw new KubectlError(`The connection to the server ${this.server} was refused - did you specify the right host or port?`);
      throw err;
    }
  }
}

/** Rethrow an API failure as the line kubectl prints. */
export function asKubectlError(err: unknown): never {
  if (err instanceof ApiHttpError) throw serverError(err.status, err.code);
  throw err;
}
