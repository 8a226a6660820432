import { describe, expect, it } from 'vitest';
import { FanOut } from './fan-out';
import type { FanOutSink } from './fan-out';

/** A sink whose writes finish when the test says so. */
function gatedSink(id: string) {
  const pending: { chunk: Buffer; resolve: () => void; reject: (e: Error) => void }[] = [];
  const sink: FanOutSink = {
    id,
    write: (chunk) => new Promise<void>((resolve, reject) => pending.push({ chunk, resolve, reject })),
  };
  return { sink, pending };
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('one stream fanned out to several cards', () => {
  it("a chunk is released once every card wrote it, not before", async () => {
    const a = gatedSink('a');
    const b = gatedSink('b');
    const fan = new FanOut([a.sink, b.sink], { depth: 4, onFail: () => undefined });
    const released: string[] = [];
    await fan.push(Buffer.from('one'), 0, () => released.push('one'));
    await settle();
    a.pending.shift()!.resolve();
    await settle();
    expect(released).toEqual([]);
    b.pending.shift()!.resolve();
    await settle();
    expect(released).toEqual(['one']);
  });

  it('a failed card releases what it had queued; a dropped card only once its write in flight settles', async () => {
    const a = gatedSink('a');
    const b = gatedSink('b');
    const failed: string[] = [];
    const fan = new FanOut([a.sink, b.sink], { depth: 4, onFail: (sink) => failed.push(sink.id) });
    const released: string[] = [];
    await fan.push(Buffer.from('1'), 0, () => released.push('1'));
    await fan.push(Buffer.from('2'), 1, () => released.push('2'));
    await settle();
    // b writes both; a fails its first write, which drops its queued second chunk too.
    b.pending.shift()!.resolve();
    await settle();
    b.pending.shift()!.resolve();
    await settle();
    expect(released).toEqual([]);
    a.pending.shift()!.reject(new Error('card pulled out'));
    await settle();
    expect(failed).toEqual(['a']);
    expect(released.sort()).toEqual(['1', '2']);

    // Dropped from outside (cancelled) while a write is in flight: its memory is still in use.
    await fan.push(Buffer.from('3'), 2, () => released.push('3'));
    await settle();
    fan.drop('b', new Error('cancelled'));
    await settle();
    expect(released).not.toContain('3');
    b.pending.shift()!.resolve();
    await settle();
    expect(released).toContain('3');
  });

  it('with no card left a chunk is released at once', async () => {
    const a = gatedSink('a');
    const fan = new FanOut([a.sink], { onFail: () => undefined });
    fan.drop('a', new Error('cancelled'));
    let released = false;
    await fan.push(Buffer.from('x'), 0, () => (released = true));
    expect(released).toBe(true);
  });
});
