/**
 * From compressed bytes to the raw image as a stream. xz is decoded on a thread of its own
 * (xz-worker.ts) by C liblzma (node-liblzma) where it loads, else @napi-rs/lzma (pure Rust). Measured on
 * the bench image (decode alone, same machine, 2026-12-07): xz 5.4 (C liblzma) 240-350 MB/s,
 * node-liblzma about the CPU time of `xz -dc`, @napi-rs/lzma 160-200 MB/s (twice the CPU).
 * gzip through node:zlib, zip through yauzl (the first
 * .img inside). Damaged data ends in IMAGE_CORRUPT; an error of the bytes' own source (a failed
 * download) keeps its own code. Also: what a local file is (type by name and magic bytes, its
 * decompressed size when the container tells: the xz index, the zip directory, the file itself).
 */
import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { pipeline, Readable } from 'node:stream';
import type { Duplex } from 'node:stream';
import { createGunzip } from 'node:zlib';
import yauzl from 'yauzl';
import type { CompressedFormat } from './catalogue';
import { formatOf } from './catalogue';
import { ChunkRecycler, IMAGE_CHUNK_BYTES } from './chunk-recycler';
import { cancelled } from './http-download';
import { ImagingError, ImagingErrorCode } from './imaging-errors';
import { decodeXzOffThread, XzDataError } from './xz-worker';
import type { XzDecoderName } from './xz-worker';

const XZ_MAGIC = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]);
const GZ_MAGIC = Buffer.from([0x1f, 0x8b]);
const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

/** Format from the first bytes; undefined when they are none of xz, gzip, zip. */
export function sniffFormat(head: Buffer): Exclude<CompressedFormat, 'img'> | undefined {
  if (head.subarray(0, 6).equals(XZ_MAGIC)) return 'xz';
  if (head.subarray(0, 2).equals(GZ_MAGIC)) return 'gz';
  if (head.subarray(0, 4).equals(ZIP_MAGIC)) return 'zip';
  return undefined;
}

function corrupt(format: CompressedFormat, error: unknown): ImagingError {
  const reason = error instanceof Error ? error.message : String(error);
  return new ImagingError(ImagingErrorCode.IMAGE_CORRUPT, `The ${format} image data is damaged: ${reason}`, { format, reason }, { cause: error });
}

/**
 * The decompressed bytes of `source` (compressed as `format`; 'img' passes through). An error
 * thrown by `source` itself is rethrown as it is; a decoder error becomes IMAGE_CORRUPT.
 * `onDecoder` is told which xz decoder runs (for the job's log).
 */
export function decompress(format: Exclude<CompressedFormat, 'zip'>, source: AsyncIterable<Buffer>, signal?: AbortSignal, onDecoder?: (name: XzDecoderName) => void): DecodedImage {
  if (format !== 'xz') return decompressChunks(format, source, signal, onDecoder);
  // xz: whole chunks the writer gives back go to the decoder thread, which decodes into them again.
  const recycler = new ChunkRecycler(IMAGE_CHUNK_BYTES);
  return Object.assign(decompressChunks(format, source, signal, onDecoder, recycler), { recycle: (chunk: Buffer) => recycler.give(chunk) });
}

/**
 * A decompressed image. `recycle`, where present, takes back a chunk it yielded once nothing
 * uses it any more (every card wrote it), so its memory is decoded into again.
 */
export interface DecodedImage extends AsyncIterable<Buffer> {
  recycle?: (chunk: Buffer) => void;
}

async function* decompressChunks(format: Exclude<CompressedFormat, 'zip'>, source: AsyncIterable<Buffer>, signal?: AbortSignal, onDecoder?: (name: XzDecoderName) => void, recycler?: ChunkRecycler): AsyncGenerator<Buffer> {
  if (format === 'img') {
    for await (const chunk of source) {
      if (signal?.aborted) throw cancelled();
      yield chunk;
    }
    return;
  }
  if (format === 'xz') {
    try {
      yield* decodeXzOffThread(source, { ...(signal ? { signal } : {}), ...(onDecoder ? { onDecoder } : {}), ...(recycler ? { recycler } : {}), chunkBytes: IMAGE_CHUNK_BYTES, onAbort: cancelled });
    } catch (error) {
      if (error instanceof XzDataError) throw corrupt(format, error);
      throw error;
    }
    return;
  }
  let sourceError: unknown;
  async function* tracked(): AsyncGenerator<Buffer> {
    try {
      yield* source;
    } catch (error) {
      sourceError = error;
      throw error;
    }
  }
  const decoder: Duplex = createGunzip({ chunkSize: 1024 * 1024 });
  const output = pipeline(Readable.from(tracked(), { objectMode: false, highWaterMark: 1024 * 1024 }), decoder, () => undefined);
  try {
    for await (const chunk of output) {
      if (signal?.aborted) throw cancelled();
      yield chunk as Buffer;
    }
  } catch (error) {
    if (sourceError !== undefined) throw sourceError;
    if (error instanceof ImagingError) throw error;
    throw corrupt(format, error);
  } finally {
    output.destroy();
  }
  if (sourceError !== undefined) throw sourceError;
}

/** The first .img in a zip file: its name, size, and a stream of its bytes. */
export async function zipImage(path: string): Promise<{ name: string; size: number; stream: () => AsyncGenerator<Buffer>; close: () => void }> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(path, { lazyEntries: true, autoClose: false }, (error, file) => (error || !file ? reject(corrupt('zip', error ?? new Error('unreadable'))) : resolve(file))),
  );
  const entry = await new Promise<yauzl.Entry | undefined>((resolve, reject) => {
    zip.on('entry', (e: yauzl.Entry) => {
      if (!e.fileName.endsWith('/') && /\.img$/i.test(e.fileName)) resolve(e);
      else zip.readEntry();
    });
    zip.on('end', () => resolve(undefined));
    zip.on('error', (error: Error) => reject(corrupt('zip', error)));
    zip.readEntry();
  });
  if (!entry) {
    zip.close();
    throw new ImagingError(ImagingErrorCode.ZIP_WITHOUT_IMAGE, `${path} holds no .img file`, { path });
  }
  return {
    name: entry.fileName,
    size: entry.uncompressedSize,
    close: () => zip.close(),
    stream: async function* () {
      const stream = await new Promise<Readable>((resolve, reject) => zip.openReadStream(entry, (error, s) => (error || !s ? reject(corrupt('zip', error ?? new Error('unreadable'))) : resolve(s))));
      try {
        for await (const chunk of stream) yield chunk as Buffer;
      } catch (error) {
        throw corrupt('zip', error);
      } finally {
        zip.close();
      }
    },
  };
}

/**
 * Uncompressed size of a single-stream .xz file from its index (what `xz -l` shows), or
 * undefined when the file does not end in a well-formed index.
 */
export async function xzUncompressedSize(path: string): Promise<number | undefined> {
  const handle = await open(path, 'r');
  try {
    let end = (await handle.stat()).size;
    // Skip stream padding (multiples of four zero bytes).
    const tail = Buffer.alloc(4);
    while (end >= 12) {
      await handle.read(tail, 0, 4, end - 4);
      if (tail.readUInt32LE(0) !== 0) break;
      end -= 4;
    }
    if (end < 24) return undefined;
    const footer = Buffer.alloc(12);
    await handle.read(footer, 0, 12, end - 12);
    if (footer[10] !== 0x59 || footer[11] !== 0x5a) return undefined;
    const indexSize = (footer.readUInt32LE(4) + 1) * 4;
    const indexStart = end - 12 - indexSize;
    if (indexStart < 12 || indexSize > 64 * 1024 * 1024) return undefined;
    const index = Buffer.alloc(indexSize);
    await handle.read(index, 0, indexSize, indexStart);
    if (index[0] !== 0x00) return undefined;
    let at = 1;
    const varint = (): number | undefined => {
      let value = 0;
      for (let shift = 0; shift < 63; shift += 7) {
        const byte = index[at++];
        if (byte === undefined) return undefined;
        value += (byte & 0x7f) * 2 ** shift;
        if ((byte & 0x80) === 0) return value;
      }
      return undefined;
    };
    const records = varint();
    if (records === undefined) return undefined;
    let total = 0;
    for (let i = 0; i < records; i++) {
      const unpadded = varint();
      const uncompressed = varint();
      if (unpadded === undefined || uncompressed === undefined) return undefined;
      total += uncompressed;
    }
    // A concatenated file (several streams) would need walking backwards; the header check makes
    // sure this index is the first stream's.
    const streamStart = indexStart - (await blocksSize(index, records));
    if (streamStart !== 12) return undefined;
    return total;
  } catch {
    return undefined;
  } finally {
    await handle.close();
  }
}

/** Sum of the padded block sizes listed in an xz index. */
async function blocksSize(index: Buffer, records: number): Promise<number> {
  let at = 1;
  const varint = (): number => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = index[at++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return value;
    }
  };
  varint();
  let total = 0;
  for (let i = 0; i < records; i++) {
    const unpadded = varint();
    varint();
    total += Math.ceil(unpadded / 4) * 4;
  }
  return total;
}

export interface LocalImage {
  path: string;
  name: string;
  format: CompressedFormat;
  /** Size of the file itself. */
  fileBytes: number;
  /** Size of the raw image when the file tells (raw file, xz index, zip directory). */
  extractSize?: number;
}

const LOCAL_TYPES = '.img, .img.xz, .img.gz or .zip';

/** Check a file the user picked and find out what it holds. */
export async function inspectLocalImage(path: string): Promise<LocalImage> {
  const fail = (reason: string, detail: string) => new ImagingError(ImagingErrorCode.LOCAL_FILE_INVALID, `${path}: ${detail}`, { path, reason });
  let info;
  try {
    info = await stat(path);
  } catch {
    throw fail('missing', 'the file does not exist');
  }
  if (!info.isFile()) throw fail('not-a-file', 'not a regular file');
  const byName = formatOf(path);
  if (!byName) throw fail('type', `not a ${LOCAL_TYPES} file`);
  const head = Buffer.alloc(8);
  const handle = await open(path, 'r').catch(() => {
    throw fail('unreadable', 'the file cannot be read');
  });
  try {
    await handle.read(head, 0, 8, 0);
  } finally {
    await handle.close();
  }
  const sniffed = sniffFormat(head);
  if (byName !== 'img' && sniffed !== byName) throw fail('content', `the name says ${byName} but the content is ${sniffed ?? 'not compressed'}`);
  if (byName === 'img' && sniffed) throw fail('content', `the name says .img but the content is ${sniffed}-compressed`);
  if (info.size === 0) throw fail('empty', 'the file is empty');
  const image: LocalImage = { path, name: basename(path), format: byName, fileBytes: info.size };
  if (byName === 'img') image.extractSize = info.size;
  if (byName === 'xz') {
    const size = await xzUncompressedSize(path);
    if (size !== undefined) image.extractSize = size;
  }
  if (byName === 'zip') {
    const inner = await zipImage(path);
    inner.close();
    image.extractSize = inner.size;
    image.name = `${basename(path)}: ${inner.name}`;
  }
  return image;
}
