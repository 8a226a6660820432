/**
 * One practice Pi powered off: "Check again" still checks the other nodes and says, for the one
 * that is off, that it cannot be reached and why; a job that fails ends as failed (not
 * "starting"), with an error key the window words, also when the window lists the jobs again
 * after a reload.
 */
import { describe, expect, it } from 'vitest';
import { appPerTest } from '../app/testing/test-app';
import { practiceNodesFound } from '../app/testing/practice-journey';

const t = appPerTest('pcw-unreachable-');

const UNREACHABLE = ['HOST_UNREACHABLE', 'TIMEOUT', 'CONNECTION_LOST'];

async function powerOff(pi: string): Promise<void> {
  await t.call('practice.power', { pi, on: false });
  await expect.poll(async () => (await t.call('practice.get', {})).pis.find((p) => p.id === pi)?.state, { timeout: 30_000 }).toBe('off');
}

describe('a node that cannot be reached (practice lab)', () => {
  it('is reported by its own failing check while the other nodes are checked', async () => {
    await t.start();
    await practiceNodesFound(t, 2);
    await powerOff('pi-2');

    const job = await t.app.jobs.settled((await t.call('cluster.preflight', {})).jobId);
    expect(job).toMatchObject({ state: 'succeeded', phase: 'done' });
    const preflight = (await t.call('cluster.state', {})).preflight!;
    expect(preflight.ok).toBe(false);

    // pi-01 was checked in full, as if pi-02 were not planned.
    const first = preflight.checks.filter((c) => c.node === 'pi-01');
    expect(first.map((c) => c.id)).toEqual(expect.arrayContaining(['reachable', 'architecture', 'memory-cgroup', 'hostname', 'clock', 'ports']));
    expect(first.filter((c) => c.status === 'fail')).toEqual([]);
    expect(first.find((c) => c.id === 'reachable')).toMatchObject({ status: 'pass', outcome: 'reachable.ok' });

    // pi-02 has one check, failing, with the SSH layer's code for the window to word.
    const second = preflight.checks.filter((c) => c.node === 'pi-02');
    expect(second).toHaveLength(1);
    expect(second[0]).toMatchObject({ id: 'reachable', status: 'fail', outcome: 'reachable.failed' });
    expect(UNREACHABLE).toContain(second[0]!.values['sshCode']);

    // Installing is refused until it is fixed, with words the window has.
    expect(await t.app.router.dispatch('cluster.build', {})).toMatchObject({ ok: false, error: { code: 'CONFLICT', key: 'cluster.checksFailed', values: { count: 1 } } });

    // Powered on again and booted, it passes.
    await t.call('practice.power', { pi: 'pi-2', on: true });
    await expect.poll(async () => (await t.call('practice.get', {})).pis.find((p) => p.id === 'pi-2')?.state, { timeout: 60_000 }).toBe('running');
    await expect
      .poll(
        async () => {
          await t.app.jobs.settled((await t.call('cluster.preflight', {})).jobId);
          return (await t.call('cluster.state', {})).preflight?.ok;
        },
        { timeout: 60_000, interval: 500 },
      )
      .toBe(true);
  }, 180_000);

  it('fails the install job for it: failed, worded by key, and listed so again', async () => {
    await t.start();
    await practiceNodesFound(t, 2);
    expect((await t.app.jobs.settled((await t.call('cluster.preflight', {})).jobId)).result).toMatchObject({ ok: true });
    await powerOff('pi-2');

    const { jobId } = await t.call('cluster.build', {});
    const failed = await t.app.jobs.settled(jobId);
    expect(failed).toMatchObject({ state: 'failed', phase: 'failed', kind: 'cluster.build' });
    expect(failed.error?.key).toMatch(/^ssh\.(HOST_UNREACHABLE|TIMEOUT|CONNECTION_LOST)$/);
    expect(failed.error?.values).toMatchObject({ node: 'pi-02' });
    expect(failed.error?.message).toContain('pi-02'); // main's English stays for the log

    // What a reloaded window reads: the same job, failed, with its key; the step is not stuck "running".
    const listed = (await t.call('jobs.list', {})).find((j) => j.id === jobId);
    expect(listed).toMatchObject({ state: 'failed', phase: 'failed', error: { key: failed.error!.key } });
    const after = await t.call('cluster.state', {});
    expect(after.jobId).toBeUndefined();
    // Each node's stage says how the job left it: none stays "checking".
    expect(after.progress).toEqual({ 'pi-01': { stage: 'stopped', fraction: null }, 'pi-02': { stage: 'failed', fraction: null } });
    expect((await t.call('jobs.log', { id: jobId, from: 0 })).lines.at(-1)).toMatch(/^Error: .*pi-02/);
  }, 180_000);
});
