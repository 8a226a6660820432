/**
 * HTTP for imaging: one undici dispatcher that honours the system's proxy variables
 * (HTTPS_PROXY / HTTP_PROXY / NO_PROXY, upper or lower case, via EnvHttpProxyAgent) and follows
 * redirects (mirrors, http -> https), small text fetches (catalogues, SHA256SUMS) with a size
 * limit, and a body stream that survives a broken connection: it asks again from the byte it
 * had reached (`Range: bytes=N-`, `If-Range: <ETag or Last-Modified>`), and if the server answers
 * 200 instead of 206 it skips the bytes it already has. Electron's session proxy (PAC, system
 * settings) can be added later as another dispatcher.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { EnvHttpProxyAgent, interceptors, request } from 'undici';
import type { Dispatcher } from 'undici';
import { ImagingError, ImagingErrorCode } from './imaging-errors';

let shared: Dispatcher | undefined;

/** The app-wide dispatcher: system proxy from the environment, up to 5 redirects. */
export function imagingDispatcher(): Dispatcher {
  shared ??= new EnvHttpProxyAgent({ connectTimeout: 30_000 }).compose(interceptors.redirect({ maxRedirections: 5 }));
  return shared;
}

const USER_AGENT = 'PiClusterWizard/0.1 (imaging)';

export interface FetchTextOptions {
  dispatcher?: Dispatcher;
  signal?: AbortSignal;
  /** Refuse bodies larger than this (default 8 MiB). */
  maxBytes?: number;
  timeoutMs?: number;
}

/** GET a small text resource; any failure is CATALOGUE_UNREACHABLE with status/reason values. */
export async function fetchText(url: string, options: FetchTextOptions = {}): Promise<string> {
  const maxBytes = options.maxBytes ?? 8 * 1024 * 1024;
  let response: Dispatcher.ResponseData;
  try {
    response = await request(url, {
      dispatcher: options.dispatcher ?? imagingDispatcher(),
      headers: { 'user-agent': USER_AGENT, accept: 'application/json, text/plain, */*' },
      ...(options.signal ? { signal: options.signal } : {}),
      headersTimeout: options.timeoutMs ?? 30_000,
      bodyTimeout: options.timeoutMs ?? 30_000,
    });
  } catch (error) {
    if (options.signal?.aborted) throw cancelled();
    throw new ImagingError(ImagingErrorCode.CATALOGUE_UNREACHABLE, `GET ${url} failed: ${reason(error)}`, { url, status: 0, reason: reason(error) }, { cause: error });
  }
  if (response.statusCode !== 200) {
    await response.body.dump().catch(() => undefined);
    throw new ImagingError(ImagingErrorCode.CATALOGUE_UNREACHABLE, `GET ${url} answered HTTP ${response.statusCode}`, { url, status: response.statusCode, reason: `HTTP ${response.statusCode}` });
  }
  const parts: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of response.body) {
      length += (chunk as Buffer).length;
      if (length > maxBytes) {
        response.body.destroy();
        throw new ImagingError(ImagingErrorCode.CATALOGUE_UNREACHABLE, `${url} is larger than ${maxBytes} bytes`, { url, status: 200, reason: 'too large' });
      }
      parts.push(chunk as Buffer);
    }
  } catch (error) {
    if (error instanceof ImagingError) throw error;
    if (options.signal?.aborted) throw cancelled();
    throw new ImagingError(ImagingErrorCode.CATALOGUE_UNREACHABLE, `Reading ${url} failed: ${reason(error)}`, { url, status: 200, reason: reason(error) }, { cause: error });
  }
  return Buffer.concat(parts, length).toString('utf8');
}

export interface ResponseInfo {
  /** Total size of the resource when the server said (Content-Length / Content-Range). */
  total: number | null;
  etag?: string;
  lastModified?: string;
}

export interface ResumableBodyOptions {
  url: string;
  dispatcher?: Dispatcher;
  /** Bytes the caller already holds (from an earlier, interrupted download). */
  startAt?: number;
  /** Validator of the bytes already held (from the earlier response), sent as If-Range. */
  validator?: { etag?: string; lastModified?: string };
  signal?: AbortSignal;
  /** Consecutive failed attempts without progress before giving up (default 6). */
  attempts?: number;
  /** First retry delay; doubles up to maxDelayMs (defaults 500 ms, 15 s). */
  minDelayMs?: number;
  maxDelayMs?: number;
  /** No byte for this long = broken connection (default 30 s). */
  stallTimeoutMs?: number;
  /** Called for every response that starts or continues the body. */
  onResponse?: (info: ResponseInfo, resumed: boolean) => void;
  /** Called when a broken connection is retried. */
  onRetry?: (info: { offset: number; attempt: number; reason: string }) => void;
}

const RETRY_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);

/**
 * The resource's bytes from `startAt` on, across as many connections as it takes. Ends when the
 * server's announced length is reached (or the body ends cleanly without one); throws
 * DOWNLOAD_FAILED when the server refuses or keeps breaking, CANCELLED on abort.
 */
export async function* resumableBody(options: ResumableBodyOptions): AsyncGenerator<Buffer> {
  const dispatcher = options.dispatcher ?? imagingDispatcher();
  const attempts = options.attempts ?? 6;
  const minDelay = options.minDelayMs ?? 500;
  const maxDelay = options.maxDelayMs ?? 15_000;
  let offset = options.startAt ?? 0;
  let validator = options.validator;
  let total: number | null = null;
  let failures = 0;
  let lastReason = '';
  for (;;) {
    if (options.signal?.aborted) throw cancelled();
    const headers: Record<string, string> = { 'user-agent': USER_AGENT, 'accept-encoding': 'identity' };
    if (offset > 0) {
      headers.range = `bytes=${offset}-`;
      const strong = validator?.etag && !validator.etag.startsWith('W/') ? validator.etag : undefined;
      const ifRange = strong ?? validator?.lastModified;
      if (ifRange) headers['if-range'] = ifRange;
    }
    let response: Dispatcher.ResponseData | undefined;
    let progressed = false;
    try {
      response = await request(options.url, {
        dispatcher,
        headers,
        ...(options.signal ? { signal: options.signal } : {}),
        headersTimeout: options.stallTimeoutMs ?? 30_000,
        bodyTimeout: options.stallTimeoutMs ?? 30_000,
      });
      const status = response.statusCode;
      if (status === 416 && total !== null && offset >= total) {
        await response.body.dump().catch(() => undefined);
        return;
      }
      if (status !== 200 && status !== 206) {
        await response.body.dump().catch(() => undefined);
        if (!RETRY_STATUS.has(status)) {
          throw new ImagingError(ImagingErrorCode.DOWNLOAD_FAILED, `GET ${options.url} answered HTTP ${status}`, { url: options.url, status, reason: `HTTP ${status}` });
        }
        throw Object.assign(new Error(`HTTP ${status}`), { retryable: true });
      }
      let skip = 0;
      if (status === 206) {
        const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(String(response.headers['content-range'] ?? ''));
        if (!range || Number(range[1]) !== offset) {
          await response.body.dump().catch(() => undefined);
          throw new ImagingError(ImagingErrorCode.DOWNLOAD_FAILED, `${options.url} answered a range that does not continue at byte ${offset}`, { url: options.url, status, reason: 'Content-Range mismatch' });
        }
        if (range[3] !== '*') total = Number(range[3]);
      } else {
        // 200: the whole resource again (no range support, or it changed since If-Range's validator).
        skip = offset;
        const length = Number(response.headers['content-length']);
        total = Number.isFinite(length) && response.headers['content-length'] !== undefined ? length : null;
      }
      const etag = header(response.headers.etag);
      const lastModified = header(response.headers['last-modified']);
      validator = { ...(etag ? { etag } : {}), ...(lastModified ? { lastModified } : {}) };
      options.onResponse?.({ total, ...validator }, offset > 0 && status === 206);
      for await (const piece of response.body) {
        let chunk = piece as Buffer;
        if (skip > 0) {
          if (chunk.length <= skip) {
            skip -= chunk.length;
            continue;
          }
          chunk = chunk.subarray(skip);
          skip = 0;
        }
        offset += chunk.length;
        progressed = true;
        failures = 0;
        yield chunk;
      }
      if (total === null || offset >= total) return;
      throw Object.assign(new Error(`connection closed at byte ${offset} of ${total}`), { retryable: true });
    } catch (error) {
      response?.body.destroy();
      if (options.signal?.aborted) throw cancelled();
      if (error instanceof ImagingError) throw error;
      lastReason = reason(error);
      if (!progressed) failures++;
      if (failures >= attempts) {
        throw new ImagingError(ImagingErrorCode.DOWNLOAD_FAILED, `Downloading ${options.url} failed at byte ${offset}: ${lastReason}`, { url: options.url, status: 0, reason: lastReason, offset }, { cause: error });
      }
      options.onRetry?.({ offset, attempt: failures, reason: lastReason });
      const wait = progressed ? minDelay : Math.min(maxDelay, minDelay * 2 ** Math.max(0, failures - 1));
      try {
        await delay(wait, undefined, options.signal ? { signal: options.signal } : {});
      } catch {
        throw cancelled();
      }
    }
  }
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function reason(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message;
}

export function cancelled(): ImagingError {
  return new ImagingError(ImagingErrorCode.CANCELLED, 'Cancelled.');
}
