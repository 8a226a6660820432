/**
 * xz decompression off the main thread, so it only hashes and writes while the image decodes (the
 * write pass overlaps decoding instead of waiting on it). Two decoders:
 *  - C liblzma through node-liblzma (an optional dependency: prebuilt for Linux x64, macOS arm64
 *    and Windows x64, otherwise built at install where a compiler and liblzma are present). It
 *    decodes on libuv's thread pool; this thread only gathers its pieces. About half the CPU of
 *    the pure-Rust decoder on the bench image, near `xz -dc` (bench/imaging-bench.ts).
 *  - @napi-rs/lzma (pure Rust, prebuilt everywhere) where node-liblzma does not load. Its stream
 *    API hands out 64 KiB pieces through web streams; driven from the main thread, shepherding
 *    those kept the main thread about half busy, so it runs on a worker thread that gathers them.
 * Either way the output comes in whole `chunkBytes` buffers (4 MiB: the card writes' size and
 * alignment), with at most `depth` of them decoded ahead, so memory stays bounded and the slowest
 * card still paces download and decoding. The worker asks for compressed input one chunk ahead
 * ('need') and sends decoded chunks only against credit. Its source is a string (no separate file
 * to bundle): it loads @napi-rs/lzma by the absolute path resolved here.
 */
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import type { Transform, TransformOptions } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { ChunkPool } from './chunk-pool';

/** Why the decoder failed on the data (the caller words it as IMAGE_CORRUPT). */
export class XzDataError extends Error {}

const WORKER_SOURCE = `(async () => {
  const { parentPort, workerData } = await import('node:worker_threads');
  const { createRequire } = await import('node:module');
  const { Readable } = await import('node:stream');
  const CHUNK = workerData.chunkBytes;
  const inputs = [];
  let inputEnded = false;
  let asked = false;
  let credit = workerData.depth;
  // Input and output may both be waiting (the decoder reads ahead while a chunk waits for credit).
  const waiters = [];
  const notify = () => { for (const w of waiters.splice(0)) w(); };
  const sleep = () => new Promise((resolve) => waiters.push(resolve));
  parentPort.on('message', (m) => {
    if (m.type === 'input') { asked = false; if (m.chunk.byteLength > 0) inputs.push(new Uint8Array(m.chunk)); else ask(); }
    else if (m.type === 'end') { asked = false; inputEnded = true; }
    else if (m.type === 'credit') credit += m.count;
    notify();
  });
  const ask = () => { if (!asked && !inputEnded) { asked = true; parentPort.postMessage({ type: 'need' }); } };
  async function* compressed() {
    for (;;) {
      while (inputs.length === 0 && !inputEnded) { ask(); await sleep(); }
      if (inputs.length === 0) return;
      const piece = inputs.shift();
      if (inputs.length === 0) ask();
      yield piece;
    }
  }
  const { decompressStream } = createRequire(workerData.lzma)(workerData.lzma);
  const decoded = decompressStream(Readable.toWeb(Readable.from(compressed(), { objectMode: false })));
  let buffer = new Uint8Array(CHUNK);
  let used = 0;
  const send = async () => {
    while (credit <= 0) await sleep();
    credit -= 1;
    const chunk = buffer.buffer;
    parentPort.postMessage({ type: 'output', chunk, length: used }, [chunk]);
    buffer = new Uint8Array(CHUNK);
    used = 0;
  };
  try {
    for await (const piece of decoded) {
      for (let at = 0; at < piece.length; ) {
        const take = Math.min(piece.length - at, CHUNK - used);
        buffer.set(piece.subarray(at, at + take), used);
        used += take;
        at += take;
        if (used === CHUNK) await send();
      }
    }
    if (used > 0) await send();
    parentPort.postMessage({ type: 'done' });
  } catch (error) {
    parentPort.postMessage({ type: 'error', message: String((error && error.message) || error) });
  }
})();
`;

type FromWorker = { type: 'need' } | { type: 'output'; chunk: ArrayBuffer; length: number } | { type: 'done' } | { type: 'error'; message: string };

/** Which decoder ran: C liblzma (node-liblzma's native addon) or @napi-rs/lzma (pure Rust). */
export type XzDecoderName = 'liblzma' | 'napi-rs';

let lzmaPath: string | undefined;

interface LiblzmaModule {
  Unxz: new (lzmaOptions?: { chunkSize?: number }, streamOptions?: TransformOptions) => Transform;
}
let liblzma: Promise<LiblzmaModule | null> | undefined;

/** node-liblzma when it is installed (an optional dependency) and its native addon loads here. */
function liblzmaModule(): Promise<LiblzmaModule | null> {
  liblzma ??= import('node-liblzma').then(
    (m: unknown) => (typeof (m as Partial<LiblzmaModule>).Unxz === 'function' ? (m as LiblzmaModule) : null),
    () => null,
  );
  return liblzma;
}

/**
 * Unxz taking each next output buffer from `pool` (chunk-pool.ts) instead of `Buffer.alloc`: a
 * fresh zero-filled 4 MiB buffer per chunk cost the decoder ~15% of its time (one paired run, decode
 * alone: 1.0 s with fresh buffers, 0.85 s with reused ones, `xz -dc` 0.75-0.95 s). Unxz only
 * hands out the part of its buffer it decoded into. It allocates them in `_reallocateBuffer`
 * (node-liblzma 5.x); a version without it keeps its own buffers (xz-worker.test.ts says which).
 */
function unxzWithPool(lib: LiblzmaModule, pool: ChunkPool): LiblzmaModule['Unxz'] {
  const base = lib.Unxz as LiblzmaModule['Unxz'] & { prototype: { _reallocateBuffer?: unknown } };
  if (typeof base.prototype._reallocateBuffer !== 'function') return base;
  return class PooledUnxz extends base {
    _reallocateBuffer(this: PooledUnxz & { _offset: number; _buffer: Buffer }): void {
      this._offset = 0;
      this._buffer = pool.take();
    }
  };
}

/** Whether node-liblzma's Unxz here takes its output buffers from a ChunkPool. */
export async function unxzUsesPool(): Promise<boolean> {
  const lib = await liblzmaModule();
  return !!lib && unxzWithPool(lib, new ChunkPool(1)) !== lib.Unxz;
}

/** The decoder `decodeXzOffThread` picks by default on this machine. */
export async function defaultXzDecoder(): Promise<XzDecoderName> {
  return (await liblzmaModule()) ? 'liblzma' : 'napi-rs';
}

/**
 * C liblzma on libuv's thread pool (node-liblzma's Unxz): this thread only joins its pieces
 * into `chunkBytes` chunks (without copying where they are consecutive views of one buffer).
 * Not on a worker thread: node-liblzma aborts the process when a worker ends while a decode
 * step is in flight. Ending early destroys the stream without
 * closing the native handle (closing it under an in-flight step is unsafe); the step finishes on
 * its own and the handle goes with the stream.
 */
async function* decodeWithLiblzma(lib: LiblzmaModule, source: AsyncIterable<Buffer>, options: XzWorkerOptions): AsyncGenerator<Buffer> {
  const { signal } = options;
  const chunkBytes = options.chunkBytes ?? 4 * 1024 * 1024;
  const depth = Math.max(1, options.depth ?? 3);
  let sourceError: { error: unknown } | undefined;
  async function* guarded(): AsyncGenerator<Buffer> {
    try {
      yield* source;
    } catch (error) {
      sourceError = { error };
    }
  }
  const input = Readable.from(guarded(), { objectMode: false, highWaterMark: chunkBytes });
  // Decoded data waiting here: up to `depth` chunks, so the decoder runs ahead of the cards.
  // Unxz decodes into output buffers of `chunkBytes` and hands out views of them as it goes; a
  // buffer is filled completely before the next is made. So the views of one buffer are joined
  // back, without a copy, into one chunk (fresh memory and copies cost more than the decoding here).
  const pool = options.pool?.chunkBytes === chunkBytes ? options.pool : new ChunkPool(chunkBytes);
  const unxz = new (unxzWithPool(lib, pool))({ chunkSize: chunkBytes }, { readableHighWaterMark: depth * chunkBytes });
  input.pipe(unxz);
  const aborted = new Error('aborted');
  const onAbort = () => unxz.destroy(aborted);
  signal?.addEventListener('abort', onAbort);
  /** The chunk being joined: a view `[start, end)` of one of Unxz's output buffers, or a copy. */
  let joined: { memory: ArrayBufferLike; start: number; end: number } | undefined;
  let buffer: Buffer | undefined;
  let used = 0;
  try {
    if (signal?.aborted) throw aborted;
    for await (const piece of unxz as AsyncIterable<Buffer>) {
      if (!buffer && (joined ? piece.buffer === joined.memory && piece.byteOffset === joined.end : piece.byteOffset === 0 && piece.buffer.byteLength === chunkBytes)) {
        joined ??= { memory: piece.buffer, start: piece.byteOffset, end: piece.byteOffset };
        joined.end += piece.length;
        if (joined.end - joined.start === chunkBytes) {
          const full = Buffer.from(joined.memory, joined.start, chunkBytes);
          joined = undefined;
          yield full;
          if (signal?.aborted) throw aborted;
        }
        continue;
      }
      // Not the pattern above (a short last buffer, or another library version): gather by copying.
      if (joined) {
        buffer = Buffer.allocUnsafe(chunkBytes);
        used = Buffer.from(joined.memory, joined.start, joined.end - joined.start).copy(buffer, 0);
        joined = undefined;
      }
      for (let at = 0; at < piece.length; ) {
        buffer ??= Buffer.allocUnsafe(chunkBytes);
        const take = Math.min(piece.length - at, chunkBytes - used);
        piece.copy(buffer, used, at, at + take);
        used += take;
        at += take;
        if (used === chunkBytes) {
          const full = buffer;
          buffer = undefined;
          used = 0;
          yield full;
          if (signal?.aborted) throw aborted;
        }
      }
    }
    if (sourceError) throw sourceError.error;
    if (joined) yield Buffer.from(joined.memory, joined.start, joined.end - joined.start);
    if (buffer && used > 0) yield buffer.subarray(0, used);
  } catch (error) {
    if (signal?.aborted) throw options.onAbort?.() ?? signal.reason;
    if (sourceError) throw sourceError.error;
    throw new XzDataError(error instanceof Error ? error.message : String(error));
  } finally {
    signal?.removeEventListener('abort', onAbort);
    input.unpipe(unxz);
    input.destroy();
    unxz.destroy();
  }
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
  /** Where liblzma's output buffers come from (of `chunkBytes`); chunks given back to it are reused. */
  pool?: ChunkPool;
}

/**
 * The decoded bytes of the .xz data in `source`, in chunks of `chunkBytes`. An error thrown by
 * `source` is rethrown as it is; damaged data ends in XzDataError. Ending the iteration early
 * (break, return, an abort) stops the worker and closes `source`.
 */
export async function* decodeXzOffThread(source: AsyncIterable<Buffer>, options: XzWorkerOptions = {}): AsyncGenerator<Buffer> {
  const { signal } = options;
  lzmaPath ??= createRequire(import.meta.url).resolve('@napi-rs/lzma/xz');
  const decoder = options.decoder ?? 'auto';
  if (decoder !== 'napi-rs') {
    const liblzma = await liblzmaModule();
    if (liblzma) {
      options.onDecoder?.('liblzma');
      yield* decodeWithLiblzma(liblzma, source, options);
      return;
    }
    if (decoder === 'liblzma') throw new Error('node-liblzma does not load on this machine');
  }
  options.onDecoder?.('napi-rs');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { lzma: lzmaPath, chunkBytes: options.chunkBytes ?? 4 * 1024 * 1024, depth: Math.max(1, options.depth ?? 3) } });
  const iterator = source[Symbol.asyncIterator]();
  const outputs: Buffer[] = [];
  let finished = false;
  let failure: Error | undefined;
  let sourceError: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const feed = async () => {
    try {
      const next = await iterator.next();
      if (next.done) {
        worker.postMessage({ type: 'end' });
        return;
      }
      // A fresh ArrayBuffer (stream chunks may be views into a shared pool) moved to the worker.
      const chunk = new ArrayBuffer(next.value.length);
      new Uint8Array(chunk).set(next.value);
      worker.postMessage({ type: 'input', chunk }, [chunk]);
    } catch (error) {
      sourceError ??= { error };
      notify();
    }
  };
  worker.on('message', (message: FromWorker) => {
    if (message.type === 'need') void feed();
    else if (message.type === 'output') outputs.push(Buffer.from(message.chunk, 0, message.length));
    else if (message.type === 'done') finished = true;
    else failure ??= new XzDataError(message.message);
    notify();
  });
  worker.on('error', (error: Error) => {
    failure ??= new Error(`The xz decoder thread failed: ${error.message}`, { cause: error });
    notify();
  });
  worker.on('exit', (code) => {
    if (!finished) failure ??= new Error(`The xz decoder thread stopped (exit code ${code})`);
    notify();
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
    finished = true;
    await worker.terminate();
    if (!sourceError) void Promise.resolve(iterator.return?.()).catch(() => undefined);
  }
}
