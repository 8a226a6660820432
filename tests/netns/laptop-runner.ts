/**
 * Runs discovery / SSH jobs inside the lab's "laptop" namespace (spawned by NetnsLab.runInLaptop).
 * Reads a JSON array of jobs on stdin, writes a JSON array of results on stdout.
 */
import { discoverOnce, type PlannedNode } from '../../main/discovery/discovery';
import { sweepSsh } from '../../main/discovery/port-sweep';
import { sshIdentifier } from '../../main/discovery/ssh-identify';
import { readSystemNeighbourTable } from '../../main/discovery/system-neighbour-table';
import { KnownHostsStore } from '../../main/ssh/known-hosts';
import { connectSsh } from '../../main/ssh/ssh-client';

export interface SshTarget {
  host: string;
  port: number;
  username: string;
  privateKeyPath?: string;
  password?: string;
  knownHostsPath: string;
}

export type LaptopJob =
  | { op: 'sweep'; targets: string[]; port: number; exclude?: string[]; maxConcurrent?: number; maxNewConnectionsPerSecond?: number; connectTimeoutMs?: number }
  | { op: 'discover'; subnets: string[]; port: number; exclude?: string[]; plannedNodes: PlannedNode[]; ssh: Omit<SshTarget, 'host' | 'port'> }
  | { op: 'exec'; target: SshTarget; command: string; sudoPassword?: string; stdin?: string }
  /** Connects with a short keepalive, runs `command` (which should cut the host off), waits for the drop. */
  | { op: 'keepalive'; target: SshTarget; command: string; keepaliveIntervalMs: number };

async function run(job: LaptopJob): Promise<unknown> {
  switch (job.op) {
    case 'sweep': {
      const started = performance.now();
      const { op: _op, ...options } = job;
      const found = await sweepSsh(options);
      return { found, ms: performance.now() - started };
    }
    case 'discover': {
      const { knownHostsPath, ...ssh } = job.ssh;
      const identify = sshIdentifier({ ...ssh, knownHosts: new KnownHostsStore(knownHostsPath) });
      // The laptop namespace's own kernel neighbour table (/proc/net/arp), as the app reads it.
      return discoverOnce({ subnets: job.subnets, port: job.port, exclude: job.exclude, plannedNodes: job.plannedNodes, identify, readNeighbourTable: readSystemNeighbourTable });
    }
    case 'exec': {
      const { knownHostsPath, ...target } = job.target;
      const conn = await connectSsh({ ...target, knownHosts: new KnownHostsStore(knownHostsPath) });
      try {
        const streamed: string[] = [];
        const result = await conn.exec(job.command, {
          sudo: job.sudoPassword !== undefined ? { password: job.sudoPassword } : undefined,
          stdin: job.stdin,
          onStdout: (t) => streamed.push(t),
          onStderr: (t) => streamed.push(t),
        });
        return { result, streamed: streamed.join(''), hostKey: conn.hostKey, authMethod: conn.authMethod };
      } finally {
        conn.close();
      }
    }
    case 'keepalive': {
      const { knownHostsPath, ...target } = job.target;
      const conn = await connectSsh({ ...target, keepaliveIntervalMs: job.keepaliveIntervalMs, knownHosts: new KnownHostsStore(knownHostsPath) });
      await conn.exec(job.command);
      const noticed = await Promise.race([conn.closed.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 20_000).unref())]);
      const after = await conn.exec('true').then(() => 'ran', (err: { code?: string }) => err.code);
      conn.close();
      return { noticed, isOpen: conn.isOpen, after };
    }
  }
}

let input = '';
for await (const chunk of process.stdin) input += chunk;
const results: unknown[] = [];
for (const job of JSON.parse(input) as LaptopJob[]) {
  try {
    results.push({ ok: true, value: await run(job) });
  } catch (err) {
    const e = err as { code?: string; message?: string };
    results.push({ ok: false, error: { code: e.code, message: e.message } });
  }
}
process.stdout.write(JSON.stringify(results));
