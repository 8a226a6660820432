/** App-wide state: the journey's steps, where the user is, preferences, recovery notices. */
import { z } from 'zod';
import { event, method } from './define';
import { planView } from './plan';

import { STEP_IDS } from './steps';

export { STEP_IDS };
export const stepId = z.enum(STEP_IDS);
export type StepId = z.infer<typeof stepId>;

export const stepStatus = z.enum(['not-started', 'in-progress', 'done', 'needs-attention']);
export type StepStatus = z.infer<typeof stepStatus>;

export const language = z.enum(['en', 'zh-CN']);
export type Language = z.infer<typeof language>;
export const theme = z.enum(['system', 'light', 'dark']);
export type Theme = z.infer<typeof theme>;

export const preferences = z.object({ language, theme, currentStep: stepId });
export type Preferences = z.infer<typeof preferences>;

export const world = z.enum(['real', 'practice']);
export type World = z.infer<typeof world>;

/** Why a step cannot be entered yet; the window words each code. */
export const stepLock = z.enum(['coming-later', 'needs-plan', 'needs-cluster', 'needs-deployment']);
export type StepLock = z.infer<typeof stepLock>;

export const recoveryCode = z.enum(['UNREADABLE', 'NOT_JSON', 'UNKNOWN_FORMAT', 'SLICE_RESET', 'NOT_SAVED']);

export const appState = z.object({
  preferences,
  /** The world the journey shows: real hardware, or the practice lab (kept apart). */
  world,
  steps: z.record(stepId, stepStatus),
  /** Steps the app can take the user through now. */
  available: z.array(stepId),
  /** The others, with why. */
  locked: z.partialRecord(stepId, stepLock),
  plan: planView.nullable(),
  /** Set when the state file (or a part of it) could not be read and was kept aside. */
  recovered: z.object({ keptAs: z.string(), code: recoveryCode, detail: z.string() }).optional(),
  dataDir: z.string(),
  host: z.enum(['electron', 'browser']),
});
export type AppState = z.infer<typeof appState>;

export const appMethods = {
  'app.getState': method(z.object({}).strict(), appState, 'Everything the window needs to draw itself after a (re)load.'),
  'app.setPreferences': method(preferences.partial().strict(), preferences, 'Change language, theme or the current step; persisted.'),
  'app.dismissRecovery': method(z.object({}).strict(), z.object({}), 'Hide the notice about a state file that was kept aside.'),
};

export const appEvents = {
  'app.changed': event(appState, 'Saved state changed (a step finished, preferences, the plan).'),
};
