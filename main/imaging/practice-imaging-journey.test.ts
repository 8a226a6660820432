/**
 * Practice from blank cards, through the app's router as the window calls it: two blank practice
 * cards imaged at once from the lab's catalogue are reported by step 2, their host keys are known
 * to step 3 before the Pis answer, and the Pis booted from them are found, with no pre-imaged card.
 */
import { describe, expect, it } from 'vitest';
import { practiceLoopbackBase } from '../practice/practice-service';
import { practiceOn, practicePlanDraft } from '../app/testing/practice-journey';
import { appPerTest } from '../app/testing/test-app';

const t = appPerTest('pcw-imaging-journey-');

describe('practice from blank cards', () => {
  it('images two blank cards at once from the lab catalogue, then the Pis booted from them are found by their prepared keys', { timeout: 240_000 }, async () => {
    await t.start();
    await practiceOn(t);
    await t.call('plan.save', { draft: practicePlanDraft(['pi-01', 'pi-02']) });
    for (const reader of [1, 2]) {
      const card = (await t.call('practice.newCard', { content: 'blank', sizeGB: 2 })).cards[reader - 1]!;
      await t.call('practice.insertCard', { id: card.id, reader });
    }
    const devices = (await t.call('practice.get', {})).cards.map((c) => c.device!);
    const catalogue = await t.call('imaging.catalogue', {});
    expect(catalogue.source).toBe('practice');
    const image = catalogue.entries.find((e) => e.id === catalogue.defaultId)!;
    expect(image.release).toBe('24.04');

    const confirmation = await t.call('imaging.confirmation', { imageId: image.id, targets: devices.map((device, i) => ({ device, hostname: `pi-0${i + 1}` })) });
    expect(confirmation.cards.map((c) => [c.hostname, c.practice, c.allowed])).toEqual([
      ['pi-01', true, true],
      ['pi-02', true, true],
    ]);
    const { jobId } = await t.call('imaging.start', { imageId: image.id, targets: devices.map((device, i) => ({ device, hostname: `pi-0${i + 1}`, confirmDevice: device })) });
    const done = await t.app.jobs.settled(jobId);
    expect(done.error).toBeUndefined();
    expect((await t.call('imaging.job', { jobId })).cards.map((c) => [c.hostname, c.phase])).toEqual([
      ['pi-01', 'done'],
      ['pi-02', 'done'],
    ]);

    // Step 2 reports both cards; step 3 knows each node's key from its card.
    const reports = (await t.call('cards.reports', {})).reports;
    expect(reports.map((r) => [r.hostname, r.release])).toEqual([
      ['pi-01', '24.04'],
      ['pi-02', '24.04'],
    ]);
    const prepared = (await t.call('findNodes.state', {})).preparedKeys;
    for (const r of reports) expect(prepared[r.hostname]).toBe(r.hostKey!.fingerprint);
    expect(t.app.steps().cards.status).toBe('done');

    // The imaged cards (ejected back to the shelf) boot the practice Pis, which discovery finds.
    const cards = (await t.call('practice.get', {})).cards;
    for (const n of [1, 2]) {
      const card = cards.find((c) => c.preparedFor === `pi-0${n}`)!;
      expect(card.reader).toBeUndefined();
      await t.call('practice.addPi', {});
      await t.call('practice.plugCard', { id: card.id, pi: `pi-${n}` });
      await t.call('practice.power', { pi: `pi-${n}`, on: true });
    }
    await t.call('findNodes.start', { subnets: [`${practiceLoopbackBase(t.dataDir)}.0/24`] });
    await expect.poll(() => t.app.feature('findNodes').state().missing, { timeout: 120_000 }).toEqual([]);
    const state = t.app.feature('findNodes').state();
    expect(state.unconfirmedHosts).toEqual([]);
    expect(state.refusedHosts).toEqual([]);
    await t.call('findNodes.stop', {});
  });
});
