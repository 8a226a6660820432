/**
 * Downloaded images, kept in `<dataDir>/images/` so the next card (or the next cluster) needs no
 * second download. A file enters the cache only complete and checked: it is downloaded to
 * `<key>.part` (with `<key>.part.json` holding the URL and the server's validator, so a broken
 * download resumes, also after a restart), its SHA-256 is compared with the catalogue's (or
 * SHA256SUMS'), and only then is it fsynced and renamed. Before reuse a cached file is hashed
 * again. A size cap evicts the least recently used images; "clear" removes every image and part.
 * What imaging learned about an image (decompressed size and hash, for catalogue entries that did
 * not know them) is kept in the index too, keyed by the download hash, and survives "clear".
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Dispatcher } from 'undici';
import { writeFileAtomic } from '../state/atomic-file';
import { cancelled, resumableBody } from './http-download';
import type { ResumableBodyOptions } from './http-download';
import { ImagingError, ImagingErrorCode } from './imaging-errors';

export const DEFAULT_CACHE_CAP_BYTES = 10_000_000_000;

export interface CachedImage {
  key: string;
  file: string;
  url: string;
  name: string;
  downloadSha256: string;
  downloadSize: number;
  addedAt: number;
  lastUsedAt: number;
}

export interface LearnedImage {
  extractSha256: string;
  extractSize: number;
  learnedAt: number;
}

interface CacheIndex {
  version: 1;
  entries: Record<string, CachedImage>;
  learned: Record<string, LearnedImage>;
}

interface PartMeta {
  url: string;
  expectedSha256?: string;
  etag?: string;
  lastModified?: string;
  total?: number | null;
}

export interface CacheInfo {
  dir: string;
  capBytes: number;
  totalBytes: number;
  partialBytes: number;
  images: { key: string; name: string; url: string; bytes: number; sha256: string; lastUsedAt: number }[];
}

export interface DownloadProgress {
  bytes: number;
  total: number | null;
  /** Bytes that came from an earlier, interrupted download (no network needed). */
  resumedFrom: number;
}

export interface CacheDownloadOptions {
  url: string;
  name: string;
  expectedSha256?: string;
  expectedSize?: number;
  dispatcher?: Dispatcher;
  signal?: AbortSignal;
  onProgress?: (progress: DownloadProgress) => void;
  /** Retry tuning (tests shorten the delays). */
  retry?: Pick<ResumableBodyOptions, 'attempts' | 'minDelayMs' | 'maxDelayMs' | 'stallTimeoutMs' | 'onRetry'>;
}

/** What a finished download left in the cache. */
export interface DownloadResult {
  image: CachedImage;
  /** The download hash was checked against an expected value (not only computed). */
  checked: boolean;
}

const READ_CHUNK = 4 * 1024 * 1024;

export class ImageCache {
  readonly dir: string;
  readonly #capBytes: () => number;
  #index: CacheIndex | undefined;
  #indexWrite: Promise<void> = Promise.resolve();

  constructor(dir: string, options: { capBytes?: () => number } = {}) {
    this.dir = dir;
    this.#capBytes = options.capBytes ?? (() => DEFAULT_CACHE_CAP_BYTES);
  }

  /** Cache key: the download hash when known (so a mirror's copy is the same entry), else the URL's. */
  static keyFor(url: string, downloadSha256?: string): string {
    return downloadSha256 ? downloadSha256.toLowerCase() : 'url-' + createHash('sha256').update(url).digest('hex').slice(0, 40);
  }

  async info(): Promise<CacheInfo> {
    const index = await this.#load();
    const images: CacheInfo['images'] = [];
    let totalBytes = 0;
    let partialBytes = 0;
    for (const entry of Object.values(index.entries)) {
      const bytes = await fileSize(join(this.dir, entry.file));
      if (bytes === undefined) continue;
      totalBytes += bytes;
      images.push({ key: entry.key, name: entry.name, url: entry.url, bytes, sha256: entry.downloadSha256, lastUsedAt: entry.lastUsedAt });
    }
    for (const name of await readdir(this.dir).catch(() => [] as string[])) {
      if (name.endsWith('.part')) partialBytes += (await fileSize(join(this.dir, name))) ?? 0;
    }
    return { dir: this.dir, capBytes: this.#capBytes(), totalBytes: totalBytes + partialBytes, partialBytes, images: images.sort((a, b) => b.lastUsedAt - a.lastUsedAt) };
  }

  /** Remove every cached image and partial download (learned hashes stay). */
  async clear(): Promise<void> {
    const index = await this.#load();
    for (const name of await readdir(this.dir).catch(() => [] as string[])) {
      if (name === 'index.json' || name.startsWith('.index.json')) continue;
      await rm(join(this.dir, name), { force: true, recursive: true });
    }
    index.entries = {};
    await this.#save();
  }

  /** What was learned about the image with this download hash. */
  async learned(downloadSha256: string | undefined): Promise<LearnedImage | undefined> {
    if (!downloadSha256) return undefined;
    return (await this.#load()).learned[downloadSha256.toLowerCase()];
  }

  async learn(downloadSha256: string, extract: { sha256: string; size: number }): Promise<void> {
    const index = await this.#load();
    index.learned[downloadSha256.toLowerCase()] = { extractSha256: extract.sha256, extractSize: extract.size, learnedAt: Date.now() };
    await this.#save();
  }

  /**
   * The cached file for this image, after hashing it again; undefined when not cached. A file
   * whose hash no longer matches is removed (and undefined returned, so it is downloaded anew).
   */
  async lookup(url: string, downloadSha256: string | undefined, options: { signal?: AbortSignal; onProgress?: (bytes: number, total: number) => void } = {}): Promise<CachedImage | undefined> {
    const index = await this.#load();
    const key = ImageCache.keyFor(url, downloadSha256);
    const entry = index.entries[key];
    if (!entry) return undefined;
    const path = join(this.dir, entry.file);
    const size = await fileSize(path);
    if (size === undefined || size !== entry.downloadSize) {
      await this.#forget(key);
      return undefined;
    }
    const digest = await hashFile(path, options.signal, (bytes) => options.onProgress?.(bytes, size));
    if (digest !== entry.downloadSha256 || (downloadSha256 && digest !== downloadSha256.toLowerCase())) {
      await this.#forget(key);
      return undefined;
    }
    entry.lastUsedAt = Date.now();
    await this.#save();
    return { ...entry };
  }

  /** Path of a cache entry's file. */
  pathOf(image: CachedImage): string {
    return join(this.dir, image.file);
  }

  /**
   * Download into the cache, yielding the image's bytes from the first as they arrive (earlier
   * partial bytes are read back from `.part` first), so decompression and writing need not wait.
   * The generator returns only after the file was checked and renamed into the cache; a wrong
   * hash or size throws (DOWNLOAD_CHECKSUM_MISMATCH / DOWNLOAD_SIZE_MISMATCH) and deletes the part.
   */
  async *download(options: CacheDownloadOptions, done: (result: DownloadResult) => void): AsyncGenerator<Buffer> {
    await this.#ensureDir();
    const key = ImageCache.keyFor(options.url, options.expectedSha256);
    const file = `${key}${extensionOf(options.url)}`;
    const partPath = join(this.dir, `${key}.part`);
    const metaPath = `${partPath}.json`;
    const expected = options.expectedSha256?.toLowerCase();

    // An earlier part of the same image (same URL and expected hash) is resumed; anything else restarts.
    let meta: PartMeta = { url: options.url, ...(expected ? { expectedSha256: expected } : {}) };
    let startAt = 0;
    const old = await readJson<PartMeta>(metaPath);
    const oldSize = await fileSize(partPath);
    if (old && oldSize !== undefined && old.url === options.url && old.expectedSha256 === expected && (old.etag || old.lastModified)) {
      meta = old;
      startAt = oldSize;
    } else {
      await rm(partPath, { force: true });
    }
    await writeFileAtomic(metaPath, JSON.stringify(meta));

    const hash = createHash('sha256');
    let bytes = 0;
    let total: number | null = options.expectedSize ?? meta.total ?? null;
    const report = () => options.onProgress?.({ bytes, total, resumedFrom: startAt });
    let handle: FileHandle | undefined;
    try {
      if (startAt > 0) {
        for await (const chunk of createReadStream(partPath, { highWaterMark: READ_CHUNK, end: startAt - 1 })) {
          if (options.signal?.aborted) throw cancelled();
          hash.update(chunk as Buffer);
          bytes += (chunk as Buffer).length;
          report();
          yield chunk as Buffer;
        }
      }
      handle = await open(partPath, startAt > 0 ? 'a' : 'w');
      const body = resumableBody({
        url: options.url,
        ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
        startAt,
        ...(meta.etag || meta.lastModified ? { validator: { ...(meta.etag ? { etag: meta.etag } : {}), ...(meta.lastModified ? { lastModified: meta.lastModified } : {}) } } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        ...options.retry,
        onResponse: (info) => {
          if (info.total !== null) total = info.total;
          meta = { ...meta, total: info.total, ...(info.etag ? { etag: info.etag } : {}), ...(info.lastModified ? { lastModified: info.lastModified } : {}) };
          void writeFileAtomic(metaPath, JSON.stringify(meta)).catch(() => undefined);
        },
      });
      for await (const chunk of body) {
        try {
          await handle.write(chunk);
        } catch (error) {
          throw new ImagingError(ImagingErrorCode.CACHE_FAILED, `Writing ${partPath} failed: ${(error as Error).message}`, { path: partPath, reason: (error as Error).message }, { cause: error });
        }
        hash.update(chunk);
        bytes += chunk.length;
        report();
        yield chunk;
      }
      await handle.sync();
      await handle.close();
      handle = undefined;
    } finally {
      // Also when the consumer stops early (return() at a yield: a failed or cancelled write).
      await handle?.close().catch(() => undefined);
    }

    const actual = hash.digest('hex');
    if (options.expectedSize !== undefined && bytes !== options.expectedSize) {
      await rm(partPath, { force: true });
      await rm(metaPath, { force: true });
      throw new ImagingError(ImagingErrorCode.DOWNLOAD_SIZE_MISMATCH, `${options.url} is ${bytes} bytes, the catalogue says ${options.expectedSize}`, { expected: options.expectedSize, actual: bytes, url: options.url });
    }
    if (expected && actual !== expected) {
      await rm(partPath, { force: true });
      await rm(metaPath, { force: true });
      throw new ImagingError(ImagingErrorCode.DOWNLOAD_CHECKSUM_MISMATCH, `${options.url} has SHA-256 ${actual}, expected ${expected}`, { expected, actual, url: options.url });
    }
    await rename(partPath, join(this.dir, file));
    await rm(metaPath, { force: true });
    const now = Date.now();
    const image: CachedImage = { key, file, url: options.url, name: options.name, downloadSha256: actual, downloadSize: bytes, addedAt: now, lastUsedAt: now };
    const index = await this.#load();
    index.entries[key] = image;
    await this.#save();
    done({ image, checked: expected !== undefined });
  }

  /** Evict least recently used images until the cache fits its cap; `keep` are never evicted. */
  async enforceCap(keep: readonly string[] = []): Promise<string[]> {
    const cap = this.#capBytes();
    const index = await this.#load();
    const sized = await Promise.all(Object.values(index.entries).map(async (e) => ({ e, bytes: (await fileSize(join(this.dir, e.file))) ?? 0 })));
    let total = sized.reduce((sum, s) => sum + s.bytes, 0);
    const evicted: string[] = [];
    for (const { e, bytes } of sized.sort((a, b) => a.e.lastUsedAt - b.e.lastUsedAt)) {
      if (total <= cap) break;
      if (keep.includes(e.key)) continue;
      await this.#forget(e.key);
      total -= bytes;
      evicted.push(e.key);
    }
    return evicted;
  }

  /** Delete an interrupted download of this image (its bytes are known to be bad). */
  async discardPartial(url: string, downloadSha256: string | undefined): Promise<void> {
    const part = join(this.dir, `${ImageCache.keyFor(url, downloadSha256)}.part`);
    await rm(part, { force: true });
    await rm(`${part}.json`, { force: true });
  }

  /** Drop one image (e.g. one larger than the cap, after the job that needed it). */
  async remove(key: string): Promise<void> {
    await this.#forget(key);
  }

  async #forget(key: string): Promise<void> {
    const index = await this.#load();
    const entry = index.entries[key];
    if (entry) await rm(join(this.dir, entry.file), { force: true });
    delete index.entries[key];
    await this.#save();
  }

  async #ensureDir(): Promise<void> {
    try {
      await mkdir(this.dir, { recursive: true });
    } catch (error) {
      throw new ImagingError(ImagingErrorCode.CACHE_FAILED, `Cannot create ${this.dir}: ${(error as Error).message}`, { path: this.dir, reason: (error as Error).message }, { cause: error });
    }
  }

  async #load(): Promise<CacheIndex> {
    if (this.#index) return this.#index;
    const saved = await readJson<CacheIndex>(join(this.dir, 'index.json'));
    this.#index = saved && saved.version === 1 && saved.entries && saved.learned ? saved : { version: 1, entries: {}, learned: {} };
    return this.#index;
  }

  async #save(): Promise<void> {
    const index = this.#index;
    if (!index) return;
    this.#indexWrite = this.#indexWrite
      .catch(() => undefined)
      .then(async () => {
        await this.#ensureDir();
        await writeFileAtomic(join(this.dir, 'index.json'), JSON.stringify(index, null, 2));
      });
    await this.#indexWrite;
  }
}

/** SHA-256 of a whole file. */
export async function hashFile(path: string, signal?: AbortSignal, onProgress?: (bytes: number) => void): Promise<string> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: READ_CHUNK })) {
    if (signal?.aborted) throw cancelled();
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
    onProgress?.(bytes);
  }
  return hash.digest('hex');
}

function extensionOf(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '').toLowerCase();
  const match = /(\.img\.xz|\.img\.gz|\.zip|\.img|\.xz|\.gz)$/.exec(name);
  return match ? match[1]! : '.bin';
}

async function fileSize(path: string): Promise<number | undefined> {
  try {
    const info = await stat(path);
    return info.isFile() ? info.size : undefined;
  } catch {
    return undefined;
  }
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}
