/**
 * Composition root: builds every service for one data directory and wires them to the router.
 * Both hosts (Electron and browser) call this and serve what it returns.
 */
import type { AppState, StepId, StepStatus } from '../../preload/contract/app';
import { STEP_IDS } from '../../preload/contract/app';
import { ErrorCode } from '../../preload/contract/errors';
import { AppError } from '../router/app-error';
import { CardsService } from '../cards/cards-handlers';
import { ClusterService } from '../cluster-step/cluster-service';
import { platformElevatedAccess } from '../disk/elevated/elevated-device';
import { reconcilePlanSteps } from './step-status';
import { FindNodesService } from '../find-nodes/find-nodes-service';
import { JobManager } from '../jobs/job-manager';
import { PlanService } from '../plan/plan-service';
import { PracticeService } from '../practice/practice-service';
import { createRouter } from '../router/router';
import type { Handlers, Router } from '../router/router';
import { StateStore } from '../state/state-store';
import { EventBus } from './event-bus';

/** Steps a user can enter today; the others show what they will do. */
export const AVAILABLE_STEPS: StepId[] = ['plan', 'cards', 'discover', 'install', 'cluster'];

export interface App {
  router: Router;
  events: EventBus;
  store: StateStore;
  jobs: JobManager;
  plans: PlanService;
  practice: PracticeService;
  cards: CardsService;
  findNodes: FindNodesService;
  cluster: ClusterService;
  close(): Promise<void>;
}

export interface CreateAppOptions {
  dataDir: string;
  host: 'electron' | 'browser';
  /** Paths of the running app: the drive holding them is never offered for writing. */
  appPaths?: string[];
  /** Watch drives every second (off in unit tests that do not need it). */
  watchDrives?: boolean;
  onInternalError?: (method: string, error: unknown) => void;
}

export async function createApp(options: CreateAppOptions): Promise<App> {
  const store = new StateStore(options.dataDir);
  await store.load();
  const events = new EventBus();
  const jobs = new JobManager();
  jobs.on('update', (snapshot) => events.emit('job.update', snapshot));
  jobs.on('log', (chunk) => events.emit('job.log', chunk));
  const plans = new PlanService(store);
  const practice = new PracticeService(store, (view) => events.emit('practice.changed', view));
  await practice.restore();
  const cards = new CardsService({
    store,
    jobs,
    plan: () => plans.stored(),
    practice,
    appPaths: options.appPaths ?? [process.execPath, process.cwd()],
    onDrives: (drives) => events.emit('cards.drives', { drives }),
    // A prepared card's host key is pinned for its node at once (findNodes is built just below).
    pinHostKey: (hostname, publicKey) => findNodes.pinPreparedKey(hostname, publicKey),
  });
  if (options.watchDrives !== false) cards.start();
  const findNodes = new FindNodesService({ store, jobs, plans, practice, onChange: (state) => events.emit('findNodes.changed', state) });
  const cluster = new ClusterService({ store, jobs, plans, findNodes, practice, onChange: (state) => events.emit('cluster.changed', state) });
  // Closed in the middle of installing? Pick the job up from the nodes' real state.
  cluster.resumeInterrupted();

  const appState = (): AppState => {
    const s = store.state;
    const steps = Object.fromEntries(STEP_IDS.map((id) => [id, s.steps[id] ?? 'not-started'])) as Record<StepId, StepStatus>;
    steps.plan = s.plan ? 'done' : store.recovery ? 'needs-attention' : s.preferences.currentStep === 'plan' ? 'in-progress' : 'not-started';
    return {
      preferences: s.preferences,
      steps,
      available: AVAILABLE_STEPS,
      plan: plans.get(),
      ...(store.recovery ? { recovered: store.recovery } : {}),
      dataDir: options.dataDir,
      host: options.host,
    };
  };

  store.on('change', () => events.emit('app.changed', appState()));

  const handlers: Handlers = {
    'app.getState': () => appState(),
    'app.setPreferences': async (change) => {
      if (change.currentStep && !AVAILABLE_STEPS.includes(change.currentStep)) {
        throw new AppError(ErrorCode.INVALID_PARAMS, `The step "${change.currentStep}" is not available yet.`);
      }
      const next = await store.update((s) => ({ ...s, preferences: { ...s.preferences, ...change } }));
      return next.preferences;
    },
    'app.dismissRecovery': () => {
      store.dismissRecovery();
      return {};
    },
    'plan.get': () => plans.get(),
    'plan.save': async ({ draft }) => {
      const view = await plans.save(draft);
      await store.update(reconcilePlanSteps);
      return view;
    },
    'jobs.list': () => jobs.list(),
    'jobs.log': ({ id, from }) => jobs.log(id, from),
    'jobs.cancel': ({ id }) => jobs.cancel(id),
    'practice.get': () => practice.view(),
    'practice.setEnabled': ({ enabled }) => practice.setEnabled(enabled),
    'practice.newCard': ({ content, sizeGB }) => practice.newCard(content, sizeGB),
    'practice.insertCard': ({ id, reader }) => practice.insertCard(id, reader),
    'practice.ejectCard': ({ id }) => practice.ejectCard(id),
    'practice.lockCard': ({ id, locked }) => practice.lockCard(id, locked),
    'practice.deleteCard': ({ id }) => practice.deleteCard(id),
    'practice.addPi': () => practice.addPi(),
    'practice.plugCard': ({ id, pi }) => practice.plugCard(id, pi),
    'practice.unplugCard': ({ pi }) => practice.unplugCard(pi),
    'practice.power': ({ pi, on }) => practice.power(pi, on),
    'practice.setFault': ({ pi, fault, on }) => practice.setFault(pi, fault, on),
    'practice.setSpeed': ({ speed }) => practice.setSpeed(speed),
    ...cards.handlers(),
    'findNodes.subnets': () => findNodes.subnets(),
    'findNodes.start': (params) => findNodes.start(params),
    'findNodes.stop': () => findNodes.stop(),
    'findNodes.state': () => findNodes.state(),
    'findNodes.trustNewHostKey': ({ host, port, fingerprint }) => findNodes.trustNewHostKey(host, port, fingerprint),
    'findNodes.confirmHostKey': ({ host, port, fingerprint }) => findNodes.confirmHostKey(host, port, fingerprint),
    'cluster.state': () => cluster.state(),
    'cluster.preflight': () => cluster.preflight(),
    'cluster.fix': ({ node, id }) => cluster.fix(node, id),
    'cluster.build': () => cluster.build(),
    'cluster.addNode': ({ node }) => cluster.addNode(node),
    'cluster.removeNode': ({ node }) => cluster.removeNode(node),
    'cluster.reset': () => cluster.reset(),
    'cluster.mergeKubeconfig': () => cluster.mergeKubeconfig(),
  };

  return {
    router: createRouter(handlers, { onInternalError: options.onInternalError }),
    events,
    store,
    jobs,
    plans,
    practice,
    cards,
    findNodes,
    cluster,
    close: async () => {
      cards.stop();
      cluster.close();
      await jobs.shutdown();
      // Administrator helpers kept for a card's write + verify exit when their connection closes.
      await platformElevatedAccess().closeAll();
      await practice.close();
    },
  };
}
