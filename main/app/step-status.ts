/**
 * Step statuses that depend on the plan: a changed plan (a node added, renamed or removed) can
 * undo "done" for the cards and discovery steps, or complete them. Each step's own service sets
 * its status as work happens; this re-derives them when the plan itself changes.
 */
import type { StepStatus } from '../../preload/contract/app';
import type { PersistedState } from '../state/state-store';

function keysOf(value: unknown): Set<string> {
  return new Set(value && typeof value === 'object' ? Object.keys(value) : []);
}

function derived(planned: string[], have: Set<string>, current: StepStatus | undefined): StepStatus | undefined {
  const count = planned.filter((n) => have.has(n)).length;
  if (planned.length > 0 && count === planned.length) return 'done';
  if (count > 0) return 'in-progress';
  return current === 'done' ? 'in-progress' : current;
}

export function reconcilePlanSteps(state: PersistedState): PersistedState {
  const planned = state.plan?.nodes.map((n) => n.hostname) ?? [];
  const cards = derived(planned, keysOf(state.records.cardReports), state.steps.cards);
  const discover = derived(planned, keysOf(state.records.foundNodes), state.steps.discover);
  return { ...state, steps: { ...state.steps, ...(cards ? { cards } : {}), ...(discover ? { discover } : {}) } };
}
