/** Derived secrets: what goes on the card instead of what the user typed. */
import { pbkdf2Sync } from 'node:crypto';
import { encrypt } from 'unixcrypt';

/** WPA2 pre-shared key as 64 lowercase hex digits (IEEE 802.11i: PBKDF2-HMAC-SHA1, SSID salt, 4096 rounds). */
export function wifiPsk(passphrase: string, ssid: string): string {
  if (/^[0-9a-fA-F]{64}$/.test(passphrase)) return passphrase.toLowerCase();
  return pbkdf2Sync(Buffer.from(passphrase, 'utf8'), Buffer.from(ssid, 'utf8'), 4096, 32, 'sha1').toString('hex');
}

/** sha512-crypt ($6$) hash as /etc/shadow and cloud-init's `passwd` expect. */
export function passwordHash(password: string): string {
  return encrypt(password);
}
