/**
 * Step 12 against the practice lab through the app's router: the node-failure drill recorded as
 * Kubernetes 1.32 runs it (NotReady after the grace period, the unreachable taints, pods marked
 * for deletion after their 300 s toleration, replacements Running, the node back and its old
 * pods gone), with upstream's texts in that order; drain and uncordon as kubectl prints them;
 * and with three control planes: `microk8s status` as HA, the API kept through another control
 * plane, and lost with the datastore's quorum.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { HaDrill, HaMilestoneKind } from '../../../preload/contract/ha';
import { appPerTest } from '../../app/testing/test-app';
import { formedPracticeCluster } from '../testing/lesson-cluster';

const t = appPerTest('pcw-ha-');
const kubectl = async (...args: string[]) => {
  // Asynchronously: the lab's API server answers from this very process.
  const kubeconfig = t.app.feature('cluster').built()!.kubeconfigPath;
  return (await promisify(execFile)('/usr/bin/kubectl', ['--kubeconfig', kubeconfig, ...args], { encoding: 'utf8' })).stdout;
};

const drill = async () => (await t.call('ha.state', {})).drill;
const kinds = (d: HaDrill | undefined) => d?.milestones.map((m) => m.kind) ?? [];
const milestone = (d: HaDrill, kind: HaMilestoneKind) => d.milestones.find((m) => m.kind === kind)!;

async function drillPodsRunning(count: number): Promise<Map<string, string>> {
  let byPod = new Map<string, string>();
  await expect
    .poll(
      async () => {
        const pods = (await t.call('liveCluster.state', {})).snapshot?.pods ?? [];
        const running = pods.filter((p) => p.labels['app'] === 'ha-drill' && p.status === 'Running' && p.ready.ready === 1 && !p.deletingAt && p.node);
        byPod = new Map(running.map((p) => [p.name, p.node!]));
        return running.length;
      },
      { timeout: 60_000 },
    )
    .toBe(count);
  return byPod;
}

describe('step 12, high availability', () => {
  it('records the node-failure drill with upstream texts in order, then the node rejoins; drain and uncordon as kubectl', async () => {
    await t.start();
    expect((await t.call('app.getState', {})).locked.ha).toBe('needs-cluster');
    await formedPracticeCluster(t, 3);
    expect(await t.call('lessons.run', { action: 'ha.deployDrill', params: {} })).toMatchObject({ ok: true });
    const before = await drillPodsRunning(3);
    // Preferred anti-affinity: one pod on each node.
    expect(new Set(before.values())).toEqual(new Set(['pi-01', 'pi-02', 'pi-03']));
    const lost = [...before].find(([, node]) => node === 'pi-03')![0];

    // Bad state first: the lab has no pi-09, and a node must be named properly.
    expect(await t.call('lessons.run', { action: 'ha.takeAway', params: { node: 'pi-09', kind: 'worker', how: 'power' } })).toMatchObject({ ok: false, code: 'ha-unknown-node' });
    expect(await t.app.router.dispatch('lessons.run', { action: 'ha.takeAway', params: { node: 'Pi 3; reboot', kind: 'worker', how: 'power' } })).toMatchObject({ ok: false, error: { code: 'INVALID_PARAMS' } });
    // One control plane only: losing it is not a drill this cluster can survive.
    expect(await t.call('lessons.run', { action: 'ha.takeAway', params: { node: 'pi-01', kind: 'worker', how: 'power' } })).toMatchObject({ ok: false, code: 'ha-only-control-plane' });
    expect(await t.call('lessons.run', { action: 'ha.takeAway', params: { node: 'pi-01', kind: 'control-plane', how: 'power' } })).toMatchObject({ ok: false, code: 'ha-needs-three', values: { count: 1 } });

    // The lab at its fastest offered speed: 50 s of grace and 300 s of toleration pass in seconds.
    await t.call('practice.setSpeed', { speed: 60 });
    const off = await t.call('lessons.run', { action: 'ha.takeAway', params: { node: 'pi-03', kind: 'worker', how: 'power' } });
    expect(off).toMatchObject({ ok: true, code: 'ha-node-off' });
    // A second drill while this one runs is refused, with the node it concerns.
    expect(await t.call('lessons.run', { action: 'ha.takeAway', params: { node: 'pi-02', kind: 'worker', how: 'power' } })).toMatchObject({ ok: false, code: 'ha-drill-running', values: { node: 'pi-03' } });

    await expect.poll(async () => kinds(await drill()), { timeout: 120_000, interval: 200 }).toContain('replacements-running');
    let d = (await drill())!;
    expect(d.podsAtRisk).toEqual([`default/${lost}`]);
    expect(d.speed).toBeGreaterThan(10);
    // The order a learner reads in the timeline.
    const order: HaMilestoneKind[] = ['node-off', 'node-not-ready', 'taint-no-schedule', 'taint-no-execute', 'pod-marked-for-deletion', 'replacement-scheduled', 'replacements-running'];
    const seen = kinds(d).filter((k) => order.includes(k));
    expect(seen).toEqual(order);
    expect(kinds(d)).toContain('pods-not-ready');
    // Upstream's texts.
    expect(milestone(d, 'node-not-ready').texts).toEqual(expect.arrayContaining(['Ready=Unknown', 'NodeStatusUnknown', 'Kubelet stopped posting node status.', 'Node pi-03 status is now: NodeNotReady']));
    expect(milestone(d, 'pods-not-ready').texts).toContain(`default/${lost}: Node is not ready`);
    expect(milestone(d, 'taint-no-schedule').texts).toEqual(['node.kubernetes.io/unreachable:NoSchedule']);
    expect(milestone(d, 'taint-no-execute').texts).toEqual(['node.kubernetes.io/unreachable:NoExecute']);
    expect(milestone(d, 'pod-marked-for-deletion').texts).toContain(`Marking for deletion Pod default/${lost}`);
    // Upstream's timings, in cluster time: the last heartbeat (every 10 s) + the 50 s grace period; the 300 s toleration.
    expect(milestone(d, 'node-not-ready').clusterMs).toBeGreaterThanOrEqual(40_000);
    expect(milestone(d, 'node-not-ready').clusterMs).toBeLessThan(120_000);
    const tolerated = milestone(d, 'pod-marked-for-deletion').clusterMs - milestone(d, 'taint-no-execute').clusterMs;
    expect(tolerated).toBeGreaterThanOrEqual(280_000);
    expect(tolerated).toBeLessThan(400_000);
    // ...and much less on this computer's clock.
    expect(milestone(d, 'replacements-running').realMs).toBeLessThan(milestone(d, 'replacements-running').clusterMs / 10);
    const replaced = await drillPodsRunning(3);
    expect([...replaced.values()]).not.toContain('pi-03');
    // The evicted pod stays Terminating until its kubelet returns.
    expect((await t.call('liveCluster.state', {})).snapshot?.pods?.find((p) => p.name === lost)?.status).toBe('Terminating');

    // Bring it back: Ready again, taints gone, the old pod finished by its kubelet.
    expect(await t.call('lessons.run', { action: 'ha.bringBack', params: { node: 'pi-03', how: 'power' } })).toMatchObject({ ok: true, code: 'ha-node-on' });
    await expect.poll(async () => (await drill())?.phase, { timeout: 120_000, interval: 200 }).toBe('over');
    d = (await drill())!;
    expect(kinds(d).slice(kinds(d).indexOf('node-on'))).toEqual(['node-on', 'node-ready', 'taints-removed', 'old-pods-gone']);
    await expect.poll(async () => (await t.call('lessons.state', {})).progress['ha'], { timeout: 30_000 }).toContain('worker-recovered');
    if (existsSync('/usr/bin/kubectl')) expect(await kubectl('get', 'node', 'pi-03', '--no-headers')).toMatch(/^pi-03\s+Ready\s/);
    expect(await t.call('lessons.run', { action: 'ha.endDrill', params: {} })).toMatchObject({ ok: true });
    expect((await t.call('ha.state', {})).earlier[0]?.node).toBe('pi-03');

    // --- drain, the graceful way.
    await t.call('practice.setSpeed', { speed: 10 });
    const onTwo = [...(await drillPodsRunning(3))].filter(([, node]) => node === 'pi-02').map(([pod]) => pod);
    expect(onTwo.length).toBeGreaterThan(0);
    const drained = await t.call('lessons.run', { action: 'ha.drain', params: { node: 'pi-02' } });
    expect(drained).toMatchObject({ ok: true, code: 'ha-drained' });
    const lines = drained.output!.trimEnd().split('\n');
    expect(lines[0]).toBe('node/pi-02 cordoned');
    expect(lines).toContainEqual(expect.stringMatching(/^Warning: ignoring DaemonSet-managed Pods: kube-system\/calico-node-[a-z0-9]{5}$/));
    for (const pod of onTwo) {
      expect(lines).toContain(`evicting pod default/${pod}`);
      expect(lines.indexOf(`pod/${pod} evicted`)).toBeGreaterThan(lines.indexOf(`evicting pod default/${pod}`));
    }
    expect(lines.at(-1)).toBe('node/pi-02 drained');
    const afterDrain = await drillPodsRunning(3);
    expect([...afterDrain.values()]).not.toContain('pi-02');
    expect((await t.call('liveCluster.state', {})).snapshot?.nodes?.find((n) => n.name === 'pi-02')?.unschedulable).toBe(true);
    if (existsSync('/usr/bin/kubectl')) expect(await kubectl('get', 'node', 'pi-02', '--no-headers')).toMatch(/^pi-02\s+Ready,SchedulingDisabled\s/);
    expect((await t.call('lessons.run', { action: 'ha.cordon', params: { node: 'pi-02' } })).output).toBe('node/pi-02 already cordoned\n');
    expect((await t.call('lessons.run', { action: 'ha.uncordon', params: { node: 'pi-02' } })).output).toBe('node/pi-02 uncordoned\n');
    expect((await t.call('lessons.run', { action: 'ha.uncordon', params: { node: 'pi-02' } })).output).toBe('node/pi-02 already uncordoned\n');
    if (existsSync('/usr/bin/kubectl')) expect(await kubectl('get', 'node', 'pi-02', '--no-headers')).toMatch(/^pi-02\s+Ready\s/);

    // A pod nothing would recreate: drain refuses the whole node, in kubectl's words.
    if (existsSync('/usr/bin/kubectl')) {
      const { writeFile } = await import('node:fs/promises');
      const file = `${t.dataDir}/bare.yaml`;
      await writeFile(file, 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: bare\nspec:\n  nodeName: pi-02\n  containers:\n  - name: nginx\n    image: nginx:1.16.1\n');
      await kubectl('apply', '-f', file);
      const refused = await t.call('lessons.run', { action: 'ha.drain', params: { node: 'pi-02' } });
      expect(refused).toMatchObject({ ok: false, code: 'ha-drain-refused' });
      expect(refused.output).toContain('error: unable to drain node "pi-02" due to error: cannot delete cannot delete Pods that declare no controller (use --force to override): default/bare, continuing command...\nThere are pending nodes to be drained:\n pi-02\n');
      await t.call('lessons.run', { action: 'ha.uncordon', params: { node: 'pi-02' } });
    }
  }, 600_000);

  it('with three control planes: microk8s status says HA; losing the saved one keeps the API through another; losing two loses the quorum', async () => {
    await t.start();
    await formedPracticeCluster(t, 3, 3);
    const status = await t.call('lessons.run', { action: 'ha.status', params: {} });
    expect(status, JSON.stringify(status)).toMatchObject({ ok: true, code: 'ha-status', values: { ha: 'yes' } });
    expect(status.output).toMatch(/^microk8s is running\nhigh-availability: yes\n {2}datastore master nodes: \S+:19001 \S+:19001 \S+:19001\n {2}datastore standby nodes: none\n/);
    expect(String(status.values?.['masters']).split(' ')).toHaveLength(3);

    const saved = t.app.feature('cluster').built()!.controlPlane;
    const other = ['pi-01', 'pi-02', 'pi-03'].find((n) => n !== saved)!;
    await t.call('practice.setSpeed', { speed: 60 });
    expect(await t.call('lessons.run', { action: 'ha.takeAway', params: { node: saved, kind: 'control-plane', how: 'power' } })).toMatchObject({ ok: true });
    // The saved server stops answering: the app reads through another control plane, and says so.
    await expect.poll(async () => (await t.call('liveCluster.state', {})).failedOver?.to, { timeout: 120_000, interval: 200 }).toBeTruthy();
    await expect.poll(async () => kinds(await drill()), { timeout: 120_000 }).toContain('api-failover');
    await expect.poll(async () => (await t.call('liveCluster.state', {})).snapshot?.nodes?.find((n) => n.name === saved)?.ready.status, { timeout: 120_000 }).toBe('Unknown');
    await expect.poll(async () => (await t.call('liveCluster.state', {})).status, { timeout: 60_000 }).toBe('connected');
    await expect.poll(async () => (await t.call('lessons.state', {})).progress['ha'], { timeout: 30_000 }).toContain('control-plane-survived');
    // Refused: taking a second control plane is the quorum drill, not another control-plane drill.
    expect(await t.call('lessons.run', { action: 'ha.takeAway', params: { node: other, kind: 'control-plane', how: 'power' } })).toMatchObject({ ok: false, code: 'ha-drill-running' });

    // Two of three voters gone: no quorum, the API stops answering, the live view reconnects.
    // This one is stopped the way it would be on real Pis: `sudo poweroff` over SSH.
    expect(await t.call('lessons.run', { action: 'ha.takeAway', params: { node: other, kind: 'quorum', how: 'ssh' } })).toMatchObject({ ok: true });
    await expect.poll(async () => (await t.call('liveCluster.state', {})).status, { timeout: 180_000, interval: 250 }).toBe('reconnecting');
    await expect.poll(async () => kinds(await drill()), { timeout: 60_000 }).toContain('api-lost');
    // Both back: the quorum returns and the API answers again.
    expect(await t.call('lessons.run', { action: 'ha.bringBack', params: { node: other, how: 'power' } })).toMatchObject({ ok: true });
    expect(await t.call('lessons.run', { action: 'ha.bringBack', params: { node: saved, how: 'power' } })).toMatchObject({ ok: true });
    await expect.poll(async () => (await t.call('liveCluster.state', {})).status, { timeout: 180_000, interval: 250 }).toBe('connected');
    await expect.poll(async () => kinds(await drill()), { timeout: 60_000 }).toContain('api-back');
    await expect.poll(async () => ((await t.call('liveCluster.state', {})).snapshot?.nodes ?? []).filter((n) => n.ready.status === 'True').length, { timeout: 180_000 }).toBe(3);
  }, 600_000);
});
