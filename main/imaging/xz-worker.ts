/**
 * xz decompression on a worker thread, so the main thread only hashes and writes while the image
 * decodes (the write pass overlaps decoding instead of waiting on it). @napi-rs/lzma's stream API
 * hands out 64 KiB pieces through web streams; driven from the main thread, shepherding those
 * pieces kept the main thread about half busy and stalled the decoder whenever hashing or writing
 * ran (bench/imaging-bench.ts). Here the worker runs the decoder and gathers its output into
 * whole `chunkBytes` buffers (4 MiB: the card writes' size and alignment), moved to the main
 * thread without copying.
 * Flow control both ways: the worker asks for compressed input one chunk ahead ('need'), and
 * sends decoded chunks only against credit (`depth` chunks waiting on the main thread at most), so
 * memory stays bounded and the slowest card still paces download and decoding.
 * The worker's source is a string (no separate file to bundle): it loads @napi-rs/lzma by the
 * absolute path resolved here.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** Why the decoder failed on the data (the caller words it as IMAGE_CORRUPT). */
export class XzDataError extends Error {}

const WORKER_SOURCE = `(async () => {
  const { parentPort, workerData } = await import('node:worker_threads');
  const { createRequire } = await import('node:module');
  const { decompressStream } = createRequire(workerData.lzma)(workerData.lzma);
  const CHUNK = workerData.chunkBytes;
  const inputs = [];
  let inputEnded = false;
  let asked = false;
  let credit = workerData.depth;
  let wake = null;
  const notify = () => { const w = wake; wake = null; if (w) w(); };
  const sleep = () => new Promise((resolve) => { wake = resolve; });
  parentPort.on('message', (m) => {
    if (m.type === 'input') { asked = false; if (m.chunk.byteLength > 0) inputs.push(new Uint8Array(m.chunk)); else ask(); }
    else if (m.type === 'end') { asked = false; inputEnded = true; }
    else if (m.type === 'credit') credit += m.count;
    notify();
  });
  const ask = () => { if (!asked && !inputEnded) { asked = true; parentPort.postMessage({ type: 'need' }); } };
  const input = new ReadableStream({
    async pull(controller) {
      while (inputs.length === 0 && !inputEnded) { ask(); await sleep(); }
      if (inputs.length > 0) { controller.enqueue(inputs.shift()); if (inputs.length === 0) ask(); }
      else controller.close();
    },
  }, { highWaterMark: 0 });
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
    for await (const piece of decompressStream(input)) {
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

let lzmaPath: string | undefined;

export interface XzWorkerOptions {
  signal?: AbortSignal;
  /** Size of the decoded chunks handed out (the last one may be shorter). */
  chunkBytes?: number;
  /** Decoded chunks that may wait on this thread before the worker pauses. */
  depth?: number;
  /** Thrown when `signal` aborts. */
  onAbort?: () => Error;
}

/**
 * The decoded bytes of the .xz data in `source`, in chunks of `chunkBytes`. An error thrown by
 * `source` is rethrown as it is; damaged data ends in XzDataError. Ending the iteration early
 * (break, return, an abort) stops the worker and closes `source`.
 */
export async function* decodeXzOffThread(source: AsyncIterable<Buffer>, options: XzWorkerOptions = {}): AsyncGenerator<Buffer> {
  const { signal } = options;
  lzmaPath ??= createRequire(import.meta.url).resolve('@napi-rs/lzma/xz');
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
