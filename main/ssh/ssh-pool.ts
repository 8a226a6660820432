/**
 * A small pool of SSH connections, one per node (user@host:port), so several nodes are worked on in
 * parallel with bounded concurrency and connections are reused between steps.
 */
import { connectSsh, type SshConnectOptions, type SshConnection } from './ssh-client';

export class SshPool {
  private readonly connections = new Map<string, Promise<SshConnection>>();

  constructor(private readonly connect: (options: SshConnectOptions) => Promise<SshConnection> = connectSsh) {}

  private static key(o: SshConnectOptions): string {
    return `${o.username}@${o.host}:${o.port ?? 22}`;
  }

  /** An open connection to the node, reusing the pooled one while it stays open. */
  async get(options: SshConnectOptions): Promise<SshConnection> {
    const key = SshPool.key(options);
    const existing = this.connections.get(key);
    if (existing) {
      const conn = await existing.catch(() => undefined);
      if (conn?.isOpen) return conn;
    }
    const fresh = this.connect(options);
    this.connections.set(key, fresh);
    fresh.catch(() => this.connections.delete(key));
    return fresh;
  }

  /** Runs `task` on every node, at most `concurrency` at once; one node failing does not stop the others. */
  async runOnNodes<T>(nodes: readonly SshConnectOptions[], task: (conn: SshConnection, node: SshConnectOptions) => Promise<T>, concurrency = 10): Promise<PromiseSettledResult<T>[]> {
    const results: PromiseSettledResult<T>[] = new Array(nodes.length);
    let next = 0;
    const worker = async () => {
      while (next < nodes.length) {
        const i = next++;
        const node = nodes[i]!;
        try {
          results[i] = { status: 'fulfilled', value: await task(await this.get(node), node) };
        } catch (reason) {
          results[i] = { status: 'rejected', reason };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, nodes.length) }, worker));
    return results;
  }

  /** Drops a node's connection (e.g. before a reboot or after group membership changed). */
  async release(options: SshConnectOptions): Promise<void> {
    const key = SshPool.key(options);
    const conn = await this.connections.get(key)?.catch(() => undefined);
    this.connections.delete(key);
    conn?.close();
  }

  async closeAll(): Promise<void> {
    const all = [...this.connections.values()];
    this.connections.clear();
    for (const c of await Promise.allSettled(all)) if (c.status === 'fulfilled') c.value.close();
  }
}
