import { describe, expect, it } from 'vitest';
import { validatePlanRules } from '../../../../preload/contract/plan-rules';
import { defaultDraft, isHighAvailability, resizeNodes, toPlanDraft, withHighAvailability } from './plan-draft';

describe('plan draft helpers', () => {
  it('default draft is the tutorial minimum and valid', () => {
    const draft = toPlanDraft(defaultDraft());
    expect(draft.nodes.map((n) => `${n.hostname}:${n.role}`)).toEqual(['pi-01:control-plane', 'pi-02:worker']);
    expect(validatePlanRules({ ...draft, timezone: 'UTC' })).toEqual([]);
  });

  it('adds nodes with the next free default names and removes from the end', () => {
    const nodes = [
      { hostname: 'pi-02', role: 'control-plane' as const, address: '' },
      { hostname: 'kitchen', role: 'worker' as const, address: '' },
    ];
    expect(resizeNodes(nodes, 4).map((n) => n.hostname)).toEqual(['pi-02', 'kitchen', 'pi-01', 'pi-03']);
    expect(resizeNodes(nodes, 1).map((n) => n.hostname)).toEqual(['pi-02']);
  });

  it('switches to three control planes and back', () => {
    const nodes = resizeNodes(defaultDraft().nodes, 5);
    const ha = withHighAvailability(nodes, true);
    expect(ha.map((n) => n.role)).toEqual(['control-plane', 'control-plane', 'control-plane', 'worker', 'worker']);
    expect(isHighAvailability(ha)).toBe(true);
    expect(withHighAvailability(ha, false).map((n) => n.role)).toEqual(['control-plane', 'worker', 'worker', 'worker', 'worker']);
  });

  it('sends static settings only in static mode, splitting DNS servers', () => {
    const form = defaultDraft();
    form.network.mode = 'static';
    form.network.static = { prefix: 24, gateway: '192.0.2.1', dns: '192.0.2.1, 9.9.9.9' };
    form.nodes = form.nodes.map((n, i) => ({ ...n, address: `192.0.2.${21 + i}` }));
    const draft = toPlanDraft(form);
    expect(draft.network.static).toEqual({ prefix: 24, gateway: '192.0.2.1', dns: ['192.0.2.1', '9.9.9.9'] });
    expect(draft.nodes[1]?.address).toBe('192.0.2.22');
    expect(draft.network.wifi).toBeUndefined();
  });
});
