/**
 * The practice lab's clock. Every simulated duration (a Pi booting, a snap install, a pod
 * pulling its image, a node-failure eviction timeout) is expressed in *lab* milliseconds and
 * scheduled through this clock. `speed` divides real waiting: speed 1 is realistic, tests run
 * at 50-1000x. Both lab parts (virtual Pis and the Kubernetes API) share one instance.
 */
import { EventEmitter } from 'node:events';

export interface LabTimer {
  cancel(): void;
}

export class LabClock extends EventEmitter {
  #speed: number;
  #origin = Date.now();
  #labOrigin: number;

  constructor(options: { speed?: number; start?: number } = {}) {
    super();
    this.#speed = LabClock.checkSpeed(options.speed ?? 1);
    this.#labOrigin = options.start ?? Date.now();
  }

  private static checkSpeed(speed: number): number {
    if (!Number.isFinite(speed) || speed <= 0 || speed > 100_000) {
      throw new RangeError(`Lab speed must be a number above 0 and at most 100000, got ${speed}`);
    }
    return speed;
  }

  get speed(): number {
    return this.#speed;
  }

  /** Change the speed without jumping the lab time. */
  setSpeed(speed: number): void {
    const now = this.now();
    this.#speed = LabClock.checkSpeed(speed);
    this.#origin = Date.now();
    this.#labOrigin = now;
    this.emit('speed', speed);
  }

  /** Current lab time in epoch milliseconds. */
  now(): number {
    return this.#labOrigin + (Date.now() - this.#origin) * this.#speed;
  }

  date(): Date {
    return new Date(this.now());
  }

  /** Real milliseconds that `labMs` lab milliseconds take at the current speed. */
  realMs(labMs: number): number {
    return Math.max(0, labMs / this.#speed);
  }

  /** Run `fn` after `labMs` lab milliseconds. */
  after(labMs: number, fn: () => void): LabTimer {
    const t = setTimeout(fn, this.realMs(labMs));
    t.unref?.();
    return { cancel: () => clearTimeout(t) };
  }

  /** Run `fn` every `labMs` lab milliseconds. */
  every(labMs: number, fn: () => void): LabTimer {
    const t = setInterval(fn, Math.max(1, this.realMs(labMs)));
    t.unref?.();
    return { cancel: () => clearInterval(t) };
  }

  /** Resolve after `labMs` lab milliseconds; rejects with the signal's reason when aborted. */
  sleep(labMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, this.realMs(labMs));
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
