/**
 * The lab's background work shares the event loop with the API through one runner: each turn
 * gives all of it at most SLICE_MS, round-robin between participants (controller and kubelet
 * queues, deferred timer work, watch writes), then the loop serves requests again.
 */

const SLICE_MS = 2;
/** The slice while an API request is being answered: the request goes first, the lab still moves. */
const SLICE_MS_REQUEST_WAITING = 0.5;

/** Work that runs in the lab's shared turns: `step` works until `deadline` and says whether more is left. */
export interface Participant {
  step(deadline: number): boolean;
}

/**
 * One runner for all of the lab's background work (every controller's queue, every kubelet's,
 * deferred timer work, watch writes): each turn of the event loop gives it at most SLICE_MS in
 * all, shared round-robin, then API requests get the loop. With a queue per kubelet, twenty
 * queues' own 2 ms slices ran back to back in one turn and requests waited 40 ms behind them.
 */
const waiting: Participant[] = [];
const inTurns = new Set<Participant>();
let turnScheduled = false;

export function enter(p: Participant): void {
  if (inTurns.has(p)) return;
  inTurns.add(p);
  waiting.push(p);
  if (!turnScheduled) {
    turnScheduled = true;
    setImmediate(turn);
  }
}

function turn(): void {
  turnScheduled = false;
  const deadline = performance.now() + (requestsInFlight > 0 ? SLICE_MS_REQUEST_WAITING : SLICE_MS);
  // Round-robin: each step does at least one item; whoever still has work goes to the back.
  while (waiting.length) {
    const p = waiting.shift()!;
    let more = false;
    try {
      more = p.step(deadline);
    } catch (err) {
      console.error('[lab] background work failed:', err);
    }
    if (more) waiting.push(p);
    else inTurns.delete(p);
    if (performance.now() >= deadline) break;
  }
  if (waiting.length && !turnScheduled) {
    turnScheduled = true;
    setImmediate(turn);
  }
}

let requestsInFlight = 0;
/**
 * An API request (not a watch or stream) has arrived; the returned function says it is answered.
 * Until then the turns take a shorter slice, as a real API server does not wait for kubelets.
 */
export function requestArrived(): () => void {
  requestsInFlight++;
  let done = false;
  return () => {
    if (done) return;
    done = true;
    requestsInFlight--;
  };
}

/** Run `task` in the lab's shared turns (after the current turn's work, before long). */
export function inLabTurn(task: () => void): void {
  oneOffs.push(task);
  enter(oneOffRunner);
}
const oneOffs: (() => void)[] = [];
const oneOffRunner: Participant = {
  step(deadline) {
    do {
      const task = oneOffs.shift();
      if (!task) return false;
      try {
        task();
      } catch (err) {
        console.error('[lab] background work failed:', err);
      }
    } while (performance.now() < deadline);
    return oneOffs.length > 0;
  },
};

