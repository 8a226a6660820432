/**
 * What the imaging part of "Prepare SD cards" shows, computed from the drive list, the plan's
 * nodes and main's imaging views: which cards may be written and for which node (blank cards
 * paired with the nodes still without a card, in plan order), the params of imaging.start, sizes,
 * rates and times in the user's language, and every failure main sends (a code with values)
 * turned into a catalogue key with values ready to word.
 */
import type { IntlShape } from 'react-intl';
import type { CardDrive } from '../../../../../preload/contract/cards';
import type { ImagingFailureView, ImagingProgressView } from '../../../../../preload/contract/imaging';
import { formatDuration } from '../../../i18n/format';

type Intl = Pick<IntlShape, 'formatNumber' | 'locale'>;

/** Cards imaging may write: offered and writable, whatever is on them (blank, Ubuntu, anything else). */
export function imagingDrives(drives: readonly CardDrive[]): CardDrive[] {
  return drives.filter((d) => d.offered && d.writable).sort((a, b) => a.device.localeCompare(b.device));
}

/** device -> hostname ('' = not written). */
export type Choices = Record<string, string>;

/**
 * The first suggestion: each blank card for the next node without a card (plan order). Cards
 * with something on them are left alone until the user picks a node for them.
 */
export function suggestChoices(drives: readonly CardDrive[], nodes: readonly { hostname: string; prepared: boolean }[]): Choices {
  const pending = nodes.filter((n) => !n.prepared).map((n) => n.hostname);
  const choices: Choices = {};
  for (const drive of imagingDrives(drives)) {
    if (drive.content?.kind !== 'blank') continue;
    const host = pending.shift();
    if (!host) break;
    choices[drive.device] = host;
  }
  return choices;
}

/**
 * The user's choices kept in step with the cards: a card taken out drops out; a blank card put in
 * gets the next node nobody was given yet (unless the user already decided for that card).
 */
export function mergeChoices(previous: Choices, decided: ReadonlySet<string>, drives: readonly CardDrive[], nodes: readonly { hostname: string; prepared: boolean }[]): Choices {
  const present = new Set(imagingDrives(drives).map((d) => d.device));
  const kept: Choices = {};
  for (const [device, host] of Object.entries(previous)) if (present.has(device)) kept[device] = host;
  const taken = new Set(Object.values(kept).filter(Boolean));
  const pending = nodes.filter((n) => !n.prepared && !taken.has(n.hostname)).map((n) => n.hostname);
  for (const drive of imagingDrives(drives)) {
    if (drive.device in kept || decided.has(drive.device) || drive.content?.kind !== 'blank') continue;
    const host = pending.shift();
    if (!host) break;
    kept[drive.device] = host;
  }
  return kept;
}

export interface Target {
  drive: CardDrive;
  hostname: string;
}

/** The chosen cards in device order (only cards still present and writable). */
export function chosenTargets(choices: Choices, drives: readonly CardDrive[]): Target[] {
  return imagingDrives(drives).flatMap((drive) => (choices[drive.device] ? [{ drive, hostname: choices[drive.device]! }] : []));
}

/** Nodes given more than one card (the write button waits until each node has one card at most). */
export function nodesChosenTwice(targets: readonly Target[]): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const t of targets) (seen.has(t.hostname) ? twice : seen).add(t.hostname);
  return [...twice];
}

/** Drives of the confirmation that need their size confirmed a second time (over 256 GiB). */
export function largeTargets(targets: readonly Target[]): CardDrive[] {
  return targets.filter((t) => t.drive.largeDriveConfirmation).map((t) => t.drive);
}

/** imaging.start's targets: each device confirmed by name; its size too when the second check box was ticked. */
export function startTargets(targets: readonly Target[], largeConfirmed: boolean): { device: string; hostname: string; confirmDevice: string; confirmLargeDrive?: number }[] {
  return targets.map(({ drive, hostname }) => ({
    device: drive.device,
    hostname,
    confirmDevice: drive.device,
    ...(largeConfirmed && drive.largeDriveConfirmation && drive.size ? { confirmLargeDrive: drive.size } : {}),
  }));
}

const UNITS: [number, string][] = [
  [1e12, 'terabyte'],
  [1e9, 'gigabyte'],
  [1e6, 'megabyte'],
  [1e3, 'kilobyte'],
];

/** A size as a person reads it, in decimal units as cards are sold ("1.2 GB", "1.2GB" in Chinese). */
export function bytesText(intl: Intl, bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return '—';
  for (const [size, unit] of UNITS) {
    if (bytes >= size) return intl.formatNumber(bytes / size, { style: 'unit', unit, unitDisplay: 'short', maximumFractionDigits: bytes / size < 10 ? 1 : 0 });
  }
  // Under a kilobyte (nothing written yet, mostly): "0 MB" reads better than bytes.
  return intl.formatNumber(0, { style: 'unit', unit: 'megabyte', unitDisplay: 'short' });
}

/** A rate ("12.3 MB/s"). */
export function rateText(intl: Intl, bytesPerSecond: number): string {
  const [size, unit] = bytesPerSecond >= 1e9 ? [1e9, 'gigabyte-per-second'] : bytesPerSecond >= 1e6 ? [1e6, 'megabyte-per-second'] : [1e3, 'kilobyte-per-second'];
  return intl.formatNumber(bytesPerSecond / size, { style: 'unit', unit, unitDisplay: 'short', maximumFractionDigits: bytesPerSecond / size < 10 ? 1 : 0 });
}

/** A time left, as the window says lengths of time (i18n/format.ts), seconds rounded up: never "0 sec" while something is left. */
export function durationText(intl: Intl, seconds: number): string {
  return formatDuration(intl, Math.max(0, Math.ceil(seconds)));
}

/** 0..1 of a card's current stage (writing or reading back), null while unknown. */
export function cardFraction(card: ImagingProgressView['cards'][number]): number | null {
  if (card.phase === 'done') return 1;
  if (card.phase === 'finishing' || card.phase === 'configuring') return null;
  if ((card.phase === 'writing' || card.phase === 'verifying') && card.total) return Math.min(1, card.bytes / card.total);
  return null;
}

/** A job is over (the event of its last snapshot). */
export function finished(progress: Pick<ImagingProgressView, 'phase'>): boolean {
  return progress.phase === 'done' || progress.phase === 'failed' || progress.phase === 'cancelled';
}

/**
 * Imaging's own failure codes (main/imaging/imaging-errors.ts; imaging-codes.test.ts keeps the two
 * lists equal). These are worded by imaging's texts; other codes (CONFLICT, NOT_FOUND, a drive
 * refused...) by the key main gives the error when it has one.
 */
export const IMAGING_CODES: readonly string[] = [
  'CATALOGUE_URL_INVALID',
  'CATALOGUE_UNREACHABLE',
  'CATALOGUE_NOT_JSON',
  'CATALOGUE_INVALID',
  'CATALOGUE_EMPTY',
  'IMAGE_NOT_FOUND',
  'LOCAL_FILE_INVALID',
  'ZIP_WITHOUT_IMAGE',
  'DOWNLOAD_FAILED',
  'DOWNLOAD_CHECKSUM_MISMATCH',
  'DOWNLOAD_SIZE_MISMATCH',
  'IMAGE_CORRUPT',
  'IMAGE_CHECKSUM_MISMATCH',
  'IMAGE_SIZE_MISMATCH',
  'CACHE_FAILED',
  'CARD_GONE',
  'CARD_READ_ONLY',
  'CARD_TOO_SMALL',
  'CARD_BUSY',
  'CARD_WRITE_FAILED',
  'CARD_VERIFY_FAILED',
  'CANCELLED',
];

/** Codes whose `expected` / `actual` are sizes in bytes (the others' are SHA-256 hashes). */
const SIZE_CODES = new Set(['DOWNLOAD_SIZE_MISMATCH', 'IMAGE_SIZE_MISMATCH']);

export const IMAGE_FORMATS = '.img, .img.xz, .img.gz, .zip';
const SCHEMES = 'http://, https://';

/**
 * A failure (job progress, a call's error) as a catalogue key under `imaging.error.` plus its
 * values, sizes already in the user's units. `context` fills what a call's error does not carry
 * (the address or path the user typed). Codes without words of their own use the cards step's
 * drive problems, else main's English message.
 */
export function failureWords(
  intl: Intl,
  failure: { code: string; message: string; values?: ImagingFailureView['values'] },
  context: { url?: string; path?: string; device?: string } = {},
): { key: string; values: Record<string, string | number> } {
  const raw = failure.values ?? {};
  const values: Record<string, string | number> = { device: '', url: '', path: '', format: '', expected: '', actual: '', reason: '', ...context, ...raw, formats: IMAGE_FORMATS, schemes: SCHEMES };
  if (SIZE_CODES.has(failure.code)) {
    values.expected = typeof raw.expected === 'number' ? bytesText(intl, raw.expected) : '—';
    values.actual = typeof raw.actual === 'number' ? bytesText(intl, raw.actual) : '—';
  }
  // Why a local file was refused, as an ICU select key ('not-a-file' -> 'not_a_file').
  if (failure.code === 'LOCAL_FILE_INVALID') values.reason = String(raw.reason ?? '').replace(/[^A-Za-z0-9_]/g, '_');
  if (failure.code === 'CARD_TOO_SMALL') {
    const card = Number(raw.cardBytes ?? 0);
    const image = Number(raw.imageBytes ?? 0);
    // The card ended while writing (ENOSPC): main knows no sizes then.
    if (!(card > 0 && image > 0)) return { key: 'imaging.error.CARD_TOO_SMALL_ENDED', values };
    values.cardBytes = bytesText(intl, card);
    values.imageBytes = bytesText(intl, image);
  }
  return { key: `imaging.error.${failure.code}`, values };
}
