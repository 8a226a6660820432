/** Failed joins: recognised from MicroK8s' own texts, explained, cleaned up and retried on the practice lab. */
import { afterEach, describe, expect, it } from 'vitest';
import { addNodeToken, joinNode } from './form-cluster';
import { installMicroK8s } from './install-microk8s';
import { explainJoinFailure, JoinError } from './join-errors';
import { openAll, type NodeSession } from './node-session';
import { startClusterLab, type ClusterLab } from './testing/cluster-lab';

const ctx = { node: 'pi-02', nodeAddress: '10.0.0.3', controlPlane: 'pi-01', controlPlaneAddress: '10.0.0.2' };

describe('MicroK8s join failure texts', () => {
  it.each([
    ['Contacting cluster at 10.0.0.2\nConnection failed. Invalid token (500).\n', 'invalid-token', 'new-token'],
    ['Connection failed. The hostname (node-b) of the joining node does not resolve to the IP "10.0.0.3". Refusing join (400).\n', 'hostname-not-resolvable', 'fix-hosts'],
    ["Joining cluster failed. Could not verify the identity of 10.0.0.2. Use '--skip-verify' to skip server certificate check.\n", 'identity-check', 'new-token'],
    ['Connection failed. The joining node has the same IP (10.0.0.2) as the node we contact (503).\n', 'same-ip', 'no'],
    ['Connection failed. Failed to retrieve dqlite cluster nodes: context deadline exceeded (500).\n', 'datastore-busy', 'wait'],
    ['Traceback (most recent call last):\n  File "/snap/microk8s/current/scripts/wrappers/join.py", line 1142, in <module>\nConnectionRefusedError: [Errno 111] Connection refused\n', 'agent-refused', 'wait'],
    ['Traceback (most recent call last):\n  File "/snap/microk8s/current/scripts/wrappers/join.py", line 1142, in <module>\nTimeoutError: [Errno 110] Connection timed out\n', 'agent-unreachable', 'new-token'],
    ['Connection failed. x509: certificate has expired or is not yet valid: current time 2024-08-27T09:12:00Z is before 2026-11-26T10:00:00Z (500).\n', 'clock', 'no'],
    ['Invalid master IP\n', 'invalid-address', 'no'],
  ])('%s', (output, kind, retry) => {
    const f = explainJoinFailure(output, ctx);
    expect(f).toMatchObject({ kind, retry });
    expect(output).toContain(f.evidence);
  });

  it('says what to do in plain words, and admits an unknown message', () => {
    expect(explainJoinFailure('Connection failed. The hostname (node-b) of the joining node does not resolve to the IP "10.0.0.3". Refusing join (400).', ctx).explanation).toBe(
      'pi-01 looked up the name "node-b" and did not find 10.0.0.3. Its /etc/hosts needs a line "10.0.0.3 node-b"; the app writes it and tries again.',
    );
    expect(explainJoinFailure('TimeoutError: [Errno 110] Connection timed out', ctx).explanation).toContain('a firewall between the nodes drops it');
    expect(explainJoinFailure('Something new (418).', ctx)).toMatchObject({ kind: 'unknown', retry: 'no', evidence: 'Something new (418).' });
  });
});

let lab: ClusterLab | undefined;
let sessions: NodeSession[] = [];
afterEach(async () => {
  for (const s of sessions) s.close();
  sessions = [];
  await lab?.stop();
  lab = undefined;
});

async function installed(channel = '1.32/stable'): Promise<[NodeSession, NodeSession]> {
  lab = await startClusterLab({
    nodes: [
      { hostname: 'pi-01', role: 'control-plane' },
      { hostname: 'pi-02', role: 'worker' },
    ],
  });
  sessions = await openAll(lab.targets, lab.login, lab.ctx);
  await installMicroK8s(sessions, { channel });
  return sessions as [NodeSession, NodeSession];
}

const addresses = { node: '192.168.1.22', controlPlane: '192.168.1.21' };

describe('joining on the practice lab', () => {
  it('a burned token: explained, and retried once with a new one', async () => {
    const [cp, worker] = await installed();
    const { token } = await addNodeToken(cp);
    // A failed join burns a single-use token (here: the control plane joining itself).
    expect((await cp.run(`microk8s join 192.168.1.21:25000/${token}`, { sudo: true, quiet: true })).stdout).toContain('same IP');
    const report = await joinNode(cp, worker, addresses, { clusterName: 'home-lab', token });
    expect(report.attempts).toBe(2);
    expect(report.failures.map((f) => f.kind)).toEqual(['invalid-token']);
    expect(lab!.lines).toContain(`pi-02: join failed (invalid-token): ${report.failures[0]!.explanation}`);
    expect(lab!.lines).toContain('pi-02: joined the cluster as a worker and is Ready');
  });

  it('port 25000 dropped by a firewall: the join fails, is explained, retried once with a new token, then given up', async () => {
    const [cp, worker] = await installed();
    lab!.pis[0]!.faults.set('port25000Blocked', true);
    const err = await joinNode(cp, worker, addresses, { clusterName: 'home-lab' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JoinError);
    const { failure, code, node } = err as JoinError;
    expect({ code, node, kind: failure.kind, evidence: failure.evidence }).toEqual({ code: 'JOIN_FAILED', node: 'pi-02', kind: 'agent-unreachable', evidence: 'TimeoutError: [Errno 110] Connection timed out' });
    expect((err as JoinError).message).toBe(
      'pi-02 could not reach port 25000 on 192.168.1.21: the connection timed out, which means a firewall between the nodes drops it (ufw on pi-01, the router, or a VM host). Allow TCP 25000, 16443, 19001, 10250 and UDP 4789 between the nodes.',
    );
    expect(lab!.lines.filter((l) => l.startsWith('pi-02: $ sudo microk8s join'))).toHaveLength(2);
  });

  it('a clock stuck in 2024: x509 explained, not retried', async () => {
    const [cp, worker] = await installed();
    lab!.pis[1]!.faults.set('clockUnsynchronised', true);
    const err = (await joinNode(cp, worker, addresses, { clusterName: 'home-lab' }).catch((e: unknown) => e)) as JoinError;
    expect(err.failure.kind).toBe('clock');
    expect(err.message).toContain('timedatectl shows "System clock synchronized: yes"');
    expect(lab!.lines.filter((l) => l.startsWith('pi-02: $ sudo microk8s join'))).toHaveLength(1);
  });

  it('MicroK8s 1.27 cannot resolve the joining node: the hosts entry is written on the control plane and the join retried', async () => {
    const [cp, worker] = await installed('1.27/stable');
    await cp.run("sed -i '/pi-02/d' /etc/hosts", { sudo: true, quiet: true });
    const report = await joinNode(cp, worker, addresses, { clusterName: 'home-lab' });
    expect(report.failures.map((f) => [f.kind, f.evidence])).toEqual([
      ['hostname-not-resolvable', 'Connection failed. The hostname (pi-02) of the joining node does not resolve to the IP "192.168.1.22". Refusing join (400).'],
    ]);
    expect(report.attempts).toBe(2);
    expect((await cp.run('cat /etc/hosts', { quiet: true })).stdout).toMatch(/^192\.168\.1\.22 pi-02$/m);
    expect(lab!.lines).toContain('pi-02: joined the cluster as a worker and is Ready');
  });
});
