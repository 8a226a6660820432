/** The availability chart's counting: per second, per version, failures apart, stacked for drawing. */
import { describe, expect, it } from 'vitest';
import { bucketSamples, compareVersions, stackedForDrawing, versionShares } from './chart-data';

describe('chart data', () => {
  it('orders versions numerically', () => {
    expect(['1.16.1', '1.9.0', '1.14.2'].sort(compareVersions)).toEqual(['1.9.0', '1.14.2', '1.16.1']);
  });

  it('counts answers per version and failures per second, and stacks them with failures on top', () => {
    const samples = [
      { t: 100, status: 200, nginxVersion: '1.14.2', ms: 3 },
      { t: 600, status: 200, nginxVersion: '1.14.2', ms: 3 },
      { t: 1100, error: 'ECONNREFUSED', ms: 1 },
      { t: 1600, status: 503, ms: 1 },
      { t: 2100, status: 200, nginxVersion: '1.16.1', ms: 4 },
      { t: 2300, status: 200, nginxVersion: '1.14.2', ms: 4 },
    ];
    const b = bucketSamples(samples, 1000, 3);
    expect(b.x).toEqual([0, 1, 2]);
    expect(b.versions).toEqual(['1.14.2', '1.16.1']);
    expect(b.answered).toEqual([
      [2, 0, 1],
      [0, 0, 1],
    ]);
    expect(b.failed).toEqual([0, 2, 0]);
    expect(stackedForDrawing(b)).toEqual([
      [2, 2, 2],
      [2, 0, 2],
      [2, 0, 1],
    ]);
  });

  it('gives at least the minimum number of buckets for an empty run', () => {
    expect(bucketSamples([], 1000, 10).x).toHaveLength(10);
  });

  it('gives each version its share, newest first', () => {
    expect(versionShares({ '1.14.2': 30, '1.16.1': 10 })).toEqual([
      { version: '1.16.1', count: 10, share: 0.25 },
      { version: '1.14.2', count: 30, share: 0.75 },
    ]);
  });
});
