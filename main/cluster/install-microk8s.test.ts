/** Installing MicroK8s on the practice lab: idempotent, and resumed after a power cut mid-install. */
import { afterEach, describe, expect, it } from 'vitest';
import { installMicroK8s, installOnNode } from './install-microk8s';
import { openAll, type NodeSession } from './node-session';
import { startClusterLab, type ClusterLab } from './testing/cluster-lab';

let lab: ClusterLab | undefined;
let sessions: NodeSession[] = [];
afterEach(async () => {
  for (const s of sessions) s.close();
  sessions = [];
  await lab?.stop();
  lab = undefined;
});

describe('installing MicroK8s', () => {
  it('power lost half-way through the snap install: reconnects after the Pi is back and installs from its real state', async () => {
    lab = await startClusterLab({
      nodes: [
        { hostname: 'pi-01', role: 'control-plane' },
        { hostname: 'pi-02', role: 'worker' },
      ],
    });
    sessions = await openAll(lab.targets, lab.login, lab.ctx);
    lab.pis[1]!.faults.set('powerLossDuringInstall', true);
    const results = await installMicroK8s(sessions, { channel: '1.32/stable' });
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : r.reason))).toEqual([
      { node: 'pi-01', alreadyInstalled: false, version: 'v1.32.3', resumed: 0 },
      { node: 'pi-02', alreadyInstalled: false, version: 'v1.32.3', resumed: 1 },
    ]);
    expect(lab.lines.some((l) => /^pi-02: lost the connection \(pi-02: The SSH connection .* was lost/.test(l))).toBe(true);
    // The snap really is there now, and the user can run microk8s without sudo in a new login.
    expect((await sessions[1]!.run('snap list microk8s', { quiet: true })).stdout).toMatch(/^microk8s\s+v1\.32\.3\s/m);
    expect((await sessions[1]!.run('microk8s status', { quiet: true })).stdout).toMatch(/^microk8s is running$/m);
  });

  it('a node that already has MicroK8s is detected and only made ready; the group change gets a fresh login', async () => {
    lab = await startClusterLab({ nodes: [{ hostname: 'pi-01', role: 'control-plane' }] });
    sessions = await openAll(lab.targets, lab.login, lab.ctx);
    const [node] = sessions as [NodeSession];
    await node.expect('snap install microk8s --classic --channel=1.31/stable', 'installing by hand', { sudo: true });
    expect((await node.run('microk8s status', { quiet: true })).stderr).toContain('Insufficient permissions to access MicroK8s.');
    const result = await installOnNode(node, { channel: '1.32/stable' });
    expect(result).toEqual({ node: 'pi-01', alreadyInstalled: true, version: 'v1.31.7', resumed: 0 });
    expect(lab.lines).toContain('pi-01: MicroK8s v1.31.7 (1.31/stable) is installed; skipping the snap install');
    expect(lab.lines).toContain('pi-01: logging in again so the microk8s group applies');
    expect(lab.lines.filter((l) => l.includes('snap install microk8s'))).toHaveLength(1);
  });

  it('cancelling the job stops the install with CANCELLED', async () => {
    lab = await startClusterLab({ nodes: [{ hostname: 'pi-01', role: 'control-plane' }] });
    const cancel = new AbortController();
    sessions = await openAll(lab.targets, lab.login, { ...lab.ctx, signal: cancel.signal });
    const [result] = await installMicroK8s(sessions, { channel: '1.32/stable', onProgress: (p) => p.phase === 'installing' && cancel.abort() });
    expect(result).toMatchObject({ status: 'rejected', reason: { code: 'CANCELLED', node: 'pi-01', message: 'The operation on pi-01 was cancelled.' } });
  });
});
