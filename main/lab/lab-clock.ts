/**
 * The practice lab's clock. Two kinds of time live here, on purpose kept apart:
 *
 * - **Lab time** (`now()`, `after`, `every`, `sleep`): every simulated *duration* (a Pi booting,
 *   a snap install, an image pull, the node monitor grace period, a toleration's 300 s) is
 *   expressed in lab milliseconds and runs `speed` times faster than real time. Lab time is
 *   internal: compare lab instants with lab instants only.
 * - **Reported time** (`wallNow()`, `wallAt()`): every time the lab *shows* to a client
 *   (creationTimestamp, conditions, events, managedFields, container start times, log stamps)
 *   is real wall-clock time, so kubectl and client-node never see a time ahead of their own clock
 *   (`<invalid>` ages). A lab instant maps to the real instant at which the lab reaches it
 *   (`wallAt`), and a reported timestamp back to lab time with `labAt`.
 *
 * Both lab parts (virtual Pis and the Kubernetes API) share one instance. See main/lab/kube/README.md.
 */
import { EventEmitter } from 'node:events';

export interface LabTimer {
  cancel(): void;
}

/** From real instant `wall` on, lab time runs at `speed` from `lab`. */
interface Segment {
  wall: number;
  lab: number;
  speed: number;
}

export class LabClock extends EventEmitter {
  #segments: Segment[];

  constructor(options: { speed?: number; start?: number } = {}) {
    super();
    const wall = Date.now();
    this.#segments = [{ wall, lab: options.start ?? wall, speed: LabClock.checkSpeed(options.speed ?? 1) }];
  }

  private static checkSpeed(speed: number): number {
    if (!Number.isFinite(speed) || speed <= 0 || speed > 100_000) {
      throw new RangeError(`Lab speed must be a number above 0 and at most 100000, got ${speed}`);
    }
    return speed;
  }

  get #current(): Segment {
    return this.#segments[this.#segments.length - 1]!;
  }

  get speed(): number {
    return this.#current.speed;
  }

  /** Change the speed without jumping the lab time. */
  setSpeed(speed: number): void {
    const checked = LabClock.checkSpeed(speed);
    const wall = Date.now();
    this.#segments.push({ wall, lab: this.labAt(wall), speed: checked });
    if (this.#segments.length > 64) this.#segments.splice(0, this.#segments.length - 64);
    this.emit('speed', speed);
  }

  /** Current lab time in epoch milliseconds (simulated; runs `speed` times faster than real time). */
  now(): number {
    return this.labAt(Date.now());
  }

  date(): Date {
    return new Date(this.now());
  }

  /** The time the lab reports to clients: real wall-clock time (epoch ms). */
  wallNow(): number {
    return Date.now();
  }

  /** Lab time at real instant `wall` (a reported timestamp read back as lab time). */
  labAt(wall: number): number {
    let seg = this.#segments[0]!;
    for (const s of this.#segments) if (s.wall <= wall) seg = s;
    return seg.lab + (wall - seg.wall) * seg.speed;
  }

  /** The real instant at which the lab reaches (or reached) lab time `lab`, at the speeds known now. */
  wallAt(lab: number): number {
    let seg = this.#segments[0]!;
    for (const s of this.#segments) if (s.lab <= lab) seg = s;
    return seg.wall + (lab - seg.lab) / seg.speed;
  }

  /** Real milliseconds that `labMs` lab milliseconds take at the current speed. */
  realMs(labMs: number): number {
    return Math.max(0, labMs / this.speed);
  }

  /**
   * Run `fn` once `labMs` lab milliseconds have passed: when it runs, `now()` has reached that
   * instant. A plain timeout does not promise that: Node counts it from libuv's millisecond loop
   * time, and lab time here comes from Date.now(), so nine timeouts in ten ended up to a real
   * millisecond early (at speed 200, 200 lab ms; a readiness flip due at the end then never came).
   * Early, it waits out the rest.
   */
  after(labMs: number, fn: () => void): LabTimer {
    const due = this.now() + labMs;
    let timer: NodeJS.Timeout;
    const arm = (ms: number) => {
      timer = setTimeout(() => {
        const left = due - this.now();
        if (left > 0) arm(Math.max(1, this.realMs(left)));
        else fn();
      }, ms);
      timer.unref?.();
    };
    arm(this.realMs(labMs));
    return { cancel: () => clearTimeout(timer) };
  }

  /** Run `fn` every `labMs` lab milliseconds. */
  every(labMs: number, fn: () => void): LabTimer {
    const t = setInterval(fn, Math.max(1, this.realMs(labMs)));
    t.unref?.();
    return { cancel: () => clearInterval(t) };
  }

  /**
   * Resolve once `labMs` lab milliseconds have passed (`now()` has reached that instant, as with
   * `after`); rejects with the signal's reason when aborted. Unlike `after`, the wait keeps the
   * process alive.
   */
  sleep(labMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const due = this.now() + labMs;
      let timer: NodeJS.Timeout;
      const arm = (ms: number) => {
        timer = setTimeout(() => {
          const left = due - this.now();
          if (left > 0) return arm(Math.max(1, this.realMs(left)));
          signal?.removeEventListener('abort', onAbort);
          resolve();
        }, ms);
      };
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      arm(this.realMs(labMs));
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
