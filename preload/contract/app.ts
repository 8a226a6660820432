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

export const appState = z.object({
  preferences,
  steps: z.record(stepId, stepStatus),
  /** Steps the app can take the user through today; the rest show what they will do. */
  available: z.array(stepId),
  plan: planView.nullable(),
  /** Set when the state file could not be read and was kept aside. */
  recovered: z.object({ keptAs: z.string(), reason: z.string() }).optional(),
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
