/** The image's SHA-256 on a worker thread: the same digest as node:crypto, whatever memory the pieces live in. */
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HashWorker } from './hash-worker';

describe('HashWorker', () => {
  it('hashes pieces that own their memory, views into larger memory and small pooled Buffers, leaving the pool usable', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 100);
    const owned = Buffer.alloc(1024 * 1024, data.subarray(0, 1024 * 1024));
    const view = data.subarray(1024 * 1024, 3 * 1024 * 1024);
    const pooled = Buffer.from(data.subarray(3 * 1024 * 1024)); // 100 bytes: from Buffer's shared pool
    expect(pooled.buffer.byteLength).toBeGreaterThan(pooled.length);
    const hasher = await HashWorker.start();
    try {
      const back = [await hasher.update(owned), await hasher.update(view), await hasher.update(pooled)];
      expect(Buffer.concat(back).equals(data)).toBe(true);
      expect(await hasher.digest()).toBe(createHash('sha256').update(data).digest('hex'));
      // The pool was copied from, not moved: its memory is still there for the next small Buffer.
      expect(pooled.buffer.byteLength).toBeGreaterThan(0);
      expect(Buffer.from('still works').toString()).toBe('still works');
    } finally {
      await hasher.close();
    }
  });
});
