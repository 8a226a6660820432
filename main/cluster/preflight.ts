/**
 * Preflight: everything that makes a MicroK8s install or join fail later, checked on every node
 * before anything is installed. Each check has a stable id, a status, an outcome code with values
 * (the window words what was found, what is wrong and why it matters from these: `<id>.<outcome>`,
 * see PREFLIGHT_OUTCOMES), the same in English for logs, and, where the app can repair it, a fix
 * whose `run()` repairs, reboots when needed, and returns the check done again.
 *
 *   const report = await runPreflight(sessions, { release: '24.04', clusterName: 'home-lab' });
 *   for (const c of report.checks) if (c.status === 'fail' && c.fix) await c.fix.run();
 */
import type { UbuntuRelease } from '../../preload/contract/plan';
import { hostnameProblem, suggestHostname } from '../../preload/contract/plan-rules';
import { patchCmdline, CGROUP_ARGS } from '../cards/cmdline';
import { needsModulesExtra } from '../cards/user-data';
import { command, sh } from '../ssh/shell-quote';
import { ensureHostsEntries, resolveInHosts } from './hosts-file';
import { isWorkerNotice, parseGetNodes } from './microk8s-output';
import { gatherFacts, type NodeFacts } from './node-facts';
import type { NodeSession } from './node-session';

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skipped';

/** Every check, in the order the window lists them; `reachable` is the SSH login itself. */
export const PREFLIGHT_CHECK_IDS = [
  'reachable',
  'architecture',
  'ubuntu-release',
  'memory',
  'disk',
  'hostname',
  'hosts-resolution',
  'memory-cgroup',
  'vxlan',
  'clock',
  'default-route',
  'snap-store',
  'microk8s-existing',
  'ports',
  'udp-4789',
] as const;
export type PreflightCheckId = (typeof PREFLIGHT_CHECK_IDS)[number];

/**
 * Every outcome a check can have, `<check id>.<outcome>`, and whether it passes. The window words
 * each: what was found (all), what is wrong and why it matters (all that do not pass).
 */
export const PREFLIGHT_OUTCOMES = {
  'reachable.ok': 'pass',
  /** Values: `sshCode` (the SSH layer's code), `detail`. */
  'reachable.failed': 'problem',
  'architecture.ok': 'pass',
  'architecture.unsupported': 'problem',
  'ubuntu-release.ok': 'pass',
  'ubuntu-release.not-ubuntu': 'problem',
  'ubuntu-release.not-planned': 'problem',
  'ubuntu-release.untested': 'problem',
  'memory.ok': 'pass',
  'memory.control-plane-too-small': 'problem',
  'memory.control-plane-small': 'problem',
  'memory.worker-small': 'problem',
  'disk.ok': 'pass',
  'disk.too-small': 'problem',
  'disk.small': 'problem',
  'hostname.ok': 'pass',
  /** Values: `issue` (a plan rule's key, worded as `issues.<issue>`), `suggestion`. */
  'hostname.invalid': 'problem',
  'hostname.duplicate': 'problem',
  'hostname.not-planned': 'problem',
  'hosts-resolution.ok': 'pass',
  'hosts-resolution.missing': 'problem',
  'memory-cgroup.ok': 'pass',
  'memory-cgroup.no-cmdline-txt': 'problem',
  'memory-cgroup.not-booted-with-flags': 'problem',
  'memory-cgroup.flags-missing': 'problem',
  'vxlan.ok': 'pass',
  'vxlan.missing': 'problem',
  'vxlan.needs-package': 'problem',
  'clock.ok': 'pass',
  'clock.off': 'problem',
  'clock.unsynchronised': 'problem',
  'default-route.ok': 'pass',
  'default-route.missing': 'problem',
  'snap-store.ok': 'pass',
  'snap-store.no-channel': 'problem',
  'snap-store.not-checked': 'problem',
  'snap-store.unreachable': 'problem',
  'microk8s-existing.not-installed': 'pass',
  'microk8s-existing.worker-of-this-cluster': 'pass',
  'microk8s-existing.standalone': 'pass',
  'microk8s-existing.worker-of-another-cluster': 'problem',
  'microk8s-existing.other-cluster': 'problem',
  'ports.no-other-node': 'pass',
  'ports.ok': 'pass',
  'ports.blocked': 'problem',
  'udp-4789.not-checked': 'problem',
} as const satisfies Record<`${PreflightCheckId}.${string}`, 'pass' | 'problem'>;
export type PreflightOutcome = keyof typeof PREFLIGHT_OUTCOMES;

/** Checks whose fix the window words (`install.fix.<id>`, with the check's values). */
export const PREFLIGHT_FIXES = ['hostname', 'hosts-resolution', 'memory-cgroup', 'vxlan', 'clock', 'microk8s-existing'] as const satisfies readonly PreflightCheckId[];

export interface PreflightFix {
  /** What the fix will do, in plain words (shown on the button's confirmation). */
  description: string;
  rebootsNode: boolean;
  /** Repairs, reboots if needed, and returns this check done again on fresh facts. */
  run(): Promise<PreflightCheck>;
}

export interface PreflightCheck {
  id: PreflightCheckId;
  node: string;
  status: CheckStatus;
  /** What was found and what it means, as a code the window words (with `values`). */
  outcome: PreflightOutcome;
  values: Record<string, string | number>;
  /** What was found, one line in English (e.g. "arm64 (aarch64)"), for logs. */
  found: string;
  /** What is wrong (warn, fail) or why it was not checked (skipped). */
  problem?: string;
  /** Why it matters for the cluster. */
  why?: string;
  fix?: PreflightFix;
}

export interface PreflightOptions {
  /** The plan's Ubuntu release. */
  release?: UbuntuRelease;
  /** For the hosts block's marker line. */
  clusterName: string;
  /** The plan's MicroK8s snap channel, checked against what the store offers. */
  channel?: string;
  /** Check TCP ports between nodes (default true). */
  checkPorts?: boolean;
}

export interface PreflightReport {
  facts: Map<string, NodeFacts>;
  checks: PreflightCheck[];
  /** No check failed. */
  ok: boolean;
}

interface CheckInput {
  node: NodeSession;
  facts: NodeFacts;
  /** Every node's facts, this one included, by planned hostname. */
  all: Map<string, NodeFacts>;
  sessions: readonly NodeSession[];
  options: PreflightOptions;
}

type Evaluate = (input: CheckInput) => PreflightCheck | Promise<PreflightCheck>;

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

type Values = Record<string, string | number>;

function result(input: CheckInput, outcome: PreflightOutcome, values: Values, status: CheckStatus, found: string, more: Partial<PreflightCheck> = {}): PreflightCheck {
  return { id: outcome.slice(0, outcome.indexOf('.')) as PreflightCheckId, node: input.node.name, status, outcome, values, found, ...more };
}

/** The check of a node the app could not log in to: its other checks wait until it can. */
export function unreachableCheck(node: string, sshCode: string, detail: string): PreflightCheck {
  return {
    id: 'reachable',
    node,
    status: 'fail',
    outcome: 'reachable.failed',
    values: { sshCode, detail },
    found: 'not reachable over SSH',
    problem: detail,
    why: 'Every other check and the install run over SSH; the other nodes were checked without this one.',
  };
}

export function reachableCheck(node: string): PreflightCheck {
  return { id: 'reachable', node, status: 'pass', outcome: 'reachable.ok', values: {}, found: 'logged in over SSH' };
}

/** A fix: run `action`, then evaluate again on freshly gathered facts. */
function fix(input: CheckInput, evaluate: Evaluate, description: string, rebootsNode: boolean, action: () => Promise<void>): PreflightFix {
  return {
    description,
    rebootsNode,
    async run() {
      await action();
      const facts = await gatherFacts(input.node);
      const all = new Map(input.all).set(input.node.name, facts);
      return evaluate({ ...input, facts, all });
    },
  };
}

const architecture: Evaluate = (input) => {
  const m = input.facts.machine;
  if (m === 'aarch64' || m === 'arm64') return result(input, 'architecture.ok', { arch: 'arm64', machine: m }, 'pass', `arm64 (${m})`);
  if (m === 'x86_64' || m === 'amd64') return result(input, 'architecture.ok', { arch: 'amd64', machine: m }, 'pass', `amd64 (${m})`);
  const arch = /^armv[67]/.test(m) ? 'armhf' : m;
  return result(input, 'architecture.unsupported', { arch, machine: m }, 'fail', `${arch} (${m})`, {
    problem: `This node runs a 32-bit or unsupported system (${m}). snap will refuse MicroK8s with: error: snap "microk8s" is not available on stable for this architecture (${arch}) but exists on other architectures (amd64, arm64).`,
    why: 'MicroK8s is published for 64-bit systems only. Write the 64-bit (arm64) Ubuntu Server image to this card; a Pi 3, 4 or 5 can run it.',
  });
};

const ubuntuRelease: Evaluate = (input) => {
  const { os } = input.facts;
  const found = os.prettyName || `${os.id} ${os.versionId}`;
  const values = { system: found, version: os.versionId, planned: input.options.release ?? '' };
  if (os.id !== 'ubuntu') {
    return result(input, 'ubuntu-release.not-ubuntu', values, 'fail', found, {
      problem: `This node runs ${found}, not Ubuntu.`,
      why: 'The app installs MicroK8s with snap and configures the node the Ubuntu way; write Ubuntu Server for Raspberry Pi to the card.',
    });
  }
  const planned = input.options.release;
  if (planned && os.versionId !== planned) {
    return result(input, 'ubuntu-release.not-planned', values, 'warn', found, {
      problem: `The plan says Ubuntu ${planned}, but this node runs ${os.versionId}.`,
      why: 'Mixed releases work, but nodes behave differently (22.04 needs an extra kernel package for networking). Re-write the card if this was not intended.',
    });
  }
  if (!['22.04', '24.04'].includes(os.versionId)) {
    return result(input, 'ubuntu-release.untested', values, 'warn', found, { problem: `Ubuntu ${os.versionId} is not a release the app was tested with (22.04 and 24.04 LTS).`, why: 'Other releases may need steps the app does not know.' });
  }
  return result(input, 'ubuntu-release.ok', values, 'pass', found);
};

const memory: Evaluate = (input) => {
  const bytes = input.facts.memTotalBytes;
  const found = bytes >= GiB ? `${(bytes / GiB).toFixed(1)} GiB` : `${Math.round(bytes / MiB)} MiB`;
  const controlPlane = input.node.target.role === 'control-plane';
  const values = { gib: Math.round((bytes / GiB) * 10) / 10, mib: Math.round(bytes / MiB) };
  if (controlPlane && bytes <= 512 * MiB) {
    return result(input, 'memory.control-plane-too-small', values, 'fail', found, {
      problem: `A control plane needs more than 512 MB of memory; this node has ${found}.`,
      why: 'MicroK8s refuses to join such a node as a control plane. Make it a worker in the plan, or use a Pi with more memory.',
    });
  }
  // A board sold as 4 GB reports about 3.7-3.8 GiB (the GPU and kernel keep some); 1 GB reports about 0.9 GiB.
  if (controlPlane && bytes < 3.5 * GiB) {
    return result(input, 'memory.control-plane-small', values, 'warn', found, {
      problem: `This control plane has less than 4 GB of memory (${found}).`,
      why: 'The API server, datastore and system pods use about 1 GB; with less than 4 GB little is left for your workloads and the node may become slow.',
    });
  }
  if (!controlPlane && bytes < 0.75 * GiB) {
    return result(input, 'memory.worker-small', values, 'warn', found, { problem: `This worker has less than 1 GB of memory (${found}).`, why: 'The kubelet and container runtime need about 300 MB; few pods will fit.' });
  }
  return result(input, 'memory.ok', values, 'pass', found);
};

const disk: Evaluate = (input) => {
  const free = input.facts.diskAvailableBytes;
  const found = `${(free / GiB).toFixed(1)} GiB free`;
  const values = { gib: Math.round((free / GiB) * 10) / 10 };
  if (free < 3 * GiB) {
    return result(input, 'disk.too-small', values, 'fail', found, { problem: `Only ${found} on the root filesystem.`, why: 'The MicroK8s snap and its container images need about 3 GB. Use a larger SD card (32 GB recommended).' });
  }
  if (free < 10 * GiB) {
    return result(input, 'disk.small', values, 'warn', found, { problem: `Only ${found} on the root filesystem.`, why: 'Container images fill the card quickly; with less than 10 GB free, pods may be evicted for lack of disk space.' });
  }
  return result(input, 'disk.ok', values, 'pass', found);
};

const hostname: Evaluate = (input) => {
  const actual = input.facts.hostname;
  const planned = input.node.name;
  const rename = () =>
    fix(input, hostname, `Rename the node to "${planned}" (hostnamectl set-hostname ${planned}).`, false, async () => {
      await input.node.expect(command(['hostnamectl', 'set-hostname', planned]), 'Renaming the node', { sudo: true });
    });
  const renameAllowed = !input.facts.microk8s.installed;
  const why = 'Kubernetes names each node after its hostname and MicroK8s puts it into the node certificates, so every node needs its own lowercase name before MicroK8s is installed.';
  const values = { actual, planned };
  const problem = hostnameProblem(actual);
  if (problem) return result(input, 'hostname.invalid', { ...values, issue: problem.key, suggestion: suggestHostname(actual) }, 'fail', actual, { problem: `The hostname "${actual}" cannot be used: ${problem.message}`, why, fix: renameAllowed ? rename() : undefined });
  const twins = [...input.all.entries()].filter(([name, f]) => name !== planned && f.hostname === actual).map(([name]) => name);
  if (twins.length > 0) {
    return result(input, 'hostname.duplicate', { ...values, twins: twins.join(', '), count: twins.length }, 'fail', actual, {
      problem: `The hostname "${actual}" is also used by ${twins.join(', ')}.`,
      why: `${why} Two nodes with one name become one Node: the second replaces the first.`,
      fix: renameAllowed && actual !== planned ? rename() : undefined,
    });
  }
  if (actual !== planned) {
    return result(input, 'hostname.not-planned', values, 'fail', actual, { problem: `The plan calls this node "${planned}", but it is named "${actual}".`, why, fix: renameAllowed ? rename() : undefined });
  }
  return result(input, 'hostname.ok', values, 'pass', actual);
};

const hostsResolution: Evaluate = (input) => {
  const peers = [...input.all.entries()].filter(([name]) => name !== input.node.name);
  const wrong = peers.filter(([name, f]) => resolveInHosts(input.facts.hosts, name) !== f.address).map(([name, f]) => `${name} (${f.address})`);
  if (wrong.length === 0) return result(input, 'hosts-resolution.ok', { count: peers.length }, 'pass', `resolves ${peers.length} other node name(s)`);
  return result(input, 'hosts-resolution.missing', { count: wrong.length, names: wrong.join(', ') }, 'warn', `${wrong.length} name(s) missing or wrong in /etc/hosts`, {
    problem: `This node cannot resolve ${wrong.join(', ')}: Ubuntu for Pi has no local name service, so only /etc/hosts can.`,
    why: 'Nodes reach each other by hostname when joining and later (kubelet, logs). Forming the cluster adds the entries anyway.',
    fix: fix(input, hostsResolution, 'Add every node\'s name and address to /etc/hosts on this node.', false, async () => {
      await ensureHostsEntries(input.node, [...input.all.entries()].map(([name, f]) => ({ hostname: name, address: f.address })), input.options.clusterName);
    }),
  });
};

const memoryCgroup: Evaluate = (input) => {
  const { facts } = input;
  if (facts.memoryCgroup) return result(input, 'memory-cgroup.ok', {}, 'pass', 'enabled');
  const txt = facts.cmdlineTxt;
  const flagsOnCard = txt !== undefined && CGROUP_ARGS.every((a) => txt.split('\n')[0]!.split(/\s+/).includes(a));
  const why = 'Without the memory cgroup the kubelet cannot limit containers: nodes stay NotReady and pods fail with `controller "memory" not available`.';
  if (txt === undefined) {
    return result(input, 'memory-cgroup.no-cmdline-txt', {}, 'fail', 'disabled', {
      problem: 'The memory cgroup is disabled and this node has no /boot/firmware/cmdline.txt (not a Raspberry Pi boot).',
      why: `${why} Add cgroup_enable=memory cgroup_memory=1 to the kernel command line in this system's boot loader.`,
    });
  }
  return result(input, flagsOnCard ? 'memory-cgroup.not-booted-with-flags' : 'memory-cgroup.flags-missing', {}, 'fail', 'disabled', {
    problem: flagsOnCard
      ? 'cmdline.txt carries cgroup_enable=memory cgroup_memory=1, but the running kernel did not get them (it was not restarted since, or it booted from another card or partition).'
      : 'The kernel command line lacks cgroup_enable=memory cgroup_memory=1 (the tutorial adds them to cmdline.txt on the card).',
    why,
    fix: fix(input, memoryCgroup, 'Put cgroup_enable=memory cgroup_memory=1 at the start of /boot/firmware/cmdline.txt (once), restart the node and check again.', true, async () => {
      const current = (await input.node.expect('cat /boot/firmware/cmdline.txt', 'Reading cmdline.txt', { quiet: true })).stdout;
      const patched = patchCmdline(current);
      if (patched !== current) await input.node.expect(`${command(['tee', '/boot/firmware/cmdline.txt'])} >/dev/null`, 'Writing cmdline.txt', { sudo: true, stdin: patched });
      await input.node.reboot();
    }),
  });
};

const vxlan: Evaluate = (input) => {
  const version = input.facts.os.versionId;
  if (input.facts.vxlan) return result(input, 'vxlan.ok', { version }, 'pass', 'vxlan module available');
  const why = "MicroK8s' network (Calico) tunnels pod traffic between nodes over VXLAN; without the module pods on different nodes cannot talk.";
  if (!needsModulesExtra(version)) return result(input, 'vxlan.missing', { version }, 'fail', 'vxlan module missing', { problem: `The kernel of Ubuntu ${version} has no vxlan module.`, why });
  return result(input, 'vxlan.needs-package', { version }, 'fail', 'vxlan module missing', {
    problem: `Ubuntu ${version} for Raspberry Pi ships vxlan in a separate package (linux-modules-extra-raspi).`,
    why,
    fix: fix(input, vxlan, 'Install linux-modules-extra-raspi (apt-get) and restart the node.', true, async () => {
      await input.node.expect(command(['apt-get', 'install', '-y', 'linux-modules-extra-raspi']), 'Installing linux-modules-extra-raspi', { sudo: true, timeoutMs: 1_800_000 });
      await input.node.reboot();
    }),
  });
};

const clock: Evaluate = (input) => {
  const { ntpSynchronized, clockSkewMs } = input.facts;
  const skew = Math.round(clockSkewMs / 1000);
  const found = `${ntpSynchronized ? 'synchronised' : 'not synchronised'}, ${skew >= 0 ? '+' : ''}${skew} s from this computer`;
  // `skewSeconds`: the node's clock minus this computer's (negative: behind); the window words it as a duration.
  const values = { synchronised: ntpSynchronized ? 'yes' : 'no', skewSeconds: skew };
  if (ntpSynchronized && Math.abs(skew) < 300) return result(input, 'clock.ok', values, 'pass', found);
  const why = 'A Pi has no battery clock. Certificates the cluster creates are "not yet valid" on a node whose clock is behind, and joining fails with x509: certificate has expired or is not yet valid.';
  return result(input, ntpSynchronized ? 'clock.off' : 'clock.unsynchronised', values, Math.abs(skew) >= 300 ? 'fail' : 'warn', found, {
    problem: ntpSynchronized ? `The clock is ${Math.abs(skew)} s off this computer's clock.` : `The clock is not synchronised with a time server (${found}).`,
    why,
    fix: fix(input, clock, 'Turn on network time (timedatectl set-ntp true) and wait up to 2 minutes for the clock to synchronise.', false, async () => {
      await input.node.expect('timedatectl set-ntp true', 'Turning on network time', { sudo: true });
      const deadline = input.node.pace.now() + 120_000;
      while (input.node.pace.now() < deadline) {
        const r = await input.node.run('timedatectl show -p NTPSynchronized --value', { quiet: true });
        if (r.stdout.trim() === 'yes') return;
        await input.node.pace.sleep(5_000, input.node.ctx.signal);
      }
      input.node.log('the clock did not synchronise: the node cannot reach a time server (UDP port 123, ntp.ubuntu.com); check its internet access');
    }),
  });
};

const defaultRoute: Evaluate = (input) => {
  const route = input.facts.defaultRoute;
  if (route) return result(input, 'default-route.ok', { route }, 'pass', route);
  return result(input, 'default-route.missing', {}, 'fail', 'no default route', {
    problem: 'This node has no default route, so it cannot reach the internet.',
    why: 'MicroK8s comes from the snap store and pods pull images from registries; check the gateway in the network settings (or the Wi-Fi connection).',
  });
};

async function snapStore(input: CheckInput): Promise<PreflightCheck> {
  const r = await input.node.run('snap info microk8s', { quiet: true, timeoutMs: 60_000 });
  const channel = input.options.channel;
  if (r.code === 0 && channel && !r.stdout.split('\n').some((l) => l.trim().startsWith(`${channel}:`))) {
    return result(input, 'snap-store.no-channel', { channel }, 'warn', 'snap store reachable', {
      problem: `The snap store does not offer MicroK8s on the channel ${channel} for this node.`,
      why: 'The install would fail; choose a channel the store lists (e.g. 1.32/stable) in the plan.',
    });
  }
  if (r.code === 0 && /^channels:/m.test(r.stdout)) return result(input, 'snap-store.ok', {}, 'pass', 'snap store reachable');
  if (/unknown command "info"/.test(r.stderr)) {
    return result(input, 'snap-store.not-checked', {}, 'skipped', 'not checked', { problem: "This system's snap cannot ask the store about MicroK8s, so the store was not checked; the install will show whether it is reachable." });
  }
  const detail = (r.stderr || r.stdout).trim().split('\n').pop() ?? '';
  return result(input, 'snap-store.unreachable', { detail }, 'fail', 'snap store not reachable', {
    problem: `snap could not reach the snap store: ${detail}`,
    why: 'MicroK8s is installed from the snap store (api.snapcraft.io over HTTPS). Check the node\'s internet access, DNS and any proxy.',
  });
}

async function microk8sExisting(input: CheckInput): Promise<PreflightCheck> {
  const { microk8s } = input.facts;
  if (!microk8s.installed) return result(input, 'microk8s-existing.not-installed', {}, 'pass', 'not installed yet');
  const found = `MicroK8s ${microk8s.version ?? ''} (${microk8s.tracking ?? ''}) installed`;
  const values = { version: microk8s.version ?? '', tracking: microk8s.tracking ?? '' };
  const r = await input.node.run('microk8s kubectl get nodes', { sudo: true, quiet: true, timeoutMs: 60_000 });
  const planned = new Set(input.all.keys());
  const leave = () =>
    fix(input, microk8sExisting, 'Make this node leave its current cluster (microk8s leave).', false, async () => {
      await input.node.expect('microk8s leave', 'Leaving the other cluster', { sudo: true, timeoutMs: 900_000 });
    });
  const why = 'A node can belong to one cluster only; joining it to this one would fail or break the other cluster.';
  if (isWorkerNotice(r.stdout + r.stderr)) {
    // Ask the planned control planes whether this worker is theirs.
    for (const other of input.sessions) {
      if (other.target.role !== 'control-plane' || other === input.node || !input.all.get(other.name)?.microk8s.installed) continue;
      const theirs = await other.run('microk8s kubectl get nodes', { sudo: true, quiet: true, timeoutMs: 60_000 });
      if (parseGetNodes(theirs.stdout).some((n) => n.name === input.node.name)) return result(input, 'microk8s-existing.worker-of-this-cluster', values, 'pass', `${found}, already a worker of this cluster`);
    }
    return result(input, 'microk8s-existing.worker-of-another-cluster', values, 'fail', `${found}, worker of another cluster`, { problem: 'This node is already a worker of a cluster that none of the planned control planes runs.', why, fix: leave() });
  }
  const foreign = parseGetNodes(r.stdout)
    .map((n) => n.name)
    .filter((n) => !planned.has(n));
  if (foreign.length > 0) {
    return result(input, 'microk8s-existing.other-cluster', { ...values, nodes: foreign.join(', '), count: foreign.length }, 'fail', `${found}, clustered with ${foreign.join(', ')}`, { problem: `This node is already in a cluster with ${foreign.join(', ')}, which are not in the plan.`, why, fix: leave() });
  }
  return result(input, 'microk8s-existing.standalone', values, 'pass', `${found}, not in another cluster`);
}

/** Which ports of `to` this node must reach: agent and API on control planes, dqlite between control planes, kubelet everywhere. */
function portsTo(fromRole: string, toRole: string): number[] {
  const ports = toRole === 'control-plane' ? [25000, 16443] : [];
  if (fromRole === 'control-plane' && toRole === 'control-plane') ports.push(19001);
  if (fromRole === 'control-plane') ports.push(10250);
  return ports;
}

/** `nc -zv` output: open, refused (the host answered: nothing listens yet) or blocked. */
export function parseNcResult(text: string, code: number): 'open' | 'refused' | 'blocked' | 'unresolved' {
  if (code === 0) return 'open';
  if (/Connection refused/.test(text)) return 'refused';
  if (/name resolution|getaddrinfo/i.test(text)) return 'unresolved';
  return 'blocked';
}

async function ports(input: CheckInput): Promise<PreflightCheck> {
  const probes: { to: string; address: string; port: number }[] = [];
  for (const other of input.sessions) {
    if (other === input.node) continue;
    const address = input.all.get(other.name)?.address;
    if (!address) continue;
    for (const port of portsTo(input.node.target.role, other.target.role)) probes.push({ to: other.name, address, port });
  }
  if (probes.length === 0) return result(input, 'ports.no-other-node', {}, 'pass', 'no other node to reach');
  const script = probes.map((p, i) => `${sh`nc -zv -w 2 ${p.address} ${p.port}`} 2>&1; echo "@@${i} $?"`).join('; ');
  const r = await input.node.run(script, { quiet: true, timeoutMs: 120_000 + probes.length * 5_000 });
  const blocked: string[] = [];
  const blockedShort: string[] = [];
  let out = '';
  for (const line of r.stdout.split('\n')) {
    const m = /^@@(\d+) (\d+)$/.exec(line);
    if (!m) {
      out += line + '\n';
      continue;
    }
    const p = probes[Number(m[1])]!;
    const state = parseNcResult(out, Number(m[2]));
    if (state === 'blocked' || state === 'unresolved') {
      blocked.push(`${p.to} ${p.address}:${p.port} (${state === 'blocked' ? 'timed out' : 'not resolvable'})`);
      blockedShort.push(`${p.to} ${p.address}:${p.port}`);
    }
    out = '';
  }
  const found = `${probes.length - blocked.length}/${probes.length} ports reachable`;
  const values = { open: probes.length - blocked.length, total: probes.length };
  if (blocked.length === 0) return result(input, 'ports.ok', values, 'pass', found);
  return result(input, 'ports.blocked', { ...values, blocked: blockedShort.join(', ') }, 'fail', found, {
    problem: `From ${input.node.name}, these do not answer: ${blocked.join(', ')}. A firewall (ufw, the router, or a VM host) drops them.`,
    why: 'Nodes join through port 25000 (cluster agent), talk to the API server on 16443, the datastore on 19001 and kubelets on 10250. Allow these TCP ports (and UDP 4789) between the nodes.',
  });
}

const udp4789: Evaluate = (input) =>
  result(input, 'udp-4789.not-checked', {}, 'skipped', 'not checked', {
    problem: 'UDP 4789 cannot be confirmed without something listening on it, so it was not checked.',
    why: "Pod traffic between nodes (Calico VXLAN) uses UDP 4789; if a firewall drops it, pods on different nodes cannot reach each other. Allow it if you run a firewall (sudo ufw allow 4789/udp).",
  });

/** What the window may see of a check: everything but the fix's function (no secrets are in checks). */
export type PreflightCheckView = Omit<PreflightCheck, 'fix'> & { fix?: { description: string; rebootsNode: boolean } };


export function checkView(check: PreflightCheck): PreflightCheckView {
  const { fix: f, ...rest } = check;
  return f ? { ...rest, fix: { description: f.description, rebootsNode: f.rebootsNode } } : rest;
}

const LOCAL_CHECKS: Evaluate[] = [architecture, ubuntuRelease, memory, disk, hostname, hostsResolution, memoryCgroup, vxlan, clock, defaultRoute, snapStore, microk8sExisting];

/**
 * Runs every check on every node (in parallel across nodes). `unreachable`: planned nodes the app
 * could not log in to; each gets a failing `reachable` check and the others are checked without it.
 */
export async function runPreflight(sessions: readonly NodeSession[], options: PreflightOptions, unreachable: readonly PreflightCheck[] = []): Promise<PreflightReport> {
  const gathered = await Promise.all(sessions.map((s) => gatherFacts(s)));
  const all = new Map(sessions.map((s, i) => [s.name, gathered[i]!] as const));
  const checks = await Promise.all(
    sessions.map(async (node) => {
      const input: CheckInput = { node, facts: all.get(node.name)!, all, sessions, options };
      const evaluations = options.checkPorts === false ? LOCAL_CHECKS : [...LOCAL_CHECKS, ports, udp4789];
      const out: PreflightCheck[] = [reachableCheck(node.name)];
      for (const evaluate of evaluations) out.push(await evaluate(input));
      for (const c of out) if (c.status !== 'pass') node.log(`preflight ${c.id}: ${c.status}: ${c.problem ?? c.found}`);
      return out;
    }),
  );
  const flat = [...unreachable, ...checks.flat()];
  return { facts: all, checks: flat, ok: flat.every((c) => c.status !== 'fail') };
}
