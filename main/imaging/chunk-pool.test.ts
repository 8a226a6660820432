import { describe, expect, it } from 'vitest';
import { ChunkPool } from './chunk-pool';

describe('decoded chunks reused', () => {
  it('a whole chunk given back is handed out again (same memory), at most `keep` are kept', () => {
    const pool = new ChunkPool(4096, 2);
    const a = pool.take();
    const b = pool.take();
    const c = pool.take();
    expect(a.length).toBe(4096);
    expect(a.buffer).not.toBe(b.buffer);
    pool.give(a);
    pool.give(b);
    pool.give(c);
    expect(pool.free).toBe(2);
    const again = [pool.take(), pool.take()].map((x) => x.buffer);
    expect(again).toContain(a.buffer);
    expect(again).toContain(b.buffer);
    expect(pool.free).toBe(0);
  });

  it('keeps nothing that is not a whole chunk owning its memory, nor the same memory twice', () => {
    const pool = new ChunkPool(4096);
    pool.give(Buffer.alloc(4096).subarray(1)); // a view
    pool.give(Buffer.from('a short piece')); // Buffer's shared pool
    pool.give(Buffer.alloc(8192).subarray(0, 4096)); // part of larger memory
    pool.give(Buffer.alloc(1024)); // another size
    const moved = pool.take();
    structuredClone(moved.buffer, { transfer: [moved.buffer as ArrayBuffer] }); // moved away (detached)
    pool.give(moved);
    expect(pool.free).toBe(0);
    const x = pool.take();
    pool.give(x);
    pool.give(x);
    expect(pool.free).toBe(1);
  });
});
