/**
 * Test and bench helper: a practice lab whose virtual Pis boot from cards prepared exactly as the
 * wizard prepares them (main/cards boot-config: cluster key, hostname, hosts, cgroup flags), plus
 * the lab's Kubernetes API, a cluster key in a temp data dir and a known_hosts store.
 *
 *   const lab = await startClusterLab({ nodes: [{ hostname: 'pi-01', role: 'control-plane' }, ...], speed: 2000 });
 *   const sessions = await openAll(lab.targets, lab.login, lab.ctx);
 *   ... await lab.stop();
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomInt } from 'node:crypto';
import type { NodeRole, StoredPlan, UbuntuRelease } from '../../../preload/contract/plan';
import { bootConfig } from '../../cards/boot-config';
import { ubuntuBootFiles } from '../../cards/ubuntu-boot-assets';
import { Lab } from '../../lab/lab';
import type { LabApis } from '../../lab/lab';
import { folderCard } from '../../lab/pi/card-reader';
import type { VirtualPi } from '../../lab/pi/virtual-pi';
import { ClusterKey } from '../../plan/cluster-key';
import { passwordHash } from '../../plan/secrets';
import { KnownHostsStore } from '../../ssh/known-hosts';
import type { NodeLogin, NodeTarget, OperationContext } from '../node-session';
import { planTargets } from '../plan-targets';

export interface LabNodeSpec {
  hostname: string;
  role: NodeRole;
  /** The card as a user prepared it by hand without the cgroup flags. */
  withoutCgroupFlags?: boolean;
  /** The card's configuration was written for 24.04 (no linux-modules-extra-raspi) although the image is another release. */
  configuredFor24?: boolean;
  release?: UbuntuRelease;
  memoryBytes?: number;
}

export interface ClusterLab {
  lab: Lab;
  kube: LabApis;
  plan: StoredPlan;
  pis: VirtualPi[];
  targets: NodeTarget[];
  login: NodeLogin;
  ctx: OperationContext;
  /** Log lines of every operation (for assertions and failure output). */
  lines: string[];
  dataDir: string;
  /** Where this computer reaches the API server of the plan's first control plane (as the app maps its LAN address). */
  apiServer: string;
  stop(): Promise<void>;
}

const certDir = mkdtempSync(join(tmpdir(), 'pcw-cluster-certs-'));

/** `sudoPassword`: the login user gets this password and sudo asks for it (the wizard's cards make sudo passwordless). */
export async function startClusterLab(options: { nodes: LabNodeSpec[]; speed?: number; clusterName?: string; sudoPassword?: string }): Promise<ClusterLab> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pcw-cluster-'));
  const key = await new ClusterKey(dataDir).ensure('pi-cluster-wizard@test');
  const plan: StoredPlan = {
    clusterName: options.clusterName ?? 'home-lab',
    nodes: options.nodes.map((n, i) => ({ hostname: n.hostname, role: n.role, address: `192.168.1.${21 + i}` })),
    network: { kind: 'ethernet', mode: 'static', static: { prefix: 24, gateway: '192.168.1.1', dns: ['192.168.1.1'] } },
    login: { publicKey: key.publicKey, ...(options.sudoPassword ? { passwordHash: passwordHash(options.sudoPassword) } : {}) },
    microk8sChannel: '1.32/stable',
    ubuntuRelease: '24.04',
    timezone: 'Etc/UTC',
    savedAt: Date.now(),
  };
  const lab = new Lab({ dataDir: join(dataDir, 'pis'), speed: options.speed ?? 2000, loopbackBase: `127.${randomInt(1, 255)}.${randomInt(0, 256)}`, sshPort: 0 });
  const kube = await lab.startKubeApi({ certDir });
  const pis: VirtualPi[] = [];
  for (const spec of options.nodes) {
    const release = spec.release ?? plan.ubuntuRelease;
    const dir = mkdtempSync(join(tmpdir(), 'pcw-card-'));
    const shipped = await ubuntuBootFiles(release);
    for (const [name, data] of shipped) writeFileSync(join(dir, name), data);
    const config = bootConfig(plan, spec.hostname, { release: spec.configuredFor24 ? '24.04' : release, cmdline: shipped.get('cmdline.txt')!.toString('utf8'), hasCmdlineBackup: false });
    for (const f of config.files) writeFileSync(join(dir, f.name), f.data);
    if (options.sudoPassword) writeFileSync(join(dir, 'user-data'), readFileSync(join(dir, 'user-data'), 'utf8').replace('NOPASSWD:ALL', 'ALL'));
    if (spec.withoutCgroupFlags) writeFileSync(join(dir, 'cmdline.txt'), shipped.get('cmdline.txt')!);
    pis.push(lab.addPi({ card: folderCard(dir), release, memoryBytes: spec.memoryBytes }));
  }
  await Promise.all(pis.map((p) => p.powerOn()));
  await Promise.all(pis.map((p) => p.whenReady()));
  const lines: string[] = [];
  return {
    lab,
    kube,
    plan,
    pis,
    // The wizard's mapping: LAN address -> the lab Pi's loopback sshd (its port changes at every boot).
    targets: planTargets(plan, new Map(), (address) => lab.sshEndpoint(address)),
    login: { username: 'ubuntu', privateKeyPath: key.privateKeyPath, knownHosts: new KnownHostsStore(join(dataDir, 'known_hosts')), connectTimeoutMs: 10_000 },
    ctx: { pace: lab.clock, log: (l) => lines.push(l) },
    lines,
    dataDir,
    apiServer: kube.url(plan.nodes.find((n) => n.role === 'control-plane')!.address!)!,
    stop: () => lab.stop(),
  };
}
