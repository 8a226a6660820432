/**
 * Test helper: an isolated lab network made of Linux network namespaces. A "switch" namespace holds a
 * bridge; the "laptop" and every host get their own namespace, joined to the bridge by veth pairs, on
 * a 10.250.X.0/24 subnet that exists only inside these namespaces (hosts carry Pi MACs) (nothing is routed from the root
 * namespace). Code under test runs inside the laptop namespace via `runInLaptop`. Names are unique
 * per lab (creating pid + random) so parallel runs do not clash; `destroy()` removes everything
 * (deleting a namespace removes its veths), and labs of killed test runs are removed on the next run.
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Why network-namespace tests cannot run here, or undefined when they can. */
export function netnsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'network namespace tests need root';
  if (!existsSync('/usr/sbin/ip') && !existsSync('/sbin/ip') && !existsSync('/usr/bin/ip')) return 'ip (iproute2) is missing (apt-get install iproute2)';
  try {
    const probe = `pcw-probe-${randomBytes(3).toString('hex')}`;
    execFileSync('ip', ['netns', 'add', probe], { stdio: 'ignore' });
    execFileSync('ip', ['netns', 'del', probe], { stdio: 'ignore' });
  } catch {
    return 'cannot create network namespaces here (needs CAP_SYS_ADMIN)';
  }
  return undefined;
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

export interface LabHost {
  netns: string;
  address: string;
}

export interface NetnsLab {
  subnet: string;
  laptopNetns: string;
  laptopAddress: string;
  hosts: LabHost[];
  /** Runs `node --import tsx <script> <args>` inside the laptop namespace; resolves with stdout. */
  runInLaptop(script: string, args: string[], stdin?: string): Promise<string>;
  destroy(): void;
}

/** Hosts get Raspberry Pi 4 MACs (dc:a6:32 block), so the kernel's neighbour table looks like a Pi LAN. */
export function piMac(octet: number): string {
  return `dc:a6:32:fa:00:${octet.toString(16).padStart(2, '0')}`;
}

/** True while the process with this id exists. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes labs left behind by test processes that were killed before their teardown ran: namespaces
 * are named after the creating process id, and the processes still inside them (sshd we started) are
 * ended by id.
 */
export function removeStaleLabs(): void {
  const names = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').map((l) => l.split(' ')[0]!);
  for (const ns of names) {
    const m = /^pcw(\d+)-[0-9a-f]{6}-/.exec(ns);
    if (!m || processAlive(Number(m[1]))) continue;
    const pids = execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    ip('netns', 'del', ns);
  }
}

/** Creates the lab with hosts at the given last octets (2-254; the laptop is .1). */
export function createNetnsLab(hostOctets: readonly number[]): NetnsLab {
  removeStaleLabs();
  const id = `${process.pid}-${randomBytes(3).toString('hex')}`;
  const third = randomInt(0, 256);
  const prefix = `10.250.${third}`;
  const sw = `pcw${id}-sw`;
  const laptopNetns = `pcw${id}-lap`;
  const created: string[] = [];
  const addNs = (name: string) => {
    ip('netns', 'add', name);
    created.push(name);
    ip('-n', name, 'link', 'set', 'lo', 'up');
  };
  const attach = (ns: string, port: string, address: string) => {
    ip('-n', sw, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
    ip('-n', sw, 'link', 'set', port, 'master', 'br0', 'up');
    ip('-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0');
    ip('-n', ns, 'link', 'set', 'eth0', 'up');
  };
  const lab: NetnsLab = {
    subnet: `${prefix}.0/24`,
    laptopNetns,
    laptopAddress: `${prefix}.1`,
    hosts: [],
    runInLaptop(script, args, stdin) {
      return new Promise((resolve, reject) => {
        const child = execFile(
          'ip',
          ['netns', 'exec', laptopNetns, process.execPath, '--import', 'tsx', script, ...args],
          { cwd: REPO_ROOT, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 },
          (err, stdout, stderr) => (err ? reject(new Error(`${script} failed: ${err.message}\n${stderr}`)) : resolve(stdout)),
        );
        child.stdin?.end(stdin ?? '');
      });
    },
    destroy() {
      for (const ns of created.reverse()) {
        try {
          ip('netns', 'del', ns);
        } catch {
          // already gone
        }
      }
    },
  };
  try {
    addNs(sw);
    ip('-n', sw, 'link', 'add', 'br0', 'type', 'bridge');
    ip('-n', sw, 'link', 'set', 'br0', 'up');
    addNs(laptopNetns);
    attach(laptopNetns, 'lap', lab.laptopAddress);
    hostOctets.forEach((octet, i) => {
      const ns = `pcw${id}-h${i}`;
      addNs(ns);
      attach(ns, `h${i}`, `${prefix}.${octet}`);
      ip('-n', ns, 'link', 'set', 'eth0', 'address', piMac(octet));
      lab.hosts.push({ netns: ns, address: `${prefix}.${octet}` });
    });
  } catch (err) {
    lab.destroy();
    throw err;
  }
  return lab;
}
