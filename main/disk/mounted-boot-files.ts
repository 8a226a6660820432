/**
 * BootFiles on a boot partition the OS has already mounted (drivelist reports the mount point):
 * plain file-system calls, no admin rights needed. Same interface and errors as the raw path.
 */
import { readdir, readFile, stat, statfs, writeFile, open } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import type { BootFiles } from './boot-partition';
import { DiskError, toDiskError } from './disk-errors';

export function openMountedBootFiles(mountPath: string, label: string): BootFiles {
  const root = resolve(mountPath);
  const inside = (name: string) => {
    const path = resolve(root, name.replace(/^\/+/, ''));
    if (path !== root && !path.startsWith(root + sep)) throw new RangeError(`${name} is outside the boot partition`);
    return path;
  };
  const guard = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ENOENT' && (await exists(root))) {
        throw new DiskError('FILE_NOT_FOUND', `${name} is not on ${root}`, { cause: error });
      }
      throw toDiskError(error, root);
    }
  };
  return {
    location: root,
    label,
    readFile: (name) => guard(name, () => readFile(inside(name))),
    writeFile: (name, data) =>
      guard(name, async () => {
        await writeFile(inside(name), data);
        // Push it to the card now: the card is ejected right after verification.
        const handle = await open(inside(name), 'r+');
        try {
          await handle.sync();
        } finally {
          await handle.close();
        }
      }),
    listFiles: (folder = '') => guard(folder || '/', async () => (await readdir(inside(folder))).sort()),
    exists: (name) => exists(inside(name)),
    freeBytes: () => guard('/', async () => {
      const info = await statfs(root);
      return info.bavail * info.bsize;
    }),
    close: async () => undefined,
  };
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
