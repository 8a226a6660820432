/**
 * The coalescer: one snapshot for a burst in one tick, at most one per interval, and always the
 * last state (assertions are lower bounds on time, which a busy machine only makes larger).
 */
import { describe, expect, it } from 'vitest';
import { until } from './testing/kube-lab';
import { ViewCoalescer } from './view-coalescer';

describe('ViewCoalescer', () => {
  it('sends a burst of one tick as one snapshot, at once', async () => {
    let state = 0;
    const sent: number[] = [];
    const c = new ViewCoalescer(() => sent.push(state), 100);
    for (let i = 1; i <= 200; i++) {
      state = i;
      c.invalidate();
    }
    expect(sent).toEqual([]);
    await Promise.resolve();
    expect(sent).toEqual([200]);
    c.close();
  });

  it('spaces snapshots by the interval and ends on the last state', async () => {
    let state = 0;
    const sent: { state: number; at: number }[] = [];
    // The coalescer's own clock: its last reading before a send is the send time it keeps.
    let lastReading = 0;
    const now = () => (lastReading = performance.now());
    const c = new ViewCoalescer(() => sent.push({ state, at: lastReading }), 100, now);
    const started = performance.now();
    while (performance.now() - started < 450) {
      state++;
      c.invalidate();
      await new Promise((r) => setTimeout(r, 5));
    }
    const last = state;
    await until('the last state sent', () => sent.at(-1)?.state === last);
    const gaps = sent.slice(1).map((s, i) => s.at - sent[i]!.at);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(100);
    expect(sent.length).toBeLessThanOrEqual(Math.ceil((performance.now() - started) / 100) + 1);
    c.close();
  });

  it('sends nothing after close', async () => {
    const sent: number[] = [];
    const c = new ViewCoalescer(() => sent.push(1), 100);
    c.invalidate();
    c.close();
    await new Promise((r) => setTimeout(r, 150));
    expect(sent).toEqual([]);
  });
});
