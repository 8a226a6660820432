/** The manifest diff a lesson shows before applying: unchanged lines kept, removed before added. */
import { describe, expect, it } from 'vitest';
import { lineDiff } from './line-diff';

const show = (before: string, after: string) => lineDiff(before, after).map((l) => `${l.kind === 'same' ? ' ' : l.kind === 'add' ? '+' : '-'}${l.text}`);

describe('lineDiff', () => {
  it('marks the changed lines of a manifest, removals before additions', () => {
    expect(show('a: 1\nreplicas: 3\naffinity:\n  required: x\nz: 9\n', 'a: 1\nreplicas: 3\naffinity:\n  preferred: y\n  weight: 100\nz: 9\n')).toEqual([
      ' a: 1',
      ' replicas: 3',
      ' affinity:',
      '-  required: x',
      '+  preferred: y',
      '+  weight: 100',
      ' z: 9',
    ]);
  });

  it('handles texts with nothing in common and identical texts', () => {
    expect(show('x', 'y')).toEqual(['-x', '+y']);
    expect(show('same\n', 'same\n')).toEqual([' same']);
    expect(show('', 'new')).toEqual(['-', '+new']);
  });
});
