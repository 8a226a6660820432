/**
 * ed25519 key pairs in OpenSSH format.
 *
 * ssh2 1.17's `utils.generateKeyPairSync('ed25519')` strips leading zero bytes from the public key,
 * so about one pair in 256 comes out with a 31-byte key that ssh2 itself (and OpenSSH) rejects as
 * "Malformed OpenSSH private key" (mscdex/ssh2#1390, #1513). Every key the app or the lab makes
 * comes from here, which only hands out pairs that parse.
 */
import ssh2 from 'ssh2';

export interface KeyPair {
  /** OpenSSH private key (PEM-armoured "OPENSSH PRIVATE KEY"). */
  private: string;
  /** `ssh-ed25519 AAAA... comment` */
  public: string;
}

export function isUsableKey(text: string): boolean {
  const parsed = ssh2.utils.parseKey(text);
  return !(parsed instanceof Error);
}

export function generateEd25519(comment?: string): KeyPair {
  for (let attempt = 0; attempt < 64; attempt++) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519', comment === undefined ? undefined : { comment });
    if (isUsableKey(pair.private) && isUsableKey(pair.public)) return { private: pair.private, public: pair.public };
  }
  throw new Error('Could not generate a usable ed25519 key pair.');
}
