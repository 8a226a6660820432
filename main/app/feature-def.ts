/**
 * What a feature is in main: a folder with a `feature.ts` that exports `feature`, made with
 * `appFeature` (lives as long as the app: preferences, jobs, the practice shelf) or
 * `worldFeature` (one per world, real or practice: the journey's steps). A feature brings the
 * handlers of its contract methods, the statuses of its steps, a typed API for other features
 * and a close. The composition root (create-app.ts) finds every `main/<folder>/feature.ts` (see features.ts), so
 * adding a feature touches no central table.
 *
 * Features reach each other only through `ctx.feature(id)`, typed by `FeatureApis`, which each
 * feature extends for itself:
 *
 *   declare module '../app/feature-def' { interface FeatureApis { cards: CardsApi } }
 */
import type { StepId, StepStatus } from '../../preload/contract/app';
import type { EventName, EventPayload, MethodName, ParsedParams, Result } from '../../preload/contract';
import type { Environment } from '../environment/environment';
import type { JobManager } from '../jobs/job-manager';
import type { Slice, SliceDef, StateStore, World } from '../state/state-store';

// Each feature adds its API here (module augmentation).
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface FeatureApis {}
export type FeatureId = keyof FeatureApis;

export type Handler<M extends MethodName> = (params: ParsedParams<M>) => Promise<Result<M>> | Result<M>;
export type HandlerTable = { [M in MethodName]?: Handler<M> };

/**
 * What only the hosting shell can do, given by the host's entry file (main/electron/host-services.ts
 * for Electron; the browser host has none): services use these and never import `electron`.
 */
export interface HostServices {
  /** The desktop file dialog for an OS image; the chosen path, or null when the user cancelled. */
  pickImageFile?(): Promise<string | null>;
  /** The system's proxy for a URL in PAC result form ("DIRECT", "PROXY host:port; DIRECT"), as the desktop session resolves it. */
  resolveProxy?(url: string): Promise<string>;
}

export interface AppContext {
  readonly dataDir: string;
  readonly host: 'electron' | 'browser';
  readonly hostServices: HostServices;
  /** Paths of the running app: the drive holding them is never offered for writing. */
  readonly appPaths: readonly string[];
  /** Off in unit tests that do not need the drive list watched. */
  readonly watchDrives: boolean;
  readonly store: StateStore;
  readonly jobs: JobManager;
  emit<E extends EventName>(name: E, payload: EventPayload<E>): void;
  /** Another feature's API (of the current world for world features), resolved when called. */
  feature<K extends FeatureId>(id: K): FeatureApis[K];
  /** Tell the app that step statuses may have changed (it re-derives and tells the window). */
  stepsChanged(): void;
  /** Leave the current world for another (practice mode on or off); refused while one of its jobs runs. */
  switchWorld(world: World): Promise<void>;
  /** The world the journey shows now. */
  currentWorld(): World;
  /** Every step of the journey as the feature owning it reports it. */
  steps(): Record<StepId, StepInfo>;
}

export interface WorldContext extends AppContext {
  readonly world: World;
  /** Where this world keeps its files: cluster key, known hosts, kubeconfigs. */
  readonly dir: string;
  /** What differs between real hardware and the practice lab. */
  readonly env: Environment;
  /** This feature's typed slice of the state, in this world. */
  slice<T>(def: SliceDef<T>): Slice<T>;
}

/** A step as its feature sees it: how far the user got, and whether it can be entered yet. */
export interface StepInfo {
  status: StepStatus;
  /** Why the step cannot be entered yet (a code the window words), e.g. `needs-cluster`. */
  locked?: string;
}

export interface FeatureParts<Api> {
  api: Api;
  handlers: HandlerTable;
  /** The steps this feature owns, derived from its state. */
  steps?: Partial<Record<StepId, () => StepInfo>>;
  /** Called once every feature of the world (or the app) exists. */
  start?(): void | Promise<void>;
  close?(): void | Promise<void>;
}

export interface AppFeatureDef<K extends FeatureId = FeatureId> {
  id: K;
  scope: 'app';
  create(ctx: AppContext): FeatureParts<FeatureApis[K]> | Promise<FeatureParts<FeatureApis[K]>>;
}

export interface WorldFeatureDef<K extends FeatureId = FeatureId> {
  id: K;
  scope: 'world';
  create(ctx: WorldContext): FeatureParts<FeatureApis[K]> | Promise<FeatureParts<FeatureApis[K]>>;
}

export type FeatureDef = AppFeatureDef | WorldFeatureDef;

export function appFeature<K extends FeatureId>(id: K, create: AppFeatureDef<K>['create']): AppFeatureDef<K> {
  return { id, scope: 'app', create };
}

export function worldFeature<K extends FeatureId>(id: K, create: WorldFeatureDef<K>['create']): WorldFeatureDef<K> {
  return { id, scope: 'world', create };
}
