/**
 * The app's persistent state (one JSON file in the data directory, mode 0600). Written
 * atomically; a file that cannot be read or fails the schema is kept aside (renamed, never
 * deleted) and reported, and the app starts from defaults.
 */
import { EventEmitter } from 'node:events';
import { mkdir, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { preferences, stepId, stepStatus } from '../../preload/contract/app';
import { storedPlan } from '../../preload/contract/plan';
import { writeFileAtomic } from './atomic-file';

export const persistedState = z.object({
  version: z.literal(1),
  preferences,
  plan: storedPlan.nullable(),
  /** Statuses other features record (the plan step's status is derived from the plan). */
  steps: z.partialRecord(stepId, stepStatus),
  /** Free-form per-feature records (e.g. card reports), validated by their owners. */
  records: z.record(z.string(), z.unknown()),
});
export type PersistedState = z.infer<typeof persistedState>;

export function defaultState(): PersistedState {
  return {
    version: 1,
    preferences: { language: 'en', theme: 'system', currentStep: 'plan' },
    plan: null,
    steps: {},
    records: {},
  };
}

export interface Recovery {
  keptAs: string;
  reason: string;
}

export class StateStore extends EventEmitter<{ change: [PersistedState] }> {
  readonly file: string;
  #state: PersistedState = defaultState();
  #recovery: Recovery | undefined;
  #queue: Promise<void> = Promise.resolve();

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

  async load(): Promise<void> {
    await mkdir(this.dataDir, { recursive: true, mode: 0o700 });
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    let reason: string | undefined;
    try {
      const parsed = persistedState.safeParse(JSON.parse(text));
      if (parsed.success) {
        this.#state = parsed.data;
        return;
      }
      reason = `it does not match what this version expects (${parsed.error.issues[0]?.path.join('.') ?? ''}: ${parsed.error.issues[0]?.message ?? ''})`;
    } catch (error) {
      reason = `it is not valid JSON (${(error as Error).message})`;
    }
    const keptAs = `${this.file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    await rename(this.file, keptAs);
    this.#recovery = { keptAs, reason: `The saved progress could not be read: ${reason}. It was kept as ${path.basename(keptAs)} and the app started fresh.` };
  }

  /** Apply a change and persist it; writes are serialised so the file always holds the latest state. */
  async update(change: (state: PersistedState) => PersistedState): Promise<PersistedState> {
    const next = persistedState.parse(change(this.#state));
    this.#state = next;
    const write = this.#queue.then(() => writeFileAtomic(this.file, JSON.stringify(next, null, 2)));
    this.#queue = write.catch(() => undefined);
    await write;
    this.emit('change', next);
    return next;
  }
}
