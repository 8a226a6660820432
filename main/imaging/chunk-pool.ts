/**
 * Decoded image chunks reused once every card has written them. Fresh 4 MiB buffers cost the
 * xz pass more than decoding itself here: Unxz zero-fills each new output buffer, and the kernel
 * zero-fills the fresh pages again on first touch. The decoder takes its output buffers from
 * here (image-source.ts, xz-worker.ts) and write-image.ts gives each whole chunk back once the
 * fan-out is done with it, so a write keeps cycling through the same few buffers.
 * A buffer handed out is never read beyond what the decoder wrote into it.
 */
/** The size of the image chunks the xz decoder hands out and write-image.ts writes whole. */
export const IMAGE_CHUNK_BYTES = 4 * 1024 * 1024;

/** Whether `b` is all of an ArrayBuffer of its own (not a view into larger or shared memory, such as Buffer's pool). */
export function ownsMemory(b: Buffer): boolean {
  return b.buffer instanceof ArrayBuffer && b.byteOffset === 0 && b.buffer.byteLength === b.length;
}

export class ChunkPool {
  readonly #free: ArrayBuffer[] = [];

  constructor(
    readonly chunkBytes: number,
    /** Buffers kept for reuse at most (more given back are left to the garbage collector). */
    readonly keep = 16,
  ) {}

  /** A buffer of `chunkBytes` with unspecified contents: a reused one, else new (not zero-filled). */
  take(): Buffer {
    const memory = this.#free.pop();
    return memory ? Buffer.from(memory, 0, this.chunkBytes) : Buffer.allocUnsafeSlow(this.chunkBytes);
  }

  /**
   * Give back a chunk nobody uses any more. Only whole chunks of this pool's size that own their
   * memory are kept (not views into larger or shared memory, such as Buffer's pool).
   */
  give(chunk: Buffer): void {
    if (!ownsMemory(chunk) || chunk.length !== this.chunkBytes) return;
    const memory = chunk.buffer as ArrayBuffer;
    if (this.#free.length >= this.keep || this.#free.includes(memory)) return;
    this.#free.push(memory);
  }

  /** Buffers waiting for reuse. */
  get free(): number {
    return this.#free.length;
  }
}
