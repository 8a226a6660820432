/** The node runner against a practice-lab Pi whose sudo asks for the password. */
import { afterEach, describe, expect, it } from 'vitest';
import { ClusterError } from './cluster-errors';
import { installOnNode } from './install-microk8s';
import { NodeSession } from './node-session';
import { startClusterLab, type ClusterLab } from './testing/cluster-lab';

const PASSWORD = 'Sudo-Secret-42';
let lab: ClusterLab | undefined;
afterEach(async () => {
  await lab?.stop();
  lab = undefined;
});

describe('node session', () => {
  it('explains a sudo that wants a password, then uses the given one without ever logging it', async () => {
    lab = await startClusterLab({ nodes: [{ hostname: 'pi-01', role: 'control-plane' }], sudoPassword: PASSWORD });
    const target = lab.targets[0]!;
    const without = await NodeSession.open(target, lab.login, lab.ctx);
    const err = await without.run('snap list', { sudo: true }).catch((e: unknown) => e);
    without.close();
    expect(err).toBeInstanceOf(ClusterError);
    expect(err).toMatchObject({ code: 'SUDO_PASSWORD_REQUIRED', node: 'pi-01', message: 'sudo on pi-01 asks for a password. Enter the password of ubuntu so the app can run administrative commands.' });

    const node = await NodeSession.open(target, { ...lab.login, sudoPassword: PASSWORD }, lab.ctx);
    try {
      const echoed = await node.run(`echo ${PASSWORD}`, { sudo: true });
      expect(echoed.stdout).toBe('********\n');
      expect(await installOnNode(node, { channel: '1.32/stable' })).toMatchObject({ node: 'pi-01', alreadyInstalled: false });
      expect(lab.lines.length).toBeGreaterThan(5);
      expect(lab.lines.join('\n')).not.toContain(PASSWORD);
    } finally {
      node.close();
    }
  });

  it('a Pi whose SSH connections are dropped: a stable code and what to check', async () => {
    lab = await startClusterLab({ nodes: [{ hostname: 'pi-01', role: 'control-plane' }] });
    lab.pis[0]!.faults.set('sshDropped', true);
    const err = (await NodeSession.open(lab.targets[0]!, lab.login, lab.ctx).catch((e: unknown) => e)) as ClusterError;
    expect(err).toBeInstanceOf(ClusterError);
    expect({ code: err.code, node: err.node }).toEqual({ code: 'SSH', node: 'pi-01' });
    expect(['HOST_UNREACHABLE', 'CONNECTION_LOST']).toContain(err.sshCode);
    expect(err.message).toMatch(/^pi-01: (Cannot reach SSH on .*Check that the Pi is powered on|.*closed the connection during the SSH handshake)/);
  });
});
