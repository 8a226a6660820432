import { describe, expect, it } from 'vitest';
import { JobManager } from './job-manager';
import { AppError } from '../router/app-error';

describe('JobManager', () => {
  it('runs a job to success, streaming log lines and progress', async () => {
    const jobs = new JobManager();
    const updates: string[] = [];
    const logs: string[] = [];
    jobs.on('update', (s) => updates.push(`${s.state}:${s.phase}`));
    jobs.on('log', (l) => logs.push(...l.lines));
    const started = jobs.start({
      kind: 'cluster.build',
      title: 'Count',
      run: async (job) => {
        job.phase('installing', 0);
        for (let i = 1; i <= 3; i++) {
          job.log(`line ${i}`);
          job.progress(i / 3);
        }
        return { counted: 3 };
      },
    });
    const done = await jobs.settled(started.id);
    expect(done.state).toBe('succeeded');
    expect(done.result).toEqual({ counted: 3 });
    expect(done.progress).toBe(1);
    expect(logs).toEqual(['line 1', 'line 2', 'line 3']);
    expect(updates[0]).toBe('running:starting');
    expect(updates.at(-1)).toBe('succeeded:done');
    expect(jobs.log(started.id, 1)).toEqual({ lines: ['line 2', 'line 3'], next: 3 });
  });

  it('cancels a running job through its signal', async () => {
    const jobs = new JobManager();
    const started = jobs.start({
      kind: 'cluster.build',
      title: 'Wait forever',
      run: (job) => new Promise((_, reject) => job.signal.addEventListener('abort', () => reject(job.signal.reason))),
    });
    jobs.cancel(started.id);
    const done = await jobs.settled(started.id);
    expect(done.state).toBe('cancelled');
    expect(done.error?.code).toBe('CANCELLED');
    expect(done.error?.key).toBe('jobs.cancelled');
    expect(done.phase).toBe('cancelled');
  });

  it('reports a service error with its code and message', async () => {
    const jobs = new JobManager();
    const started = jobs.start({
      kind: 'cluster.build',
      title: 'Fail',
      run: async () => {
        throw new AppError('UNAVAILABLE', 'The card was removed: insert it again and retry.');
      },
    });
    const done = await jobs.settled(started.id);
    expect(done.state).toBe('failed');
    expect(done.error).toEqual({ code: 'UNAVAILABLE', message: 'The card was removed: insert it again and retry.' });
    expect(jobs.log(started.id).lines.at(-1)).toContain('The card was removed');
  });

  it('ends a failed job in the phase "failed", with a key the window words, also as listed after a reload', async () => {
    const jobs = new JobManager();
    const started = jobs.start({
      kind: 'cluster.preflight',
      title: 'Check',
      run: async () => {
        throw new AppError('UNAVAILABLE', 'pi-02 has not been found yet (step 3).', { key: 'cluster.notFoundYet', values: { node: 'pi-02' } });
      },
    });
    expect(started.phase).toBe('starting');
    await jobs.settled(started.id);
    const [listed] = jobs.list();
    expect(listed).toMatchObject({ state: 'failed', phase: 'failed', error: { code: 'UNAVAILABLE', key: 'cluster.notFoundYet', values: { node: 'pi-02' } } });
  });

  it('words an unexpected error as internal, keeping its text as the detail', async () => {
    const jobs = new JobManager();
    const started = jobs.start({
      kind: 'cluster.build',
      title: 'Crash',
      run: async () => {
        throw new TypeError('x is undefined');
      },
    });
    const done = await jobs.settled(started.id);
    expect(done.error).toEqual({ code: 'INTERNAL', message: 'x is undefined', key: 'jobs.internal', values: { detail: 'x is undefined' } });
  });

  it('words the phase with values and drops them when the phase changes', async () => {
    const jobs = new JobManager();
    const phases: unknown[] = [];
    jobs.on('update', (s) => phases.push([s.phase, s.phaseValues]));
    const started = jobs.start({
      kind: 'find-nodes',
      title: 'Find',
      run: async (job) => {
        job.phase('waiting-for', null, { nodes: 'pi-02', count: 1 });
        job.phase('searching', null);
      },
    });
    await jobs.settled(started.id);
    expect(phases).toEqual([['starting', undefined], ['waiting-for', { nodes: 'pi-02', count: 1 }], ['searching', undefined], ['done', undefined]]);
  });

  it('says a job id is unknown rather than crashing', () => {
    const jobs = new JobManager();
    expect(() => jobs.get('nope')).toThrow(/no job nope/);
  });
});
