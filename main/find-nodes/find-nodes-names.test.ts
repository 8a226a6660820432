/**
 * Name signals in the practice journey: the lab router's DNS server knows a booted Pi by its
 * planned hostname, so the search names it even where SSH cannot: while its SSH drops every
 * connection (listed by name, not yet found) and when it answers SSH but refuses the cluster key
 * (found, matched by DNS). Only the lab's DNS server is asked; nothing is multicast.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { practiceLoopbackBase } from '../practice/practice-service';
import { bootPracticePi, practiceOn, practicePlanDraft } from '../app/testing/practice-journey';
import { appPerTest, type TestApp } from '../app/testing/test-app';

const t = appPerTest('pcw-find-names-');
/** Plan, one card prepared for pi-01, one practice Pi booted from it. */
async function bootPi01(): Promise<{ dataDir: string; base: string }> {
  const { dataDir } = await t.start();
  await practiceOn(t);
  await t.call('plan.save', { draft: practicePlanDraft(['pi-01', 'pi-02'], ['pi-01'], 'lab') });
  await bootPracticePi(t, 1);
  expect(t.app.feature('practice').view().cards[0]?.preparedFor).toBe('pi-01');
  await expect.poll(() => t.app.feature('practice').view().pis[0]?.state, { timeout: 20_000 }).toBe('running');
  return { dataDir, base: practiceLoopbackBase(dataDir) };
}

async function logOf(app: TestApp['call'], jobId: string): Promise<string> {
  return (await app('jobs.log', { id: jobId, from: 0 })).lines.join('\n');
}

describe('finding the planned nodes by name (practice lab DNS)', () => {
  it('lists a Pi whose SSH drops connections by its DNS name, SSH not ready, and finds it once SSH answers', async () => {
    const { base } = await bootPi01();
    await t.call('practice.setFault', { pi: 'pi-1', fault: 'sshDropped', on: true });
    const started = await t.call('findNodes.start', { subnets: [`${base}.0/24`] });
    const jobId = started.jobId!;

    await expect.poll(() => logOf(t.call, jobId), { timeout: 20_000 }).toMatch(new RegExp(`pi-01\\.lan -> ${base.replace(/\./g, '\\.')}\\.11 \\(DNS\\)`));
    await expect.poll(() => t.app.feature('findNodes').state().hosts.find((h) => h.address === `${base}.11`), { timeout: 20_000 }).toMatchObject({ hostname: 'pi-01', sshReady: false, isPi: true });
    expect(t.app.feature('findNodes').state().hosts.find((h) => h.address === `${base}.11`)?.plannedNode).toBeUndefined();
    expect(t.app.feature('findNodes').state().found['pi-01']).toBeUndefined();
    const log = await logOf(t.call, jobId);
    expect(log).toMatch(/practice lab router's DNS server at 127\.77\.\d+\.1(:\d+)? .*no mDNS/);
    expect(log).toMatch(/hostname pi-01 \(names: .*pi-01\.lan.*\) \(SSH not ready yet\)/);

    await t.call('practice.setFault', { pi: 'pi-1', fault: 'sshDropped', on: false });
    await expect.poll(() => t.app.feature('findNodes').state().found['pi-01']?.address, { timeout: 30_000 }).toBe(`${base}.11`);
    expect(t.app.feature('findNodes').state().hosts.find((h) => h.plannedNode === 'pi-01')).toMatchObject({ sshReady: true, matchedBy: 'hostname' });
    await t.call('findNodes.stop', {});
  });

  it('finds a Pi that answers SSH but refuses the cluster key by its DNS name (matchedBy dns)', async () => {
    const { dataDir, base } = await bootPi01();
    // The Pi's card carries the old cluster key: a new key makes the login impossible.
    await rm(path.join(dataDir, 'practice', 'keys'), { recursive: true, force: true });
    await t.call('plan.save', { draft: practicePlanDraft(['pi-01', 'pi-02'], ['pi-01'], 'lab') });
    const started = await t.call('findNodes.start', { subnets: [`${base}.0/24`] });
    await expect.poll(() => t.app.feature('findNodes').state().found['pi-01']?.address, { timeout: 30_000 }).toBe(`${base}.11`);
    const state = await t.call('findNodes.stop', {});
    const host = state.hosts.find((h) => h.plannedNode === 'pi-01');
    expect(host).toMatchObject({ address: `${base}.11`, sshReady: true, hostname: 'pi-01', matchedBy: 'dns', system: 'Ubuntu 24.04' });
    expect(host?.fingerprint).toBeUndefined();
    const log = await logOf(t.call, started.jobId!);
    expect(log).toMatch(new RegExp(`pi-01 -> ${base.replace(/\./g, '\\.')}\\.11 \\(DNS\\)`));
    expect(log).toMatch(/= planned node pi-01 \(matched by dns\)/);
  });
});
