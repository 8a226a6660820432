import { describe, expect, it } from 'vitest';
import { LabClock } from './lab-clock';

/** How far (lab ms) before its instant each of `count` timers ran; 0 when on time or late. */
async function earliness(clock: LabClock, count: number, wait: (labMs: number) => Promise<void>): Promise<number[]> {
  const keepAlive = setInterval(() => undefined, 1000); // lab timers do not keep the process alive
  try {
    const early: number[] = [];
    for (let i = 0; i < count; i++) {
      const labMs = 2000 + ((i * 1237) % 3000); // 2-5 real ms at speed 1000, with varied fractions
      const due = clock.now() + labMs;
      await wait(labMs);
      early.push(Math.max(0, due - clock.now()));
    }
    return early;
  } finally {
    clearInterval(keepAlive);
  }
}

describe('lab timers', () => {
  // At speed 1000 a real millisecond is a lab second: a timeout that ends a fraction of a real
  // millisecond early (nine in ten did) shows up as hundreds of lab ms.
  it('a timer runs only once lab time has reached its instant', async () => {
    const clock = new LabClock({ speed: 1000 });
    const early = await earliness(clock, 40, (labMs) => new Promise<void>((resolve) => clock.after(labMs, resolve)));
    expect(early.filter((ms) => ms > 0)).toEqual([]);
  });

  it('sleep resolves only once lab time has reached its end', async () => {
    const clock = new LabClock({ speed: 1000 });
    const early = await earliness(clock, 40, (labMs) => clock.sleep(labMs));
    expect(early.filter((ms) => ms > 0)).toEqual([]);
  });

  it('a cancelled timer does not run; an aborted sleep rejects with the reason', async () => {
    const clock = new LabClock({ speed: 1 });
    let ran = false;
    const timer = clock.after(30, () => (ran = true));
    timer.cancel();
    const controller = new AbortController();
    const sleeping = clock.sleep(10_000, controller.signal);
    controller.abort(new Error('stopped'));
    await expect(sleeping).rejects.toThrow('stopped');
    await clock.sleep(60);
    expect(ran).toBe(false);
  });
});
