/**
 * A controller work queue: keys are deduplicated and synced asynchronously (after the current
 * write returns), and can be re-queued after a delay on the lab clock.
 */
import type { LabClock, LabTimer } from '../../lab-clock';

const SLICE_MS = 2;

export class WorkQueue {
  #pending = new Set<string>();
  #timers = new Map<string, LabTimer>();
  #scheduled = false;
  #stopped = false;

  constructor(
    private readonly name: string,
    private readonly clock: LabClock,
    private readonly sync: (key: string) => void,
  ) {}

  add(key: string): void {
    if (this.#stopped) return;
    this.#pending.add(key);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#drain());
    }
  }

  /** Sync `key` after `labMs` lab milliseconds (the earliest request wins). */
  addAfter(key: string, labMs: number): void {
    if (this.#stopped || this.#timers.has(key)) return;
    this.#timers.set(
      key,
      this.clock.after(labMs, () => {
        this.#timers.delete(key);
        this.add(key);
      }),
    );
  }

  /**
   * Sync pending keys for at most SLICE_MS, then yield to the event loop (API requests and watch
   * writes interleave with controller work instead of waiting behind a burst of hundreds of syncs).
   */
  #drain(): void {
    this.#scheduled = false;
    const started = performance.now();
    const batch = [...this.#pending];
    this.#pending.clear();
    for (let i = 0; i < batch.length; i++) {
      if (this.#stopped) return;
      const key = batch[i]!;
      try {
        this.sync(key);
      } catch (err) {
        console.error(`[lab ${this.name}] sync ${key} failed:`, err);
        this.addAfter(key, 1000);
      }
      if (performance.now() - started > SLICE_MS && i < batch.length - 1) {
        for (let j = i + 1; j < batch.length; j++) this.#pending.add(batch[j]!);
        break;
      }
    }
    if (this.#pending.size && !this.#scheduled && !this.#stopped) {
      this.#scheduled = true;
      setImmediate(() => this.#drain());
    }
  }

  stop(): void {
    this.#stopped = true;
    for (const t of this.#timers.values()) t.cancel();
    this.#timers.clear();
    this.#pending.clear();
  }
}

/**
 * Work a lab timer found due, run after the timers phase in slices of at most SLICE_MS: timers
 * of many pods fall due together (at lab speed 100 a whole burst of creates reaches the same step
 * within milliseconds) and would otherwise run back to back while API requests wait.
 */
export class DeferredWork {
  #tasks: (() => void)[] = [];
  #next = 0;
  #scheduled = false;
  #stopped = false;

  constructor(private readonly name: string) {}

  run(task: () => void): void {
    if (this.#stopped) return;
    this.#tasks.push(task);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#drain());
    }
  }

  #drain(): void {
    this.#scheduled = false;
    const started = performance.now();
    while (this.#next < this.#tasks.length && !this.#stopped) {
      const task = this.#tasks[this.#next++]!;
      try {
        task();
      } catch (err) {
        console.error(`[lab ${this.name}] deferred work failed:`, err);
      }
      if (performance.now() - started > SLICE_MS) break;
    }
    if (this.#next >= this.#tasks.length) {
      this.#tasks = [];
      this.#next = 0;
    } else if (!this.#stopped) {
      this.#scheduled = true;
      setImmediate(() => this.#drain());
    }
  }

  stop(): void {
    this.#stopped = true;
    this.#tasks = [];
    this.#next = 0;
  }
}

export const objectKey = (namespace: string | undefined, name: string) => `${namespace ?? ''}/${name}`;

export function splitKey(key: string): [string | undefined, string] {
  const i = key.indexOf('/');
  const ns = key.slice(0, i);
  return [ns || undefined, key.slice(i + 1)];
}
