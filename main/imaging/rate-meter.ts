/**
 * Speed and time left for a transfer, over the last few seconds (a whole-run average would
 * hide a stalled connection; a per-chunk rate would jump around).
 */
export class RateMeter {
  readonly #windowMs: number;
  readonly #now: () => number;
  #samples: { at: number; bytes: number }[] = [];

  constructor(options: { windowMs?: number; now?: () => number } = {}) {
    this.#windowMs = options.windowMs ?? 5000;
    this.#now = options.now ?? (() => performance.now());
  }

  /** Record that `bytes` (a running total) have been transferred by now. */
  update(bytes: number): void {
    const at = this.#now();
    this.#samples.push({ at, bytes });
    while (this.#samples.length > 2 && at - this.#samples[1]!.at > this.#windowMs) this.#samples.shift();
  }

  /** Bytes per second over the window (0 until two samples exist). */
  get bytesPerSecond(): number {
    const first = this.#samples[0];
    const last = this.#samples[this.#samples.length - 1];
    if (!first || !last || last.at <= first.at) return 0;
    return Math.max(0, Math.round(((last.bytes - first.bytes) * 1000) / (last.at - first.at)));
  }

  /** Seconds until `total` at the current speed; null when unknown. */
  secondsLeft(total: number | null): number | null {
    const last = this.#samples[this.#samples.length - 1];
    const rate = this.bytesPerSecond;
    if (total === null || !last || rate <= 0) return null;
    return Math.max(0, Math.round((total - last.bytes) / rate));
  }
}
