/** Every fault shows up the way it does on real hardware. */
import { afterEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { until } from './kube/testing/lab-fixture';
import { Lab } from './lab';
import { folderCard } from './pi/card-reader';
import type { VirtualPi } from './pi/virtual-pi';
import { clientKey, connect, exec, randomLoopbackBase, seedFolder, tempDir } from './pi/testing/pi-fixtures';

const key = clientKey();
const cmdline = 'cgroup_enable=memory cgroup_memory=1 console=serial0,115200 multipath=off dwc_otg.lpm_enable=0 console=tty1 root=LABEL=writable rootfstype=ext4 rootwait fixrtc\n';
const labs: Lab[] = [];
afterEach(async () => {
  await Promise.all(labs.splice(0).map((l) => l.stop()));
});

async function startLab(names: string[]): Promise<{ lab: Lab; pis: VirtualPi[] }> {
  const lab = new Lab({ dataDir: tempDir('lab'), speed: 2000, loopbackBase: randomLoopbackBase(), sshPort: 0 });
  labs.push(lab);
  await lab.startKubeApi();
  const cards = await Promise.all(
    names.map((name, i) =>
      seedFolder('24.04', {
        'user-data': `#cloud-config\nhostname: ${name}\nssh_authorized_keys:\n  - ${key.publicKey}\n`,
        'network-config': `network:\n  version: 2\n  ethernets:\n    eth0:\n      addresses: [192.168.1.${31 + i}/24]\n`,
        'cmdline.txt': cmdline,
      }),
    ),
  );
  const pis = cards.map((dir) => lab.addPi({ card: folderCard(dir) }));
  await Promise.all(pis.map((p) => p.powerOn()));
  await Promise.all(pis.map((p) => p.whenReady()));
  return { lab, pis };
}

async function run(pi: VirtualPi, command: string) {
  const c = await connect({ host: pi.loopback, port: pi.sshPort, username: 'ubuntu', privateKey: key.privateKey });
  try {
    return await exec(c, command);
  } finally {
    c.end();
  }
}

const INSTALL = 'sudo snap install microk8s --classic --channel=1.32/stable && sudo microk8s status --wait-ready >/dev/null';

describe('faults', { timeout: 120_000 }, () => {
  it('cgroup flags missing: /proc/cmdline lacks them, the node is NotReady, inspect warns', async () => {
    const { lab, pis } = await startLab(['pi-a']);
    const pi = pis[0]!;
    expect((await run(pi, INSTALL)).code).toBe(0);
    // The kubelet reports Ready on the lab clock; under load real timers run late, so poll.
    await expect.poll(() => lab.cluster.nodes()[0], { timeout: 30_000 }).toMatchObject({ name: 'pi-a', ready: true });
    pi.faults.set('cgroupFlagsMissing', true);
    expect((await run(pi, 'grep -c cgroup_enable=memory /proc/cmdline')).stdout).toBe('0\n');
    const node = lab.cluster.nodes()[0]!;
    expect(node.ready).toBe(false);
    expect(node.notReadyReason).toContain('controller "memory" not available');
    // The kubelet reports NotReady at once (no grace period: it still posts its status).
    await until('NotReady in the API', async () => /^pi-a\s+NotReady\s/m.test((await run(pi, 'sudo microk8s kubectl get nodes')).stdout));
    expect((await run(pi, 'sudo microk8s inspect')).stdout).toContain(
      'WARNING:  The memory cgroup is not enabled. \nThe cluster may not be functioning properly. Please ensure cgroups are enabled \nSee for example: https://microk8s.io/docs/install-alternatives#heading--arm \n',
    );
  });

  it('duplicate hostname: two Pis, one Node', async () => {
    const { lab, pis } = await startLab(['pi-a', 'pi-b']);
    const [a, b] = pis as [VirtualPi, VirtualPi];
    b.faults.set('duplicateHostname', 'pi-a');
    expect((await run(b, 'hostname')).stdout).toBe('pi-a\n');
    for (const p of [a, b]) expect((await run(p, INSTALL)).code).toBe(0);
    const token = (await run(a, 'sudo microk8s add-node --format token-check')).stdout.trim();
    expect((await run(b, `sudo microk8s join 192.168.1.31:25000/${token} --worker`)).code).toBe(0);
    expect(lab.cluster.nodes().map((n) => n.name)).toEqual(['pi-a']);
  });

  it('clock not synchronised: timedatectl says so and the join fails with x509', async () => {
    const { pis } = await startLab(['pi-a', 'pi-b']);
    const [a, b] = pis as [VirtualPi, VirtualPi];
    b.faults.set('clockUnsynchronised', true);
    expect((await run(b, 'timedatectl show -p NTPSynchronized --value; date +%Y')).stdout).toBe('no\n2024\n');
    for (const p of [a, b]) expect((await run(p, INSTALL)).code).toBe(0);
    const token = (await run(a, 'sudo microk8s add-node --format token-check')).stdout.trim();
    const join = await run(b, `sudo microk8s join 192.168.1.31:25000/${token}`);
    expect(join.code).toBe(6);
    expect(join.stdout).toMatch(/^Contacting cluster at 192\.168\.1\.31\nConnection failed\. x509: certificate has expired or is not yet valid: current time 2024-\S+ is before 20\S+ \(500\)\.\n$/);
    // Turning NTP on repairs it, as on a Pi that can reach a time server.
    expect((await run(b, 'timedatectl | grep NTP')).stdout).toBe('              NTP service: inactive\n');
    expect((await run(b, 'sudo timedatectl set-ntp true')).code).toBe(0);
    await until('the clock synchronised', async () => (await run(b, 'timedatectl show -p NTPSynchronized --value')).stdout === 'yes\n');
    const retry = (await run(a, 'sudo microk8s add-node --format token-check')).stdout.trim();
    expect((await run(b, `sudo microk8s join 192.168.1.31:25000/${retry}`)).code).toBe(0);
  });

  it('port 25000 blocked: nc times out and join ends in a TimeoutError traceback', async () => {
    const { pis } = await startLab(['pi-a', 'pi-b']);
    const [a, b] = pis as [VirtualPi, VirtualPi];
    for (const p of [a, b]) expect((await run(p, INSTALL)).code).toBe(0);
    expect((await run(b, 'nc -z -w 2 192.168.1.31 25000')).code).toBe(0);
    a.faults.set('port25000Blocked', true);
    expect(await run(b, 'nc -zv -w 2 192.168.1.31 25000')).toMatchObject({ code: 1, stderr: 'nc: connect to 192.168.1.31 port 25000 (tcp) timed out: Operation now in progress\n' });
    const token = (await run(a, 'sudo microk8s add-node --format token-check')).stdout.trim();
    const join = await run(b, `sudo microk8s join 192.168.1.31:25000/${token}`);
    expect(join.code).toBe(1);
    expect(join.stderr).toMatch(/^Traceback \(most recent call last\):\n[\s\S]*\nTimeoutError: \[Errno 110\] Connection timed out\n$/);
  });

  it('dropped SSH: OpenSSH sees the connection reset; slow SSH still logs in', async () => {
    const { pis } = await startLab(['pi-a']);
    const pi = pis[0]!;
    pi.faults.set('sshSlowMs', 3_000);
    expect((await run(pi, 'hostname')).stdout).toBe('pi-a\n');
    pi.faults.set('sshDropped', true);
    const result = await new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile('/usr/bin/ssh', ['-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes', '-i', key.path, '-p', String(pi.sshPort), `ubuntu@${pi.loopback}`, 'true'], (err, _o, stderr) =>
        resolve({ code: (err as { code?: number } | null)?.code ?? 0, stderr }),
      ),
    );
    expect(result.code).toBe(255);
    expect(result.stderr).toMatch(/Connection reset|kex_exchange_identification/);
  });

  it('power lost during an install: the session drops, the Pi comes back without the snap', async () => {
    const { pis } = await startLab(['pi-a']);
    const pi = pis[0]!;
    pi.faults.set('powerLossDuringInstall', true);
    const c = await connect({ host: pi.loopback, port: pi.sshPort, username: 'ubuntu', privateKey: key.privateKey });
    const dropped = new Promise<void>((resolve) => c.on('close', () => resolve()));
    c.exec('sudo snap install microk8s --classic', () => undefined);
    await dropped;
    await pi.whenReady();
    expect((await run(pi, 'snap list | grep -c microk8s')).stdout).toBe('0\n');
    expect((await run(pi, 'sudo snap install microk8s --classic')).stdout).toBe('microk8s v1.32.3 from Canonical** installed\n');
  });
});
