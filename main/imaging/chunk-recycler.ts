/**
 * Decoded image chunks going back to the decoder once every card has written them. Fresh 4 MiB
 * buffers cost the xz pass more than they should (the kernel zero-fills fresh pages on first
 * touch, and a zero-filled allocation fills them once more): the decoder thread (xz-worker.ts)
 * decodes into chunks it is given back, so a write keeps cycling through the same few buffers.
 * write-image.ts gives each whole chunk back once the fan-out is done with it (image-source.ts's
 * `recycle`); the decoder that runs forwards them to its thread (the memory moves there).
 */
/** The size of the image chunks the xz decoder hands out and write-image.ts writes whole. */
export const IMAGE_CHUNK_BYTES = 4 * 1024 * 1024;

/** Whether `b` is all of an ArrayBuffer of its own (not a view into larger or shared memory, such as Buffer's pool). */
export function ownsMemory(b: Buffer): boolean {
  return b.buffer instanceof ArrayBuffer && b.byteOffset === 0 && b.buffer.byteLength === b.length;
}

export class ChunkRecycler {
  #receiver: ((memory: ArrayBuffer) => void) | undefined;

  constructor(readonly chunkBytes: number) {}

  /**
   * Give back a chunk nobody uses any more: its memory goes to the receiver, if one is set. Only
   * whole chunks of this size that own their memory are passed on (not views into larger or shared
   * memory such as Buffer's pool, nor memory already moved away, which reads as empty).
   */
  give(chunk: Buffer): void {
    if (!this.#receiver || !ownsMemory(chunk) || chunk.length !== this.chunkBytes) return;
    this.#receiver(chunk.buffer as ArrayBuffer);
  }

  /** Send chunks given back to `receiver` from now on; the returned function stops that. */
  forwardTo(receiver: (memory: ArrayBuffer) => void): () => void {
    this.#receiver = receiver;
    return () => {
      if (this.#receiver === receiver) this.#receiver = undefined;
    };
  }
}
