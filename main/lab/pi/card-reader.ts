/**
 * The Pi's view of its SD card: the files of the FAT `system-boot` partition. A card is a disk
 * image or raw device (read through main/disk, no mounting) or a plain folder standing in for
 * the partition.
 */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { openBootPartition } from '../../disk/boot-partition';

export interface BootCard {
  /** Image path or folder, for messages. */
  readonly location: string;
  /** Every regular file at the partition root, by name. */
  readAll(): Promise<Map<string, Buffer>>;
  writeFile(name: string, data: string): Promise<void>;
}

/** A card image (or device): MBR with the FAT partition labelled system-boot. */
export function imageCard(imagePath: string): BootCard {
  return {
    location: imagePath,
    async readAll() {
      const boot = await openBootPartition(imagePath);
      try {
        const files = new Map<string, Buffer>();
        for (const name of await boot.listFiles()) {
          const data = await boot.readFile(name).catch(() => undefined);
          if (data) files.set(name, data);
        }
        return files;
      } finally {
        await boot.close();
      }
    },
    async writeFile(name, data) {
      const boot = await openBootPartition(imagePath, { writable: true });
      try {
        await boot.writeFile(name, data);
      } finally {
        await boot.close();
      }
    },
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
