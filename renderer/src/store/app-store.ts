/**
 * The window's state: what main says (app state, jobs) plus connection status. Main is the
 * source of truth; this store only mirrors it and re-reads it after a reload.
 */
import { create } from 'zustand';
import type { AppState, Preferences } from '../../../preload/contract/app';
import type { ErrorBody } from '../../../preload/contract/errors';
import type { JobSnapshot } from '../../../preload/contract/jobs';
import type { PracticeView } from '../../../preload/contract/practice';
import { call, errorBodyOf, onConnection, onEvent } from '../api/client';

interface JobView extends JobSnapshot {
  lines: string[];
}

interface Store {
  state: AppState | null;
  loadError: ErrorBody | null;
  connected: boolean;
  jobs: Record<string, JobView>;
  practice: PracticeView | null;
  /** Why switching practice mode was refused (e.g. a job still runs). */
  practiceError: ErrorBody | null;
  /**
   * While main switches between the real and the practice world: the world being switched to
   * (true: practice). The step area waits meanwhile, and practice snapshots taken before the
   * switch (the reload after a reconnection, a late event) do not flip the switch back.
   */
  practiceSwitchingTo: boolean | null;
  load(): Promise<void>;
  setPreferences(change: Partial<Preferences>): Promise<void>;
  setState(state: AppState): void;
  cancelJob(id: string): Promise<void>;
  setPracticeEnabled(enabled: boolean): Promise<void>;
}

/** A practice snapshot as the window shows it: while switching, with the switch where the user put it. */
const withSwitch = <T extends { enabled: boolean } | null>(practice: T): T => {
  const to = useAppStore.getState().practiceSwitchingTo;
  return practice && to !== null ? { ...practice, enabled: to } : practice;
};

export const useAppStore = create<Store>((set, get) => ({
  state: null,
  loadError: null,
  connected: true,
  jobs: {},
  practice: null,
  practiceError: null,
  practiceSwitchingTo: null,
  async load() {
    try {
      const state = await call('app.getState', {});
      const practice = await call('practice.get', {});
      const jobs = await call('jobs.list', {});
      const views: Record<string, JobView> = {};
      for (const job of jobs) {
        const log = await call('jobs.log', { id: job.id, from: Math.max(0, job.logLines - 500) });
        views[job.id] = { ...job, lines: log.lines };
      }
      set({ state, jobs: views, practice: withSwitch(practice), loadError: null });
    } catch (error) {
      set({ loadError: errorBodyOf(error) });
    }
  },
  async setPreferences(change) {
    const current = get().state;
    if (current) set({ state: { ...current, preferences: { ...current.preferences, ...change } } });
    const preferences = await call('app.setPreferences', change);
    const latest = get().state;
    if (latest) set({ state: { ...latest, preferences } });
  },
  setState(state) {
    set({ state });
  },
  async setPracticeEnabled(enabled) {
    const current = get().practice;
    set({ practiceSwitchingTo: enabled });
    if (current) set({ practice: { ...current, enabled }, practiceError: null });
    try {
      const practice = await call('practice.setEnabled', { enabled });
      set({ practice });
      // The other world: everything the window shows comes from there now.
      set({ state: await call('app.getState', {}), practiceSwitchingTo: null });
    } catch (error) {
      set({ practiceSwitchingTo: null });
      set({ practice: await call('practice.get', {}), practiceError: errorBodyOf(error) });
    }
  },
  async cancelJob(id) {
    await call('jobs.cancel', { id });
  },
}));

/** Keep the store in step with main's events; call once at start. */
export function connectStore(): void {
  onEvent('job.update', (snapshot) =>
    useAppStore.setState((s) => ({ jobs: { ...s.jobs, [snapshot.id]: { ...snapshot, lines: s.jobs[snapshot.id]?.lines ?? [] } } })),
  );
  onEvent('job.log', ({ id, lines }) =>
    useAppStore.setState((s) => {
      const job = s.jobs[id];
      if (!job) return s;
      return { jobs: { ...s.jobs, [id]: { ...job, lines: [...job.lines, ...lines].slice(-2000) } } };
    }),
  );
  onEvent('practice.changed', (practice) => useAppStore.setState({ practice: withSwitch(practice) }));
  onEvent('app.changed', (state) => useAppStore.setState({ state }));
  onConnection((connected) => {
    useAppStore.setState({ connected });
    if (connected) void useAppStore.getState().load();
  });
}
