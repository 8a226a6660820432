/** Preflight on the practice lab: each fault is found, explained, and (where the app can) fixed. */
import { describe, expect, it } from 'vitest';
import { joinNode } from './form-cluster';
import { installMicroK8s } from './install-microk8s';
import type { NodeSession } from './node-session';
import { checkView, runPreflight, type PreflightCheck, type PreflightCheckId } from './preflight';
import { clusterLabPerTest } from './testing/cluster-lab-per-test';

const start = clusterLabPerTest();

function check(checks: PreflightCheck[], node: string, id: PreflightCheckId): PreflightCheck {
  const c = checks.find((x) => x.node === node && x.id === id);
  if (!c) throw new Error(`no ${id} check for ${node}`);
  return c;
}

const options = { clusterName: 'home-lab', release: '24.04' as const };

describe('preflight on the practice lab', () => {
  it('memory cgroup flags missing from the card: fail, then the fix edits cmdline.txt, reboots and passes', async () => {
    const { lab, sessions } = await start([
      { hostname: 'pi-01', role: 'control-plane', withoutCgroupFlags: true },
      { hostname: 'pi-02', role: 'worker' },
    ]);
    const report = await runPreflight(sessions, options);
    expect(report.ok).toBe(false);
    const failed = check(report.checks, 'pi-01', 'memory-cgroup');
    expect(failed).toMatchObject({ status: 'fail', found: 'disabled' });
    expect(failed.problem).toContain('lacks cgroup_enable=memory cgroup_memory=1');
    expect(failed.why).toContain('controller "memory" not available');
    expect(failed.fix).toMatchObject({ rebootsNode: true });
    expect(JSON.parse(JSON.stringify(checkView(failed)))).toEqual({ ...checkView(failed), fix: { description: failed.fix!.description, rebootsNode: true } });
    expect(check(report.checks, 'pi-02', 'memory-cgroup').status).toBe('pass');

    const fixed = await failed.fix!.run();
    expect(fixed).toMatchObject({ id: 'memory-cgroup', node: 'pi-01', status: 'pass' });
    expect(lab.lines).toContain('pi-01: rebooting');
    // Idempotent: the card's line starts with the flags exactly once.
    const card = (await sessions[0]!.run('cat /boot/firmware/cmdline.txt', { quiet: true })).stdout;
    expect(card.match(/cgroup_enable=memory/g)).toHaveLength(1);
    expect(card.startsWith('cgroup_enable=memory cgroup_memory=1 ')).toBe(true);
  });

  it('flags on the card but the kernel still lacks them: the re-check says so', async () => {
    const { lab, sessions } = await start([{ hostname: 'pi-01', role: 'control-plane' }]);
    lab.pis[0]!.faults.set('cgroupFlagsMissing', true);
    const c = check((await runPreflight(sessions, options)).checks, 'pi-01', 'memory-cgroup');
    expect(c.status).toBe('fail');
    const after = await c.fix!.run();
    expect(after.status).toBe('fail');
    expect(after.problem).toContain('the running kernel did not get them');
  });

  it('duplicate hostname, wrong hosts entries, blocked port 25000 and an unsynchronised clock are each explained', async () => {
    const { lab, sessions } = await start([
      { hostname: 'pi-01', role: 'control-plane' },
      { hostname: 'pi-02', role: 'worker' },
      { hostname: 'pi-03', role: 'worker' },
    ]);
    const [p1, p2, p3] = lab.pis as [NonNullable<(typeof lab.pis)[0]>, NonNullable<(typeof lab.pis)[0]>, NonNullable<(typeof lab.pis)[0]>];
    p3.faults.set('duplicateHostname', 'pi-02');
    p1.faults.set('port25000Blocked', true);
    p2.faults.set('clockUnsynchronised', true);
    await sessions[0]!.run("sed -i '/pi-03/d' /etc/hosts", { sudo: true, quiet: true });

    const report = await runPreflight(sessions, options);
    const hostname = check(report.checks, 'pi-03', 'hostname');
    expect(hostname).toMatchObject({ status: 'fail', found: 'pi-02' });
    expect(hostname.problem).toBe('The hostname "pi-02" is also used by pi-02.');
    expect(hostname.fix?.description).toBe('Rename the node to "pi-03" (hostnamectl set-hostname pi-03).');
    expect(await hostname.fix!.run()).toMatchObject({ status: 'pass', found: 'pi-03' });

    const ports = check(report.checks, 'pi-02', 'ports');
    expect(ports.status).toBe('fail');
    expect(ports.problem).toContain('pi-01 192.168.1.21:25000 (timed out)');
    expect(check(report.checks, 'pi-01', 'ports').status).toBe('pass');

    const clock = check(report.checks, 'pi-02', 'clock');
    expect(clock.status).toBe('fail');
    expect(clock.found).toMatch(/^not synchronised, -\d+ s from this computer$/);
    expect(clock.why).toContain('x509: certificate has expired or is not yet valid');
    expect(clock.fix?.description).toContain('timedatectl set-ntp true');
    expect(await clock.fix!.run()).toMatchObject({ status: 'pass', found: 'synchronised, +0 s from this computer' });

    const hosts = check(report.checks, 'pi-01', 'hosts-resolution');
    expect(hosts.status).toBe('warn');
    expect(hosts.problem).toContain('pi-03 (192.168.1.23)');
    expect(await hosts.fix!.run()).toMatchObject({ status: 'pass' });
  });

  it('memory: a 2 GB control plane is warned about, a 512 MB one refused; the store offers the planned channel', async () => {
    const { sessions } = await start([
      { hostname: 'pi-01', role: 'control-plane', memoryBytes: 2 * 1024 ** 3 },
      { hostname: 'pi-02', role: 'control-plane', memoryBytes: 512 * 1024 ** 2 },
      { hostname: 'pi-03', role: 'worker', memoryBytes: 1024 ** 3 },
    ]);
    const { checks } = await runPreflight(sessions, { ...options, channel: '1.32/stable', checkPorts: false });
    expect(check(checks, 'pi-01', 'memory')).toMatchObject({ status: 'warn', found: '1.9 GiB' });
    expect(check(checks, 'pi-02', 'memory')).toMatchObject({ status: 'fail', found: '485 MiB' });
    expect(check(checks, 'pi-03', 'memory').status).toBe('pass');
    expect(check(checks, 'pi-01', 'snap-store')).toMatchObject({ status: 'pass', found: 'snap store reachable' });
    const other = await runPreflight(sessions.slice(0, 1), { ...options, channel: '1.99/stable', checkPorts: false });
    expect(check(other.checks, 'pi-01', 'snap-store').problem).toBe('The snap store does not offer MicroK8s on the channel 1.99/stable for this node.');
    expect(checks.some((c) => c.id === 'ports')).toBe(false);
  });

  it('Ubuntu 22.04 without linux-modules-extra-raspi: vxlan fails, the fix installs the package, reboots and passes', async () => {
    const { lab, sessions } = await start([{ hostname: 'pi-01', role: 'control-plane', release: '22.04', configuredFor24: true }]);
    const { checks } = await runPreflight(sessions, { ...options, checkPorts: false });
    expect(check(checks, 'pi-01', 'ubuntu-release')).toMatchObject({ status: 'warn', problem: 'The plan says Ubuntu 24.04, but this node runs 22.04.' });
    const vxlan = check(checks, 'pi-01', 'vxlan');
    expect(vxlan).toMatchObject({ status: 'fail', problem: 'Ubuntu 22.04 for Raspberry Pi ships vxlan in a separate package (linux-modules-extra-raspi).' });
    expect(await vxlan.fix!.run()).toMatchObject({ status: 'pass', found: 'vxlan module available' });
    expect(lab.lines).toContain('pi-01: $ sudo apt-get install -y linux-modules-extra-raspi');
    expect(lab.lines).toContain('pi-01: back after the reboot');
  });

  it('a node that is already a worker of another cluster: fail, and the fix makes it leave', async () => {
    const { sessions } = await start([
      { hostname: 'pi-01', role: 'control-plane' },
      { hostname: 'pi-02', role: 'worker' },
      { hostname: 'old-cp', role: 'control-plane' },
    ]);
    const [, node, stray] = sessions as [NodeSession, NodeSession, NodeSession];
    await installMicroK8s([node, stray], { channel: '1.32/stable' });
    await joinNode(stray, node, { node: '192.168.1.22', controlPlane: '192.168.1.23' }, { clusterName: 'old' });

    const { checks } = await runPreflight(sessions.slice(0, 2), { ...options, checkPorts: false });
    const existing = check(checks, 'pi-02', 'microk8s-existing');
    expect(existing).toMatchObject({ status: 'fail', found: 'MicroK8s v1.32.3 (1.32/stable) installed, worker of another cluster' });
    expect(existing.fix?.description).toBe('Make this node leave its current cluster (microk8s leave).');
    expect(await existing.fix!.run()).toMatchObject({ status: 'pass', found: 'MicroK8s v1.32.3 (1.32/stable) installed, not in another cluster' });
  });
});
