/**
 * Password checks of nginx's auth_basic_user_file (ngx_crypt.c): `{PLAIN}`, `{SHA}`, `{SSHA}`,
 * `$apr1$` handled by nginx itself; everything else goes to the system's crypt(3): glibc's MD5
 * (`$1$`), SHA-256/512 (`$5$`, `$6$`), and bcrypt (`$2y$`/`$2b$`) only where the image's libc is
 * libxcrypt (Debian bullseye and later): on stretch and buster crypt_r() fails, which nginx
 * answers with 500 and a `[crit] crypt_r() failed (22: Invalid argument)` line.
 */
import { createHash } from 'node:crypto';
import aprMd5 from 'apache-md5';
import bcrypt from 'bcryptjs';
import { verify as unixVerify } from 'unixcrypt';

export type PasswordCheck = 'match' | 'mismatch' | 'crypt-failed';

export function checkPassword(password: string, hash: string, libxcrypt: boolean): PasswordCheck {
  const ok = (b: boolean): PasswordCheck => (b ? 'match' : 'mismatch');
  if (hash.startsWith('{PLAIN}')) return ok(password === hash.slice(7));
  if (hash.startsWith('{SHA}')) return ok(createHash('sha1').update(password).digest('base64') === hash.slice(5));
  if (hash.startsWith('{SSHA}')) {
    const raw = Buffer.from(hash.slice(6), 'base64');
    if (raw.length <= 20) return 'crypt-failed';
    const salt = raw.subarray(20);
    return ok(createHash('sha1').update(password).update(salt).digest().equals(raw.subarray(0, 20)));
  }
  if (hash.startsWith('$apr1$') || hash.startsWith('$1$')) return ok(aprMd5(password, hash) === hash);
  if (hash.startsWith('$5$') || hash.startsWith('$6$')) {
    try {
      return ok(unixVerify(password, hash));
    } catch {
      return 'crypt-failed';
    }
  }
  if (/^\$2[aby]\$/.test(hash)) {
    if (!libxcrypt) return 'crypt-failed';
    try {
      return ok(bcrypt.compareSync(password, hash));
    } catch {
      return 'crypt-failed';
    }
  }
  // Traditional DES crypt and unknown schemes: not available in the lab's libc.
  return 'crypt-failed';
}
