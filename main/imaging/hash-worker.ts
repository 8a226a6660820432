/**
 * SHA-256 of the image stream on a worker thread: hashing 4 MiB chunks on the main thread held
 * the rest of the write pass up (when the xz decoder's steps were still started from the main
 * thread, the write pass ran ~0.4 s behind the decoder: bench/imaging-bench.ts). Buffers are
 * moved to the worker and back, never copied when they own their memory: `update` resolves with
 * the same memory once it is hashed, ready to be written.
 * The worker's source is a string (no separate file to bundle).
 */
import { Worker } from 'node:worker_threads';
import { ownsMemory } from './chunk-recycler';

const WORKER_SOURCE = `(async () => {
  const { parentPort } = await import('node:worker_threads');
  const { createHash } = await import('node:crypto');
  const hash = createHash('sha256');
  parentPort.on('message', (m) => {
    if (m.type === 'update') {
      hash.update(new Uint8Array(m.buffer, m.offset, m.length));
      parentPort.postMessage({ type: 'hashed', buffer: m.buffer, offset: m.offset, length: m.length }, [m.buffer]);
    } else {
      parentPort.postMessage({ type: 'digest', hex: hash.digest('hex') });
    }
  });
  parentPort.postMessage({ type: 'ready' });
})();
`;

type FromWorker = { type: 'ready' } | { type: 'hashed'; buffer: ArrayBuffer; offset: number; length: number } | { type: 'digest'; hex: string };

export class HashWorker {
  readonly #worker: Worker;
  /** Answers in the order the requests were sent. */
  readonly #waiting: { resolve: (value: FromWorker) => void; reject: (error: Error) => void }[] = [];
  #failure: Error | undefined;

  private constructor() {
    this.#worker = new Worker(WORKER_SOURCE, { eval: true });
    this.#worker.on('message', (message: FromWorker) => this.#waiting.shift()?.resolve(message));
    const fail = (error: Error) => {
      this.#failure ??= error;
      for (const waiter of this.#waiting.splice(0)) waiter.reject(error);
    };
    this.#worker.on('error', (error: Error) => fail(new Error(`The hashing thread failed: ${error.message}`, { cause: error })));
    this.#worker.on('exit', (code) => fail(new Error(`The hashing thread stopped (exit code ${code})`)));
  }

  static async start(): Promise<HashWorker> {
    const hasher = new HashWorker();
    await hasher.#request(undefined);
    return hasher;
  }

  /**
   * Hash `data`, in the order of the calls. Use the resolved Buffer (same bytes) from then on:
   * when `data` owns its memory, that memory moves to the worker and back (`data` is empty
   * meanwhile and after); a view into shared or larger memory (Buffer's pool) is copied first.
   */
  async update(data: Buffer): Promise<Buffer> {
    const owns = ownsMemory(data);
    // A copy with memory of its own (never Buffer's shared pool, which must not be moved away).
    const copy = owns ? undefined : new Uint8Array(data);
    const buffer = copy ? Buffer.from(copy.buffer, 0, copy.length) : data;
    const message = { type: 'update', buffer: buffer.buffer, offset: buffer.byteOffset, length: buffer.length };
    const answer = await this.#request(message, [buffer.buffer as ArrayBuffer]);
    if (answer.type !== 'hashed') throw new Error(`The hashing thread answered ${answer.type}`);
    return Buffer.from(answer.buffer, answer.offset, answer.length);
  }

  /** Hex SHA-256 of everything given to `update`. */
  async digest(): Promise<string> {
    const answer = await this.#request({ type: 'digest' });
    if (answer.type !== 'digest') throw new Error(`The hashing thread answered ${answer.type}`);
    return answer.hex;
  }

  async close(): Promise<void> {
    await this.#worker.terminate();
  }

  #request(message: unknown, transfer: ArrayBuffer[] = []): Promise<FromWorker> {
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise<FromWorker>((resolve, reject) => {
      this.#waiting.push({ resolve, reject });
      if (message !== undefined) this.#worker.postMessage(message, transfer);
    });
  }
}
