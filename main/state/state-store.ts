/**
 * The app's persistent state: one JSON file in the data directory (mode 0600), written
 * atomically (temp file, fsync, rename, fsync of the folder). Each feature owns a typed,
 * versioned slice of it (`slice()`); nobody else reads a feature's slice except through that
 * feature's API. Slices of the journey live in a "world": the real one or the practice one,
 * kept apart so switching practice mode never mixes them (see main/app/worlds.ts).
 *
 * The state must never stop the app: a file that cannot be read (a directory, no permission,
 * not JSON, an unknown version) is kept aside and reported, and the app starts fresh; a slice
 * its owner cannot read is reset alone (its old data kept in a copy of the file) and reported.
 * The state in memory changes only after its write succeeded, so a full disk loses nothing
 * that was saved and says so.
 */
import { EventEmitter } from 'node:events';
import { copyFile, mkdir, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { preferences } from '../../preload/contract/app';
import type { Preferences } from '../../preload/contract/app';
import { writeFileAtomic } from './atomic-file';
import { migrateV1 } from './migrate-v1';

export const WORLDS = ['real', 'practice'] as const;
export type World = (typeof WORLDS)[number];

const sliceRecord = z.object({ v: z.number().int().positive(), data: z.unknown() });
const sliceMap = z.record(z.string(), sliceRecord);

export const persistedState = z.object({
  version: z.literal(2),
  preferences,
  /** Which world the journey shows: practice mode on or off. */
  mode: z.enum(WORLDS),
  /** Slices that belong to the app as a whole (the practice shelf, lab speed). */
  app: sliceMap,
  /** Slices of the journey, one set per world. */
  worlds: z.object({ real: sliceMap, practice: sliceMap }),
});
export type PersistedState = z.infer<typeof persistedState>;

export function defaultPreferences(): Preferences {
  return { language: 'en', theme: 'system', currentStep: 'plan' };
}

export function defaultState(): PersistedState {
  return { version: 2, preferences: defaultPreferences(), mode: 'real', app: {}, worlds: { real: {}, practice: {} } };
}

/** What a feature declares about its slice. */
export interface SliceDef<T> {
  /** Unique per scope; also the key in the file. */
  id: string;
  /** Bump when the shape changes, with a `migrate` step from each older version. */
  version: number;
  schema: z.ZodType<T>;
  initial: () => T;
  /** Turns data written by an older version into this version's shape. */
  migrate?: (fromVersion: number, data: unknown) => unknown;
}

/** A feature's typed handle on its slice (in one world, or app-wide). */
export interface Slice<T> {
  get(): T;
  /** Persists the change, then makes it visible; rejects (state unchanged) when the write fails. */
  update(change: (value: T) => T): Promise<T>;
}

export interface Recovery {
  keptAs: string;
  /** Stable code for the window: why the file (or a slice) was set aside. */
  code: 'UNREADABLE' | 'NOT_JSON' | 'UNKNOWN_FORMAT' | 'SLICE_RESET' | 'NOT_SAVED';
  /** Technical detail (an error code, a schema path); shown as is. */
  detail: string;
}

export class StateError extends Error {
  constructor(
    readonly code: 'DISK_FULL' | 'READ_ONLY' | 'WRITE_FAILED',
    message: string,
  ) {
    super(message);
  }
}

type Scope = { kind: 'app' } | { kind: 'world'; world: World };

export class StateStore extends EventEmitter<{ change: [PersistedState] }> {
  readonly file: string;
  #state: PersistedState = defaultState();
  #recovery: Recovery | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  /** Files written by the migration that must move with the world (v1 practice files). */
  #pendingMoves: Array<{ from: string; to: string }> = [];

  constructor(readonly dataDir: string) {
    super();
    this.file = path.join(dataDir, 'state.json');
  }

  get state(): PersistedState {
    return this.#state;
  }

  get recovery(): Recovery | undefined {
    return this.#recovery;
  }

  dismissRecovery(): void {
    this.#recovery = undefined;
  }

  /** The folder a world keeps its files in (keys, known hosts, kubeconfigs): the real world uses the data directory itself. */
  worldDir(world: World): string {
    return world === 'real' ? this.dataDir : path.join(this.dataDir, 'practice');
  }

  async load(): Promise<void> {
    await mkdir(this.dataDir, { recursive: true, mode: 0o700 });
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'EIO';
      if (code === 'ENOENT') return;
      await this.#setAside('UNREADABLE', code);
      return;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (error) {
      await this.#setAside('NOT_JSON', (error as Error).message);
      return;
    }
    const version = (raw as { version?: unknown } | null)?.version;
    if (version === 1) {
      const migrated = migrateV1(raw, { dataDir: this.dataDir, practiceDir: this.worldDir('practice') });
      if (migrated.ok) {
        this.#state = migrated.state;
        this.#pendingMoves = migrated.moves;
        await this.#moveFiles();
        // The old file is kept once, beside the new one, for anyone who wants to go back.
        await copyFile(this.file, `${this.file}.v1-backup`).catch(() => undefined);
        await this.#write(this.#state).catch(() => undefined);
        return;
      }
      await this.#setAside('UNKNOWN_FORMAT', migrated.detail);
      return;
    }
    const parsed = persistedState.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      await this.#setAside('UNKNOWN_FORMAT', `${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''}`);
      return;
    }
    this.#state = parsed.data;
  }

  /** A typed slice in a world (the journey's features) or app-wide (`world` omitted). */
  slice<T>(def: SliceDef<T>, world?: World): Slice<T> {
    const scope: Scope = world ? { kind: 'world', world } : { kind: 'app' };
    return {
      get: () => this.#read(def, scope),
      update: async (change) => {
        let result!: T;
        await this.update((s) => {
          result = def.schema.parse(change(this.#read(def, scope, s)));
          return writeSlice(s, scope, def, result);
        });
        return result;
      },
    };
  }

  setMode(mode: World): Promise<PersistedState> {
    return this.update((s) => ({ ...s, mode }));
  }

  setPreferences(change: Partial<Preferences>): Promise<PersistedState> {
    return this.update((s) => ({ ...s, preferences: { ...s.preferences, ...change } }));
  }

  /**
   * Applies a change and persists it; writes are serialised so the file always holds the
   * latest state, and the state in memory (and the 'change' event) follows only a write that
   * succeeded.
   */
  update(change: (state: PersistedState) => PersistedState): Promise<PersistedState> {
    const run = this.#queue.then(async () => {
      const next = persistedState.parse(change(this.#state));
      await this.#write(next);
      this.#state = next;
      this.emit('change', next);
      return next;
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #read<T>(def: SliceDef<T>, scope: Scope, state = this.#state): T {
    const record = (scope.kind === 'app' ? state.app : state.worlds[scope.world])[def.id];
    if (!record) return def.initial();
    // Parsed once per stored record (records are replaced, never changed in place).
    const cached = this.#parsed.get(record);
    if (cached) return cached.value as T;
    let value: T;
    const data = record.v < def.version && def.migrate ? def.migrate(record.v, record.data) : record.data;
    const parsed = record.v <= def.version ? def.schema.safeParse(data) : undefined;
    if (parsed?.success) value = parsed.data;
    else {
      // Newer than this app, or unreadable: this slice alone starts again; a copy of the file is kept.
      const detail = parsed ? `${scopeKey(scope, def.id)}: ${parsed.error.issues[0]?.path.join('.') ?? ''} ${parsed.error.issues[0]?.message ?? ''}` : `${scopeKey(scope, def.id)}: written by a newer version (${record.v})`;
      void this.#keepCopy('SLICE_RESET', detail);
      value = def.initial();
    }
    this.#parsed.set(record, { value });
    return value;
  }

  #parsed = new WeakMap<object, { value: unknown }>();

  async #write(state: PersistedState): Promise<void> {
    try {
      await writeFileAtomic(this.file, JSON.stringify(state, null, 2));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOSPC' || code === 'EDQUOT') throw new StateError('DISK_FULL', `The disk holding ${this.dataDir} is full: the change was not saved. Free some space and try again.`);
      if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM') throw new StateError('READ_ONLY', `The app may not write ${this.file} (${code}): the change was not saved. Check the folder's permissions.`);
      throw new StateError('WRITE_FAILED', `Saving ${this.file} failed (${code ?? (error as Error).message}): the change was not saved.`);
    }
  }

  /** Moves a file the app cannot use out of the way (never deletes it) and starts fresh. */
  async #setAside(code: Recovery['code'], detail: string): Promise<void> {
    const keptAs = `${this.file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    try {
      await rename(this.file, keptAs);
      this.#recovery = { keptAs, code, detail };
    } catch (error) {
      // Cannot even move it (a read-only folder): run on defaults; saving will say why it fails.
      this.#recovery = { keptAs: this.file, code, detail: `${detail}; it could not be moved aside (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
    }
  }

  async #keepCopy(code: Recovery['code'], detail: string): Promise<void> {
    const keptAs = `${this.file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    await copyFile(this.file, keptAs).catch(() => undefined);
    this.#recovery = { keptAs, code, detail };
  }

  async #moveFiles(): Promise<void> {
    for (const move of this.#pendingMoves) {
      await mkdir(path.dirname(move.to), { recursive: true, mode: 0o700 });
      await rename(move.from, move.to).catch(() => undefined);
    }
    this.#pendingMoves = [];
  }
}

function scopeKey(scope: Scope, id: string): string {
  return scope.kind === 'app' ? `app/${id}` : `${scope.world}/${id}`;
}

function writeSlice<T>(state: PersistedState, scope: Scope, def: SliceDef<T>, data: T): PersistedState {
  const record = { v: def.version, data };
  if (scope.kind === 'app') return { ...state, app: { ...state.app, [def.id]: record } };
  return { ...state, worlds: { ...state.worlds, [scope.world]: { ...state.worlds[scope.world], [def.id]: record } } };
}
