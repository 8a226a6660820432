/**
 * The cluster's SSH key pair: ed25519, generated once per data directory. The private key is
 * written only to its own 0600 file and never leaves main; callers get the public key and its
 * fingerprint as OpenSSH prints them.
 */
import { createHash } from 'node:crypto';
import { chmod, readFile, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import { generateEd25519, isUsableKey } from '../ssh/keygen';
import { writeFileAtomic } from '../state/atomic-file';

export interface ClusterPublicKey {
  publicKey: string;
  fingerprint: string;
  privateKeyPath: string;
}

export function fingerprintOf(publicKey: string): string {
  const blob = publicKey.trim().split(/\s+/)[1] ?? '';
  return `SHA256:${createHash('sha256').update(Buffer.from(blob, 'base64')).digest('base64').replace(/=+$/, '')}`;
}

export class ClusterKey {
  readonly privateKeyPath: string;
  readonly publicKeyPath: string;

  constructor(dataDir: string) {
    this.privateKeyPath = path.join(dataDir, 'keys', 'cluster_ed25519');
    this.publicKeyPath = `${this.privateKeyPath}.pub`;
  }

  /**
   * Returns the existing key, or generates one. A pair that no SSH implementation can read (made
   * by an earlier version with ssh2's keygen bug, see ssh/keygen.ts) could never log in anywhere,
   * so it is kept aside as `.unusable` and replaced.
   */
  async ensure(comment: string): Promise<ClusterPublicKey> {
    try {
      const publicKey = (await readFile(this.publicKeyPath, 'utf8')).trim();
      const info = await stat(this.privateKeyPath);
      if ((info.mode & 0o077) !== 0) await chmod(this.privateKeyPath, 0o600);
      if (isUsableKey(publicKey) && isUsableKey(await readFile(this.privateKeyPath, 'utf8'))) {
        return { publicKey, fingerprint: fingerprintOf(publicKey), privateKeyPath: this.privateKeyPath };
      }
      await rename(this.privateKeyPath, `${this.privateKeyPath}.unusable`);
      await rename(this.publicKeyPath, `${this.publicKeyPath}.unusable`);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const { mkdir } = await import('node:fs/promises');
    await mkdir(path.dirname(this.privateKeyPath), { recursive: true, mode: 0o700 });
    const pair = generateEd25519(comment);
    await writeFileAtomic(this.privateKeyPath, pair.private, 0o600);
    const publicKey = pair.public.trim();
    await writeFileAtomic(this.publicKeyPath, `${publicKey}\n`, 0o644);
    return { publicKey, fingerprint: fingerprintOf(publicKey), privateKeyPath: this.privateKeyPath };
  }
}
