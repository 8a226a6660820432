import { createHash, randomBytes } from 'node:crypto';
import { xz } from '@napi-rs/lzma';
import { describe, expect, it } from 'vitest';
import { ChunkPool } from './chunk-pool';
import { decodeXzOffThread, unxzUsesPool, XzDataError } from './xz-worker';
import type { XzDecoderName, XzWorkerOptions } from './xz-worker';

const MIB = 1024 * 1024;

async function* pieces(data: Buffer, size: number, failAt?: number): AsyncGenerator<Buffer> {
  for (let at = 0; at < data.length; at += size) {
    if (failAt !== undefined && at >= failAt) throw new Error('the connection broke');
    yield data.subarray(at, at + size);
  }
}

/** Whether node-liblzma's native addon loads here (it is an optional dependency: a machine without
 * its prebuilt binary or a compiler to build it falls back to @napi-rs/lzma). */
async function liblzmaLoads(): Promise<boolean> {
  try {
    const m = (await import('node-liblzma')) as { Unxz?: unknown };
    return typeof m.Unxz === 'function';
  } catch {
    return false;
  }
}
const withLiblzma = await liblzmaLoads();
if (!withLiblzma) console.warn('xz-worker.test: node-liblzma does not load here; its decoder tests are skipped (the app uses @napi-rs/lzma then).');

describe.each(['liblzma', 'napi-rs'] as XzDecoderName[])('xz decoding on a worker thread with %s', (decoder) => {
  const skip = decoder === 'liblzma' && !withLiblzma;
  const decodeXz = (source: AsyncIterable<Buffer>, options: XzWorkerOptions = {}) => decodeXzOffThread(source, { ...options, decoder });

  // Incompressible and highly compressible parts, not a multiple of the chunk size.
  const raw = Buffer.concat([randomBytes(3 * MIB), Buffer.alloc(6 * MIB, 7), randomBytes(123_457)]);
  const compressed = xz.compressSync(raw);

  it.skipIf(skip)('gives back the exact bytes in whole chunks of the requested size (the last one shorter)', async () => {
    const chunks: Buffer[] = [];
    const ran: XzDecoderName[] = [];
    for await (const chunk of decodeXz(pieces(compressed, 100_000), { chunkBytes: 2 * MIB, depth: 2, onDecoder: (name) => ran.push(name) })) chunks.push(chunk);
    expect(createHash('sha256').update(Buffer.concat(chunks)).digest('hex')).toBe(createHash('sha256').update(raw).digest('hex'));
    expect(chunks.slice(0, -1).every((c) => c.length === 2 * MIB)).toBe(true);
    expect(chunks.at(-1)!.length).toBe(raw.length % (2 * MIB));
    expect(ran).toEqual([decoder]);
  });

  it.skipIf(skip)('damaged data ends in XzDataError', async () => {
    const damaged = Buffer.from(compressed);
    damaged.fill(0x55, 2000, 6000);
    await expect(async () => {
      for await (const chunk of decodeXz(pieces(damaged, 65_536))) void chunk;
    }).rejects.toBeInstanceOf(XzDataError);
  });

  it.skipIf(skip)("rethrows the source's own error as it is", async () => {
    await expect(async () => {
      for await (const chunk of decodeXz(pieces(compressed, 65_536, 5 * 65_536))) void chunk;
    }).rejects.toThrow('the connection broke');
  });

  it.skipIf(skip)('an abort ends the iteration with the caller’s error and closes the source', async () => {
    const controller = new AbortController();
    let closed = false;
    async function* source(): AsyncGenerator<Buffer> {
      try {
        yield* pieces(compressed, 65_536);
      } finally {
        closed = true;
      }
    }
    const seen: number[] = [];
    await expect(async () => {
      for await (const chunk of decodeXz(source(), { chunkBytes: MIB, signal: controller.signal, onAbort: () => new Error('stopped by the user') })) {
        seen.push(chunk.length);
        controller.abort();
      }
    }).rejects.toThrow('stopped by the user');
    expect(seen).toEqual([MIB]);
    await expect.poll(() => closed, { timeout: 10_000 }).toBe(true);
  });
});

it('picks liblzma where it loads, else @napi-rs/lzma', async () => {
  const ran: XzDecoderName[] = [];
  const data = xz.compressSync(Buffer.alloc(MIB, 1));
  async function* once(): AsyncGenerator<Buffer> {
    yield data;
  }
  let bytes = 0;
  for await (const chunk of decodeXzOffThread(once(), { onDecoder: (name) => ran.push(name) })) bytes += chunk.length;
  expect(bytes).toBe(MIB);
  expect(ran).toEqual([withLiblzma ? 'liblzma' : 'napi-rs']);
});

describe.skipIf(!withLiblzma)('liblzma decoding into reused chunks', () => {
  const raw = Buffer.concat([randomBytes(2 * MIB), Buffer.alloc(7 * MIB, 3), randomBytes(54_321)]);
  const compressed = xz.compressSync(raw);

  it('the installed node-liblzma lets Unxz take its output buffers from the pool', async () => {
    expect(await unxzUsesPool()).toBe(true);
  });

  it('chunks given back are decoded into again, and every byte still comes out exact', async () => {
    const pool = new ChunkPool(MIB);
    const hash = createHash('sha256');
    const memories = new Set<ArrayBufferLike>();
    let chunks = 0;
    for await (const chunk of decodeXzOffThread(pieces(compressed, 200_000), { decoder: 'liblzma', chunkBytes: MIB, depth: 1, pool })) {
      chunks++;
      memories.add(chunk.buffer);
      hash.update(chunk);
      pool.give(chunk); // as write-image.ts does once every card wrote it
    }
    expect(hash.digest('hex')).toBe(createHash('sha256').update(raw).digest('hex'));
    expect(chunks).toBe(10);
    // Without reuse each of the ten chunks would be new memory.
    expect(memories.size).toBeLessThan(chunks / 2);
  });
});
