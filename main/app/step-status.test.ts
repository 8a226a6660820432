import { describe, expect, it } from 'vitest';
import type { PersistedState } from '../state/state-store';
import { reconcilePlanSteps } from './step-status';

const node = (hostname: string) => ({ hostname, role: 'worker' as const });
function state(nodes: string[], reports: string[], found: string[], steps: PersistedState['steps']): PersistedState {
  return {
    plan: { nodes: nodes.map(node) },
    records: { cardReports: Object.fromEntries(reports.map((r) => [r, {}])), foundNodes: Object.fromEntries(found.map((f) => [f, {}])) },
    steps,
  } as unknown as PersistedState;
}

describe('step statuses after a plan change', () => {
  it('a node added to the plan: cards and discovery are in progress again', () => {
    const s = reconcilePlanSteps(state(['pi-01', 'pi-02', 'pi-03'], ['pi-01', 'pi-02'], ['pi-01', 'pi-02'], { plan: 'done', cards: 'done', discover: 'done', cluster: 'done' }));
    expect(s.steps).toEqual({ plan: 'done', cards: 'in-progress', discover: 'in-progress', cluster: 'done' });
  });

  it('the only missing node removed from the plan: both are done', () => {
    const s = reconcilePlanSteps(state(['pi-01', 'pi-02'], ['pi-01', 'pi-02', 'pi-03'], ['pi-01', 'pi-02'], { cards: 'in-progress', discover: 'in-progress' }));
    expect(s.steps).toMatchObject({ cards: 'done', discover: 'done' });
  });

  it('nothing prepared yet stays not started', () => {
    expect(reconcilePlanSteps(state(['pi-01', 'pi-02'], [], [], {})).steps).toEqual({});
  });
});
