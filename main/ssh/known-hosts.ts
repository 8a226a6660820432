/**
 * Pinned SSH host keys (trust on first use), stored in OpenSSH known_hosts format in the app data dir.
 * Fingerprints are shown as OpenSSH shows them: `SHA256:` + unpadded base64 of the key blob's SHA-256.
 * Every change is written atomically (temp file + rename).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { hostLabel } from './ssh-errors';

export type HostKeyCheck =
  | { status: 'unknown' }
  | { status: 'trusted' }
  | { status: 'changed'; pinnedFingerprint: string };

export interface PinnedHostKey {
  host: string;
  port: number;
  keyType: string;
  fingerprint: string;
}

export function fingerprintOf(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type (e.g. `ssh-ed25519`) is the first length-prefixed string of an SSH public key blob. */
export function keyTypeOf(keyBlob: Buffer): string {
  const len = keyBlob.readUInt32BE(0);
  return keyBlob.subarray(4, 4 + len).toString('latin1');
}

interface Line {
  label: string;
  keyType: string;
  blob: Buffer;
}

export class KnownHostsStore {
  private loaded: Promise<Line[]> | undefined;
  /** Mutations run one after another, each reading the result of the previous one. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly path: string) {}

  private load(): Promise<Line[]> {
    this.loaded ??= readFile(this.path, 'utf8')
      .catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return '';
        throw err;
      })
      .then((text) =>
        text
          .split('\n')
          .map((l) => l.trim().split(/\s+/))
          .filter((f) => f.length >= 3 && !f[0]!.startsWith('#'))
          .map(([label, keyType, b64]) => ({ label: label!, keyType: keyType!, blob: Buffer.from(b64!, 'base64') })),
      );
    return this.loaded;
  }

  async check(host: string, port: number, keyBlob: Buffer): Promise<HostKeyCheck> {
    await this.queue;
    const label = hostLabel(host, port);
    const keyType = keyTypeOf(keyBlob);
    const pinned = (await this.load()).filter((l) => l.label === label);
    if (pinned.length === 0) return { status: 'unknown' };
    if (pinned.some((l) => l.blob.equals(keyBlob))) return { status: 'trusted' };
    const sameType = pinned.find((l) => l.keyType === keyType) ?? pinned[0]!;
    return { status: 'changed', pinnedFingerprint: fingerprintOf(sameType.blob) };
  }

  /** Pins the key for host:port, replacing any earlier key of that host. */
  pin(host: string, port: number, keyBlob: Buffer): Promise<void> {
    const label = hostLabel(host, port);
    return this.mutate((lines) => [...lines.filter((l) => l.label !== label), { label, keyType: keyTypeOf(keyBlob), blob: keyBlob }]);
  }

  /** Forgets the host's key (after the user confirms the Pi was re-installed). */
  forget(host: string, port: number): Promise<void> {
    const label = hostLabel(host, port);
    return this.mutate((lines) => lines.filter((l) => l.label !== label));
  }

  async list(): Promise<PinnedHostKey[]> {
    await this.queue;
    return (await this.load()).map((l) => {
      const m = /^\[(.+)\]:(\d+)$/.exec(l.label);
      return { host: m ? m[1]! : l.label, port: m ? Number(m[2]) : 22, keyType: l.keyType, fingerprint: fingerprintOf(l.blob) };
    });
  }

  private mutate(change: (lines: Line[]) => Line[]): Promise<void> {
    const run = this.queue.then(async () => {
      const lines = change(await this.load());
      const text = lines.map((l) => `${l.label} ${l.keyType} ${l.blob.toString('base64')}\n`).join('');
      await mkdir(dirname(this.path), { recursive: true });
      const tmp = `${this.path}.${randomBytes(6).toString('hex')}.tmp`;
      await writeFile(tmp, text, { mode: 0o600 });
      await rename(tmp, this.path);
      this.loaded = Promise.resolve(lines);
    });
    this.queue = run.catch(() => undefined); // one failed write must not block later ones
    return run;
  }
}
