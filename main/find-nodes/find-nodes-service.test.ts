/**
 * The practice journey through the app's own router: plan -> prepare a virtual card -> put it in
 * a virtual Pi -> power on -> the search finds the planned node at the lab address, identified
 * over SSH with the cluster key and its host key pinned.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { practiceLoopbackBase } from '../practice/practice-service';
import type { App } from '../app/create-app';
import { startTestApp } from '../app/testing/test-app';
import type { TestApp } from '../app/testing/test-app';

let app: App | undefined;
let call: TestApp['call'];
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** The app of the running test. */
function running(): App {
  if (!app) throw new Error('start() first');
  return app;
}

async function start(): Promise<string> {
  const started = await startTestApp('pcw-find-');
  app = started.app;
  call = started.call;
  return started.dataDir;
}

describe('finding the planned nodes (practice lab)', () => {
  it('refuses to search without a plan or without a network, and never picks one itself', async () => {
    await start();
    expect(await running().router.dispatch('findNodes.start', { subnets: ['127.77.0.0/24'] })).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });
    await call('plan.save', {
      draft: { clusterName: 'lab', nodes: [{ hostname: 'pi-01', role: 'control-plane' }, { hostname: 'pi-02', role: 'worker' }], network: { kind: 'ethernet', mode: 'dhcp' }, microk8sChannel: '1.32/stable', ubuntuRelease: '24.04', timezone: 'UTC' },
    });
    expect(await running().router.dispatch('findNodes.start', { subnets: [] })).toMatchObject({ ok: false, error: { code: 'INVALID_PARAMS', message: expect.stringMatching(/Choose at least one network/) } });
    expect(await running().router.dispatch('findNodes.start', { subnets: ['10.0.0.0/8'] })).toMatchObject({ ok: false, error: { code: 'INVALID_PARAMS' } });
    expect(await running().router.dispatch('findNodes.start', { subnets: ['127.77.0.0/24; rm -rf /'] })).toMatchObject({ ok: false, error: { code: 'INVALID_PARAMS' } });
    expect(running().jobs.list()).toEqual([]);
  });

  it('finds a Pi booted from a card the app prepared, by its planned hostname', async () => {
    const dataDir = await start();
    await call('plan.save', {
      draft: { clusterName: 'lab', nodes: [{ hostname: 'pi-01', role: 'control-plane' }, { hostname: 'pi-02', role: 'worker' }], network: { kind: 'ethernet', mode: 'dhcp' }, microk8sChannel: '1.32/stable', ubuntuRelease: '24.04', timezone: 'UTC' },
    });
    await call('practice.setEnabled', { enabled: true });
    await running().practice.setSpeed(2000);
    const card = (await call('practice.newCard', { content: 'ubuntu-24.04', sizeGB: 2 })).cards[0]!;
    const device = (await call('practice.insertCard', { id: card.id, reader: 1 })).cards[0]!.device!;
    const { jobId } = await call('cards.prepare', { hostname: 'pi-01', device, confirmDevice: device });
    expect((await running().jobs.settled(jobId)).state).toBe('succeeded');
    expect(running().practice.view().cards[0]?.reader).toBeUndefined(); // ejected after writing
    await expect.poll(() => running().practice.view().cards[0]?.preparedFor).toBe('pi-01'); // "labelled"

    await call('practice.addPi', {});
    await call('practice.plugCard', { id: card.id, pi: 'pi-1' });
    await call('practice.power', { pi: 'pi-1', on: true });
    await expect.poll(() => running().practice.view().pis[0]?.state, { timeout: 20_000 }).toBe('running');

    const subnets = await call('findNodes.subnets', {});
    const base = practiceLoopbackBase(dataDir);
    expect(subnets.subnets[0]).toMatchObject({ cidr: `${base}.0/24`, practice: true });

    const started = await call('findNodes.start', { subnets: [`${base}.0/24`] });
    expect(started.jobId).toBeDefined();
    await expect.poll(() => running().findNodes.state().found['pi-01']?.address, { timeout: 30_000 }).toBe(`${base}.11`);
    const state = await call('findNodes.stop', {});
    expect(state.missing).toEqual(['pi-02']);
    const host = state.hosts.find((h) => h.plannedNode === 'pi-01');
    expect(host).toMatchObject({ isPi: true, sshReady: true, hostname: 'pi-01', system: 'Ubuntu 24.04', matchedBy: 'hostname' });
    expect(host?.fingerprint).toMatch(/^SHA256:/);
    expect(await readFile(path.join(dataDir, 'known_hosts'), 'utf8')).toContain(`${base}.11`);
    const log = await call('jobs.log', { id: started.jobId!, from: 0 });
    expect(log.lines.join('\n')).toMatch(/trusting its ssh-ed25519 host key SHA256:/);
  });
});
