import { describe, expect, it } from 'vitest';
import ssh2 from 'ssh2';
import { generateEd25519, isUsableKey } from './keygen';
import { UNUSABLE_PRIVATE, UNUSABLE_PUBLIC } from './testing/unusable-key';

describe('ed25519 key generation', () => {
  it('every generated pair parses, private and public (ssh2 alone fails about 1 in 256)', () => {
    const bad: string[] = [];
    for (let i = 0; i < 1500; i++) {
      const pair = generateEd25519('test@pcw');
      if (!isUsableKey(pair.private) || !isUsableKey(pair.public)) bad.push(pair.public);
      if (!pair.public.endsWith(' test@pcw')) bad.push(pair.public);
    }
    expect(bad).toEqual([]);
  });

  it('recognises a key with a stripped public half as unusable', () => {
    expect(isUsableKey(UNUSABLE_PRIVATE)).toBe(false);
    expect(ssh2.utils.parseKey(UNUSABLE_PRIVATE)).toBeInstanceOf(Error);
    expect(isUsableKey(UNUSABLE_PUBLIC)).toBe(false);
  });
});
