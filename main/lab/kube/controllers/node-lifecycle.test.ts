/**
 * The node lifecycle a learner meets in the HA lesson, as Kubernetes 1.32 runs it: a Pi that
 * stops posting goes Unknown after the 50 s grace period, its pods turn not Ready and drop out of
 * the endpoints, the unreachable taints come, pods are evicted after their 300 s toleration and
 * stay Terminating until the Pi returns. Event texts and their order are upstream's. Reported
 * times never run ahead of the real clock, whatever the lab speed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { resourceForKind } from '../api/resource-registry';
import type { Deployment, EventObject, KubeObject, NodeObject, Pod, Service } from '../api/types';
import { startControlPlane } from '../testing/control-plane-fixture';
import { until } from '../testing/lab-fixture';
import type { LabControlPlane } from './control-plane';
import { NODE_MONITOR_GRACE_MS } from './node-controller';

let plane: LabControlPlane | undefined;
afterEach(() => plane?.stop());

type Lab = ReturnType<typeof startControlPlane>;

const web = (replicas: number): Deployment =>
  ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.16.1' }] } } },
  }) as Deployment;

const node = (lab: Lab, name: string) => lab.plane.api.tryGet<NodeObject>(resourceForKind('Node'), undefined, name)!;
const ready = (n: NodeObject) => n.status?.conditions?.find((c) => c.type === 'Ready');
const pods = (lab: Lab) => lab.plane.api.objects<Pod>('Pod', 'default');
const getPod = (lab: Lab, name: string) => lab.plane.api.tryGet<Pod>(resourceForKind('Pod'), 'default', name);
const eventsOf = (lab: Lab, kind: string, name: string) =>
  lab.plane.api
    .objects<EventObject>('Event')
    .filter((e) => e.involvedObject.kind === kind && e.involvedObject.name === name)
    .map((e) => `${e.type} ${e.reason} ${e.source?.component}: ${e.message}`);

async function runningOnBoth(lab: Lab): Promise<{ lost: Pod; kept: Pod }> {
  lab.create(web(2));
  return until('a running pod on each Pi', () => {
    const running = pods(lab).filter((p) => p.status?.phase === 'Running' && p.status.conditions?.find((c) => c.type === 'Ready')?.status === 'True');
    const lost = running.find((p) => p.spec.nodeName === 'pi-02');
    const kept = running.find((p) => p.spec.nodeName === 'pi-01');
    return running.length === 2 && lost && kept && { lost, kept };
  });
}

/** Every reported time in every object, except deletionTimestamp (a deadline, in the future upstream too). */
function reportedTimes(o: unknown, path = ''): [string, string][] {
  if (!o || typeof o !== 'object') return [];
  const out: [string, string][] = [];
  for (const [k, v] of Object.entries(o)) {
    if (typeof v === 'string' && /(Timestamp|Time|timeAdded|startedAt|finishedAt|^time$|eventTime)$/.test(k) && k !== 'deletionTimestamp' && /^\d{4}-\d\d-\d\dT/.test(v)) out.push([`${path}.${k}`, v]);
    else out.push(...reportedTimes(v, `${path}.${k}`));
  }
  return out;
}

describe('a Pi that stops posting (powered off)', () => {
  it('goes Unknown after the grace period, pods not Ready, taints, eviction after 300 s, Terminating until it returns', async () => {
    const lab = startControlPlane(['pi-01', 'pi-02'], 1000);
    plane = lab.plane;
    lab.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } } as Service);
    const { lost, kept } = await runningOnBoth(lab);
    // DefaultTolerationSeconds added both tolerations at admission.
    expect(lost.spec.tolerations).toEqual([
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ]);

    // The order events are recorded in.
    const sequence: string[] = [];
    lab.plane.api.store.subscribe('core/events', (e) => {
      const ev = e.object as EventObject;
      if (e.type === 'ADDED' && [lost.metadata.name, 'pi-02'].includes(ev.involvedObject.name)) sequence.push(`${ev.involvedObject.kind} ${ev.reason}: ${ev.message}`);
    });
    const off = lab.clock.now();
    lab.cluster.setReady('pi-02', false);
    const unknown = await until('pi-02 Unknown', () => ready(node(lab, 'pi-02'))?.status === 'Unknown' && lab.clock.now());
    // Not before the node monitor grace period (50 s in 1.32), nor much after (5 s monitor period).
    expect(unknown - off).toBeGreaterThanOrEqual(NODE_MONITOR_GRACE_MS);
    const conditions = node(lab, 'pi-02').status!.conditions!;
    for (const type of ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready']) {
      expect(conditions.find((c) => c.type === type)).toMatchObject({ status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' });
    }
    expect(eventsOf(lab, 'Node', 'pi-02')).toContain('Normal NodeNotReady node-controller: Node pi-02 status is now: NodeNotReady');

    // The pod: Ready=False (its container status still ready, STATUS still Running), a Warning event, out of the endpoints.
    const notReady = await until('pod not Ready', () => {
      const p = getPod(lab, lost.metadata.name!);
      return p?.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'False' && p;
    });
    expect(notReady.status?.phase).toBe('Running');
    expect(notReady.status?.containerStatuses?.[0]?.ready).toBe(true);
    expect(eventsOf(lab, 'Pod', lost.metadata.name!)).toContain('Warning NodeNotReady node-controller: Node is not ready');
    const endpoints = await until('endpoints without the lost pod', () => {
      const ep = lab.plane.api.tryGet(resourceForKind('Endpoints'), 'default', 'web') as (KubeObject & { subsets?: { addresses?: { ip: string }[]; notReadyAddresses?: { ip: string }[] }[] }) | undefined;
      return ep?.subsets?.[0]?.notReadyAddresses?.length && ep;
    });
    expect(endpoints.subsets![0]!.addresses!.map((a) => a.ip)).toEqual([kept.status!.podIP]);
    expect(endpoints.subsets![0]!.notReadyAddresses!.map((a) => a.ip)).toEqual([lost.status!.podIP]);

    // Taints: NoSchedule first, NoExecute a monitor period later, both with timeAdded.
    const tainted = await until('NoExecute taint', () => node(lab, 'pi-02').spec.taints?.some((t) => t.effect === 'NoExecute') && node(lab, 'pi-02'));
    expect(tainted.spec.taints!.map((t) => `${t.key}:${t.effect}`)).toEqual(['node.kubernetes.io/unreachable:NoSchedule', 'node.kubernetes.io/unreachable:NoExecute']);
    for (const t of tainted.spec.taints!) expect(t.timeAdded).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    // Eviction after the 300 s toleration, with upstream's texts, then Terminating.
    const evicted = await until('eviction', () => getPod(lab, lost.metadata.name!)?.metadata.deletionTimestamp && getPod(lab, lost.metadata.name!), 30_000);
    // 300 s of toleration after the NoExecute taint, itself after the 50 s grace period.
    expect(lab.clock.now() - off).toBeGreaterThanOrEqual(NODE_MONITOR_GRACE_MS + 300_000);
    expect(evicted.status?.conditions?.find((c) => c.type === 'DisruptionTarget')).toMatchObject({ status: 'True', reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint' });
    expect(eventsOf(lab, 'Pod', lost.metadata.name!)).toContain(`Normal TaintManagerEviction taint-eviction-controller: Marking for deletion Pod default/${lost.metadata.name}`);
    expect(sequence.filter((e) => !e.includes('Killing'))).toEqual([
      'Node NodeNotReady: Node pi-02 status is now: NodeNotReady',
      'Pod NodeNotReady: Node is not ready',
      `Pod TaintManagerEviction: Marking for deletion Pod default/${lost.metadata.name}`,
    ]);

    // The ReplicaSet replaces it at once; the replacement avoids the tainted node.
    const replacement = await until('replacement Running on pi-01', () =>
      pods(lab).find((p) => p.metadata.name !== lost.metadata.name && p.metadata.name !== kept.metadata.name && p.spec.nodeName === 'pi-01' && p.status?.phase === 'Running'),
    );
    expect(replacement).toBeTruthy();
    expect(getPod(lab, lost.metadata.name!)?.metadata.deletionTimestamp).toBeDefined(); // still Terminating

    // Nothing the API reports is ahead of the real clock, at 1000x.
    const now = Date.now();
    const objects = [...lab.plane.api.objects('Pod'), ...lab.plane.api.objects('Node'), ...lab.plane.api.objects('Event'), ...lab.plane.api.objects('Deployment'), ...lab.plane.api.objects('ReplicaSet')];
    const ahead = objects.flatMap((o) => reportedTimes(o)).filter(([, v]) => Date.parse(v) > now);
    expect(ahead).toEqual([]);

    // The Pi returns: taints go, the Terminating pod is finished by its kubelet.
    lab.cluster.setReady('pi-02', true);
    await until('taints removed', () => !node(lab, 'pi-02').spec.taints);
    await until('terminated pod removed', () => getPod(lab, lost.metadata.name!) === undefined);
    expect(eventsOf(lab, 'Node', 'pi-02')).toContain('Normal NodeReady kubelet: Node pi-02 status is now: NodeReady');
  });

  it('cancels the pending evictions when the Pi comes back within the toleration', async () => {
    const lab = startControlPlane(['pi-01', 'pi-02'], 1000);
    plane = lab.plane;
    const { lost } = await runningOnBoth(lab);
    lab.cluster.setReady('pi-02', false);
    await until('NoExecute taint', () => node(lab, 'pi-02').spec.taints?.some((t) => t.effect === 'NoExecute'));
    lab.cluster.setReady('pi-02', true);
    await until('cancelled', () => eventsOf(lab, 'Pod', lost.metadata.name!).includes(`Normal TaintManagerEviction taint-eviction-controller: Cancelling deletion of Pod default/${lost.metadata.name}`));
    await until('pod Ready again', () => getPod(lab, lost.metadata.name!)?.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True');
    expect(getPod(lab, lost.metadata.name!)?.metadata.deletionTimestamp).toBeUndefined();
  });

  it('with every node down (full disruption) no NoExecute taint is added and nothing is evicted', async () => {
    const lab = startControlPlane(['pi-01', 'pi-02'], 1000);
    plane = lab.plane;
    await runningOnBoth(lab);
    lab.cluster.setReady('pi-01', false);
    lab.cluster.setReady('pi-02', false);
    const start = lab.clock.now();
    await until('both Unknown with NoSchedule taints', () => ['pi-01', 'pi-02'].every((n) => node(lab, n).spec.taints?.some((t) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoSchedule')));
    expect(lab.plane.nodes.log).toContain('Controller detected that all Nodes are not-Ready. Entering master disruption mode');
    await until('400 lab seconds', () => lab.clock.now() - start > 400_000);
    expect(['pi-01', 'pi-02'].flatMap((n) => node(lab, n).spec.taints ?? []).filter((t) => t.effect === 'NoExecute')).toEqual([]);
    expect(pods(lab).filter((p) => p.metadata.deletionTimestamp)).toEqual([]);
  });

  it('a Pi whose kubelet reports NotReady gets the not-ready taints instead', async () => {
    const lab = startControlPlane(['pi-01', 'pi-02'], 1000);
    plane = lab.plane;
    lab.cluster.setReady('pi-02', false, 'container runtime network not ready: failed to create containerd task: controller "memory" not available');
    const n = await until('NoExecute', () => node(lab, 'pi-02').spec.taints?.some((t) => t.effect === 'NoExecute') && node(lab, 'pi-02'));
    expect(ready(n)).toMatchObject({ status: 'False', reason: 'KubeletNotReady' });
    expect(n.spec.taints!.map((t) => `${t.key}:${t.effect}`)).toEqual(['node.kubernetes.io/not-ready:NoSchedule', 'node.kubernetes.io/not-ready:NoExecute']);
  });
});

describe('cordon', () => {
  it('an unschedulable node gets the unschedulable taint and new pods go elsewhere', async () => {
    const lab = startControlPlane(['pi-01', 'pi-02'], 1000);
    plane = lab.plane;
    lab.plane.api.patch(resourceForKind('Node'), undefined, 'pi-02', 'strategic', { spec: { unschedulable: true } }, { fieldManager: 'kubectl-cordon' });
    await until('unschedulable taint', () => node(lab, 'pi-02').spec.taints?.some((t) => t.key === 'node.kubernetes.io/unschedulable' && t.effect === 'NoSchedule'));
    lab.create(web(3));
    await until('3 running', () => pods(lab).filter((p) => p.status?.phase === 'Running').length === 3);
    expect(pods(lab).map((p) => p.spec.nodeName)).toEqual(['pi-01', 'pi-01', 'pi-01']);
    lab.plane.api.patch(resourceForKind('Node'), undefined, 'pi-02', 'strategic', { spec: { unschedulable: null } }, { fieldManager: 'kubectl-cordon' });
    await until('taint removed', () => !node(lab, 'pi-02').spec.taints);
  });
});
