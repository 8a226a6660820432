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
      kind: 'test',
      title: 'Count',
      run: async (job) => {
        job.phase('counting', 0);
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
      kind: 'test',
      title: 'Wait forever',
      run: (job) => new Promise((_, reject) => job.signal.addEventListener('abort', () => reject(job.signal.reason))),
    });
    jobs.cancel(started.id);
    const done = await jobs.settled(started.id);
    expect(done.state).toBe('cancelled');
    expect(done.error?.code).toBe('CANCELLED');
  });

  it('reports a service error with its code and message', async () => {
    const jobs = new JobManager();
    const started = jobs.start({
      kind: 'test',
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

  it('says a job id is unknown rather than crashing', () => {
    const jobs = new JobManager();
    expect(() => jobs.get('nope')).toThrow(/no job nope/);
  });
});
