import { describe, expect, it } from 'vitest';
import { ChunkRecycler } from './chunk-recycler';

describe('decoded chunks given back', () => {
  it('whole chunks owning their memory reach the receiver while it is set', () => {
    const recycler = new ChunkRecycler(4096);
    const received: ArrayBuffer[] = [];
    const a = Buffer.allocUnsafeSlow(4096);
    recycler.give(a); // no receiver yet: dropped
    const stop = recycler.forwardTo((memory) => received.push(memory));
    recycler.give(a);
    stop();
    recycler.give(Buffer.allocUnsafeSlow(4096));
    expect(received).toEqual([a.buffer]);
  });

  it('passes on nothing that is not a whole chunk owning its memory, nor memory already moved away', () => {
    const recycler = new ChunkRecycler(4096);
    const received: ArrayBuffer[] = [];
    recycler.forwardTo((memory) => received.push(structuredClone(memory, { transfer: [memory] }))); // moved, as to a thread
    recycler.give(Buffer.alloc(4096).subarray(1)); // a view
    recycler.give(Buffer.from('a short piece')); // Buffer's shared pool
    recycler.give(Buffer.alloc(8192).subarray(0, 4096)); // part of larger memory
    recycler.give(Buffer.alloc(1024)); // another size
    const x = Buffer.allocUnsafeSlow(4096);
    recycler.give(x);
    recycler.give(x); // moved away by the first give: now empty
    expect(received.map((m) => m.byteLength)).toEqual([4096]);
  });
});
