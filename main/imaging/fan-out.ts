/**
 * One stream of image bytes feeding several cards (etcher-sdk's multi-write): every chunk is
 * queued for every card still writing; the producer waits while any card's queue is full, so the
 * slowest card paces the download and the decompression and memory stays bounded
 * (cards x depth x chunk size). A card whose write fails drops out at once (its queue is
 * emptied, `onFail` tells why) and the others go on.
 */

export interface FanOutSink {
  readonly id: string;
  write(chunk: Buffer, offset: number): Promise<void>;
}

/** A chunk queued for one card; `release` once that card is done with it (written or failed). */
interface Queued {
  chunk: Buffer;
  offset: number;
  release: () => void;
}

interface Lane {
  sink: FanOutSink;
  queue: Queued[];
  busy: boolean;
  failed: boolean;
  /** Resolved whenever the lane makes room or fails. */
  waiters: (() => void)[];
  /** Resolved when the queue is empty and nothing is being written. */
  idle: (() => void)[];
}

export class FanOut {
  readonly #lanes: Lane[];
  readonly #depth: number;
  readonly #onFail: (sink: FanOutSink, error: unknown) => void;

  constructor(sinks: readonly FanOutSink[], options: { depth?: number; onFail: (sink: FanOutSink, error: unknown) => void }) {
    this.#depth = Math.max(1, options.depth ?? 4);
    this.#onFail = options.onFail;
    this.#lanes = sinks.map((sink) => ({ sink, queue: [], busy: false, failed: false, waiters: [], idle: [] }));
  }

  /** Sinks still writing. */
  get live(): FanOutSink[] {
    return this.#lanes.filter((l) => !l.failed).map((l) => l.sink);
  }

  /** Drop a sink from outside (cancelled, or failed elsewhere). */
  drop(id: string, error: unknown): void {
    const lane = this.#lanes.find((l) => l.sink.id === id);
    if (lane && !lane.failed) this.#fail(lane, error);
  }

  /**
   * Queue `chunk` (written at `offset`) for every live sink; resolves when all have room again.
   * `done` is called once no sink uses `chunk` any more (each wrote it, failed or was dropped
   * and its write in flight settled), so its memory may be reused.
   */
  async push(chunk: Buffer, offset: number, done?: () => void): Promise<void> {
    let users = 1; // this call, until every lane has it queued
    const release = () => {
      if (--users === 0) done?.();
    };
    for (const lane of this.#lanes) {
      if (lane.failed) continue;
      users++;
      lane.queue.push({ chunk, offset, release });
      this.#pump(lane);
    }
    release();
    for (const lane of this.#lanes) {
      while (!lane.failed && lane.queue.length >= this.#depth) await new Promise<void>((resolve) => lane.waiters.push(resolve));
    }
  }

  /** Resolves when every live sink has written everything queued. */
  async drain(): Promise<void> {
    for (const lane of this.#lanes) {
      while (!lane.failed && (lane.busy || lane.queue.length > 0)) await new Promise<void>((resolve) => lane.idle.push(resolve));
    }
  }

  #pump(lane: Lane): void {
    if (lane.busy || lane.failed) return;
    const next = lane.queue.shift();
    if (!next) {
      for (const resolve of lane.idle.splice(0)) resolve();
      return;
    }
    lane.busy = true;
    lane.sink.write(next.chunk, next.offset).then(
      () => {
        next.release();
        lane.busy = false;
        for (const resolve of lane.waiters.splice(0)) resolve();
        this.#pump(lane);
      },
      (error: unknown) => {
        next.release();
        lane.busy = false;
        this.#fail(lane, error);
      },
    );
  }

  #fail(lane: Lane, error: unknown): void {
    lane.failed = true;
    for (const queued of lane.queue.splice(0)) queued.release();
    for (const resolve of lane.waiters.splice(0)) resolve();
    for (const resolve of lane.idle.splice(0)) resolve();
    this.#onFail(lane.sink, error);
  }
}
