/**
 * The image catalogue, kept in Raspberry Pi Imager's OS list format (v4), so a user can point the
 * app at a mirror of Imager's list or at a list of their own:
 *   { "imager"?: {...}, "os_list": [ OS entry | category {subitems: [...]} | category {subitems_url} ] }
 * OS entries carry url, extract_size, extract_sha256, image_download_size, image_download_sha256,
 * release_date, devices, init_format. Categories nest up to 16 levels (Imager's MAX_SUBITEMS_DEPTH);
 * `subitems_url` lists are fetched. Entries with an init_format Imager does not know are pruned,
 * as Imager does. Relative URLs resolve against the list's own URL.
 *
 * Fields may be missing (the built-in list does not know every size and hash of the newest point
 * releases); an entry names them in `pcw_unknown`, and imaging computes and records them on the
 * first download that passes its download hash (image-cache.ts `learn`).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { UbuntuRelease } from '../../preload/contract/plan';
import { fetchText } from './http-download';
import type { FetchTextOptions } from './http-download';
import { ImagingError, ImagingErrorCode } from './imaging-errors';

export const MAX_SUBITEMS_DEPTH = 16;
export const INIT_FORMATS = ['', 'systemd', 'cloudinit', 'cloudinit-rpi', 'rpi-preseed', 'none'] as const;

const sha256Hex = z.string().regex(/^[0-9a-fA-F]{64}$/, 'a SHA-256 as 64 hex digits');
const size = z.number().int().nonnegative();

/** One OS entry as the JSON holds it (unknown extra fields are kept out, not refused). */
const osEntryJson = z.object({
  name: z.string().min(1).max(200),
  description: z.string().max(2000).default(''),
  icon: z.string().max(2000).optional(),
  website: z.string().max(2000).optional(),
  url: z.string().min(1).max(4000),
  extract_size: size.optional(),
  extract_sha256: sha256Hex.optional(),
  image_download_size: size.optional(),
  image_download_sha256: sha256Hex.optional(),
  release_date: z.string().max(40).optional(),
  devices: z.array(z.string().max(100)).max(100).optional(),
  init_format: z.string().max(40).optional(),
  architecture: z.string().max(40).optional(),
  /** Ours: the fields the list does not know yet (computed on first download). */
  pcw_unknown: z.array(z.enum(['extract_size', 'extract_sha256', 'image_download_size', 'image_download_sha256'])).optional(),
  /** Ours: where to find SHA256SUMS for this image when image_download_sha256 is absent. */
  pcw_sha256sums_url: z.string().max(4000).optional(),
});
export type OsEntryJson = z.infer<typeof osEntryJson>;

const categoryJson = z.object({
  name: z.string().min(1).max(200),
  description: z.string().max(2000).default(''),
  icon: z.string().max(2000).optional(),
  subitems: z.array(z.unknown()).max(1000).optional(),
  subitems_url: z.string().max(4000).optional(),
  devices: z.array(z.string()).optional(),
});

const osListJson = z.object({
  imager: z.record(z.string(), z.unknown()).optional(),
  os_list: z.array(z.unknown()).max(1000),
});

export type CompressedFormat = 'xz' | 'gz' | 'zip' | 'img';

/** One image the app can write, flattened out of the list. */
export interface CatalogueEntry {
  /** Stable id: derived from the image URL. */
  id: string;
  name: string;
  description: string;
  url: string;
  format: CompressedFormat;
  /** Category names from the top of the list down to this entry. */
  path: string[];
  /** The Ubuntu release this is (24.04 / 22.04) when the file name says so. */
  release: UbuntuRelease | null;
  releaseDate?: string;
  devices: string[];
  initFormat: string;
  downloadSize?: number;
  downloadSha256?: string;
  extractSize?: number;
  extractSha256?: string;
  sha256sumsUrl?: string;
  /** Fields not known (from the list's pcw_unknown, or simply absent). */
  unknown: ('extract_size' | 'extract_sha256' | 'image_download_size' | 'image_download_sha256')[];
}

export interface Catalogue {
  /** Where the list came from: the built-in list, or its URL. */
  source: string;
  entries: CatalogueEntry[];
  /** Sub-lists that could not be loaded (the rest of the list is still usable). */
  problems: { url: string; code: string; reason: string }[];
}

export function entryId(url: string): string {
  return 'img-' + createHash('sha256').update(url).digest('hex').slice(0, 16);
}

/** Compression by file name: .img.xz, .img.gz, .zip, .img (and .xz/.gz of other raw names). */
export function formatOf(name: string): CompressedFormat | undefined {
  const path = name.split(/[?#]/)[0]!.toLowerCase();
  if (path.endsWith('.xz')) return 'xz';
  if (path.endsWith('.gz')) return 'gz';
  if (path.endsWith('.zip')) return 'zip';
  if (path.endsWith('.img') || path.endsWith('.raw') || path.endsWith('.bin')) return 'img';
  return undefined;
}

const RELEASE_IN_NAME = /ubuntu-(\d\d\.\d\d)(?:\.\d+)?-/i;

/** Release of an Ubuntu image from its file name (Canonical's naming). */
export function releaseOf(url: string): UbuntuRelease | null {
  const file = decodeURIComponent(url.split(/[?#]/)[0]!.split('/').pop() ?? '');
  const match = RELEASE_IN_NAME.exec(file);
  return match && (match[1] === '24.04' || match[1] === '22.04') ? match[1] : null;
}

function issuePath(base: string, issue: { path: PropertyKey[] }): string {
  return [base, ...issue.path.map(String)].filter(Boolean).join('.');
}

function invalid(path: string, problem: string): ImagingError {
  return new ImagingError(ImagingErrorCode.CATALOGUE_INVALID, `The catalogue is not a Raspberry Pi Imager OS list: ${path}: ${problem}`, { path, problem });
}

export interface LoadOptions extends FetchTextOptions {
  /** Fetches sub-lists and catalogues (tests may pass their own). */
  fetch?: (url: string) => Promise<string>;
}

/** Check a user-given catalogue URL: http(s) only, no credentials in it. */
export function checkCatalogueUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new ImagingError(ImagingErrorCode.CATALOGUE_URL_INVALID, `${JSON.stringify(text)} is not a URL`, { url: text, reason: 'not a URL' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ImagingError(ImagingErrorCode.CATALOGUE_URL_INVALID, `${url.protocol} URLs are not supported; use http or https`, { url: text, reason: 'scheme' });
  }
  if (url.username || url.password) {
    throw new ImagingError(ImagingErrorCode.CATALOGUE_URL_INVALID, 'Catalogue URLs must not carry a user name or password', { url: `${url.protocol}//${url.host}${url.pathname}`, reason: 'credentials' });
  }
  return url;
}

/** Fetch and parse a catalogue from a URL (sub-lists fetched too). */
export async function loadCatalogue(urlText: string, options: LoadOptions = {}): Promise<Catalogue> {
  const url = checkCatalogueUrl(urlText).href;
  const fetch = options.fetch ?? ((u: string) => fetchText(u, options));
  const text = await fetch(url);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ImagingError(ImagingErrorCode.CATALOGUE_NOT_JSON, `${url} is not JSON: ${(error as Error).message}`, { url, reason: (error as Error).message });
  }
  return await parseCatalogue(json, url, fetch);
}

/** Parse an OS list already in memory; `baseUrl` resolves relative URLs. */
export async function parseCatalogue(json: unknown, baseUrl: string, fetch?: (url: string) => Promise<string>): Promise<Catalogue> {
  const top = osListJson.safeParse(json);
  if (!top.success) {
    const issue = top.error.issues[0]!;
    throw invalid(issuePath('', issue) || 'os_list', issue.message);
  }
  const catalogue: Catalogue = { source: baseUrl, entries: [], problems: [] };
  const seen = new Set<string>();
  await walk(top.data.os_list, 'os_list', [], baseUrl, 0, catalogue, seen, fetch);
  if (catalogue.entries.length === 0) {
    throw new ImagingError(ImagingErrorCode.CATALOGUE_EMPTY, `The catalogue at ${baseUrl} lists no image that can be written`, { url: baseUrl });
  }
  return catalogue;
}

async function walk(
  items: unknown[],
  at: string,
  path: string[],
  baseUrl: string,
  depth: number,
  out: Catalogue,
  seen: Set<string>,
  fetch: ((url: string) => Promise<string>) | undefined,
): Promise<void> {
  if (depth > MAX_SUBITEMS_DEPTH) throw invalid(at, `categories nest deeper than ${MAX_SUBITEMS_DEPTH} levels`);
  for (const [index, item] of items.entries()) {
    const where = `${at}.${index}`;
    if (!item || typeof item !== 'object') throw invalid(where, 'expected an object');
    const record = item as Record<string, unknown>;
    if ('subitems' in record || 'subitems_url' in record) {
      const category = categoryJson.safeParse(record);
      if (!category.success) throw invalid(issuePath(where, category.error.issues[0]!), category.error.issues[0]!.message);
      const names = [...path, category.data.name];
      if (category.data.subitems) await walk(category.data.subitems, `${where}.subitems`, names, baseUrl, depth + 1, out, seen, fetch);
      else if (category.data.subitems_url) {
        const subUrl = resolveUrl(category.data.subitems_url, baseUrl, `${where}.subitems_url`);
        if (!fetch) {
          out.problems.push({ url: subUrl, code: ImagingErrorCode.CATALOGUE_UNREACHABLE, reason: 'sub-lists are not fetched here' });
          continue;
        }
        try {
          const text = await fetch(subUrl);
          const sub = osListJson.safeParse(JSON.parse(text));
          if (!sub.success) throw invalid(`${subUrl}: ${issuePath('', sub.error.issues[0]!)}`, sub.error.issues[0]!.message);
          await walk(sub.data.os_list, `${where}.subitems_url`, names, subUrl, depth + 1, out, seen, fetch);
        } catch (error) {
          const code = error instanceof ImagingError ? error.code : ImagingErrorCode.CATALOGUE_NOT_JSON;
          out.problems.push({ url: subUrl, code, reason: error instanceof Error ? error.message : String(error) });
        }
      }
      continue;
    }
    if (!('url' in record)) throw invalid(where, 'an entry needs either "url" (an image) or "subitems"/"subitems_url" (a category)');
    const parsed = osEntryJson.safeParse(record);
    if (!parsed.success) throw invalid(issuePath(where, parsed.error.issues[0]!), parsed.error.issues[0]!.message);
    const entry = parsed.data;
    if (entry.url.startsWith('internal://')) continue; // Imager's "Erase" item
    const initFormat = entry.init_format ?? '';
    if (!(INIT_FORMATS as readonly string[]).includes(initFormat)) continue; // pruned, as Imager does
    const url = resolveUrl(entry.url, baseUrl, `${where}.url`);
    const format = formatOf(url);
    if (!format) throw invalid(`${where}.url`, `${url} is not a .img, .img.xz, .img.gz or .zip image`);
    const id = entryId(url);
    if (seen.has(id)) continue;
    seen.add(id);
    const unknown = new Set(entry.pcw_unknown ?? []);
    if (entry.extract_size === undefined) unknown.add('extract_size');
    if (entry.extract_sha256 === undefined) unknown.add('extract_sha256');
    if (entry.image_download_size === undefined) unknown.add('image_download_size');
    if (entry.image_download_sha256 === undefined) unknown.add('image_download_sha256');
    out.entries.push({
      id,
      name: entry.name,
      description: entry.description,
      url,
      format,
      path,
      release: releaseOf(url),
      ...(entry.release_date ? { releaseDate: entry.release_date } : {}),
      devices: entry.devices ?? [],
      initFormat,
      ...(entry.image_download_size !== undefined && !unknown.has('image_download_size') ? { downloadSize: entry.image_download_size } : {}),
      ...(entry.image_download_sha256 && !unknown.has('image_download_sha256') ? { downloadSha256: entry.image_download_sha256.toLowerCase() } : {}),
      ...(entry.extract_size !== undefined && !unknown.has('extract_size') ? { extractSize: entry.extract_size } : {}),
      ...(entry.extract_sha256 && !unknown.has('extract_sha256') ? { extractSha256: entry.extract_sha256.toLowerCase() } : {}),
      ...(entry.pcw_sha256sums_url ? { sha256sumsUrl: resolveUrl(entry.pcw_sha256sums_url, baseUrl, `${where}.pcw_sha256sums_url`) } : {}),
      unknown: [...unknown].sort(),
    });
  }
}

function resolveUrl(text: string, base: string, where: string): string {
  let url: URL;
  try {
    url = new URL(text, base.startsWith('http') ? base : undefined);
  } catch {
    throw invalid(where, `${JSON.stringify(text)} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid(where, `${url.protocol} URLs are not supported`);
  return url.href;
}

/** The SHA256SUMS next to an image URL (Ubuntu's layout: one per release directory). */
export function sha256sumsUrlFor(entry: Pick<CatalogueEntry, 'url' | 'sha256sumsUrl'>): string {
  return entry.sha256sumsUrl ?? new URL('SHA256SUMS', entry.url).href;
}

/**
 * The entry the plan's release picks: the newest entry of that release for a 64-bit Pi with
 * cloud-init (Ubuntu Server), else any entry of that release, else the first entry.
 */
export function defaultEntry(entries: readonly CatalogueEntry[], release: UbuntuRelease | undefined): CatalogueEntry | undefined {
  const ofRelease = entries.filter((e) => release && e.release === release);
  const newest = (list: CatalogueEntry[]) => [...list].sort((a, b) => (b.releaseDate ?? '').localeCompare(a.releaseDate ?? ''))[0];
  return newest(ofRelease.filter((e) => e.initFormat === 'cloudinit')) ?? newest(ofRelease) ?? entries[0];
}
