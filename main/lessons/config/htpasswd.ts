/**
 * The htpasswd line of the basic-auth lesson, made in main from the user name and password the
 * user chose (the password never leaves main and is never written anywhere but, hashed, into the
 * cluster's Secret). The scheme is Apache's `$apr1$` (MD5, 1000 rounds) because nginx checks it
 * itself on every image: `$2y$` bcrypt goes to the system's crypt(3), which the Debian stretch
 * and buster images of nginx 1.14.2 and 1.16.1 do not support (nginx answers 500 and logs
 * `crypt_r() failed`). apache-md5 computes it; the salt comes from the system's CSPRNG.
 */
import { randomInt } from 'node:crypto';
import aprMd5 from 'apache-md5';

const SALT_ALPHABET = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** What a user name may be: no colon (it ends the name in the file), printable ASCII. */
export const HTPASSWD_USER = /^[A-Za-z0-9._-]{1,32}$/;
/** Printable ASCII only: apache-md5 hashes characters as single bytes, and browsers send UTF-8. */
export const HTPASSWD_PASSWORD = /^[\x20-\x7e]{8,72}$/;

export function apr1Hash(password: string, salt?: string): string {
  const s = salt ?? Array.from({ length: 8 }, () => SALT_ALPHABET[randomInt(SALT_ALPHABET.length)]).join('');
  return aprMd5(password, `$apr1$${s}$`);
}

/** `user:$apr1$salt$hash` */
export function htpasswdLine(user: string, password: string): string {
  if (!HTPASSWD_USER.test(user)) throw new RangeError('The user name must be 1-32 letters, digits, ".", "_" or "-".');
  if (!HTPASSWD_PASSWORD.test(password)) throw new RangeError('The password must be 8-72 printable ASCII characters.');
  return `${user}:${apr1Hash(password)}`;
}

/** Whether an htpasswd file's line for `user` accepts `password` (to keep an unchanged Secret unchanged). */
export function htpasswdAccepts(file: string, user: string, password: string): boolean {
  for (const line of file.split('\n')) {
    const i = line.indexOf(':');
    if (i < 0 || line.slice(0, i) !== user) continue;
    const hash = line.slice(i + 1).trim();
    return hash.startsWith('$apr1$') && aprMd5(password, hash) === hash;
  }
  return false;
}
