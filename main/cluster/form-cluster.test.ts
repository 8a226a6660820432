/** Forming clusters on the practice lab over real SSH, checked through the lab's Kubernetes API. */
import { mkdtempSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listApiNodes } from './cluster-api';
import { addNode, removeNode, resetCluster } from './change-cluster';
import { buildCluster } from './build-cluster';
import { formCluster } from './form-cluster';
import { installMicroK8s } from './install-microk8s';
import { mergeKubeconfig, saveClusterKubeconfig } from './kubeconfig';
import { openAll, type NodeSession } from './node-session';
import { runPreflight } from './preflight';
import { startClusterLab, type ClusterLab, type LabNodeSpec } from './testing/cluster-lab';

let lab: ClusterLab | undefined;
let sessions: NodeSession[] = [];
afterEach(async () => {
  for (const s of sessions) s.close();
  sessions = [];
  await lab?.stop();
  lab = undefined;
});

async function start(nodes: LabNodeSpec[]): Promise<{ lab: ClusterLab; sessions: NodeSession[] }> {
  lab = await startClusterLab({ nodes });
  sessions = await openAll(lab.targets, lab.login, lab.ctx);
  return { lab, sessions };
}

const names = (nodes: { name: string }[]) => nodes.map((n) => n.name).sort();

describe('forming a cluster on the practice lab', () => {
  it('one control plane and two workers: preflight passes, installs in parallel, every node Ready in the API; a second run skips everything', async () => {
    const { lab, sessions } = await start([
      { hostname: 'pi-01', role: 'control-plane' },
      { hostname: 'pi-02', role: 'worker' },
      { hostname: 'pi-03', role: 'worker' },
    ]);
    const report = await runPreflight(sessions, { clusterName: 'home-lab', release: '24.04' });
    expect(report.checks.filter((c) => c.status === 'fail')).toEqual([]);
    expect(report.ok).toBe(true);

    const progress: string[] = [];
    const installed = await installMicroK8s(sessions, { channel: '1.32/stable', onProgress: (p) => progress.push(`${p.node}:${p.phase}`) });
    expect(installed.map((r) => r.status === 'fulfilled' && r.value)).toEqual(['pi-01', 'pi-02', 'pi-03'].map((node) => ({ node, alreadyInstalled: false, version: 'v1.32.3', resumed: 0 })));
    for (const n of ['pi-01', 'pi-02', 'pi-03']) expect(progress).toContain(`${n}:ready`);
    // Parallel: every node started installing before any finished.
    const firstReady = progress.findIndex((p) => p.endsWith(':ready'));
    expect(progress.slice(0, firstReady).filter((p) => p.endsWith(':installing'))).toHaveLength(3);

    const formed = await formCluster(sessions, { clusterName: 'home-lab', apiServer: lab.apiServer });
    expect(formed.highAvailability).toBe(false);
    expect(formed.joins.map((j) => [j.node, j.attempts, j.failures.length]).sort()).toEqual([
      ['pi-02', 1, 0],
      ['pi-03', 1, 0],
    ]);
    // The saved, renamed kubeconfig reaches the API: every node Ready, with its role.
    const file = await saveClusterKubeconfig(lab.dataDir, 'home-lab', formed.kubeconfig);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const nodes = await listApiNodes(await readFile(file, 'utf8'));
    expect(nodes.map((n) => [n.name, n.ready, n.role, n.internalIP]).sort()).toEqual([
      ['pi-01', true, 'control-plane', '192.168.1.21'],
      ['pi-02', true, 'worker', '192.168.1.22'],
      ['pi-03', true, 'worker', '192.168.1.23'],
    ]);
    // Merged into a kubeconfig like ~/.kube/config, it is the current context.
    const merged = await mergeKubeconfig(join(mkdtempSync(join(tmpdir(), 'pcw-kube-')), 'config'), formed.kubeconfig, { clusterName: 'home-lab' });
    expect(names(await listApiNodes(await readFile(merged.path, 'utf8')))).toEqual(['pi-01', 'pi-02', 'pi-03']);

    const again = await installMicroK8s(sessions, { channel: '1.32/stable' });
    expect(again.map((r) => r.status === 'fulfilled' && r.value.alreadyInstalled)).toEqual([true, true, true]);
    const reformed = await formCluster(sessions, { clusterName: 'home-lab', apiServer: lab.apiServer });
    expect(reformed.joins.every((j) => j.alreadyMember && j.attempts === 0)).toBe(true);
    expect(lab.lines.filter((l) => l.includes('microk8s join'))).toHaveLength(2);
    // Join tokens never reach the log.
    expect(lab.lines.join('\n')).not.toMatch(/:25000\/[0-9a-f]{32}/);
  });

  it('changes the cluster: remove a worker the tutorial\'s way, add it back, then reset', async () => {
    const { lab, sessions } = await start([
      { hostname: 'pi-01', role: 'control-plane' },
      { hostname: 'pi-02', role: 'worker' },
      { hostname: 'pi-03', role: 'worker' },
    ]);
    const [cp, w1, w2] = sessions as [NodeSession, NodeSession, NodeSession];
    await installMicroK8s(sessions, { channel: '1.32/stable' });
    const { kubeconfig } = await formCluster(sessions, { clusterName: 'home-lab', apiServer: lab.apiServer });

    await removeNode(cp, 'pi-03', w2);
    expect(lab.lines).toContain('pi-03: $ sudo microk8s leave');
    expect(lab.lines).toContain('pi-01: $ sudo microk8s remove-node pi-03');
    expect(names(await listApiNodes(kubeconfig))).toEqual(['pi-01', 'pi-02']);

    const back = await addNode(cp, [cp, w1], w2, { clusterName: 'home-lab', channel: '1.32/stable' });
    expect(back).toMatchObject({ node: 'pi-03', alreadyMember: false, attempts: 1 });
    expect((await listApiNodes(kubeconfig)).filter((n) => n.ready).map((n) => n.name).sort()).toEqual(['pi-01', 'pi-02', 'pi-03']);

    await resetCluster(sessions);
    expect(names(await listApiNodes(kubeconfig))).toEqual(['pi-01']);
  });

  it('three control planes joined one at a time: high availability (the whole build as one job)', async () => {
    lab = await startClusterLab({
      nodes: [
        { hostname: 'cp-1', role: 'control-plane' },
        { hostname: 'cp-2', role: 'control-plane' },
        { hostname: 'cp-3', role: 'control-plane' },
        { hostname: 'w-1', role: 'worker' },
      ],
    });
    const phases: string[] = [];
    let last = 0;
    const built = await buildCluster({
      plan: { clusterName: 'ha-lab', microk8sChannel: '1.32/stable' },
      targets: lab.targets,
      login: lab.login,
      dataDir: lab.dataDir,
      ctx: lab.ctx,
      apiServer: lab.apiServer,
      onPhase: (phase, progress) => {
        if (phases.at(-1) !== phase) phases.push(phase);
        expect(progress).toBeGreaterThanOrEqual(last);
        last = progress;
      },
    });
    expect(phases).toEqual(['connecting', 'installing', 'forming', 'saving']);
    expect(last).toBe(1);
    expect(built.highAvailability).toBe(true);
    expect(built.nodes.map((n) => [n.name, n.role, n.ready]).sort()).toEqual([
      ['cp-1', 'control-plane', true],
      ['cp-2', 'control-plane', true],
      ['cp-3', 'control-plane', true],
      ['w-1', 'worker', true],
    ]);
    expect(built.kubeconfigPath).toBe(join(lab.dataDir, 'clusters', 'ha-lab', 'kubeconfig'));
    expect(names(await listApiNodes(await readFile(built.kubeconfigPath, 'utf8')))).toEqual(['cp-1', 'cp-2', 'cp-3', 'w-1']);
    // cp-3 was joined only after cp-2 was Ready (no "datastore busy" failure on the way).
    expect(built.joins.flatMap((j) => j.failures)).toEqual([]);
    const joins = lab.lines.filter((l) => /\$ sudo microk8s join/.test(l) || /joined the cluster as a control plane/.test(l));
    expect(joins.map((l) => l.split(':')[0])).toEqual(['cp-2', 'cp-2', 'cp-3', 'cp-3', 'w-1']);
  });
});
