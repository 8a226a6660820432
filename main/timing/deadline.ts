/**
 * A deadline for network waits that a busy event loop cannot turn into a false timeout.
 *
 * Node runs due timers before it reads the sockets in the same loop turn. When the process was
 * busy (this one also runs the practice lab, the window's host and card writes), a timer can
 * fire late, after an answer had already arrived in the socket, and the plain
 * `setTimeout(fail, ms)` would call that answer a timeout. Here the timer, once due, lets the loop
 * read the sockets a few times (`setImmediate` runs after the poll phase) before it expires; an
 * answer that arrived meanwhile settles first and cancels it. An answer that is really missing
 * still expires a moment after the deadline.
 */
export interface Deadline {
  /** Stops the deadline (the wait ended some other way). */
  cancel(): void;
  /** Starts it again from now with the same length (a new phase of the wait). */
  restart(ms?: number): void;
}

/** Loop turns given to the sockets before a due deadline expires. */
const READS_BEFORE_EXPIRY = 3;

export function deadline(ms: number, onExpire: () => void): Deadline {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let generation = 0;
  const expire = (gen: number, reads: number) => {
    if (gen !== generation) return;
    if (reads > 0) return void setImmediate(() => expire(gen, reads - 1));
    generation++;
    onExpire();
  };
  const start = (length: number) => {
    const gen = ++generation;
    timer = setTimeout(() => expire(gen, READS_BEFORE_EXPIRY), length);
  };
  start(ms);
  return {
    cancel() {
      generation++;
      clearTimeout(timer);
    },
    restart(length = ms) {
      clearTimeout(timer);
      start(length);
    },
  };
}
