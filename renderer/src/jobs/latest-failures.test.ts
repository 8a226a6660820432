import { describe, expect, it } from 'vitest';
import type { JobSnapshot } from '../../../preload/contract/jobs';
import { latestFailures } from './latest-failures';

const job = (id: string, kind: string, startedAt: number, state: JobSnapshot['state'], subject?: string): JobSnapshot => ({
  id,
  kind,
  title: id,
  state,
  phase: state === 'failed' ? 'failed' : 'done',
  progress: null,
  startedAt,
  logLines: 0,
  ...(subject ? { subject } : {}),
  ...(state === 'failed' ? { error: { code: 'FAILED', message: id } } : {}),
});

describe('latestFailures', () => {
  it('shows the last job of the step’s kinds when it failed, and nothing once a newer one started', () => {
    const failedBuild = job('build', 'cluster.build', 2, 'failed');
    expect(latestFailures([job('check', 'cluster.preflight', 1, 'succeeded'), failedBuild, job('other', 'find-nodes', 3, 'failed')], ['cluster.preflight', 'cluster.build'])).toEqual([failedBuild]);
    expect(latestFailures([failedBuild, job('again', 'cluster.preflight', 3, 'running')], ['cluster.preflight', 'cluster.build'])).toEqual([]);
  });

  it('per subject: each node’s last card job that failed, until that node’s card is prepared again', () => {
    const one = job('one', 'prepare-card', 1, 'failed', 'pi-01');
    const two = job('two', 'prepare-card', 2, 'failed', 'pi-02');
    expect(latestFailures([one, two, job('three', 'prepare-card', 3, 'succeeded', 'pi-03')], ['prepare-card'], true)).toEqual([one, two]);
    expect(latestFailures([one, two, job('again', 'prepare-card', 4, 'succeeded', 'pi-01')], ['prepare-card'], true)).toEqual([two]);
  });
});
