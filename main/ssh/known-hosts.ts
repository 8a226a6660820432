/**
 * Pinned SSH host keys, stored in OpenSSH known_hosts format in the app data dir, so nothing is
 * trusted on first use without a decision:
 *  - address pins, `host` or `[host]:port` as OpenSSH writes them: a key met at that address and
 *    trusted (the key of a node the app prepared, or one the user confirmed);
 *  - node pins, written when step 2 prepares a card: `pi-01[,192.168.1.11] ssh-ed25519 AAAA...
 *    pcw-prepared-node`, the public half of the host key the app wrote to that node's card, keyed
 *    by the planned hostname (and its planned static address). A host presenting that key is that
 *    node wherever it answers; a host answering at a node's planned static address with another key
 *    is not. Where a prepared node merely answered before (DHCP) is no claim: the host is asked
 *    who it is, as any new host is (see find-nodes).
 * A re-prepared card replaces its node's pin, and every address pin that held the old key follows.
 * Fingerprints are shown as OpenSSH shows them: `SHA256:` + unpadded base64 of the key blob's SHA-256.
 * Every change is written atomically (temp file + rename), 0600. `ssh -o UserKnownHostsFile=<file>
 * ubuntu@pi-01` reads the same file.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { hostLabel } from './ssh-errors';

export type HostKeyCheck =
  /** Never seen at this address, and not the key of any prepared node. */
  | { status: 'unknown' }
  /** Pinned at this address; `node` when it is also the key written to that node's card. */
  | { status: 'trusted'; node?: string }
  /** Not pinned at this address yet, but it is the key the app wrote to `node`'s card. */
  | { status: 'prepared'; node: string }
  /**
   * Another key is pinned here. `node`: this is the planned static address of that prepared node,
   * so the host is not the node the app prepared (an impostor, or a card written elsewhere).
   */
  | { status: 'changed'; pinnedFingerprint: string; node?: string };

export interface PinnedHostKey {
  host: string;
  port: number;
  keyType: string;
  fingerprint: string;
}

export interface NodeHostKey {
  node: string;
  keyType: string;
  fingerprint: string;
  /** Other names and addresses the pin is keyed by (the planned static address). */
  addresses: string[];
}

/** Marks a node pin (the comment field of its line). */
export const NODE_PIN_MARKER = 'pcw-prepared-node';

export function fingerprintOf(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type (e.g. `ssh-ed25519`) is the first length-prefixed string of an SSH public key blob. */
export function keyTypeOf(keyBlob: Buffer): string {
  const len = keyBlob.readUInt32BE(0);
  return keyBlob.subarray(4, 4 + len).toString('latin1');
}

/** The blob of an OpenSSH public key line (`ssh-ed25519 AAAA... comment`); throws when it is not one. */
export function publicKeyBlob(line: string): Buffer {
  const [type, b64] = line.trim().split(/\s+/);
  const blob = Buffer.from(b64 ?? '', 'base64');
  if (!type || blob.length < 8 || blob.readUInt32BE(0) > blob.length - 4 || keyTypeOf(blob) !== type) throw new Error('Not an OpenSSH public key line.');
  return blob;
}

interface Line {
  /** Comma-separated host patterns of the line: labels, or for a node pin the hostname first. */
  patterns: string[];
  keyType: string;
  blob: Buffer;
  node: boolean;
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
          .filter((f) => f.length >= 3 && !f[0]!.startsWith('#') && !f[0]!.startsWith('@'))
          .map(([patterns, keyType, b64, marker]) => ({ patterns: patterns!.split(','), keyType: keyType!, blob: Buffer.from(b64!, 'base64'), node: marker === NODE_PIN_MARKER })),
      );
    return this.loaded;
  }

  async check(host: string, port: number, keyBlob: Buffer): Promise<HostKeyCheck> {
    await this.queue;
    const label = hostLabel(host, port);
    const lines = await this.load();
    const nodeOf = (blob: Buffer) => lines.find((l) => l.node && l.blob.equals(blob))?.patterns[0];
    const node = nodeOf(keyBlob);
    const pinned = lines.filter((l) => l.patterns.includes(label));
    if (pinned.some((l) => l.blob.equals(keyBlob))) return node ? { status: 'trusted', node } : { status: 'trusted' };
    if (node) return { status: 'prepared', node };
    // The planned static address of a prepared node answers with another key: not that node.
    const planned = pinned.find((l) => l.node);
    if (planned) return { status: 'changed', pinnedFingerprint: fingerprintOf(planned.blob), node: planned.patterns[0]! };
    // Where a prepared node answered before says nothing about who answers now (DHCP moves
    // addresses): who this is is settled by what it says it is, as for any new host.
    const others = pinned.filter((l) => nodeOf(l.blob) === undefined);
    if (others.length === 0) return { status: 'unknown' };
    const keyType = keyTypeOf(keyBlob);
    const shown = others.find((l) => l.keyType === keyType) ?? others[0]!;
    return { status: 'changed', pinnedFingerprint: fingerprintOf(shown.blob) };
  }

  /** Pins the key for host:port, replacing any earlier address pin of that host (node pins stay). */
  pin(host: string, port: number, keyBlob: Buffer): Promise<void> {
    const label = hostLabel(host, port);
    return this.mutate((lines) => [...lines.filter((l) => l.node || !l.patterns.includes(label)), { patterns: [label], keyType: keyTypeOf(keyBlob), blob: keyBlob, node: false }]);
  }

  /**
   * Pins the host key written to `node`'s card, keyed by the node's hostname and `addresses`
   * (its planned static address), replacing the node's earlier pin; address pins that held the
   * earlier key now hold this one (the app itself changed the node's key).
   */
  pinNode(node: string, keyBlob: Buffer, addresses: readonly string[] = []): Promise<void> {
    const keyType = keyTypeOf(keyBlob);
    return this.mutate((lines) => {
      const old = lines.find((l) => l.node && l.patterns[0] === node);
      const kept = lines
        .filter((l) => l !== old)
        .map((l) => (old && !l.node && l.blob.equals(old.blob) ? { ...l, keyType, blob: keyBlob } : l));
      return [...kept, { patterns: [node, ...addresses.filter((a) => a !== node)], keyType, blob: keyBlob, node: true }];
    });
  }

  /** Forgets the address pin of host:port (after the user confirms the machine was re-installed). */
  forget(host: string, port: number): Promise<void> {
    const label = hostLabel(host, port);
    return this.mutate((lines) => lines.filter((l) => l.node || !l.patterns.includes(label)));
  }

  /** Address pins. */
  async list(): Promise<PinnedHostKey[]> {
    await this.queue;
    return (await this.load())
      .filter((l) => !l.node)
      .map((l) => {
        const label = l.patterns[0]!;
        const m = /^\[(.+)\]:(\d+)$/.exec(label);
        return { host: m ? m[1]! : label, port: m ? Number(m[2]) : 22, keyType: l.keyType, fingerprint: fingerprintOf(l.blob) };
      });
  }

  /** Node pins: the host keys the app wrote to the cards it prepared. */
  async nodes(): Promise<NodeHostKey[]> {
    await this.queue;
    return (await this.load())
      .filter((l) => l.node)
      .map((l) => ({ node: l.patterns[0]!, keyType: l.keyType, fingerprint: fingerprintOf(l.blob), addresses: l.patterns.slice(1) }));
  }

  private mutate(change: (lines: Line[]) => Line[]): Promise<void> {
    const run = this.queue.then(async () => {
      const lines = change(await this.load());
      const text = lines.map((l) => `${l.patterns.join(',')} ${l.keyType} ${l.blob.toString('base64')}${l.node ? ` ${NODE_PIN_MARKER}` : ''}\n`).join('');
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
