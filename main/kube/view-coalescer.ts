/**
 * Turns a stream of "something changed" into snapshots, never more than `maxPerSecond` (10) in
 * any second. A change is sent as soon as that allows: changes of one tick become one snapshot
 * (sent after the tick, so a relist of 200 pods is one snapshot); the first `burst` snapshots of
 * a second go out at once, so an isolated change (a pod turning Running a moment after it was
 * created) is shown without waiting; after that the rest of the second's budget is spread
 * evenly (at least 1000 / maxPerSecond ms apart), so a long rollout is a steady stream of
 * updates, not a burst and a pause. The last state is always sent, because a snapshot is built
 * when it is sent, never queued.
 */

export interface CoalescerOptions {
  /** Snapshots in any one second, at most (default 10). */
  maxPerSecond?: number;
  /** Snapshots of a second sent without spacing (default 5). */
  burst?: number;
}

const WINDOW_MS = 1000;

export class ViewCoalescer {
  readonly maxPerSecond: number;
  readonly burst: number;
  /** When the snapshots of the last second were sent, oldest first. */
  #sent: number[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #microtask = false;
  #pending = false;
  #closed = false;

  constructor(
    private readonly emit: () => void,
    options: CoalescerOptions = {},
    private readonly now: () => number = () => performance.now(),
  ) {
    this.maxPerSecond = Math.max(1, Math.floor(options.maxPerSecond ?? 10));
    this.burst = Math.min(this.maxPerSecond, Math.max(1, Math.floor(options.burst ?? 5)));
  }

  /** Something changed: a snapshot will follow, at once or as soon as the rate allows. */
  invalidate(): void {
    if (this.#closed) return;
    this.#pending = true;
    if (this.#timer !== undefined || this.#microtask) return;
    this.#schedule();
  }

  /** The earliest time the next snapshot may be sent. */
  #nextAllowed(now: number): number {
    const sent = this.#sent;
    while (sent.length && sent[0]! <= now - WINDOW_MS) sent.shift();
    const n = sent.length;
    if (n < this.burst) return now;
    const oldest = sent[0]!;
    // Full: the next one once the oldest has left the one-second window.
    if (n >= this.maxPerSecond) return oldest + WINDOW_MS;
    const last = sent[n - 1]!;
    const spread = (oldest + WINDOW_MS - last) / (this.maxPerSecond - n);
    return last + Math.max(WINDOW_MS / this.maxPerSecond, spread);
  }

  #schedule(): void {
    const now = this.now();
    const wait = this.#nextAllowed(now) - now;
    if (wait <= 0) {
      this.#microtask = true;
      queueMicrotask(() => {
        this.#microtask = false;
        this.#flush();
      });
    } else {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        // Timers may fire a fraction of a millisecond early: never send sooner than allowed.
        if (this.#pending && !this.#closed) this.#schedule();
      }, Math.ceil(wait));
    }
  }

  #flush(): void {
    if (!this.#pending || this.#closed) return;
    const now = this.now();
    // A tick's changes are sent after the tick; re-check the rate in case time moved on.
    if (this.#nextAllowed(now) > now) return this.#schedule();
    this.#pending = false;
    this.#sent.push(now);
    this.emit();
  }

  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
