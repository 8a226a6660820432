/**
 * A controller work queue: keys are deduplicated and synced asynchronously (after the current
 * write returns), and can be re-queued after a delay on the lab clock.
 */
import type { LabClock, LabTimer } from '../../lab-clock';
import { type Participant, enter } from './lab-turns';

export class WorkQueue implements Participant {
  #pending = new Set<string>();
  #timers = new Map<string, LabTimer>();
  #stopped = false;

  constructor(
    private readonly name: string,
    private readonly clock: LabClock,
    private readonly sync: (key: string) => void,
  ) {}

  add(key: string): void {
    if (this.#stopped) return;
    this.#pending.add(key);
    enter(this);
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

  /** Sync pending keys, oldest first, until `deadline` (at least one). */
  step(deadline: number): boolean {
    do {
      if (this.#stopped) return false;
      const key = this.#pending.values().next().value as string | undefined;
      if (key === undefined) return false;
      this.#pending.delete(key);
      try {
        this.sync(key);
      } catch (err) {
        console.error(`[lab ${this.name}] sync ${key} failed:`, err);
        this.addAfter(key, 1000);
      }
    } while (performance.now() < deadline);
    return this.#pending.size > 0 && !this.#stopped;
  }

  stop(): void {
    this.#stopped = true;
    for (const t of this.#timers.values()) t.cancel();
    this.#timers.clear();
    this.#pending.clear();
  }
}

/**
 * Work a lab timer found due, run in the lab's shared turns: timers of many pods fall due together
 * (at lab speed 100 a whole burst of creates reaches the same step within milliseconds) and would
 * otherwise run back to back while API requests wait.
 */
export class DeferredWork implements Participant {
  #tasks: (() => void)[] = [];
  #next = 0;
  #stopped = false;

  constructor(private readonly name: string) {}

  run(task: () => void): void {
    if (this.#stopped) return;
    this.#tasks.push(task);
    enter(this);
  }

  step(deadline: number): boolean {
    do {
      if (this.#stopped || this.#next >= this.#tasks.length) break;
      const task = this.#tasks[this.#next++]!;
      try {
        task();
      } catch (err) {
        console.error(`[lab ${this.name}] deferred work failed:`, err);
      }
    } while (performance.now() < deadline);
    if (this.#next >= this.#tasks.length || this.#stopped) {
      this.#tasks = [];
      this.#next = 0;
      return false;
    }
    return true;
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
