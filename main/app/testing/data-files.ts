/**
 * Reading every file of a data folder while the app and its practice lab keep saving into it (a
 * temporary file, then a rename). A file (or folder) gone between listing and reading was such a
 * temporary, and its content now sits under its final name: the folder is read again until one
 * pass reads every file it listed. Tests use it to check where a secret is, and is not, kept.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';

const gone = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOENT';

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if (gone(err)) return out;
    throw err;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(p)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** `read(file)` for every file under `dir`, from the first pass in which no listed file vanished. */
export async function readEveryFile<T>(dir: string, read: (file: string) => Promise<T>, maxPasses = 10): Promise<Map<string, T>> {
  for (let pass = 1; ; pass++) {
    const results = new Map<string, T>();
    let vanished = false;
    for (const file of await filesUnder(dir)) {
      try {
        results.set(file, await read(file));
      } catch (err) {
        if (!gone(err) || pass >= maxPasses) throw err;
        vanished = true;
      }
    }
    if (!vanished) return results;
  }
}
