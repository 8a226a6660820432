/**
 * Identifying a discovered host over SSH: log in with the cluster credentials, read `hostname`,
 * report the host key and how it was trusted. Used by discovery to match hosts to planned nodes.
 * A host whose key nobody confirmed yet (the caller's `onNewHostKey` answered 'unconfirmed') is
 * only asked its name: the caller decides from that name whether to refuse it or ask the user.
 */
import type { HostKeyInfo, HostKeyTrust, SshConnectOptions } from '../ssh/ssh-client';
import { connectSsh } from '../ssh/ssh-client';
import type { HostIdentity } from './discovery';

export interface SshIdentity extends HostIdentity {
  hostname: string;
  hostKey: HostKeyInfo;
  hostKeyTrust: HostKeyTrust;
  /** The presented public key blob when it was not pinned yet (what a confirmation would pin). */
  keyBlob?: Buffer;
}

export function sshIdentifier(base: Omit<SshConnectOptions, 'host' | 'port'>): (address: string, port: number) => Promise<SshIdentity | undefined> {
  return async (address, port) => {
    let keyBlob: Buffer | undefined;
    const conn = await connectSsh({
      ...base,
      host: address,
      port,
      ...(base.onNewHostKey
        ? {
            onNewHostKey: (key: HostKeyInfo, blob: Buffer) => {
              keyBlob = blob;
              return base.onNewHostKey!(key, blob);
            },
          }
        : {}),
    });
    try {
      const r = await conn.exec('hostname', { timeoutMs: 15_000 });
      const hostname = r.stdout.trim();
      if (r.exitCode !== 0 || !hostname) return undefined;
      return {
        hostname,
        hostKeyFingerprint: conn.hostKey.fingerprint,
        ...(conn.hostKey.preparedFor ? { preparedFor: conn.hostKey.preparedFor } : {}),
        ...(conn.hostKeyTrust === 'unconfirmed' ? { hostKeyStatus: 'unconfirmed' as const } : {}),
        hostKey: conn.hostKey,
        hostKeyTrust: conn.hostKeyTrust,
        ...(keyBlob ? { keyBlob } : {}),
      };
    } finally {
      conn.close();
    }
  };
}
