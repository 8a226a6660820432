/**
 * Why imaging exists as its own error vocabulary: every way writing an OS image can end badly
 * (catalogue, download, image, card) gets one stable code plus the values the window needs to
 * word it in the user's language (sizes, hashes, HTTP status). The English message is technical
 * detail for logs only; the renderer words the code.
 */
import { AppError } from '../router/app-error';

export const ImagingErrorCode = {
  /** The catalogue URL is not an http(s) URL. */
  CATALOGUE_URL_INVALID: 'CATALOGUE_URL_INVALID',
  /** The catalogue (or a subitems_url, or SHA256SUMS) could not be fetched: values.status / values.reason. */
  CATALOGUE_UNREACHABLE: 'CATALOGUE_UNREACHABLE',
  /** The catalogue is not JSON. */
  CATALOGUE_NOT_JSON: 'CATALOGUE_NOT_JSON',
  /** The catalogue breaks the OS list format: values.path, values.problem. */
  CATALOGUE_INVALID: 'CATALOGUE_INVALID',
  /** The catalogue holds no image this app can write. */
  CATALOGUE_EMPTY: 'CATALOGUE_EMPTY',
  /** The chosen catalogue entry does not exist (values.id). */
  IMAGE_NOT_FOUND: 'IMAGE_NOT_FOUND',
  /** A local file is missing, not a file, or has an unsupported type: values.path, values.reason. */
  LOCAL_FILE_INVALID: 'LOCAL_FILE_INVALID',
  /** A zip holds no .img: values.path. */
  ZIP_WITHOUT_IMAGE: 'ZIP_WITHOUT_IMAGE',
  /** The download failed for good (HTTP status or network error after retries): values.status, values.reason, values.url. */
  DOWNLOAD_FAILED: 'DOWNLOAD_FAILED',
  /** The downloaded file's SHA-256 differs from the catalogue / SHA256SUMS: values.expected, values.actual. */
  DOWNLOAD_CHECKSUM_MISMATCH: 'DOWNLOAD_CHECKSUM_MISMATCH',
  /** The downloaded file has another size than announced: values.expected, values.actual. */
  DOWNLOAD_SIZE_MISMATCH: 'DOWNLOAD_SIZE_MISMATCH',
  /** The compressed data is damaged (xz/gzip/zip data error): values.format, values.reason. */
  IMAGE_CORRUPT: 'IMAGE_CORRUPT',
  /** The decompressed image's SHA-256 differs from extract_sha256: values.expected, values.actual. */
  IMAGE_CHECKSUM_MISMATCH: 'IMAGE_CHECKSUM_MISMATCH',
  /** The decompressed image has another size than extract_size: values.expected, values.actual. */
  IMAGE_SIZE_MISMATCH: 'IMAGE_SIZE_MISMATCH',
  /** The cache is unusable (disk full, permissions): values.path, values.reason. */
  CACHE_FAILED: 'CACHE_FAILED',
  /** The card was pulled out or stopped answering: values.device. */
  CARD_GONE: 'CARD_GONE',
  /** The card is write-protected (lock switch) or refuses writes: values.device. */
  CARD_READ_ONLY: 'CARD_READ_ONLY',
  /** The card is smaller than the image: values.device, values.cardBytes, values.imageBytes. */
  CARD_TOO_SMALL: 'CARD_TOO_SMALL',
  /** A partition of the card is in use and could not be unmounted: values.device, values.reason. */
  CARD_BUSY: 'CARD_BUSY',
  /** Writing failed for another reason: values.device, values.reason. */
  CARD_WRITE_FAILED: 'CARD_WRITE_FAILED',
  /** Reading the card back gave other bytes than were written: values.device, values.expected, values.actual. */
  CARD_VERIFY_FAILED: 'CARD_VERIFY_FAILED',
  /** The job or this card was cancelled. */
  CANCELLED: 'CANCELLED',
} as const;
export type ImagingErrorCode = (typeof ImagingErrorCode)[keyof typeof ImagingErrorCode];

export type ErrorValues = Record<string, string | number>;

export class ImagingError extends AppError {
  override readonly values: ErrorValues;

  constructor(code: ImagingErrorCode, detail: string, values: ErrorValues = {}, options: { cause?: unknown } = {}) {
    super(code, detail, options);
    this.name = 'ImagingError';
    this.values = values;
  }
}

/** A failure as it travels to the window: code, technical message, values. */
export interface ImagingFailure {
  code: string;
  message: string;
  values: ErrorValues;
}

export function toFailure(error: unknown): ImagingFailure {
  if (error instanceof ImagingError) return { code: error.code, message: error.message, values: error.values };
  if (error instanceof AppError) return { code: error.code, message: error.message, values: {} };
  return { code: 'FAILED', message: error instanceof Error ? error.message : String(error), values: {} };
}

/** errno-style code of an error or of its causes. */
export function errnoOf(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z0-9]+$/.test(code)) return code;
  }
  return undefined;
}
