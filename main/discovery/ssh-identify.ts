/**
 * Identifying a discovered host over SSH: log in with the cluster credentials, read `hostname`,
 * report the host key fingerprint. Used by discovery to match hosts to planned nodes.
 */
import { connectSsh, type SshConnectOptions } from '../ssh/ssh-client';
import type { HostIdentity } from './discovery';

export function sshIdentifier(base: Omit<SshConnectOptions, 'host' | 'port'>): (address: string, port: number) => Promise<HostIdentity | undefined> {
  return async (address, port) => {
    const conn = await connectSsh({ ...base, host: address, port });
    try {
      const r = await conn.exec('hostname', { timeoutMs: 15_000 });
      const hostname = r.stdout.trim();
      return r.exitCode === 0 && hostname ? { hostname, hostKeyFingerprint: conn.hostKey.fingerprint } : undefined;
    } finally {
      conn.close();
    }
  };
}
