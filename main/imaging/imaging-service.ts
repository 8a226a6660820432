/**
 * Imaging in the app: the catalogue in use (the practice lab's in practice mode, else a URL the
 * user chose, else the built-in list), local files, the confirmation data, and imaging jobs that
 * take one image (cache, or one download with resume) through one decompression onto every
 * selected card, verify each card and then write its node's boot configuration with step 2's
 * code (card-writer.ts prepareCard), one report per card. Settings (catalogue URL, cache cap)
 * live in the state file under records.imaging. One imaging job runs at a time.
 */
import { createReadStream } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Dispatcher } from 'undici';
import { z } from 'zod';
import type { CardReport } from '../../preload/contract/cards';
import type {
  CatalogueEntryView,
  CatalogueView,
  ImageCacheInfo,
  ImagingConfirmation,
  ImagingProgressView,
  ImagingResult,
  imagingMethods,
  LocalImageView,
} from '../../preload/contract/imaging';
import type { StoredPlan } from '../../preload/contract/plan';
import type { Ejector } from '../cards/card-eject';
import { prepareCard } from '../cards/card-writer';
import type { DriveInfo } from '../cards/drive-info';
import { assessDrives, checkWriteAllowed } from '../cards/drive-safety';
import type { SafetyContext } from '../cards/drive-safety';
import { platformElevatedAccess } from '../disk/elevated/elevated-device';
import type { JobPhase } from '../jobs/job-codes';
import type { JobContext, JobManager } from '../jobs/job-manager';
import { AppError } from '../router/app-error';
import type { Slice, SliceDef } from '../state/state-store';
import { builtinCatalogue } from './builtin-catalogue';
import { defaultEntry, loadCatalogue, sha256sumsUrlFor, checkCatalogueUrl } from './catalogue';
import type { Catalogue, CatalogueEntry, CompressedFormat } from './catalogue';
import type { OpenRawDevice } from './card-target';
import { fetchText, imagingDispatcher } from './http-download';
import type { ResumableBodyOptions } from './http-download';
import { DEFAULT_CACHE_CAP_BYTES, ImageCache } from './image-cache';
import type { CachedImage } from './image-cache';
import { decompress, inspectLocalImage, xzUncompressedSize, zipImage } from './image-source';
import type { DecodedImage, LocalImage } from './image-source';
import { ImagingError, ImagingErrorCode, toFailure } from './imaging-errors';
import { findSha256 } from './sha256sums';
import { dispatcherForUrl } from './system-proxy';
import { RateMeter } from './rate-meter';
import { writeImage } from './write-image';
import type { CardPhase } from './write-image';
import type { XzDecoderName } from './xz-worker';

type Methods = typeof imagingMethods;
export type ImagingHandlers = {
  [M in keyof Methods]: (params: z.output<Methods[M]['params']>) => Promise<z.output<Methods[M]['result']>>;
};

export interface ImagingServiceOptions {
  dataDir: string;
  /** App-wide settings slice (imagingSettingsSlice): catalogue URL, cache cap. */
  settings: Slice<ImagingSettings>;
  jobs: JobManager;
  /** The stored plan with its derived secrets (PlanService.stored). */
  plan: () => StoredPlan | null;
  /** A fresh drive list (CardsService.scanner.rescan()). */
  drives: () => Promise<DriveInfo[]>;
  /** The drive-safety context of step 2 for a drive list (CardsService.safetyContext(list)). */
  safety: (drives: readonly DriveInfo[]) => SafetyContext;
  /** Ejects a card after it was configured (CardsService.eject for practice + real drives). */
  eject?: Ejector;
  /** Keeps each card's report where step 2 keeps them (CardsService.saveReport). */
  saveReport?: (report: CardReport) => Promise<void>;
  /** Marks devices busy in step 2 while the job writes them; returns the release. */
  reserve?: (devices: string[]) => () => void;
  /** The practice lab's catalogue URL while practice mode is on. */
  practiceCatalogueUrl?: () => Promise<string | undefined>;
  /** Opens a card's raw device; default: BlockDevice, or the administrator helper (main/disk/elevated/). */
  openDevice?: OpenRawDevice;
  /** Tests: one dispatcher for every request (else the environment's or the desktop's proxy, see system-proxy.ts). */
  dispatcher?: Dispatcher;
  /** The desktop's proxy for a URL in PAC result form (Electron's session.resolveProxy); unset in the browser host. */
  systemProxy?: (url: string) => Promise<string>;
  /** The desktop's file dialog for a local image (Electron); unset in the browser host. */
  pickLocalFile?: () => Promise<string | null>;
  retry?: Pick<ResumableBodyOptions, 'attempts' | 'minDelayMs' | 'maxDelayMs' | 'stallTimeoutMs'>;
  onProgress?: (progress: ImagingProgressView) => void;
}

export interface ImagingSettings {
  catalogueUrl?: string;
  cacheCapBytes?: number;
}

/** App-wide (not per world): the catalogue the user chose and the cache cap. */
export const imagingSettingsSlice: SliceDef<ImagingSettings> = {
  id: 'imaging',
  version: 1,
  schema: z.object({ catalogueUrl: z.string().optional(), cacheCapBytes: z.number().int().nonnegative().optional() }),
  initial: () => ({}),
};

type ChosenImage = { kind: 'catalogue'; entry: CatalogueEntry } | { kind: 'local'; image: LocalImage };

const PROGRESS_INTERVAL_MS = 200;

export class ImagingService {
  readonly cache: ImageCache;
  readonly #options: ImagingServiceOptions;
  #catalogue: { key: string; catalogue: Catalogue; kind: CatalogueView['source'] } | undefined;
  readonly #local = new Map<string, LocalImage>();
  readonly #progress = new Map<string, ImagingProgressView>();
  #running: string | undefined;

  constructor(options: ImagingServiceOptions) {
    this.#options = options;
    this.cache = new ImageCache(join(options.dataDir, 'images'), { capBytes: () => this.#settings().cacheCapBytes ?? DEFAULT_CACHE_CAP_BYTES });
  }

  handlers(): ImagingHandlers {
    return {
      'imaging.catalogue': async ({ refresh }) => await this.catalogue(refresh ?? false),
      'imaging.setCatalogueUrl': async ({ url }) => await this.setCatalogueUrl(url),
      'imaging.chooseLocalFile': async ({ path }) => await this.chooseLocalFile(path),
      'imaging.pickLocalFile': async () => await this.pickLocalFile(),
      'imaging.confirmation': async ({ imageId, targets }) => await this.confirmation(imageId, targets),
      'imaging.start': async ({ imageId, targets }) => ({ jobId: await this.start(imageId, targets) }),
      'imaging.job': async ({ jobId }) => this.job(jobId),
      'imaging.cacheInfo': async () => await this.cache.info(),
      'imaging.clearCache': async () => await this.clearCache(),
      'imaging.setCacheCap': async ({ bytes }) => await this.setCacheCap(bytes),
    };
  }

  #settings(): ImagingSettings {
    return this.#options.settings.get();
  }

  async #saveSettings(change: ImagingSettings): Promise<void> {
    await this.#options.settings.update((previous) => {
      const next: ImagingSettings = { ...previous, ...change };
      if (change.catalogueUrl === undefined && 'catalogueUrl' in change) delete next.catalogueUrl;
      return next;
    });
  }

  /** The catalogue in use: practice lab's, else the user's URL, else the built-in list. */
  async catalogue(refresh = false): Promise<CatalogueView> {
    const practice = await this.#options.practiceCatalogueUrl?.();
    const custom = this.#settings().catalogueUrl;
    const kind: CatalogueView['source'] = practice ? 'practice' : custom ? 'custom' : 'builtin';
    const key = practice ?? custom ?? 'builtin';
    if (refresh || this.#catalogue?.key !== key) {
      const catalogue = kind === 'builtin' ? await builtinCatalogue() : await loadCatalogue(key, { dispatcher: await this.#dispatcherFor(key) });
      this.#catalogue = { key, catalogue, kind };
    }
    return await this.#view(this.#catalogue!);
  }

  async setCatalogueUrl(url: string | null): Promise<CatalogueView> {
    if (url === null || url.trim() === '') {
      await this.#saveSettings({ catalogueUrl: undefined });
      return await this.catalogue(true);
    }
    const href = checkCatalogueUrl(url).href;
    const catalogue = await loadCatalogue(href, { dispatcher: await this.#dispatcherFor(href) }); // refuses a bad list before keeping it
    await this.#saveSettings({ catalogueUrl: href });
    this.#catalogue = { key: href, catalogue, kind: 'custom' };
    return await this.catalogue();
  }

  async chooseLocalFile(path: string): Promise<LocalImageView> {
    const image = await inspectLocalImage(path);
    const id = 'local-' + createHash('sha256').update(image.path).digest('hex').slice(0, 16);
    this.#local.set(id, image);
    return { id, path: image.path, name: image.name, format: image.format, fileBytes: image.fileBytes, ...(image.extractSize !== undefined ? { extractSize: image.extractSize } : {}) };
  }

  /** The desktop's file dialog, then the same checks as a typed path; null when the user cancelled. */
  async pickLocalFile(): Promise<LocalImageView | null> {
    if (!this.#options.pickLocalFile) throw new AppError('UNAVAILABLE', 'This window has no file dialog (browser host): type or paste the path of the image file instead.');
    const path = await this.#options.pickLocalFile();
    return path === null ? null : await this.chooseLocalFile(path);
  }

  async confirmation(imageId: string, targets: { device: string; hostname: string }[]): Promise<ImagingConfirmation> {
    const chosen = await this.#chosen(imageId);
    const { extractSize, downloadSize, name } = await this.#sizes(chosen);
    const cached = chosen.kind === 'catalogue' && (await this.#isCached(chosen.entry));
    const drives = await this.#options.drives();
    const safety = this.#options.safety(drives);
    const assessments = assessDrives(drives, safety);
    return {
      image: { id: imageId, name, extractSize: extractSize ?? null, downloadSize: downloadSize ?? null, cached },
      cards: targets.map(({ device, hostname }) => {
        const a = assessments.find((x) => x.drive.device === device);
        const size = a?.drive.size ?? null;
        const tooSmall = extractSize !== undefined && size !== null && size > 0 && size < extractSize;
        return {
          device,
          hostname,
          description: a?.drive.description ?? '',
          size,
          practice: safety.knownCardReaders?.has(device) ?? false,
          content: null,
          warnings: a?.warnings ?? [],
          problems: a ? a.problems : [{ code: 'DEVICE_GONE', message: `${device} is not connected.` }],
          tooSmall,
          allowed: !!a && a.writable && !tooSmall,
        };
      }),
    };
  }

  /** Per-card progress of a job of this run. */
  job(jobId: string): ImagingProgressView {
    const progress = this.#progress.get(jobId);
    if (!progress) throw new AppError('NOT_FOUND', `There is no imaging job ${jobId} in this run of the app.`);
    return progress;
  }

  async clearCache(): Promise<ImageCacheInfo> {
    if (this.#running) throw new AppError('CONFLICT', 'An imaging job is running; clear the cache when it has finished.');
    await this.cache.clear();
    return await this.cache.info();
  }

  async setCacheCap(bytes: number): Promise<ImageCacheInfo> {
    await this.#saveSettings({ cacheCapBytes: bytes });
    if (!this.#running) await this.cache.enforceCap();
    return await this.cache.info();
  }

  /** Check everything the user asked for, then start the job; returns its id. */
  async start(imageId: string, targets: { device: string; hostname: string; confirmDevice: string; confirmLargeDrive?: number }[]): Promise<string> {
    if (this.#running) throw new AppError('CONFLICT', 'An imaging job is already running; add the cards to one job or wait for it to finish.');
    const plan = this.#options.plan();
    if (!plan) throw new AppError('UNAVAILABLE', 'Save the cluster plan first: each card is configured for one of its nodes.');
    if (targets.length === 0) throw new AppError('INVALID_PARAMS', 'Choose at least one card.');
    const seen = new Set<string>();
    const hosts = new Set<string>();
    for (const t of targets) {
      if (seen.has(t.device)) throw new AppError('INVALID_PARAMS', `${t.device} is listed twice.`);
      if (hosts.has(t.hostname)) throw new AppError('INVALID_PARAMS', `${t.hostname} is given two cards.`);
      seen.add(t.device);
      hosts.add(t.hostname);
      if (!plan.nodes.some((n) => n.hostname === t.hostname)) throw new AppError('NOT_FOUND', `${t.hostname} is not a node of the saved plan.`);
    }
    const chosen = await this.#chosen(imageId);
    const sizes = await this.#sizes(chosen);
    const drives = await this.#options.drives();
    const assessments = assessDrives(drives, this.#options.safety(drives));
    const chosenDrives: DriveInfo[] = [];
    for (const t of targets) {
      const a = assessments.find((x) => x.drive.device === t.device);
      if (!a) throw new AppError('DEVICE_GONE', `${t.device} is no longer connected. Put the card back in and try again.`);
      checkWriteAllowed(a, t.confirmDevice, t.confirmLargeDrive);
      if (sizes.extractSize !== undefined && a.drive.size && a.drive.size < sizes.extractSize) {
        throw new ImagingError(ImagingErrorCode.CARD_TOO_SMALL, `${t.device} holds ${a.drive.size} bytes, the image needs ${sizes.extractSize}`, { device: t.device, cardBytes: a.drive.size, imageBytes: sizes.extractSize });
      }
      chosenDrives.push(a.drive);
    }
    const release = this.#options.reserve?.(targets.map((t) => t.device)) ?? (() => undefined);
    let job;
    try {
      job = this.#options.jobs.start({
        kind: 'imaging',
        title: `Write ${sizes.name} onto ${targets.length === 1 ? '1 card' : `${targets.length} cards`}`,
        subject: targets.map((t) => t.hostname).join(', '),
        run: async (ctx) => this.#run(ctx, plan, chosen, sizes, targets, chosenDrives, await this.#dispatcherFor(chosen.kind === 'catalogue' ? chosen.entry.url : undefined)),
      });
    } catch (error) {
      release();
      throw error;
    }
    this.#running = job.id;
    void this.#options.jobs.settled(job.id).finally(() => {
      release();
      if (this.#running === job.id) this.#running = undefined;
    });
    return job.id;
  }

  async #run(
    ctx: JobContext,
    plan: StoredPlan,
    chosen: ChosenImage,
    sizes: { name: string; extractSize?: number; extractSha256?: string; downloadSha256?: string },
    targets: { device: string; hostname: string; confirmLargeDrive?: number }[],
    drives: DriveInfo[],
    dispatcher: Dispatcher,
  ): Promise<ImagingResult> {
    const { signal } = ctx;
    const progress: ImagingProgressView = {
      jobId: ctx.id,
      phase: 'preparing',
      image: { name: sizes.name, extractSize: sizes.extractSize ?? null },
      download: null,
      source: chosen.kind === 'local' ? 'local' : 'download',
      cards: targets.map((t, i) => ({ device: t.device, hostname: t.hostname, description: drives[i]!.description, size: drives[i]!.size, phase: 'waiting', bytes: 0, total: sizes.extractSize ?? null, bytesPerSecond: 0, secondsLeft: null })),
    };
    this.#progress.set(ctx.id, progress);
    const meters = new Map(targets.map((t) => [t.device, new RateMeter()]));
    let lastEmit = 0;
    const emit = (force = false) => {
      const now = performance.now();
      if (!force && now - lastEmit < PROGRESS_INTERVAL_MS) return;
      lastEmit = now;
      const snapshot = structuredClone(progress);
      this.#progress.set(ctx.id, snapshot);
      this.#options.onProgress?.(snapshot);
      ctx.progress(overallFraction(snapshot), snapshot.download && snapshot.phase !== 'verifying' ? snapshot.download.bytesPerSecond : Math.min(...snapshot.cards.filter((c) => c.phase === 'writing' || c.phase === 'verifying').map((c) => c.bytesPerSecond), Infinity) || 0);
    };
    const setPhase = (phase: ImagingProgressView['phase'], jobPhase: JobPhase) => {
      progress.phase = phase;
      ctx.phase(jobPhase);
      emit(true);
    };
    emit(true);

    let extractSize = sizes.extractSize;
    let extractSha256 = sizes.extractSha256;
    let downloadSha256 = sizes.downloadSha256;
    let cacheKey: string | undefined;
    let downloadChecked = false;
    let image: DecodedImage;
    const logDecoder = (name: XzDecoderName) => ctx.log(name === 'liblzma' ? 'Decompressing with C liblzma (node-liblzma) on a thread of its own.' : 'Decompressing with @napi-rs/lzma on a thread of its own (node-liblzma did not load).');

    try {
      if (chosen.kind === 'local') {
        ctx.log(`Writing the local file ${chosen.image.path}.`);
        image = await this.#localStream(chosen.image, signal, logDecoder);
      } else {
        const entry = chosen.entry;
        if (!downloadSha256) {
          setPhase('preparing', 'reading-checksums');
          const sumsUrl = sha256sumsUrlFor(entry);
          try {
            downloadSha256 = findSha256(await fetchText(sumsUrl, { dispatcher, signal }), new URL(entry.url).pathname);
          } catch (error) {
            if (signal.aborted) throw error;
            ctx.log(`No SHA256SUMS at ${sumsUrl} (${(error as Error).message}).`);
          }
          ctx.log(downloadSha256 ? `SHA256SUMS lists ${downloadSha256} for this image.` : 'No published checksum for this image: it is checked by its decompressed hash only.');
          const learned = await this.cache.learned(downloadSha256);
          extractSize ??= learned?.extractSize;
          extractSha256 ??= learned?.extractSha256;
        }
        setPhase('checking-cache', 'checking-cache');
        const cached = await this.cache.lookup(entry.url, downloadSha256, { signal });
        if (cached) {
          ctx.log(`Using the cached copy (SHA-256 checked): ${this.cache.pathOf(cached)}.`);
          progress.source = 'cache';
          cacheKey = cached.key;
          downloadChecked = !!downloadSha256;
          image = await this.#cachedStream(cached, entry.format, signal, (size) => (extractSize ??= size), logDecoder);
        } else {
          const downloadMeter = new RateMeter();
          progress.download = { bytes: 0, total: entry.downloadSize ?? null, bytesPerSecond: 0, secondsLeft: null, resumedFrom: 0, retries: 0 };
          const body = this.cache.download(
            {
              url: entry.url,
              name: entry.name,
              ...(downloadSha256 ? { expectedSha256: downloadSha256 } : {}),
              ...(entry.downloadSize !== undefined ? { expectedSize: entry.downloadSize } : {}),
              dispatcher,
              signal,
              retry: {
                ...this.#options.retry,
                onRetry: ({ offset, reason }) => {
                  progress.download!.retries++;
                  ctx.log(`The connection broke at byte ${offset} (${reason}); resuming from there.`);
                },
              },
              onProgress: ({ bytes, total, resumedFrom }) => {
                downloadMeter.update(bytes);
                Object.assign(progress.download!, { bytes, total, resumedFrom, bytesPerSecond: downloadMeter.bytesPerSecond, secondsLeft: downloadMeter.secondsLeft(total) });
                emit();
              },
            },
            (done) => {
              cacheKey = done.image.key;
              downloadChecked = done.checked;
              ctx.log(`Downloaded ${done.image.downloadSize} bytes${done.checked ? ', SHA-256 matches' : ''}; kept in the cache.`);
            },
          );
          if (entry.format === 'zip') {
            setPhase('downloading', 'downloading');
            for await (const chunk of body) void chunk; // a zip is read from its directory at the end
            const kept = await this.cache.lookup(entry.url, downloadSha256, { signal });
            if (!kept) throw new ImagingError(ImagingErrorCode.CACHE_FAILED, 'The downloaded zip vanished from the cache', { path: this.cache.dir, reason: 'missing' });
            image = await this.#cachedStream(kept, 'zip', signal, (size) => (extractSize ??= size), logDecoder);
          } else {
            image = decompress(entry.format, body, signal, logDecoder);
          }
        }
      }
    } catch (error) {
      progress.phase = signal.aborted ? 'cancelled' : 'failed';
      for (const card of progress.cards) Object.assign(card, { phase: 'failed', error: toFailure(error) });
      emit(true);
      throw error;
    }

    setPhase('writing', progress.download ? 'downloading-and-writing' : 'writing');
    progress.image.extractSize = extractSize ?? null;
    const hostOf = new Map(targets.map((t) => [t.device, t.hostname]));
    const largeConfirmed = new Map(targets.flatMap((t) => (t.confirmLargeDrive !== undefined ? [[t.device, t.confirmLargeDrive] as const] : [])));
    const result = await writeImage<CardReport>({
      image,
      ...(extractSize !== undefined ? { extractSize } : {}),
      ...(extractSha256 ? { extractSha256 } : {}),
      openDevice: this.#options.openDevice ?? ((path, o) => platformElevatedAccess().openDevice(path, o)),
      signal,
      targets: drives.map((drive) => ({
        drive,
        afterVerify: async (jobSignal) => {
          const fresh = await this.#options.drives();
          const report = await prepareCard({
            plan,
            hostname: hostOf.get(drive.device)!,
            device: drive.device,
            confirmDevice: drive.device,
            ...(largeConfirmed.has(drive.device) ? { confirmLargeDrive: largeConfirmed.get(drive.device)! } : {}),
            drives: fresh,
            safety: this.#options.safety(fresh),
            ...(this.#options.eject ? { eject: this.#options.eject } : {}),
            ...(jobSignal ? { signal: jobSignal } : {}),
          });
          await this.#options.saveReport?.(report);
          ctx.log(`${hostOf.get(drive.device)}: boot configuration written and read back on ${drive.device}. ${report.eject.message}`);
          return report;
        },
      })),
      onCard: ({ device, phase, bytes, total }) => {
        const card = progress.cards.find((c) => c.device === device)!;
        if (card.phase !== phase && (phase === 'verifying' || phase === 'writing')) meters.set(device, new RateMeter());
        const current = meters.get(device)!;
        current.update(bytes);
        Object.assign(card, { phase, bytes, total, bytesPerSecond: current.bytesPerSecond, secondsLeft: current.secondsLeft(total) });
        if (phase === 'verifying' && progress.phase === 'writing') setPhase('verifying', 'verifying');
        emit(phase !== 'writing' && phase !== 'verifying');
      },
      onImageComplete: async ({ size, sha256 }) => {
        ctx.log(`Image complete: ${size} bytes, SHA-256 ${sha256}${extractSha256 ? ' (matches the catalogue)' : ''}.`);
        if (chosen.kind === 'catalogue' && downloadSha256 && downloadChecked && !extractSha256) {
          await this.cache.learn(downloadSha256, { sha256, size });
          ctx.log('Recorded the decompressed size and hash: later writes of this image are checked against them.');
        }
      },
    });

    if (result.imageError?.code === ImagingErrorCode.IMAGE_CORRUPT && chosen.kind === 'catalogue' && progress.source === 'download') {
      await this.cache.discardPartial(chosen.entry.url, downloadSha256); // never resume from damaged bytes
    }
    for (const outcome of result.cards) {
      const card = progress.cards.find((c) => c.device === outcome.device)!;
      if (outcome.ok) Object.assign(card, { phase: 'done' as CardPhase });
      else {
        Object.assign(card, { phase: 'failed' as CardPhase, error: outcome.error });
        ctx.log(`${hostOf.get(outcome.device)} (${outcome.device}): ${outcome.error.code} ${outcome.error.message}`);
      }
    }
    const good = result.cards.filter((c) => c.ok).length;
    progress.phase = signal.aborted ? 'cancelled' : good > 0 ? 'done' : 'failed';
    emit(true);

    if (cacheKey) {
      await this.cache.enforceCap([cacheKey]);
      const cap = this.#settings().cacheCapBytes ?? DEFAULT_CACHE_CAP_BYTES;
      const info = await this.cache.info();
      if (info.totalBytes > cap) await this.cache.remove(cacheKey);
    }

    const view: ImagingResult = {
      image: result.image ? { name: sizes.name, ...result.image } : null,
      ...(result.imageError ? { imageError: result.imageError } : {}),
      cards: result.cards.map((c) =>
        c.ok
          ? { ok: true as const, device: c.device, hostname: hostOf.get(c.device)!, bytes: c.bytes, sha256: c.sha256, report: c.report! }
          : { ok: false as const, device: c.device, hostname: hostOf.get(c.device)!, stage: c.stage, bytes: c.bytes, error: c.error },
      ),
    };
    if (good === 0) {
      const failed = result.cards.find((c): c is Extract<typeof c, { ok: false }> => !c.ok);
      const first = result.imageError ?? failed?.error ?? { code: 'FAILED', message: 'No card was written.', values: {} };
      const error = new ImagingError(first.code as ImagingErrorCode, first.message, first.values);
      (error as ImagingError & { result?: ImagingResult }).result = view;
      throw error;
    }
    ctx.log(`${good} of ${targets.length} cards imaged, verified and configured.`);
    return view;
  }

  async #localStream(local: LocalImage, signal: AbortSignal, onDecoder: (name: XzDecoderName) => void): Promise<DecodedImage> {
    if (local.format === 'zip') return (await zipImage(local.path)).stream();
    return decompress(local.format, createReadStream(local.path, { highWaterMark: 4 * 1024 * 1024 }) as AsyncIterable<Buffer>, signal, onDecoder);
  }

  async #cachedStream(cached: CachedImage, format: CompressedFormat, signal: AbortSignal, knownSize: (size: number) => void, onDecoder: (name: XzDecoderName) => void): Promise<DecodedImage> {
    const path = this.cache.pathOf(cached);
    if (format === 'zip') {
      const zip = await zipImage(path);
      knownSize(zip.size);
      return zip.stream();
    }
    if (format === 'xz') {
      const size = await xzUncompressedSize(path);
      if (size !== undefined) knownSize(size);
    }
    return decompress(format, createReadStream(path, { highWaterMark: 4 * 1024 * 1024 }) as AsyncIterable<Buffer>, signal, onDecoder);
  }

  async #chosen(imageId: string): Promise<ChosenImage> {
    const local = this.#local.get(imageId);
    if (local) return { kind: 'local', image: local };
    if (!this.#catalogue) await this.catalogue();
    const entry = this.#catalogue!.catalogue.entries.find((e) => e.id === imageId);
    if (!entry) throw new ImagingError(ImagingErrorCode.IMAGE_NOT_FOUND, `${imageId} is not in the catalogue in use`, { id: imageId });
    return { kind: 'catalogue', entry };
  }

  async #sizes(chosen: ChosenImage): Promise<{ name: string; extractSize?: number; extractSha256?: string; downloadSha256?: string; downloadSize?: number }> {
    if (chosen.kind === 'local') {
      return { name: chosen.image.name, ...(chosen.image.extractSize !== undefined ? { extractSize: chosen.image.extractSize } : {}), downloadSize: chosen.image.fileBytes };
    }
    const entry = chosen.entry;
    const learned = await this.cache.learned(entry.downloadSha256);
    const extractSize = entry.extractSize ?? learned?.extractSize;
    const extractSha256 = entry.extractSha256 ?? learned?.extractSha256;
    return {
      name: entry.name,
      ...(extractSize !== undefined ? { extractSize } : {}),
      ...(extractSha256 ? { extractSha256 } : {}),
      ...(entry.downloadSha256 ? { downloadSha256: entry.downloadSha256 } : {}),
      ...(entry.downloadSize !== undefined ? { downloadSize: entry.downloadSize } : {}),
    };
  }

  async #isCached(entry: CatalogueEntry): Promise<boolean> {
    const info = await this.cache.info();
    return info.images.some((i) => i.key === ImageCache.keyFor(entry.url, entry.downloadSha256));
  }

  async #view(current: { catalogue: Catalogue; kind: CatalogueView['source']; key: string }): Promise<CatalogueView> {
    const info = await this.cache.info();
    const cachedKeys = new Set(info.images.map((i) => i.key));
    const entries: CatalogueEntryView[] = [];
    for (const e of current.catalogue.entries) {
      const learned = e.extractSha256 ? undefined : await this.cache.learned(e.downloadSha256);
      const unknown = e.unknown.filter((f) => !(learned && (f === 'extract_sha256' || f === 'extract_size')));
      entries.push({
        id: e.id,
        name: e.name,
        description: e.description,
        url: e.url,
        format: e.format,
        path: e.path,
        release: e.release,
        ...(e.releaseDate ? { releaseDate: e.releaseDate } : {}),
        devices: e.devices,
        initFormat: e.initFormat,
        ...(e.downloadSize !== undefined ? { downloadSize: e.downloadSize } : {}),
        ...(e.downloadSha256 ? { downloadSha256: e.downloadSha256 } : {}),
        ...((e.extractSize ?? learned?.extractSize) !== undefined ? { extractSize: (e.extractSize ?? learned?.extractSize)! } : {}),
        ...((e.extractSha256 ?? learned?.extractSha256) ? { extractSha256: (e.extractSha256 ?? learned?.extractSha256)! } : {}),
        unknown,
        learned: !!learned,
        cached: cachedKeys.has(ImageCache.keyFor(e.url, e.downloadSha256)),
      });
    }
    const plan = this.#options.plan();
    return {
      source: current.kind,
      ...(current.kind !== 'builtin' ? { url: current.key } : {}),
      entries,
      defaultId: defaultEntry(current.catalogue.entries, plan?.ubuntuRelease ?? '24.04')?.id ?? null,
      problems: current.catalogue.problems,
    };
  }

  /** For requests to `url` (and its SHA256SUMS, sub-lists, redirects): see system-proxy.ts. */
  async #dispatcherFor(url: string | undefined): Promise<Dispatcher> {
    if (this.#options.dispatcher) return this.#options.dispatcher;
    return url === undefined ? imagingDispatcher() : await dispatcherForUrl(url, this.#options.systemProxy, imagingDispatcher);
  }
}

/** Overall progress: each card's write (80%), verify (15%), configuration (5%), averaged over the cards. */
function overallFraction(progress: ImagingProgressView): number | null {
  if (progress.cards.length === 0) return null;
  const parts = progress.cards.map((c) => {
    const share = c.total ? Math.min(1, c.bytes / c.total) : 0;
    switch (c.phase) {
      case 'writing':
        return 0.8 * share;
      case 'finishing':
        return 0.8;
      case 'verifying':
        return 0.8 + 0.15 * share;
      case 'configuring':
        return 0.95;
      case 'done':
      case 'failed':
        return 1;
      default:
        return 0;
    }
  });
  return parts.reduce((a, b) => a + b, 0) / parts.length;
}
