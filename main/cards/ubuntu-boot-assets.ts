/**
 * The files Ubuntu Server for Raspberry Pi ships on its `system-boot` partition, per release,
 * kept as data in assets/lab/ubuntu-pi-system-boot/<codename>-arm64-server/. Card
 * identification compares cards against them; the practice lab writes them onto virtual cards.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { UbuntuRelease } from '../../preload/contract/plan';

export const UBUNTU_RELEASES: readonly UbuntuRelease[] = ['24.04', '22.04'];
export const UBUNTU_CODENAMES: Record<UbuntuRelease, string> = { '24.04': 'noble', '22.04': 'jammy' };

const ASSET_FOLDER = join('assets', 'lab', 'ubuntu-pi-system-boot');

/**
 * The asset folder, found by walking up from this module (works from main/cards/*.ts in
 * development and from dist/main/*.js in a build). `PCW_ASSETS_DIR` overrides it for packaged apps.
 */
export function ubuntuBootAssetsDir(): string {
  const override = process.env.PCW_ASSETS_DIR;
  if (override) return join(override, 'lab', 'ubuntu-pi-system-boot');
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, ASSET_FOLDER);
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error(`Cannot find ${ASSET_FOLDER} above ${fileURLToPath(import.meta.url)}`);
}

const cache = new Map<UbuntuRelease, Promise<Map<string, Buffer>>>();

/** File name -> bytes of what `release` ships on system-boot (README, cmdline.txt, config.txt, ...). */
export function ubuntuBootFiles(release: UbuntuRelease): Promise<Map<string, Buffer>> {
  let files = cache.get(release);
  if (!files) {
    files = (async () => {
      const folder = join(ubuntuBootAssetsDir(), `${UBUNTU_CODENAMES[release]}-arm64-server`);
      const names = (await readdir(folder)).sort();
      return new Map(await Promise.all(names.map(async (name) => [name, await readFile(join(folder, name))] as const)));
    })();
    cache.set(release, files);
    files.catch(() => cache.delete(release));
  }
  return files;
}
