/**
 * The practice journey through the app's own router: plan -> prepare a virtual card -> put it in
 * a virtual Pi -> power on -> the search finds the planned node at the lab address, identified
 * over SSH with the cluster key and its host key pinned.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { practiceLoopbackBase } from '../practice/practice-service';
import { practiceOn, practicePlanDraft } from '../app/testing/practice-journey';
import { appPerTest } from '../app/testing/test-app';

const t = appPerTest('pcw-find-');

describe('finding the planned nodes (practice lab)', () => {
  it('refuses to search without a plan or without a network, and never picks one itself', async () => {
    await t.start();
    expect(await t.app.router.dispatch('findNodes.start', { subnets: ['127.77.0.0/24'] })).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });
    await t.call('plan.save', { draft: practicePlanDraft(['pi-01', 'pi-02'], ['pi-01'], 'lab') });
    expect(await t.app.router.dispatch('findNodes.start', { subnets: [] })).toMatchObject({ ok: false, error: { code: 'INVALID_PARAMS', message: expect.stringMatching(/Choose at least one network/) } });
    expect(await t.app.router.dispatch('findNodes.start', { subnets: ['10.0.0.0/8'] })).toMatchObject({ ok: false, error: { code: 'INVALID_PARAMS' } });
    expect(await t.app.router.dispatch('findNodes.start', { subnets: ['127.77.0.0/24; rm -rf /'] })).toMatchObject({ ok: false, error: { code: 'INVALID_PARAMS' } });
    expect(t.app.jobs.list()).toEqual([]);
  });

  it('finds a Pi booted from a card the app prepared, by its planned hostname', async () => {
    const { dataDir } = await t.start();
    await practiceOn(t);
    await t.call('plan.save', { draft: practicePlanDraft(['pi-01', 'pi-02'], ['pi-01'], 'lab') });
    const card = (await t.call('practice.newCard', { content: 'ubuntu-24.04', sizeGB: 2 })).cards[0]!;
    const device = (await t.call('practice.insertCard', { id: card.id, reader: 1 })).cards[0]!.device!;
    const { jobId } = await t.call('cards.prepare', { hostname: 'pi-01', device, confirmDevice: device });
    expect((await t.app.jobs.settled(jobId)).state).toBe('succeeded');
    expect(t.app.feature('practice').view().cards[0]?.reader).toBeUndefined(); // ejected after writing
    await expect.poll(() => t.app.feature('practice').view().cards[0]?.preparedFor).toBe('pi-01'); // "labelled"

    await t.call('practice.addPi', {});
    await t.call('practice.plugCard', { id: card.id, pi: 'pi-1' });
    await t.call('practice.power', { pi: 'pi-1', on: true });
    await expect.poll(() => t.app.feature('practice').view().pis[0]?.state, { timeout: 20_000 }).toBe('running');

    const subnets = await t.call('findNodes.subnets', {});
    const base = practiceLoopbackBase(dataDir);
    expect(subnets.subnets[0]).toMatchObject({ cidr: `${base}.0/24`, practice: true });

    const started = await t.call('findNodes.start', { subnets: [`${base}.0/24`] });
    expect(started.jobId).toBeDefined();
    await expect.poll(() => t.app.feature('findNodes').state().found['pi-01']?.address, { timeout: 30_000 }).toBe(`${base}.11`);
    const state = await t.call('findNodes.stop', {});
    expect(state.missing).toEqual(['pi-02']);
    const host = state.hosts.find((h) => h.plannedNode === 'pi-01');
    expect(host).toMatchObject({ isPi: true, sshReady: true, hostname: 'pi-01', system: 'Ubuntu 24.04', matchedBy: 'hostname' });
    expect(host?.fingerprint).toMatch(/^SHA256:/);
    expect(await readFile(path.join(dataDir, 'practice', 'known_hosts'), 'utf8')).toContain(`${base}.11`);
    const log = await t.call('jobs.log', { id: started.jobId!, from: 0 });
    expect(log.lines.join('\n')).toMatch(/trusting its ssh-ed25519 host key SHA256:/);
  });

  it('a re-prepared card gives the Pi a new host key: the search stops at it, explains, and trusts exactly the new key once the user agrees', async () => {
    const { dataDir } = await t.start();
    await practiceOn(t);
    await t.call('plan.save', { draft: practicePlanDraft(['pi-01', 'pi-02'], ['pi-01'], 'lab') });
    const card = (await t.call('practice.newCard', { content: 'ubuntu-24.04', sizeGB: 2 })).cards[0]!;
    const prepare = async () => {
      const device = (await t.call('practice.insertCard', { id: card.id, reader: 1 })).cards.find((c) => c.id === card.id)!.device!;
      const { jobId } = await t.call('cards.prepare', { hostname: 'pi-01', device, confirmDevice: device });
      expect((await t.app.jobs.settled(jobId)).state).toBe('succeeded');
    };
    const boot = async () => {
      await t.call('practice.plugCard', { id: card.id, pi: 'pi-1' });
      await t.call('practice.power', { pi: 'pi-1', on: true });
      await expect.poll(() => t.app.feature('practice').view().pis[0]?.state, { timeout: 20_000 }).toBe('running');
    };
    await prepare();
    await t.call('practice.addPi', {});
    await boot();
    const subnet = `${practiceLoopbackBase(dataDir)}.0/24`;
    await t.call('findNodes.start', { subnets: [subnet] });
    await expect.poll(() => t.app.feature('findNodes').state().found['pi-01']?.fingerprint, { timeout: 30_000 }).toMatch(/^SHA256:/);
    await t.call('findNodes.stop', {});
    const first = t.app.feature('findNodes').state().found['pi-01']!.fingerprint!;

    // The user re-prepares pi-01's card and boots it again: cloud-init makes new host keys.
    await t.call('practice.power', { pi: 'pi-1', on: false });
    await t.call('practice.unplugCard', { pi: 'pi-1' });
    await prepare();
    await boot();
    const again = await t.call('findNodes.start', { subnets: [subnet] });
    await expect.poll(() => t.app.feature('findNodes').state().hostKeyChanges.length, { timeout: 30_000 }).toBe(1);
    const change = t.app.feature('findNodes').state().hostKeyChanges[0]!;
    expect(change).toMatchObject({ node: 'pi-01', pinnedFingerprint: first, keyType: 'ssh-ed25519', cardPreparedAt: expect.any(String) });
    expect(change.presentedFingerprint).not.toBe(first);
    const log = (await t.call('jobs.log', { id: again.jobId!, from: 0 })).lines.join('\n');
    expect(log).toContain(`has changed: it was ${first} and is now ${change.presentedFingerprint}`);

    // Only exactly the key the user was shown can be trusted.
    const wrong = await t.app.router.dispatch('findNodes.trustNewHostKey', { host: change.host, port: change.port, fingerprint: first });
    expect(wrong).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    expect(await readFile(path.join(dataDir, 'practice', 'known_hosts'), 'utf8')).toContain(change.host);
    expect((await t.call('findNodes.trustNewHostKey', { host: change.host, port: change.port, fingerprint: change.presentedFingerprint })).hostKeyChanges).toEqual([]);
    await expect.poll(() => t.app.feature('findNodes').state().found['pi-01']?.fingerprint, { timeout: 30_000 }).toBe(change.presentedFingerprint);
    await t.call('findNodes.stop', {});
    expect((await t.call('jobs.log', { id: again.jobId!, from: 0 })).lines.join('\n')).toMatch(/trusting the new ssh-ed25519 host key SHA256:\S+ you approved/);
  });
});
