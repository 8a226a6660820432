/**
 * The composition root: every contract method has one owner, the two worlds never mix, and the
 * journey's statuses follow the features' own state.
 */
import { describe, expect, it } from 'vitest';
import { methods } from '../../preload/contract';
import type { MethodName } from '../../preload/contract';
import { allFeatures } from './features';
import { appPerTest } from './testing/test-app';
import { practicePlanDraft } from './testing/practice-journey';

const t = appPerTest('pcw-app-');

describe('the composition root', () => {
  it('finds every feature by its folder and serves every contract method', async () => {
    const ids = allFeatures().map((f) => f.id);
    expect(ids).toEqual(expect.arrayContaining(['app', 'jobs', 'practice', 'plan', 'cards', 'findNodes', 'cluster']));
    expect(new Set(ids).size).toBe(ids.length);
    await t.start();
    for (const method of Object.keys(methods) as MethodName[]) {
      const envelope = await t.app.router.dispatch(method, '__not-params__');
      // Wrong params are refused by the contract, never by a missing handler.
      expect(envelope, method).toMatchObject({ ok: false, error: { code: 'INVALID_PARAMS' } });
    }
  });

  it('keeps practice and real apart: each world keeps its plan as the user left it', async () => {
    await t.start();
    await t.call('plan.save', { draft: practicePlanDraft(['real-01', 'real-02'], ['real-01'], 'home') });
    expect((await t.call('app.getState', {})).world).toBe('real');

    await t.call('practice.setEnabled', { enabled: true });
    let state = await t.call('app.getState', {});
    expect(state.world).toBe('practice');
    expect(state.plan).toBeNull();
    expect(state.steps.plan).not.toBe('done');
    await t.call('plan.save', { draft: practicePlanDraft(['pi-01', 'pi-02', 'pi-03'], ['pi-01'], 'lab') });

    await t.call('practice.setEnabled', { enabled: false });
    state = await t.call('app.getState', {});
    expect(state.plan?.clusterName).toBe('home');
    expect(state.plan?.nodes.map((n) => n.hostname)).toEqual(['real-01', 'real-02']);

    await t.call('practice.setEnabled', { enabled: true });
    expect((await t.call('app.getState', {})).plan?.clusterName).toBe('lab');
    // Each world has its own cluster key.
    expect((await t.call('plan.get', {}))?.login.fingerprint).not.toBe(undefined);
  });

  it('refuses to switch worlds while a job runs, saying which', async () => {
    await t.start();
    await t.call('practice.setEnabled', { enabled: true });
    await t.call('plan.save', { draft: practicePlanDraft(['pi-01', 'pi-02']) });
    const { jobId } = await t.call('findNodes.start', { subnets: ['127.77.0.0/24'] }).then((s) => ({ jobId: s.jobId! }));
    const refused = await t.app.router.dispatch('practice.setEnabled', { enabled: false });
    expect(refused).toMatchObject({ ok: false, error: { code: 'CONFLICT', message: expect.stringMatching(/Find the cluster’s nodes/) } });
    await t.call('jobs.cancel', { id: jobId });
    await t.app.jobs.settled(jobId);
    await t.call('practice.setEnabled', { enabled: false });
    expect(t.app.world()).toBe('real');
  });

  it('derives step statuses from the features: a node added to the plan puts the cards step back in progress', async () => {
    await t.start();
    await t.call('practice.setEnabled', { enabled: true });
    await t.call('plan.save', { draft: practicePlanDraft(['pi-01', 'pi-02']) });
    for (const [i, hostname] of ['pi-01', 'pi-02'].entries()) {
      const card = (await t.call('practice.newCard', { content: 'ubuntu-24.04', sizeGB: 2 })).cards[i]!;
      const device = (await t.call('practice.insertCard', { id: card.id, reader: 1 })).cards[i]!.device!;
      const { jobId } = await t.call('cards.prepare', { hostname, device, confirmDevice: device });
      expect((await t.app.jobs.settled(jobId)).state).toBe('succeeded');
      if (i === 0) expect((await t.call('app.getState', {})).steps.cards).toBe('in-progress');
    }
    await expect.poll(async () => (await t.call('app.getState', {})).steps.cards).toBe('done');
    await t.call('plan.save', { draft: practicePlanDraft(['pi-01', 'pi-02', 'pi-03']) });
    expect((await t.call('app.getState', {})).steps.cards).toBe('in-progress');
    await t.call('plan.save', { draft: practicePlanDraft(['pi-01', 'pi-02']) });
    expect((await t.call('app.getState', {})).steps.cards).toBe('done');
  });

  it('locks the lessons until a cluster is formed, and says why', async () => {
    await t.start();
    const state = await t.call('app.getState', {});
    expect(state.available).toEqual(expect.arrayContaining(['plan', 'cards', 'discover', 'install', 'cluster']));
    expect(state.available).not.toContain('deploy');
    expect(state.locked.deploy).toBeDefined();
    expect(await t.app.router.dispatch('app.setPreferences', { currentStep: 'deploy' })).toMatchObject({ ok: false, error: { code: 'INVALID_PARAMS' } });
  });
});
