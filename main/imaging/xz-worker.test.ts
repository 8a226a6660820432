import { createHash, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { xz } from '@napi-rs/lzma';
import { describe, expect, it } from 'vitest';
import { makeTempDir } from '../disk/testing/fat-test-tools';
import { ChunkRecycler } from './chunk-recycler';
import { decodeXzOffThread, decoderModulePath, XzDataError } from './xz-worker';
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
    const error = await (async () => {
      for await (const chunk of decodeXz(pieces(damaged, 65_536))) void chunk;
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(XzDataError);
    if (decoder === 'liblzma') expect((error as Error).message).toBe('Data is corrupt'); // liblzma's LZMA_DATA_ERROR, in node-liblzma's words
  });

  it.skipIf(skip)('a stream cut short ends in XzDataError, after the bytes it did hold', async () => {
    let bytes = 0;
    await expect(async () => {
      for await (const chunk of decodeXz(pieces(compressed.subarray(0, compressed.length - 5000), 65_536), { chunkBytes: MIB })) bytes += chunk.length;
    }).rejects.toBeInstanceOf(XzDataError);
    expect(bytes).toBeGreaterThanOrEqual(3 * MIB);
    expect(bytes).toBeLessThan(raw.length);
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

describe.each(['liblzma', 'napi-rs'] as XzDecoderName[])('%s decoding into chunks given back', (decoder) => {
  const raw = Buffer.concat([randomBytes(2 * MIB), Buffer.alloc(7 * MIB, 3), randomBytes(54_321)]);
  const compressed = xz.compressSync(raw);

  it.skipIf(decoder === 'liblzma' && !withLiblzma)('decodes into memory given back, and every byte still comes out exact', async () => {
    const recycler = new ChunkRecycler(MIB);
    const hash = createHash('sha256');
    let chunks = 0;
    let last: Buffer | undefined;
    for await (const chunk of decodeXzOffThread(pieces(compressed, 200_000), { decoder, chunkBytes: MIB, depth: 1, recycler })) {
      chunks++;
      hash.update(chunk);
      last = chunk;
      // Marked, then given back as write-image.ts does once every card wrote it.
      chunk.fill(0xee);
      recycler.give(chunk);
    }
    expect(hash.digest('hex')).toBe(createHash('sha256').update(raw).digest('hex'));
    expect(chunks).toBe(10);
    // The short last chunk was decoded into memory given back: past its length the mark is still
    // there (fresh memory would hold zeros there).
    expect(last!.length).toBe(54_321);
    const memory = new Uint8Array(last!.buffer);
    expect(memory.length).toBe(MIB);
    expect(memory[MIB - 1]).toBe(0xee);
  });
});

it.skipIf(!withLiblzma)('a stop in the middle of liblzma decoding ends the thread and closes the source', async () => {
  const compressed = xz.compressSync(Buffer.concat([randomBytes(MIB), Buffer.alloc(11 * MIB, 9)]));
  let closed = false;
  async function* source(): AsyncGenerator<Buffer> {
    try {
      yield* pieces(compressed, 1 * MIB);
    } finally {
      closed = true;
    }
  }
  let seen = 0;
  for await (const chunk of decodeXzOffThread(source(), { decoder: 'liblzma', chunkBytes: MIB })) {
    seen += chunk.length;
    if (seen >= 2 * MIB) break;
  }
  expect(seen).toBe(2 * MIB);
  await expect.poll(() => closed, { timeout: 10_000 }).toBe(true);
});

describe.skipIf(!withLiblzma)('liblzma loading here but not on its thread (a file the packaged app did not unpack)', () => {
  const raw = Buffer.concat([randomBytes(MIB), Buffer.alloc(2 * MIB, 4)]);
  const compressed = xz.compressSync(raw);
  const missing = pathToFileURL(join(import.meta.dirname, 'no-such-dir', 'lzma.js')).href;

  it('with the default choice, the Rust decoder takes over and every byte comes out', async () => {
    const ran: XzDecoderName[] = [];
    const chunks: Buffer[] = [];
    for await (const chunk of decodeXzOffThread(pieces(compressed, 100_000), { chunkBytes: MIB, modules: { liblzma: missing }, onDecoder: (name) => ran.push(name) })) chunks.push(Buffer.from(chunk));
    expect(Buffer.concat(chunks).equals(raw)).toBe(true);
    expect(ran).toEqual(['napi-rs']);
  });

  it('asked for by name, it fails saying so (not as damaged data)', async () => {
    const error = await (async () => {
      for await (const chunk of decodeXzOffThread(pieces(compressed, 100_000), { decoder: 'liblzma', modules: { liblzma: missing } })) void chunk;
    })().catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(XzDataError);
    expect((error as Error).message).toMatch(/^The liblzma xz decoder does not load on its thread: /);
  });
});

it('a decoder thread loads its library from app.asar.unpacked where the packaged app has it there', async () => {
  const { dir, cleanup } = await makeTempDir('asar-');
  try {
    const inAsar = join(dir, 'resources', 'app.asar', 'node_modules', 'node-liblzma', 'lib', 'lzma.js');
    const unpacked = join(dir, 'resources', 'app.asar.unpacked', 'node_modules', 'node-liblzma', 'lib', 'lzma.js');
    expect(decoderModulePath(inAsar)).toBe(inAsar); // not unpacked: left as it is
    await mkdir(dirname(unpacked), { recursive: true });
    await writeFile(unpacked, '');
    expect(decoderModulePath(inAsar)).toBe(unpacked);
    const plain = join(dir, 'node_modules', 'x.js');
    expect(decoderModulePath(plain)).toBe(plain);
  } finally {
    await cleanup();
  }
});
