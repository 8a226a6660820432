/**
 * The practice lab's image area: the Ubuntu-like images for 24.04 and 22.04 (practice-image.ts),
 * generated once into a folder (the lab data dir, or a shared temp folder for tests) and reused
 * while the generator version is the same, plus the SHA256SUMS and Raspberry Pi Imager catalogue
 * the lab's image server hands out.
 */
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { UbuntuRelease } from '../../../preload/contract/plan';
import { buildPracticeImage } from './practice-image';
import type { PracticeImage, PracticeImageOptions } from './practice-image';

/** Bump when the generated image changes, so cached copies are rebuilt. */
export const PRACTICE_IMAGE_VERSION = 1;
export const PRACTICE_RELEASES: readonly UbuntuRelease[] = ['24.04', '22.04'];
const SMALL: Omit<PracticeImageOptions, 'release'> = { totalMiB: 64, bootMiB: 40, kernelBytes: 3 * 1024 * 1024, xzPreset: 1 };

interface Manifest {
  version: number;
  images: PracticeImage[];
}

const building = new Map<string, Promise<PracticeImage[]>>();

/**
 * The practice images in `dir` (`<dir>/v<version>/`), generated on first use. Concurrent callers
 * (also other processes) share the work: a finished set is renamed into place in one step.
 */
export function practiceImages(dir: string): Promise<PracticeImage[]> {
  const home = join(dir, `v${PRACTICE_IMAGE_VERSION}`);
  let promise = building.get(home);
  if (!promise) {
    promise = ensure(home).finally(() => building.delete(home));
    building.set(home, promise);
  }
  return promise;
}

/** A folder shared by every test process on this machine. */
export function sharedPracticeImageDir(): string {
  return join(tmpdir(), 'pcw-practice-images');
}

async function ensure(home: string): Promise<PracticeImage[]> {
  const existing = await readManifest(home);
  if (existing) return existing;
  const parent = join(home, '..');
  await mkdir(parent, { recursive: true });
  const work = join(parent, `.build-${process.pid}-${Date.now().toString(36)}`);
  try {
    const images: PracticeImage[] = [];
    for (const release of PRACTICE_RELEASES) {
      const image = await buildPracticeImage(work, { release, ...SMALL });
      images.push({ ...image, path: join(home, image.fileName) });
    }
    await import('node:fs/promises').then((fs) => fs.writeFile(join(work, 'manifest.json'), JSON.stringify({ version: PRACTICE_IMAGE_VERSION, images } satisfies Manifest, null, 2)));
    try {
      await rename(work, home);
    } catch {
      // Another process finished first: use its copy.
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  const done = await readManifest(home);
  if (!done) throw new Error(`The practice images in ${home} could not be generated`);
  return done;
}

async function readManifest(home: string): Promise<PracticeImage[] | undefined> {
  try {
    const manifest = JSON.parse(await readFile(join(home, 'manifest.json'), 'utf8')) as Manifest;
    if (manifest.version !== PRACTICE_IMAGE_VERSION) return undefined;
    for (const image of manifest.images) {
      const path = join(home, image.fileName);
      if ((await stat(path)).size !== image.downloadSize) return undefined;
      image.path = path;
    }
    return manifest.images;
  } catch {
    return undefined;
  }
}

/** Release directory of an image on the lab's server, as on Ubuntu's: releases/<version>/release/. */
export function releaseDir(release: UbuntuRelease): string {
  return `releases/${release}/release/`;
}

export interface PracticeCatalogueOptions {
  /** Leave out extract_size / extract_sha256 (the app must compute and record them). */
  omitExtract?: boolean;
  /** Leave out image_download_sha256 (the app must read SHA256SUMS). */
  omitDownloadHash?: boolean;
  /** Announce wrong hashes (tests of the checks). */
  wrongDownloadHash?: boolean;
  wrongExtractHash?: boolean;
}

/** The lab's catalogue, in Raspberry Pi Imager's OS list format (URLs relative to the list). */
export function practiceCatalogue(images: readonly PracticeImage[], options: PracticeCatalogueOptions = {}): object {
  const flip = (hash: string) => (hash[0] === '0' ? '1' : '0') + hash.slice(1);
  return {
    imager: { latest_version: '2.0.0', url: 'https://www.raspberrypi.com/software/' },
    os_list: [
      {
        name: 'Ubuntu (practice lab)',
        description: 'Simulated Ubuntu Server images served by the practice lab',
        subitems: images.map((image) => ({
          name: `Ubuntu Server ${image.release} LTS (64-bit, practice image)`,
          description: 'A small image laid out like Ubuntu Server for Raspberry Pi, for the practice lab',
          url: `${releaseDir(image.release)}${image.fileName}`,
          image_download_size: image.downloadSize,
          ...(options.omitDownloadHash ? {} : { image_download_sha256: options.wrongDownloadHash ? flip(image.downloadSha256) : image.downloadSha256 }),
          ...(options.omitExtract ? {} : { extract_size: image.extractSize, extract_sha256: options.wrongExtractHash ? flip(image.extractSha256) : image.extractSha256 }),
          release_date: image.release === '24.04' ? '2026-02-12' : '2024-09-12',
          init_format: 'cloudinit',
          devices: ['pi5-64bit', 'pi4-64bit', 'pi3-64bit'],
        })),
      },
    ],
  };
}
