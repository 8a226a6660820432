/**
 * The cluster's SSH key pair: ed25519, generated once per data directory. The private key is
 * written only to its own 0600 file and never leaves main; callers get the public key and its
 * fingerprint as OpenSSH prints them.
 */
import { createHash } from 'node:crypto';
import { chmod, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import ssh2 from 'ssh2';
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

  /** Returns the existing key, or generates one. */
  async ensure(comment: string): Promise<ClusterPublicKey> {
    try {
      const publicKey = (await readFile(this.publicKeyPath, 'utf8')).trim();
      const info = await stat(this.privateKeyPath);
      if ((info.mode & 0o077) !== 0) await chmod(this.privateKeyPath, 0o600);
      return { publicKey, fingerprint: fingerprintOf(publicKey), privateKeyPath: this.privateKeyPath };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const { mkdir } = await import('node:fs/promises');
    await mkdir(path.dirname(this.privateKeyPath), { recursive: true, mode: 0o700 });
    const pair = ssh2.utils.generateKeyPairSync('ed25519', { comment });
    await writeFileAtomic(this.privateKeyPath, pair.private, 0o600);
    const publicKey = pair.public.trim();
    await writeFileAtomic(this.publicKeyPath, `${publicKey}\n`, 0o644);
    return { publicKey, fingerprint: fingerprintOf(publicKey), privateKeyPath: this.privateKeyPath };
  }
}
