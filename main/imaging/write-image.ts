/**
 * Writing one image onto several cards in one pass (the heart of an imaging job):
 *   open every card (card-target.ts steps 1-2); stream the image once (download + decompression
 *   happen upstream, paced by the slowest card through fan-out.ts), hashing it as it goes and
 *   holding back its first MiB; when the stream ends, check its size and SHA-256 against the
 *   catalogue (extract_size / extract_sha256) and only then let each card write its first MiB
 *   and read itself back. Each card then runs `afterVerify` (the node's boot configuration).
 * Each card ends with its own outcome: a good card only after its read-back matched, a failed
 * card with a specific code; a failure of the image itself (damaged, wrong checksum, download
 * failed, cancelled) fails every card still writing, and none of them was given a first MiB.
 */
import type { DriveInfo } from '../cards/drive-info';
import { cardHash } from './card-hash';
import { CardTarget, HEAD_BYTES } from './card-target';
import type { OpenRawDevice } from './card-target';
import { IMAGE_CHUNK_BYTES } from './chunk-recycler';
import { FanOut } from './fan-out';
import { HashWorker } from './hash-worker';
import type { DecodedImage } from './image-source';
import { cancelled } from './http-download';
import { ImagingError, ImagingErrorCode, toFailure } from './imaging-errors';
import type { ImagingFailure } from './imaging-errors';

/** Whole chunks are written as they come: the size the xz decoder hands out. */
export const WRITE_CHUNK = IMAGE_CHUNK_BYTES;

export type CardPhase = 'waiting' | 'opening' | 'writing' | 'finishing' | 'verifying' | 'configuring' | 'done' | 'failed';

export interface CardProgress {
  device: string;
  phase: CardPhase;
  /** Bytes written (writing) or read back (verifying). */
  bytes: number;
  total: number | null;
}

export interface WriteTarget<R> {
  drive: Pick<DriveInfo, 'device' | 'raw' | 'size' | 'mountpoints'>;
  /** Runs after the card verified (boot configuration); its result is the card's report. */
  afterVerify?: (signal: AbortSignal | undefined) => Promise<R>;
}

export type CardOutcome<R> =
  | { device: string; ok: true; bytes: number; sha256: string; report: R | undefined }
  | { device: string; ok: false; stage: 'open' | 'write' | 'verify' | 'configure'; bytes: number; error: ImagingFailure };

export interface WriteImageRequest<R> {
  /** The raw image bytes, any chunk sizes; whole chunks go back to its `recycle` once every card wrote them. */
  image: DecodedImage;
  /** Expected size / SHA-256 of the raw image, when known. */
  extractSize?: number;
  extractSha256?: string;
  targets: WriteTarget<R>[];
  openDevice: OpenRawDevice;
  signal?: AbortSignal;
  /** Chunks queued per card before the stream waits (default 4). */
  depth?: number;
  onCard?: (progress: CardProgress) => void;
  /** Called once when the whole image went through with a valid size and hash. */
  onImageComplete?: (image: { size: number; sha256: string }) => void | Promise<void>;
}

export interface WriteImageResult<R> {
  image: { size: number; sha256: string } | null;
  /** Why the image itself failed (then every card that was still writing failed with it). */
  imageError?: ImagingFailure;
  cards: CardOutcome<R>[];
}

export async function writeImage<R>(request: WriteImageRequest<R>): Promise<WriteImageResult<R>> {
  const { signal } = request;
  const outcomes = new Map<string, CardOutcome<R>>();
  const targets = new Map<string, CardTarget>();
  const inFlight = new Map<string, Promise<void>>();
  const report = (device: string, phase: CardPhase, bytes: number, total: number | null) => request.onCard?.({ device, phase, bytes, total });
  const fail = (device: string, stage: 'open' | 'write' | 'verify' | 'configure', error: unknown) => {
    if (outcomes.has(device)) return;
    const bytes = targets.get(device)?.bytesWritten ?? 0;
    outcomes.set(device, { device, ok: false, stage, bytes, error: toFailure(signal?.aborted ? cancelled() : error) });
    report(device, 'failed', bytes, request.extractSize ?? null);
  };

  // The image's SHA-256 on a worker thread (hash-worker.ts); XXH3 is cheap enough here. The
  // hashing thread and the decoding (its own thread too, for xz) start while the cards open:
  // each thread takes ~50 ms to start, which the first chunk otherwise waited for.
  const hashStarting = HashWorker.start();
  hashStarting.catch(() => undefined); // awaited below, or closed on an early return
  const closeHash = () => hashStarting.then((h) => h.close(), () => undefined);
  const images = request.image[Symbol.asyncIterator]();
  const firstPiece = images.next();
  firstPiece.catch(() => undefined); // awaited in the loop below

  // 1-2: open every card at once (a password prompt per card that needs one).
  for (const t of request.targets) report(t.drive.device, 'opening', 0, request.extractSize ?? null);
  await Promise.all(
    request.targets.map(async (t) => {
      try {
        const target = await CardTarget.open({ drive: t.drive, openDevice: request.openDevice, ...(request.extractSize !== undefined ? { imageBytes: request.extractSize } : {}), ...(signal ? { signal } : {}) });
        targets.set(t.drive.device, target);
        report(t.drive.device, 'writing', 0, request.extractSize ?? null);
      } catch (error) {
        fail(t.drive.device, 'open', error);
      }
    }),
  );
  const abandonAll = async () => {
    await Promise.all([...targets.values()].map(async (t) => {
      await inFlight.get(t.device)?.catch(() => undefined);
      await t.abandon();
    }));
  };
  if (targets.size === 0 || signal?.aborted) {
    for (const t of request.targets) fail(t.drive.device, 'open', cancelled());
    await abandonAll();
    await images.return?.().catch(() => undefined);
    await closeHash();
    return { image: null, cards: order(request.targets, outcomes) };
  }

  // 3: stream, hash, hold the first MiB, fan out the rest.
  const fan = new FanOut(
    [...targets.values()].map((target) => ({
      id: target.device,
      write: (chunk: Buffer, offset: number) => {
        const writing = target.write(chunk, offset).then(() => report(target.device, 'writing', target.bytesWritten, request.extractSize ?? null));
        inFlight.set(target.device, writing.catch(() => undefined));
        return writing;
      },
    })),
    { depth: request.depth ?? 4, onFail: (sink, error) => fail(sink.id, 'write', error) },
  );
  let hash: HashWorker;
  try {
    hash = await hashStarting;
  } catch (error) {
    await images.return?.();
    throw error;
  }
  async function* imagePieces(): AsyncGenerator<Buffer> {
    try {
      for (let next = await firstPiece; !next.done; next = await images.next()) yield next.value;
    } finally {
      await images.return?.();
    }
  }
  /** What each card must read back as (card-hash.ts); the SHA-256 checks the image itself. */
  const written = cardHash();
  const head = Buffer.alloc(HEAD_BYTES);
  let headBytes = 0;
  let size = 0;
  /** The chunk being gathered; allocated only when pieces need gathering (whole chunks are written as they come). */
  let pending: Buffer | undefined;
  let pendingBytes = 0;
  let pendingOffset = 0;
  const flushPending = async (done?: () => void) => {
    if (pendingBytes === 0 || !pending) return;
    const chunk = pending.subarray(0, pendingBytes);
    let offset = pendingOffset;
    let body = chunk;
    if (offset < HEAD_BYTES) {
      const inHead = Math.min(HEAD_BYTES - offset, chunk.length);
      chunk.copy(head, offset, 0, inHead);
      headBytes = Math.max(headBytes, offset + inHead);
      body = chunk.subarray(inHead);
      offset += inHead;
    }
    pendingOffset += pendingBytes;
    pending = undefined;
    pendingBytes = 0;
    if (body.length > 0) await fan.push(body, offset, done);
    else done?.();
  };

  let imageError: ImagingFailure | undefined;
  try {
    const recycle = request.image.recycle;
    for await (const decoded of imagePieces()) {
      if (signal?.aborted) throw cancelled();
      if (fan.live.length === 0) break;
      const piece = await hash.update(decoded);
      written.update(piece);
      size += piece.length;
      if (pendingBytes === 0 && piece.length === WRITE_CHUNK) {
        // A whole aligned chunk (the xz worker hands out exactly these): write it as it is.
        pending = piece;
        pendingBytes = WRITE_CHUNK;
        await flushPending(recycle && (() => recycle(piece)));
        continue;
      }
      for (let used = 0; used < piece.length; ) {
        const take = Math.min(piece.length - used, WRITE_CHUNK - pendingBytes);
        pending ??= Buffer.allocUnsafe(WRITE_CHUNK);
        piece.copy(pending, pendingBytes, used, used + take);
        pendingBytes += take;
        used += take;
        if (pendingBytes === WRITE_CHUNK) await flushPending();
      }
    }
    if (signal?.aborted) throw cancelled();
    await flushPending();
    await fan.drain();
    const live = new Set(fan.live.map((s) => s.id));
    await Promise.all(
      [...targets.values()]
        .filter((t) => !live.has(t.device))
        .map(async (t) => {
          await inFlight.get(t.device);
          await t.abandon();
        }),
    );
    if (live.size === 0) return { image: null, cards: order(request.targets, outcomes) }; // every card failed on its own
    const sha256 = await hash.digest();
    void hash.close();
    const writtenHash = written.digest();
    if (request.extractSize !== undefined && size !== request.extractSize) {
      throw new ImagingError(ImagingErrorCode.IMAGE_SIZE_MISMATCH, `The image is ${size} bytes, the catalogue says ${request.extractSize}`, { expected: request.extractSize, actual: size });
    }
    if (request.extractSha256 && sha256 !== request.extractSha256) {
      throw new ImagingError(ImagingErrorCode.IMAGE_CHECKSUM_MISMATCH, `The image has SHA-256 ${sha256}, the catalogue says ${request.extractSha256}`, { expected: request.extractSha256, actual: sha256 });
    }
    await request.onImageComplete?.({ size, sha256 });
    const image = { size, sha256 };

    // 4-5 (+ configuration), every card on its own.
    await Promise.all(
      fan.live.map(async (sink) => {
        const target = targets.get(sink.id)!;
        const source = request.targets.find((t) => t.drive.device === sink.id)!;
        try {
          report(target.device, 'finishing', size, size);
          await target.finish(head.subarray(0, Math.min(headBytes, size)));
        } catch (error) {
          fail(target.device, 'write', error);
          await target.abandon();
          return;
        }
        try {
          if (signal?.aborted) throw cancelled();
          report(target.device, 'verifying', 0, size);
          await target.verify(size, writtenHash, { ...(signal ? { signal } : {}), onProgress: (bytes) => report(target.device, 'verifying', bytes, size) });
        } catch (error) {
          fail(target.device, 'verify', error);
          await target.abandon();
          return;
        }
        let result: R | undefined;
        if (source.afterVerify) {
          try {
            report(target.device, 'configuring', size, size);
            result = await source.afterVerify(signal);
          } catch (error) {
            // The image is good on the card; only its configuration is missing.
            fail(target.device, 'configure', error);
            return;
          }
        }
        outcomes.set(target.device, { device: target.device, ok: true, bytes: size, sha256, report: result });
        report(target.device, 'done', size, size);
      }),
    );
    return { image, cards: order(request.targets, outcomes) };
  } catch (error) {
    imageError = toFailure(signal?.aborted ? cancelled() : error);
    for (const sink of fan.live) fan.drop(sink.id, error);
    for (const t of request.targets) fail(t.drive.device, 'write', signal?.aborted ? cancelled() : error);
    await abandonAll();
    return { image: null, imageError, cards: order(request.targets, outcomes) };
  } finally {
    await hash.close();
  }
}

function order<R>(targets: readonly WriteTarget<R>[], outcomes: Map<string, CardOutcome<R>>): CardOutcome<R>[] {
  return targets.map((t) => outcomes.get(t.drive.device)!);
}
