/**
 * Composition root: builds the app for one data directory. It finds every feature
 * (`main/<folder>/feature.ts`, see features.ts), creates the app-wide ones once and the journey's
 * ones for the current world (real or practice, each with its own Environment, chosen here and
 * nowhere else), and serves all their handlers through one router. Switching practice mode
 * closes one world's features and creates the other's; nothing of one world leaks into the other.
 * Both hosts (Electron and browser) call this and serve what it returns.
 */
import type { StepId, StepStatus } from '../../preload/contract/app';
import { STEP_IDS } from '../../preload/contract/app';
import { methods } from '../../preload/contract';
import type { EventName, EventPayload, MethodName } from '../../preload/contract';
import { ErrorCode } from '../../preload/contract/errors';
import { platformElevatedAccess } from '../disk/elevated/elevated-device';
import { createRealEnvironment } from '../environment/real-environment';
import type { Environment } from '../environment/environment';
import { JobManager } from '../jobs/job-manager';
import { createPracticeEnvironment } from '../practice/practice-environment';
import { AppError } from '../router/app-error';
import { createRouter } from '../router/router';
import type { Handlers, Router } from '../router/router';
import { StateStore } from '../state/state-store';
import type { World } from '../state/state-store';
import { EventBus } from './event-bus';
import type { AppContext, FeatureApis, FeatureId, FeatureParts, HandlerTable, HostServices, StepInfo, WorldContext } from './feature-def';
import { allFeatures } from './features';

export interface App {
  router: Router;
  events: EventBus;
  store: StateStore;
  jobs: JobManager;
  /** A feature's API (of the current world for journey features). */
  feature<K extends FeatureId>(id: K): FeatureApis[K];
  world(): World;
  /** Every step's status and lock, as the window shows them. */
  steps(): Record<StepId, StepInfo>;
  close(): Promise<void>;
}

export interface CreateAppOptions {
  dataDir: string;
  host: 'electron' | 'browser';
  /** What only the host can do (Electron: file dialog, the session's proxy). */
  hostServices?: HostServices;
  /** Paths of the running app: the drive holding them is never offered for writing. */
  appPaths?: string[];
  /** Watch drives every second (off in unit tests that do not need it). */
  watchDrives?: boolean;
  onInternalError?: (method: string, error: unknown) => void;
  /** Tests: the real environment's network interfaces and drives. */
  realEnvironment?: Parameters<typeof createRealEnvironment>[0];
}

interface Running {
  id: FeatureId;
  parts: FeatureParts<unknown>;
}

interface WorldInstance {
  world: World;
  env: Environment;
  features: Running[];
  closed: boolean;
}

export async function createApp(options: CreateAppOptions): Promise<App> {
  const store = new StateStore(options.dataDir);
  await store.load();
  const events = new EventBus();
  const jobs = new JobManager();
  jobs.on('update', (snapshot) => events.emit('job.update', snapshot));
  jobs.on('log', (chunk) => events.emit('job.log', chunk));

  const appFeatures: Running[] = [];
  let current: WorldInstance | undefined;
  /** The world being opened or closed: its features still find each other meanwhile. */
  let opening: WorldInstance | undefined;
  let switching: Promise<void> | undefined;

  const find = (id: FeatureId): Running | undefined => appFeatures.find((f) => f.id === id) ?? (current ?? opening)?.features.find((f) => f.id === id);
  const feature = <K extends FeatureId>(id: K): FeatureApis[K] => {
    const found = find(id);
    if (!found) throw new AppError(ErrorCode.UNAVAILABLE, `The app is switching between practice and real: try again in a moment (${id}).`, { key: 'app.switching' });
    return found.parts.api as FeatureApis[K];
  };

  const steps = (): Record<StepId, StepInfo> => {
    const out = Object.fromEntries(STEP_IDS.map((id) => [id, { status: 'not-started' as StepStatus, locked: 'coming-later' }])) as Record<StepId, StepInfo>;
    if (!current) return out;
    for (const f of [...appFeatures, ...current.features]) {
      for (const [id, info] of Object.entries(f.parts.steps ?? {})) out[id as StepId] = info!();
    }
    return out;
  };

  let stepsTimer: NodeJS.Timeout | undefined;
  const stepsChanged = () => {
    // Several features may change at once: tell the window once.
    stepsTimer ??= setTimeout(() => {
      stepsTimer = undefined;
      // Between worlds there is nothing to tell; the new world says so once it is open.
      if (current) events.emit('app.changed', feature('app').state());
    }, 0);
  };

  const base: AppContext = {
    dataDir: options.dataDir,
    host: options.host,
    hostServices: options.hostServices ?? {},
    appPaths: options.appPaths ?? [process.execPath, process.cwd()],
    watchDrives: options.watchDrives !== false,
    store,
    jobs,
    emit: (name, payload) => events.emit(name, payload),
    feature,
    stepsChanged,
    switchWorld: (world) => switchWorld(world),
    currentWorld: () => current?.world ?? store.state.mode,
    steps: () => steps(),
  };

  /** The one place real or practice is chosen. */
  const environmentFor = async (world: World): Promise<Environment> =>
    world === 'practice' ? await createPracticeEnvironment(feature('practice')) : createRealEnvironment(options.realEnvironment);

  async function openWorld(world: World): Promise<WorldInstance> {
    const instance: WorldInstance = { world, env: await environmentFor(world), features: [], closed: false };
    opening = instance;
    const ctx: WorldContext = {
      ...base,
      world,
      dir: store.worldDir(world),
      env: instance.env,
      slice: (def) => store.slice(def, world),
      // A world's features always reach the same world's features (also late, after it closed).
      feature: <K extends FeatureId>(id: K): FeatureApis[K] => {
        const found = appFeatures.find((f) => f.id === id) ?? instance.features.find((f) => f.id === id);
        if (!found) throw new AppError(ErrorCode.UNAVAILABLE, `${id} is not part of this world.`, { key: 'app.switching' });
        return found.parts.api as FeatureApis[K];
      },
      // A closed world's late events (a job that was finishing) never reach the window.
      emit: <E extends EventName>(name: E, payload: EventPayload<E>) => {
        if (!instance.closed) events.emit(name, payload);
      },
    };
    try {
      for (const def of allFeatures()) {
        if (def.scope === 'world') instance.features.push({ id: def.id, parts: (await def.create(ctx)) as FeatureParts<unknown> });
      }
    } finally {
      opening = undefined;
    }
    return instance;
  }

  async function closeFeatures(instance: WorldInstance): Promise<void> {
    instance.closed = true;
    opening = instance;
    try {
      for (const f of [...instance.features].reverse()) await f.parts.close?.();
    } finally {
      opening = undefined;
    }
  }

  async function closeWorld(instance: WorldInstance): Promise<void> {
    await closeFeatures(instance);
    await instance.env.close();
  }

  async function switchWorld(world: World): Promise<void> {
    while (switching) await switching;
    if (current?.world === world && store.state.mode === world) return;
    const running = jobs.list().filter((j) => j.state === 'running');
    if (running.length > 0) {
      throw new AppError(ErrorCode.CONFLICT, `Finish or cancel the running job first (${running.map((j) => j.title).join(', ')}): switching between practice and real would cut it off.`, {
        key: 'app.jobRunning',
        values: { count: running.length, kind: running[0]!.kind, subject: running[0]!.subject ?? '' },
      });
    }
    switching = (async () => {
      const previous = current;
      current = undefined;
      if (previous) await closeWorld(previous);
      await store.setMode(world);
      current = await openWorld(world);
      for (const f of current.features) await f.parts.start?.();
    })();
    try {
      await switching;
    } finally {
      switching = undefined;
    }
    stepsChanged();
  }

  for (const def of allFeatures()) {
    if (def.scope === 'app') appFeatures.push({ id: def.id, parts: (await def.create(base)) as FeatureParts<unknown> });
  }
  for (const f of appFeatures) await f.parts.start?.();
  current = await openWorld(store.state.mode);
  for (const f of current.features) await f.parts.start?.();

  // One handler per contract method, looked up in the current world when called.
  const owner = (method: MethodName): Running | undefined => [...appFeatures, ...(current?.features ?? [])].find((f) => method in f.parts.handlers);
  const handlers = Object.fromEntries(
    (Object.keys(methods) as MethodName[]).map((method) => [
      method,
      (params: unknown) => {
        const f = owner(method);
        if (!f) throw new AppError(ErrorCode.UNAVAILABLE, `The app is switching between practice and real: try ${method} again in a moment.`, { key: 'app.switching' });
        return (f.parts.handlers as Record<string, (p: unknown) => unknown>)[method]!(params);
      },
    ]),
  ) as unknown as Handlers;

  store.on('change', () => stepsChanged());

  return {
    router: createRouter(handlers, { onInternalError: options.onInternalError }),
    events,
    store,
    jobs,
    feature,
    world: () => current?.world ?? store.state.mode,
    steps,
    close: async () => {
      clearTimeout(stepsTimer);
      const last = current;
      current = undefined;
      if (last) await closeFeatures(last);
      // Jobs stop before the lab they may be talking to.
      await jobs.shutdown();
      await last?.env.close();
      // Administrator helpers kept for a card's write + verify exit when their connection closes.
      await platformElevatedAccess().closeAll();
      for (const f of [...appFeatures].reverse()) await f.parts.close?.();
    },
  };
}

/** Methods no feature handles: a test keeps this empty. */
export function unhandledMethods(parts: ReadonlyArray<{ handlers: HandlerTable }>): MethodName[] {
  return (Object.keys(methods) as MethodName[]).filter((m) => !parts.some((p) => m in p.handlers));
}
