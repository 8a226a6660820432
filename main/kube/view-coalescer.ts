/**
 * Turns a stream of "something changed" into at most one snapshot per interval (10 a second by
 * default): the first change after a quiet period is sent at once (after the current tick, so a
 * relist of 200 pods is one snapshot), later ones wait for the end of the interval, and the
 * last state is always sent because the snapshot is built when it is sent, never queued.
 */

export class ViewCoalescer {
  #last = Number.NEGATIVE_INFINITY;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #microtask = false;
  #pending = false;
  #closed = false;

  constructor(
    private readonly emit: () => void,
    readonly intervalMs = 100,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Something changed: a snapshot will follow, at once or at the end of the current interval. */
  invalidate(): void {
    if (this.#closed) return;
    this.#pending = true;
    if (this.#timer !== undefined || this.#microtask) return;
    const wait = this.#last + this.intervalMs - this.now();
    if (wait <= 0) {
      this.#microtask = true;
      queueMicrotask(() => {
        this.#microtask = false;
        this.#flush();
      });
    } else this.#arm(wait);
  }

  #arm(wait: number): void {
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      // Timers may fire a fraction of a millisecond early: never send sooner than the interval.
      const left = this.#last + this.intervalMs - this.now();
      if (left > 0) this.#arm(left);
      else this.#flush();
    }, Math.ceil(wait));
  }

  #flush(): void {
    if (!this.#pending || this.#closed) return;
    this.#pending = false;
    this.#last = this.now();
    this.emit();
  }

  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
