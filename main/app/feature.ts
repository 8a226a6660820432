/**
 * The app itself as a feature: preferences, the journey's step statuses (each derived by the
 * feature that owns the step), the notice about a state file that was kept aside.
 */
import type { AppState, StepId, StepLock } from '../../preload/contract/app';
import { STEP_IDS, stepLock } from '../../preload/contract/app';
import { ErrorCode } from '../../preload/contract/errors';
import { AppError } from '../router/app-error';
import { appFeature } from './feature-def';

export interface AppApi {
  state(): AppState;
}

declare module './feature-def' {
  interface FeatureApis {
    app: AppApi;
  }
}

export const feature = appFeature('app', (ctx) => {
  const state = (): AppState => {
    const s = ctx.store.state;
    const steps = ctx.steps();
    const locked: Partial<Record<StepId, StepLock>> = {};
    for (const id of STEP_IDS) {
      const lock = steps[id]?.locked;
      if (lock) locked[id] = stepLock.safeParse(lock).success ? (lock as StepLock) : 'coming-later';
    }
    const recovery = ctx.store.recovery;
    return {
      preferences: s.preferences,
      world: ctx.currentWorld(),
      steps: Object.fromEntries(STEP_IDS.map((id) => [id, steps[id]?.status ?? 'not-started'])) as AppState['steps'],
      available: STEP_IDS.filter((id) => !locked[id]),
      locked,
      plan: ctx.currentWorld() === s.mode ? safePlan(ctx) : null,
      ...(recovery ? { recovered: recovery } : {}),
      dataDir: ctx.dataDir,
      host: ctx.host,
    };
  };
  return {
    api: { state },
    handlers: {
      'app.getState': () => state(),
      'app.setPreferences': async (change) => {
        if (change.currentStep && !state().available.includes(change.currentStep)) {
          throw new AppError(ErrorCode.INVALID_PARAMS, `The step "${change.currentStep}" cannot be opened yet (${state().locked[change.currentStep] ?? 'locked'}).`, {
            key: 'app.stepLocked',
            values: { step: change.currentStep, lock: state().locked[change.currentStep] ?? 'coming-later' },
          });
        }
        return (await ctx.store.setPreferences(change)).preferences;
      },
      'app.dismissRecovery': () => {
        ctx.store.dismissRecovery();
        ctx.stepsChanged();
        return {};
      },
    },
  };
});

function safePlan(ctx: { feature: (id: 'plan') => { get(): AppState['plan'] } }): AppState['plan'] {
  try {
    return ctx.feature('plan').get();
  } catch {
    return null; // between worlds
  }
}
