/**
 * Keeps a lab cluster's objects on disk so a restarted lab (or the app reopened in practice mode)
 * finds them again: the whole store is written as one JSON snapshot shortly after changes (at most
 * every `intervalMs`), atomically (temp file, fsync, rename, fsync of the folder), and once more
 * when the lab stops. A crash loses at most the last interval of changes, never the file.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { ObjectStore, StoreSnapshot } from './object-store';
import { objectJson } from './object-json';

export const STORE_FILE = 'store.json';

/** The saved snapshot in `dir`, or undefined when there is none (or it cannot be read). */
export function readStoreSnapshot(dir: string): StoreSnapshot | undefined {
  try {
    const snap = JSON.parse(readFileSync(path.join(dir, STORE_FILE), 'utf8')) as StoreSnapshot;
    return typeof snap.resourceVersion === 'number' && snap.buckets && typeof snap.buckets === 'object' ? snap : undefined;
  } catch {
    return undefined;
  }
}

/** Write `data` (text, or bytes in order) to `file` atomically and durably. */
export async function writeFileDurably(file: string, data: string | readonly Buffer[], mode = 0o600): Promise<void> {
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const fh = await open(tmp, 'w', mode);
  try {
    if (typeof data === 'string') await fh.writeFile(data);
    else for (const chunk of data) await fh.write(chunk);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  const d = await open(dir, 'r').catch(() => undefined);
  if (d) {
    await d.sync().catch(() => undefined);
    await d.close();
  }
}

/**
 * `JSON.stringify(snapshot)`, with each object's text reused from objectJson: every save
 * re-serialised the whole store (all 500 pods and their events) on the API's thread.
 */
export function snapshotJson(snapshot: StoreSnapshot): string {
  const buckets = Object.entries(snapshot.buckets).map(([name, objects]) => `${JSON.stringify(name)}:[${objects.map(objectJson).join(',')}]`);
  return `{"resourceVersion":${JSON.stringify(snapshot.resourceVersion)},"buckets":{${buckets.join(',')}}}`;
}

/** Objects serialised between two yields to the event loop while a snapshot is saved. */
const OBJECTS_PER_SLICE = 100;

/**
 * snapshotJson's text as UTF-8 chunks, built a slice of objects at a time with the event loop
 * free in between: with 500 pods and their events the whole text took one long turn of the API's
 * thread every save, which every request waiting behind it felt. The snapshot holds the objects
 * as they were when it was taken (stored objects are never mutated), so it stays consistent.
 */
export async function snapshotChunks(snapshot: StoreSnapshot): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  let text = `{"resourceVersion":${JSON.stringify(snapshot.resourceVersion)},"buckets":{`;
  let firstBucket = true;
  for (const [name, objects] of Object.entries(snapshot.buckets)) {
    text += `${firstBucket ? '' : ','}${JSON.stringify(name)}:[`;
    firstBucket = false;
    for (let i = 0; i < objects.length; i += OBJECTS_PER_SLICE) {
      text += (i ? ',' : '') + objects.slice(i, i + OBJECTS_PER_SLICE).map(objectJson).join(',');
      chunks.push(Buffer.from(text));
      text = '';
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    text += ']';
  }
  chunks.push(Buffer.from(`${text}}}`));
  return chunks;
}

export class StorePersistence {
  #unsubscribe: (() => void) | undefined;
  #dirty = false;
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> = Promise.resolve();
  #lastWrite = 0;
  #stopped = false;

  constructor(
    private readonly store: ObjectStore,
    private readonly dir: string,
    private readonly intervalMs = 500,
  ) {
    mkdirSync(dir, { recursive: true });
  }

  start(): void {
    this.#unsubscribe = this.store.subscribe(undefined, () => this.#changed());
    this.#changed(); // the first snapshot (bootstrap objects or a restored store)
  }

  #changed(): void {
    this.#dirty = true;
    if (this.#timer || this.#stopped) return;
    const wait = Math.max(50, this.intervalMs - (Date.now() - this.#lastWrite));
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.flush();
    }, wait);
    this.#timer.unref();
  }

  /** Write the current state now (after any write in progress). */
  flush(): Promise<void> {
    this.#writing = this.#writing.then(async () => {
      if (!this.#dirty) return;
      this.#dirty = false;
      this.#lastWrite = Date.now();
      try {
        await writeFileDurably(path.join(this.dir, STORE_FILE), await snapshotChunks(this.store.snapshot()));
      } catch (err) {
        this.#dirty = true;
        console.error(`[lab store] could not save ${this.dir}: ${(err as Error).message}`);
      }
    });
    return this.#writing;
  }

  /** Stop watching and write the last state. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe?.();
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.flush();
  }

  /** Stop without writing (the cluster was dissolved and its folder is removed). */
  discard(): void {
    this.#stopped = true;
    this.#unsubscribe?.();
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#dirty = false;
  }
}
