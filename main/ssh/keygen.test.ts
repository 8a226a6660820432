import { describe, expect, it } from 'vitest';
import ssh2 from 'ssh2';
import { generateEd25519, isUsableKey } from './keygen';

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
    // ssh2's faulty output: a 31-byte public key inside the OpenSSH blob.
    const broken =
      '-----BEGIN OPENSSH PRIVATE KEY-----\n' +
      'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMgAAAAtz\n' +
      'c2gtZWQyNTUxOQAAAB8CvtlyNklLuoJxjyPxOQB/zaoskvbNuZFdkkncTk8KAAAA\n' +
      'iG9kZr1vZGa9AAAAC3NzaC1lZDI1NTE5AAAAHwK+2XI2SUu6gnGPI/E5AH/NqiyS\n' +
      '9s25kV2SSdxOTwoAAAA/kBFqZ08QQwA5BrQw1hr7DKcSMcnFAJ02grgwp6L090EC\n' +
      'vtlyNklLuoJxjyPxOQB/zaoskvbNuZFdkkncTk8KAAAAAAECAwQFBgc=\n' +
      '-----END OPENSSH PRIVATE KEY-----\n';
    expect(isUsableKey(broken)).toBe(false);
    expect(ssh2.utils.parseKey(broken)).toBeInstanceOf(Error);
  });
});
