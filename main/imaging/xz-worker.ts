/**
 * xz decompression on a thread of its own, so the main thread only hashes and writes while the
 * image decodes, and the decoder never waits for the main thread between its steps. Two decoders:
 *  - C liblzma through node-liblzma (an optional dependency: prebuilt for Linux x64, macOS arm64
 *    and Windows x64, otherwise built at install where a compiler and liblzma are present). The
 *    worker drives the native engine synchronously (`codeSync`, the engine behind Unxz's own
 *    synchronous path) straight into whole output chunks: about the CPU of `xz -dc` on the bench
 *    image. Before, Unxz stepped on libuv's pool and each next step was started from the main
 *    thread; with the hashing, the card writes and the read-back hash also on the main thread, the
 *    decoder waited behind them (bench/imaging-bench.ts: decode + SHA-256 + XXH3 took 1.3-1.5 s
 *    that way, 1.1-1.3 s on its own thread, `xz -dc` alone 1.1 s).
 *  - @napi-rs/lzma (pure Rust, prebuilt everywhere) where node-liblzma does not load. Its stream
 *    API hands out 64 KiB pieces through web streams, gathered here into whole chunks.
 * Either way the output comes in whole `chunkBytes` buffers (4 MiB: the card writes' size and
 * alignment), moved to the main thread (never copied), with at most `depth` of them waiting
 * there, so memory stays bounded and the slowest card still paces download and decoding. The
 * worker asks for compressed input ahead ('need') and sends decoded chunks only against credit.
 * Chunks given back to `recycler` once every card wrote them move back to the worker and are decoded
 * into again (fresh 4 MiB buffers cost the decoder ~15%). The workers' sources are strings (no
 * separate file to bundle): they load their library by the absolute path resolved here.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ChunkRecycler } from './chunk-recycler';

/** Why the decoder failed on the data (the caller words it as IMAGE_CORRUPT). */
export class XzDataError extends Error {}

/**
 * What both workers share: input asked for ahead and queued, credit for output, chunks given back,
 * and a stop. `take()` is the next output buffer: one given back, else new.
 */
const WORKER_COMMON = `
  const { parentPort, workerData } = await import('node:worker_threads');
  const CHUNK = workerData.chunkBytes;
  const inputs = [];
  let inputEnded = false;
  let asked = false;
  let credit = workerData.depth;
  let stopping = false;
  const free = [];
  const waiters = [];
  const notify = () => { for (const w of waiters.splice(0)) w(); };
  const sleep = () => new Promise((resolve) => waiters.push(resolve));
  // Input: two chunks queued ahead, so the decoder does not wait for the main thread's next read.
  const ask = () => { if (!asked && !inputEnded && inputs.length < 2) { asked = true; parentPort.postMessage({ type: 'need' }); } };
  parentPort.on('message', (m) => {
    if (m.type === 'input') { asked = false; if (m.chunk.byteLength > 0) inputs.push(new Uint8Array(m.chunk)); ask(); }
    else if (m.type === 'end') { asked = false; inputEnded = true; }
    else if (m.type === 'credit') credit += m.count;
    else if (m.type === 'give') { if (free.length < 16) free.push(m.chunk); }
    else if (m.type === 'stop') stopping = true;
    notify();
  });
  const take = () => { const memory = free.pop(); return memory ? new Uint8Array(memory, 0, CHUNK) : new Uint8Array(CHUNK); };
  /** Send a decoded chunk once there is credit; false when stopping instead. */
  const send = async (chunk, length) => {
    while (credit <= 0 && !stopping) await sleep();
    if (stopping) return false;
    credit -= 1;
    parentPort.postMessage({ type: 'output', chunk: chunk.buffer, length }, [chunk.buffer]);
    return true;
  };
  const fail = (message) => parentPort.postMessage({ type: 'error', message });
`;

/**
 * C liblzma, driven synchronously. Each `codeSync` call decodes until the output chunk is full or
 * the input piece is used up (at most one chunk: ~12 ms), and the worker's event loop turns after
 * every chunk, so a stop lands between calls and the engine is closed by this thread, never
 * under a running call.
 */
const LIBLZMA_WORKER = `(async () => {
  ${WORKER_COMMON}
  let lib;
  try {
    lib = await import(workerData.module);
  } catch (error) {
    parentPort.postMessage({ type: 'unavailable', message: String((error && error.message) || error) });
    parentPort.close();
    return;
  }
  parentPort.postMessage({ type: 'ready' });
  const { LZMA_RUN, LZMA_FINISH, LZMA_OK, LZMA_STREAM_END, LZMAErrorMessage } = lib;
  const statusNames = ['MEM_ERROR', 'MEMLIMIT_ERROR', 'FORMAT_ERROR', 'OPTIONS_ERROR', 'DATA_ERROR', 'BUF_ERROR', 'PROG_ERROR', 'NO_CHECK', 'UNSUPPORTED_CHECK', 'GET_CHECK'];
  const statusMessage = (status) => {
    const name = statusNames.find((n) => lib['LZMA_' + n] === status);
    return (name && LZMAErrorMessage[name]) || 'liblzma status ' + status;
  };
  // The native engine Unxz drives (its declared, protected 'lzma' field), with Unxz's own options.
  const unxz = new lib.Unxz({ chunkSize: 64 * 1024 });
  const engine = unxz.lzma;
  const none = new Uint8Array(0);
  let input;
  let inAt = 0;
  let out;
  let used = 0;
  let ended = false;
  try {
    while (!stopping) {
      if (!input && inputs.length > 0) { input = inputs.shift(); inAt = 0; }
      ask();
      if (!input && !inputEnded) { await sleep(); continue; }
      out ??= take();
      const last = !input; // every piece of input is in: tell liblzma to finish
      const [status, availIn, availOut] = engine.codeSync(last ? LZMA_FINISH : LZMA_RUN, input ?? none, input ? inAt : 0, input ? input.length - inAt : 0, out, used);
      if (status !== LZMA_OK && status !== LZMA_STREAM_END) { fail(statusMessage(status)); return; }
      if (input) { inAt = input.length - availIn; if (availIn === 0) input = undefined; }
      used = CHUNK - availOut;
      ended = status === LZMA_STREAM_END;
      if (used === CHUNK || (ended && used > 0)) {
        const full = out;
        out = undefined;
        if (!(await send(full, used))) break;
        used = 0;
      }
      if (ended) break;
      if (!out) await new Promise((resolve) => setImmediate(resolve)); // messages (give, credit, stop) come in
    }
    // Anything after the stream's end (xz's stream padding) is not image data; the image's size
    // and SHA-256 are checked by the writer.
    if (ended) parentPort.postMessage({ type: 'done' });
  } catch (error) {
    fail(String((error && error.message) || error));
  } finally {
    engine.close();
    parentPort.close();
  }
})();
`;

/** @napi-rs/lzma's stream decoder, its pieces gathered into whole chunks. */
const NAPI_RS_WORKER = `(async () => {
  ${WORKER_COMMON}
  const { createRequire } = await import('node:module');
  const { Readable } = await import('node:stream');
  async function* compressed() {
    for (;;) {
      while (inputs.length === 0 && !inputEnded) { ask(); await sleep(); }
      if (inputs.length === 0) return;
      const piece = inputs.shift();
      ask();
      yield piece;
    }
  }
  let decompressStream;
  try {
    ({ decompressStream } = createRequire(workerData.module)(workerData.module));
  } catch (error) {
    parentPort.postMessage({ type: 'unavailable', message: String((error && error.message) || error) });
    parentPort.close();
    return;
  }
  parentPort.postMessage({ type: 'ready' });
  const decoded = decompressStream(Readable.toWeb(Readable.from(compressed(), { objectMode: false })));
  let buffer = take();
  let used = 0;
  try {
    for await (const piece of decoded) {
      for (let at = 0; at < piece.length; ) {
        const n = Math.min(piece.length - at, CHUNK - used);
        buffer.set(piece.subarray(at, at + n), used);
        used += n;
        at += n;
        if (used === CHUNK) {
          if (!(await send(buffer, used))) return;
          buffer = take();
          used = 0;
        }
      }
    }
    if (used > 0 && !(await send(buffer, used))) return;
    parentPort.postMessage({ type: 'done' });
  } catch (error) {
    fail(String((error && error.message) || error));
  }
})();
`;

type FromWorker =
  | { type: 'ready' }
  | { type: 'unavailable'; message: string }
  | { type: 'need' }
  | { type: 'output'; chunk: ArrayBuffer; length: number }
  | { type: 'done' }
  | { type: 'error'; message: string };

/** Which decoder ran: C liblzma (node-liblzma's native addon) or @napi-rs/lzma (pure Rust). */
export type XzDecoderName = 'liblzma' | 'napi-rs';

const resolveHere = createRequire(import.meta.url).resolve;

/**
 * Where a decoder thread loads its library from. In the packaged app the libraries sit in
 * app.asar and, unpacked (electron-builder.yml's asarUnpack), in app.asar.unpacked beside it: the
 * thread loads the unpacked copy, a plain folder whatever a worker's loader makes of asar files.
 */
export function decoderModulePath(resolved: string): string {
  const unpacked = resolved.replace(/\.asar([\\/])/, '.asar.unpacked$1');
  return unpacked !== resolved && existsSync(unpacked) ? unpacked : resolved;
}

/** Whether node-liblzma is installed (an optional dependency) and its native addon loads here. */
let liblzmaLoads: Promise<boolean> | undefined;
function liblzmaAvailable(): Promise<boolean> {
  liblzmaLoads ??= import('node-liblzma').then(
    (m: { Unxz?: unknown; LZMA_FINISH?: unknown }) => typeof m.Unxz === 'function' && typeof m.LZMA_FINISH === 'number',
    () => false,
  );
  return liblzmaLoads;
}

/** The decoder `decodeXzOffThread` picks by default on this machine. */
export async function defaultXzDecoder(): Promise<XzDecoderName> {
  return (await liblzmaAvailable()) ? 'liblzma' : 'napi-rs';
}

export interface XzWorkerOptions {
  signal?: AbortSignal;
  /** Size of the decoded chunks handed out (the last one may be shorter). */
  chunkBytes?: number;
  /** Decoded chunks that may wait on this thread before the worker pauses. */
  depth?: number;
  /** Thrown when `signal` aborts. */
  onAbort?: () => Error;
  /** 'auto' (default): liblzma where it loads, else napi-rs. A named one is used or fails. */
  decoder?: 'auto' | XzDecoderName;
  /** Told which decoder runs, once it started. */
  onDecoder?: (name: XzDecoderName) => void;
  /**
   * Where the decoder threads load their library from: node-liblzma's module URL, @napi-rs/lzma's
   * xz.js path. Default: resolved from here, the unpacked copy in the packaged app.
   */
  modules?: { liblzma?: string; napiRs?: string };
  /** Whole chunks given back to it (once nothing uses them) move back to the worker to be decoded into again. */
  recycler?: ChunkRecycler;
}

/**
 * The decoded bytes of the .xz data in `source`, in chunks of `chunkBytes`. An error thrown by
 * `source` is rethrown as it is; damaged data ends in XzDataError. Ending the iteration early
 * (break, return, an abort) stops the worker and closes `source`.
 */
export async function* decodeXzOffThread(source: AsyncIterable<Buffer>, options: XzWorkerOptions = {}): AsyncGenerator<Buffer> {
  const { signal } = options;
  const chunkBytes = options.chunkBytes ?? 4 * 1024 * 1024;
  const decoder = options.decoder ?? 'auto';
  let name: XzDecoderName = 'napi-rs';
  if (decoder !== 'napi-rs') {
    if (await liblzmaAvailable()) name = 'liblzma';
    else if (decoder === 'liblzma') throw new Error('node-liblzma does not load on this machine');
  }
  const iterator = source[Symbol.asyncIterator]();
  const outputs: Buffer[] = [];
  let finished = false;
  let exited = false;
  let failure: Error | undefined;
  let sourceError: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  let worker: Worker;
  const feed = async () => {
    try {
      const next = await iterator.next();
      if (next.done) {
        worker.postMessage({ type: 'end' });
        return;
      }
      // A copy moved to the worker (stream chunks may be views into a shared pool, or memory
      // that cannot move, such as a native library's).
      const chunk = new Uint8Array(next.value).buffer;
      worker.postMessage({ type: 'input', chunk }, [chunk]);
    } catch (error) {
      sourceError ??= { error };
      notify();
    }
  };
  /**
   * Start `decoder`'s thread. A library that loads here but not on the thread (the packaged app
   * missing a file it needs unpacked) says 'unavailable' before it asked for any input: with
   * 'auto', liblzma then gives way to the Rust decoder; a named decoder fails.
   */
  const launch = (decoder: XzDecoderName): Worker => {
    const module = decoder === 'liblzma' ? (options.modules?.liblzma ?? pathToFileURL(decoderModulePath(resolveHere('node-liblzma'))).href) : (options.modules?.napiRs ?? decoderModulePath(resolveHere('@napi-rs/lzma/xz')));
    const started = new Worker(decoder === 'liblzma' ? LIBLZMA_WORKER : NAPI_RS_WORKER, { eval: true, workerData: { module, chunkBytes, depth: Math.max(1, options.depth ?? 3) } });
    const current = () => started === worker;
    started.on('message', (message: FromWorker) => {
      if (!current()) return;
      if (message.type === 'ready') options.onDecoder?.(decoder);
      else if (message.type === 'unavailable') {
        if (decoder === 'liblzma' && (options.decoder ?? 'auto') === 'auto') {
          name = 'napi-rs';
          worker = launch('napi-rs');
        } else failure ??= new Error(`The ${decoder} xz decoder does not load on its thread: ${message.message}`);
      } else if (message.type === 'need') void feed();
      else if (message.type === 'output') outputs.push(Buffer.from(message.chunk, 0, message.length));
      else if (message.type === 'done') finished = true;
      else failure ??= new XzDataError(message.message);
      notify();
    });
    started.on('error', (error: Error) => {
      if (!current()) return;
      failure ??= new Error(`The xz decoder thread failed: ${error.message}`, { cause: error });
      notify();
    });
    started.on('exit', (code) => {
      if (!current()) return;
      exited = true;
      if (!finished) failure ??= new Error(`The xz decoder thread stopped (exit code ${code})`);
      notify();
    });
    return started;
  };
  worker = launch(name);
  // Chunks given back go to the worker while it runs (moved: the caller no longer uses them).
  const stopForwarding = options.recycler?.forwardTo((memory) => {
    if (!exited) worker.postMessage({ type: 'give', chunk: memory }, [memory]);
  });
  signal?.addEventListener('abort', notify);
  try {
    for (;;) {
      if (signal?.aborted) throw options.onAbort?.() ?? signal.reason;
      if (sourceError) throw sourceError.error;
      const chunk = outputs.shift();
      if (chunk) {
        worker.postMessage({ type: 'credit', count: 1 });
        yield chunk;
        continue;
      }
      if (failure) throw failure;
      if (finished) return;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    signal?.removeEventListener('abort', notify);
    stopForwarding?.();
    // Not waited for: the thread ends on its own once it sent everything (liblzma), or is stopped
    // here; the caller goes on meanwhile (a thread's teardown took 10-30 ms).
    const done = finished;
    finished = true;
    if (!done || name !== 'liblzma') void stopWorker(worker, () => exited, name === 'liblzma').catch(() => undefined);
    if (!sourceError) void Promise.resolve(iterator.return?.()).catch(() => undefined);
  }
}

/**
 * End the decoder thread. liblzma's worker is asked to stop and closes its engine itself between
 * two calls (at most one chunk of decoding away); it is terminated only if it has not ended after
 * STOP_GRACE_MS. The Rust decoder is terminated at once.
 */
const STOP_GRACE_MS = 5_000;
async function stopWorker(worker: Worker, exited: () => boolean, graceful: boolean): Promise<void> {
  if (exited()) return;
  if (graceful) {
    const ended = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage({ type: 'stop' });
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), STOP_GRACE_MS).unref()));
    const outcome = await Promise.race([ended, late]);
    clearTimeout(timer);
    if (outcome !== 'late') return;
  }
  await worker.terminate();
}
