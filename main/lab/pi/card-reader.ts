/**
 * The Pi's view of its SD card: the files of the FAT `system-boot` partition. A card is a disk
 * image (MBR + FAT32, read through balena-image-fs without mounting) or, for the standalone lab,
 * a plain folder standing in for the partition.
 */
import { promises as fsp } from 'node:fs';
import type * as NodeFs from 'node:fs';
import { join } from 'node:path';
import { explorePartition, interact } from 'balena-image-fs';

export interface BootCard {
  /** Image path or folder, for messages. */
  readonly location: string;
  /** Every regular file at the partition root, by name. */
  readAll(): Promise<Map<string, Buffer>>;
  writeFile(name: string, data: string): Promise<void>;
}

type FatFs = typeof NodeFs;

async function readRoot(fs: FatFs): Promise<Map<string, Buffer>> {
  const call = <T>(fn: (cb: (err: Error | null, v: T) => void) => void) =>
    new Promise<T>((resolve, reject) => fn((err, v) => (err ? reject(err) : resolve(v))));
  const names = await call<string[]>((cb) => fs.readdir('/', cb));
  const files = new Map<string, Buffer>();
  for (const name of names) {
    const st = await call<NodeFs.Stats>((cb) => fs.stat(`/${name}`, cb));
    if (st.isFile()) files.set(name, await call<Buffer>((cb) => fs.readFile(`/${name}`, cb)));
  }
  return files;
}

/** A card image file: MBR with the FAT partition labelled system-boot (partition 1 on Ubuntu). */
export function imageCard(imagePath: string): BootCard {
  return {
    location: imagePath,
    readAll: () => explorePartition(imagePath, ['system-boot'], (fs) => readRoot(fs)),
    writeFile: (name, data) =>
      interact(imagePath, 1, (fs) => new Promise<void>((resolve, reject) => fs.writeFile(`/${name}`, data, (err) => (err ? reject(err) : resolve())))),
  };
}

/** A folder holding the boot partition's files. */
export function folderCard(dir: string): BootCard {
  return {
    location: dir,
    async readAll() {
      const files = new Map<string, Buffer>();
      for (const entry of await fsp.readdir(dir, { withFileTypes: true })) {
        if (entry.isFile()) files.set(entry.name, await fsp.readFile(join(dir, entry.name)));
      }
      return files;
    },
    writeFile: (name, data) => fsp.writeFile(join(dir, name), data),
  };
}
