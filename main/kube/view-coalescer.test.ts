/**
 * The coalescer: one snapshot for a burst in one tick, never more than ten in any second, an
 * isolated change sent at once, steady spacing under sustained change, and always the last state
 * (time assertions are upper bounds on counts or lower bounds on gaps, which a busy machine only
 * makes easier to meet, never a timer having fired in some order).
 */
import { describe, expect, it } from 'vitest';
import { until } from './testing/kube-lab';
import { ViewCoalescer } from './view-coalescer';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A coalescer whose send times are its own clock readings. */
function recorded(options: ConstructorParameters<typeof ViewCoalescer>[1], state: () => number) {
  const sent: { state: number; at: number }[] = [];
  let lastReading = 0;
  const now = () => (lastReading = performance.now());
  const c = new ViewCoalescer(() => sent.push({ state: state(), at: lastReading }), options, now);
  return { c, sent };
}

/** The most snapshots sent inside any window of `ms` (half-open, as the coalescer counts). */
function mostInAnyWindow(times: number[], ms: number): number {
  let most = 0;
  for (let i = 0; i < times.length; i++) {
    let n = 0;
    for (let j = i; j < times.length && times[j]! < times[i]! + ms; j++) n++;
    most = Math.max(most, n);
  }
  return most;
}

describe('ViewCoalescer', () => {
  it('sends a burst of one tick as one snapshot, at once', async () => {
    let state = 0;
    const sent: number[] = [];
    const c = new ViewCoalescer(() => sent.push(state));
    for (let i = 1; i <= 200; i++) {
      state = i;
      c.invalidate();
    }
    expect(sent).toEqual([]);
    await Promise.resolve();
    expect(sent).toEqual([200]);
    c.close();
  });

  it('sends a few changes in quick succession each at once (a pod created, scheduled, running)', async () => {
    let state = 0;
    const { c, sent } = recorded({ maxPerSecond: 10, burst: 5 }, () => state);
    for (let i = 1; i <= 4; i++) {
      state = i;
      c.invalidate();
      // Each change is out before the next tick's work: no waiting for an interval.
      await Promise.resolve();
      expect(sent.map((s) => s.state)).toEqual(Array.from({ length: i }, (_, k) => k + 1));
    }
    c.close();
  });

  it('never sends more than ten in any second under constant change, spaced after the burst, ending on the last state', async () => {
    let state = 0;
    const { c, sent } = recorded({ maxPerSecond: 10, burst: 5 }, () => state);
    const started = performance.now();
    while (performance.now() - started < 2500) {
      state++;
      c.invalidate();
      await sleep(3);
    }
    const last = state;
    await until('the last state sent', () => sent.at(-1)?.state === last, 5000);
    const times = sent.map((s) => s.at);
    expect(mostInAnyWindow(times, 1000)).toBeLessThanOrEqual(10);
    // Past the first five of a second, snapshots are at least 100 ms apart.
    for (let i = 5; i < times.length; i++) {
      const inSecondBefore = times.slice(0, i).filter((t) => t > times[i]! - 1000).length;
      if (inSecondBefore >= 5) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(100);
    }
    // It kept sending all along (no second-long pause after the first burst).
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(Math.max(...gaps)).toBeLessThan(1000);
    c.close();
  });

  it('sends an isolated change at once again once the second has passed', async () => {
    let state = 0;
    const { c, sent } = recorded({ maxPerSecond: 10, burst: 2 }, () => state);
    for (let i = 1; i <= 3; i++) {
      state = i;
      c.invalidate();
      await Promise.resolve();
    }
    // The third change of the second waits (burst 2).
    expect(sent.map((s) => s.state)).toEqual([1, 2]);
    await until('the third sent', () => sent.length === 3, 5000);
    await sleep(1100);
    state = 4;
    c.invalidate();
    await Promise.resolve();
    expect(sent.at(-1)?.state).toBe(4);
    c.close();
  });

  it('sends nothing after close', async () => {
    const sent: number[] = [];
    const c = new ViewCoalescer(() => sent.push(1), { burst: 1 });
    c.invalidate();
    await Promise.resolve();
    c.invalidate();
    c.close();
    await sleep(150);
    expect(sent).toEqual([1]);
  });
});
