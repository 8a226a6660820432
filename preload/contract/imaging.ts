/**
 * Imaging: choose an Ubuntu image (the built-in catalogue, a catalogue URL in Raspberry Pi
 * Imager's format, the practice lab's, or a local file), then download, verify and write it onto
 * several cards at once and give each card its node's boot configuration in the same job.
 * Failures travel as stable codes with values (main/imaging/imaging-errors.ts); the window words them.
 */
import { z } from 'zod';
import { cardReport } from './cards';
import { event, method } from './define';
import { ubuntuRelease } from './plan';

const knownField = z.enum(['extract_size', 'extract_sha256', 'image_download_size', 'image_download_sha256']);
const sha256 = z.string().regex(/^[0-9a-f]{64}$/);

export const imagingFailure = z.object({
  code: z.string(),
  /** Technical detail (English); the window words `code` with `values`. */
  message: z.string(),
  values: z.record(z.string(), z.union([z.string(), z.number()])),
});
export type ImagingFailureView = z.infer<typeof imagingFailure>;

export const catalogueEntry = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  url: z.string(),
  format: z.enum(['xz', 'gz', 'zip', 'img']),
  /** Category names down to this entry. */
  path: z.array(z.string()),
  release: ubuntuRelease.nullable(),
  releaseDate: z.string().optional(),
  devices: z.array(z.string()),
  initFormat: z.string(),
  downloadSize: z.number().int().optional(),
  downloadSha256: sha256.optional(),
  extractSize: z.number().int().optional(),
  extractSha256: sha256.optional(),
  /** Fields still unknown (after what was learned here). */
  unknown: z.array(knownField),
  /** extract_size / extract_sha256 were computed here on an earlier download (not from the list). */
  learned: z.boolean(),
  /** A verified copy is in the cache (no download needed). */
  cached: z.boolean(),
});
export type CatalogueEntryView = z.infer<typeof catalogueEntry>;

export const catalogueView = z.object({
  source: z.enum(['builtin', 'custom', 'practice']),
  /** The list's URL (custom and practice). */
  url: z.string().optional(),
  entries: z.array(catalogueEntry),
  /** The entry the plan's Ubuntu release picks. */
  defaultId: z.string().nullable(),
  /** Sub-lists that could not be loaded. */
  problems: z.array(z.object({ url: z.string(), code: z.string(), reason: z.string() })),
});
export type CatalogueView = z.infer<typeof catalogueView>;

export const localImage = z.object({
  /** Use as `imageId`. */
  id: z.string(),
  path: z.string(),
  name: z.string(),
  format: z.enum(['xz', 'gz', 'zip', 'img']),
  fileBytes: z.number().int(),
  /** Raw image size when the file tells (raw file, xz index, zip directory). */
  extractSize: z.number().int().optional(),
});
export type LocalImageView = z.infer<typeof localImage>;

const device = z.string().min(1).max(512);
const imagingTarget = z
  .object({
    device,
    hostname: z.string().min(1).max(63),
    /** The device the user confirmed in the dialog; must equal `device`. */
    confirmDevice: device,
    /** For a drive over 256 GiB (`largeDriveConfirmation`): its size, confirmed a second time (as cards.prepare). */
    confirmLargeDrive: z.number().int().positive().optional(),
  })
  .strict();
const imageId = z.string().min(1).max(100);
const targets = z.array(imagingTarget).min(1).max(20);

const notice = z.object({ code: z.string(), message: z.string() });

export const imagingConfirmation = z.object({
  image: z.object({ id: z.string(), name: z.string(), extractSize: z.number().int().nullable(), downloadSize: z.number().int().nullable(), cached: z.boolean() }),
  /** One line per card, naming what will be erased. */
  cards: z.array(
    z.object({
      device: z.string(),
      hostname: z.string(),
      /** Model / reader name (drivelist's description). */
      description: z.string(),
      size: z.number().nullable(),
      practice: z.boolean(),
      /** What is on it now, when known. */
      content: z.string().nullable(),
      warnings: z.array(notice),
      problems: z.array(notice),
      tooSmall: z.boolean(),
      /** May be written (offered, writable, large enough). */
      allowed: z.boolean(),
    }),
  ),
});
export type ImagingConfirmation = z.infer<typeof imagingConfirmation>;

export const cardImagingPhase = z.enum(['waiting', 'opening', 'writing', 'finishing', 'verifying', 'configuring', 'done', 'failed']);

export const imagingProgress = z.object({
  jobId: z.string(),
  phase: z.enum(['preparing', 'checking-cache', 'downloading', 'writing', 'verifying', 'done', 'failed', 'cancelled']),
  image: z.object({ name: z.string(), extractSize: z.number().int().nullable() }),
  /** null when the image comes from the cache or a local file. */
  download: z
    .object({
      bytes: z.number().int(),
      total: z.number().int().nullable(),
      bytesPerSecond: z.number(),
      secondsLeft: z.number().nullable(),
      /** Bytes reused from an interrupted download. */
      resumedFrom: z.number().int(),
      /** Times a broken connection was resumed. */
      retries: z.number().int(),
    })
    .nullable(),
  source: z.enum(['download', 'cache', 'local']),
  cards: z.array(
    z.object({
      device: z.string(),
      hostname: z.string(),
      description: z.string(),
      size: z.number().nullable(),
      phase: cardImagingPhase,
      bytes: z.number().int(),
      total: z.number().int().nullable(),
      bytesPerSecond: z.number(),
      secondsLeft: z.number().nullable(),
      error: imagingFailure.optional(),
    }),
  ),
});
export type ImagingProgressView = z.infer<typeof imagingProgress>;

/** The job's result (JobSnapshot.result): one report per card. */
export const imagingResult = z.object({
  image: z.object({ name: z.string(), size: z.number().int(), sha256 }).nullable(),
  imageError: imagingFailure.optional(),
  cards: z.array(
    z.discriminatedUnion('ok', [
      z.object({ ok: z.literal(true), device: z.string(), hostname: z.string(), bytes: z.number().int(), sha256, report: cardReport }),
      z.object({ ok: z.literal(false), device: z.string(), hostname: z.string(), stage: z.enum(['open', 'write', 'verify', 'configure']), bytes: z.number().int(), error: imagingFailure }),
    ]),
  ),
});
export type ImagingResult = z.infer<typeof imagingResult>;

export const imageCacheInfo = z.object({
  dir: z.string(),
  capBytes: z.number().int(),
  totalBytes: z.number().int(),
  partialBytes: z.number().int(),
  images: z.array(z.object({ key: z.string(), name: z.string(), url: z.string(), bytes: z.number().int(), sha256, lastUsedAt: z.number() })),
});
export type ImageCacheInfo = z.infer<typeof imageCacheInfo>;

export const imagingMethods = {
  'imaging.catalogue': method(
    z.object({ refresh: z.boolean().optional() }).strict(),
    catalogueView,
    'The image catalogue in use (practice lab, custom URL or built-in) with the default entry for the plan.',
  ),
  'imaging.setCatalogueUrl': method(
    z.object({ url: z.string().max(2000).nullable() }).strict(),
    catalogueView,
    'Use a catalogue in Raspberry Pi Imager format from this URL (checked before it is kept); null goes back to the built-in list.',
  ),
  'imaging.chooseLocalFile': method(z.object({ path: z.string().min(1).max(4096) }).strict(), localImage, 'Use a local .img, .img.xz, .img.gz or .zip as the image.'),
  'imaging.pickLocalFile': method(
    z.object({}).strict(),
    localImage.nullable(),
    "The desktop app's file dialog for a local image, then checked as imaging.chooseLocalFile; null when the user cancelled. UNAVAILABLE in the browser host (type the path instead).",
  ),
  'imaging.confirmation': method(
    z.object({ imageId, targets: z.array(z.object({ device, hostname: z.string().min(1).max(63) }).strict()).min(1).max(20) }).strict(),
    imagingConfirmation,
    'What writing this image onto these cards will erase: device, size and model of each card.',
  ),
  'imaging.start': method(z.object({ imageId, targets }).strict(), z.object({ jobId: z.string() }), 'Download (or reuse), write, verify and configure every card in one job.'),
  'imaging.job': method(z.object({ jobId: z.string().min(1).max(100) }).strict(), imagingProgress, 'Per-card progress of an imaging job of this run.'),
  'imaging.cacheInfo': method(z.object({}).strict(), imageCacheInfo, 'Downloaded images kept in the data folder.'),
  'imaging.clearCache': method(z.object({}).strict(), imageCacheInfo, 'Delete every cached image and partial download.'),
  'imaging.setCacheCap': method(z.object({ bytes: z.number().int().min(0).max(1e13) }).strict(), imageCacheInfo, 'Largest size of the image cache (0 keeps no image after its job).'),
};

export const imagingEvents = {
  'imaging.progress': event(imagingProgress, 'An imaging job moved on (download, per-card writing, verifying, configuring).'),
};
