/**
 * The htpasswd line the lesson puts in its Secret: the same `$apr1$` hash as OpenSSL's
 * `openssl passwd -apr1` (what nginx accepts), a fresh salt each time, and user names and
 * passwords refused where nginx or the hash would misread them.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { apr1Hash, htpasswdAccepts, htpasswdLine } from './htpasswd';

const OPENSSL = ['/usr/bin/openssl', '/bin/openssl'].find((p) => existsSync(p));

describe('htpasswd lines', () => {
  it.runIf(OPENSSL)('hashes as openssl passwd -apr1 does', async () => {
    for (const [password, salt] of [
      ['Raspberry-Pie-42!', 'abcdefgh'],
      ['a b c d e f', 'x./Y9zQ1'],
      ['12345678', 'saltsalt'],
    ] as const) {
      const { stdout } = await promisify(execFile)(OPENSSL!, ['passwd', '-apr1', '-salt', salt, password], { encoding: 'utf8' });
      expect(apr1Hash(password, salt)).toBe(stdout.trim());
    }
  });

  it('uses a new random salt each time, and the line accepts exactly its password', () => {
    const a = htpasswdLine('pi', 'correct horse');
    const b = htpasswdLine('pi', 'correct horse');
    expect(a).toMatch(/^pi:\$apr1\$[./0-9A-Za-z]{8}\$[./0-9A-Za-z]{22}$/);
    expect(a).not.toBe(b);
    expect(htpasswdAccepts(`other:x\n${a}\n`, 'pi', 'correct horse')).toBe(true);
    expect(htpasswdAccepts(a, 'pi', 'correct horsE')).toBe(false);
    expect(htpasswdAccepts(a, 'pj', 'correct horse')).toBe(false);
  });

  it('refuses a colon in the user name and passwords nginx would not compare byte for byte', () => {
    expect(() => htpasswdLine('a:b', 'long enough')).toThrow(/user name/);
    expect(() => htpasswdLine('pi', 'short')).toThrow(/8-72 printable ASCII/);
    expect(() => htpasswdLine('pi', 'pässwort-lang')).toThrow(/8-72 printable ASCII/);
    expect(() => htpasswdLine('pi', 'line\nbreak!')).toThrow(/8-72 printable ASCII/);
  });
});
