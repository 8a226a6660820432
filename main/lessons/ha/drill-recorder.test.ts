/**
 * The drill recorder fed by hand-made snapshots, as the live view would send them: first sightings
 * in order, upstream texts kept after the cluster forgot the events, old events ignored,
 * replacements told apart from pods that were there, a cancelled eviction, the API failing over
 * and lost. And which drills the lesson refuses, and why.
 */
import { describe, expect, it } from 'vitest';
import type { HaState } from '../../../preload/contract/ha';
import type { KubeEventView, KubeNodeView, KubePodView, KubeViewSnapshot } from '../../../preload/contract/kube';
import { DrillRecorder } from './drill-recorder';
import { refusal } from './ha-lesson';

const T0 = Date.parse('2026-12-01T10:00:00Z');

function node(name: string, over: Partial<KubeNodeView> = {}): KubeNodeView {
  return {
    name,
    uid: `uid-${name}`,
    ready: { status: 'True' },
    roles: [name === 'pi-01' ? 'control-plane' : 'worker'],
    allocatable: { cpuMillicores: 4000, memoryBytes: 8e9, pods: 110 },
    taints: [],
    unschedulable: false,
    addresses: [],
    labels: {},
    createdAt: '2026-12-01T09:00:00Z',
    ...over,
  };
}

function pod(name: string, nodeName: string, over: Partial<KubePodView> = {}): KubePodView {
  return {
    name,
    namespace: 'default',
    uid: `uid-${name}`,
    phase: 'Running',
    status: 'Running',
    ready: { ready: 1, total: 1 },
    restarts: 0,
    node: nodeName,
    images: ['nginx:1.16.1'],
    labels: { app: 'ha-drill' },
    owner: { kind: 'ReplicaSet', name: 'ha-drill-abc', uid: 'rs' },
    createdAt: '2026-12-01T09:30:00Z',
    conditions: [{ type: 'Ready', status: 'True' }],
    containers: [],
    ...over,
  };
}

function event(uid: string, reason: string, message: string, involved: KubeEventView['involved'], type = 'Normal'): KubeEventView {
  return { uid, name: uid, namespace: 'default', type, reason, message, involved, count: 1, lastAt: '2026-12-01T10:00:30Z', source: {} };
}

function snap(parts: { nodes: KubeNodeView[]; pods: KubePodView[]; events?: KubeEventView[]; server?: string; state?: 'connected' | 'reconnecting' }): KubeViewSnapshot {
  return { seq: 1, at: T0, connection: { state: parts.state ?? 'connected', server: parts.server ?? 'https://a:16443', since: T0 }, nodes: parts.nodes, pods: parts.pods, events: parts.events ?? [] };
}

function recorder() {
  const clock = { real: T0, cluster: T0 };
  const states: HaState[] = [];
  const r = new DrillRecorder({ real: () => clock.real, cluster: () => clock.cluster }, (s) => states.push(s));
  /** `ms` of real time pass, `speed` times as much cluster time. */
  const pass = (ms: number, speed = 60) => {
    clock.real += ms;
    clock.cluster += ms * speed;
  };
  return { r, pass, states };
}

const lost = pod('ha-drill-abc-lost', 'pi-03');
const kept = pod('ha-drill-abc-kept', 'pi-02');
const other = pod('web-1', 'pi-02', { owner: { kind: 'ReplicaSet', name: 'web-1', uid: 'w' }, labels: { app: 'web' } });
const nodes = () => [node('pi-01'), node('pi-02'), node('pi-03')];

describe('DrillRecorder', () => {
  it('keeps the first sighting of each step in order, with upstream texts and cluster times', () => {
    const { r, pass, states } = recorder();
    const oldEvent = event('old', 'NodeNotReady', 'Node pi-03 status is now: NodeNotReady', { kind: 'Node', name: 'pi-03' });
    r.start({ kind: 'worker', node: 'pi-03', how: 'power', snapshot: snap({ nodes: nodes(), pods: [lost, kept, other], events: [oldEvent] }) });
    expect(r.drill!.podsAtRisk).toEqual(['default/ha-drill-abc-lost']);

    // An event from an earlier drill, still listed, is not news.
    pass(100);
    expect(r.observe(snap({ nodes: nodes(), pods: [lost, kept, other], events: [oldEvent] }))).toBe(false);

    pass(800);
    const down = node('pi-03', { ready: { status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' }, taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' }] });
    const notReadyEvent = event('e1', 'NodeNotReady', 'Node pi-03 status is now: NodeNotReady', { kind: 'Node', name: 'pi-03' });
    const podNotReady = event('e2', 'NodeNotReady', 'Node is not ready', { kind: 'Pod', name: 'ha-drill-abc-lost', namespace: 'default' }, 'Warning');
    const lostNotReady = { ...lost, conditions: [{ type: 'Ready', status: 'False' }] };
    expect(r.observe(snap({ nodes: [node('pi-01'), node('pi-02'), down], pods: [lostNotReady, kept, other], events: [oldEvent, notReadyEvent, podNotReady] }))).toBe(true);

    pass(200);
    const tainted = { ...down, taints: [...down.taints, { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }] };
    r.observe(snap({ nodes: [node('pi-01'), node('pi-02'), tainted], pods: [lostNotReady, kept, other] }));

    pass(5000);
    const marked = { ...lostNotReady, status: 'Terminating', deletingAt: '2026-12-01T10:06:00Z', conditions: [...lostNotReady.conditions, { type: 'DisruptionTarget', status: 'True', message: 'Taint manager: deleting due to NoExecute taint' }] };
    const eviction = event('e3', 'TaintManagerEviction', 'Marking for deletion Pod default/ha-drill-abc-lost', { kind: 'Pod', name: 'ha-drill-abc-lost', namespace: 'default' });
    const replacement = pod('ha-drill-abc-new', 'pi-02', { status: 'ContainerCreating', phase: 'Pending', ready: { ready: 0, total: 1 } });
    // The earlier events have expired (the lab's and MicroK8s' event TTL): the timeline keeps them.
    r.observe(snap({ nodes: [node('pi-01'), node('pi-02'), tainted], pods: [marked, kept, other, replacement], events: [eviction] }));

    pass(300);
    r.observe(snap({ nodes: [node('pi-01'), node('pi-02'), tainted], pods: [marked, kept, other, { ...replacement, status: 'Running', phase: 'Running', ready: { ready: 1, total: 1 } }] }));

    const d = r.drill!;
    expect(d.milestones.map((m) => m.kind)).toEqual(['node-off', 'node-not-ready', 'taint-no-schedule', 'pods-not-ready', 'taint-no-execute', 'pod-marked-for-deletion', 'replacement-scheduled', 'replacements-running']);
    const m = (kind: string) => d.milestones.find((x) => x.kind === kind)!;
    expect(m('node-not-ready').texts).toEqual(['Ready=Unknown', 'NodeStatusUnknown', 'Kubelet stopped posting node status.', 'Node pi-03 status is now: NodeNotReady']);
    // The pod's own event names it; its Ready condition adds nothing new.
    expect(m('pods-not-ready').texts).toEqual(['default/ha-drill-abc-lost: Node is not ready']);
    expect(m('pod-marked-for-deletion').texts).toEqual(['Marking for deletion Pod default/ha-drill-abc-lost', 'Taint manager: deleting due to NoExecute taint']);
    expect(m('replacement-scheduled').texts).toEqual(['default/ha-drill-abc-new → pi-02']);
    expect(m('replacements-running').texts).toEqual(['default/ha-drill-abc-new Running on pi-02']);
    expect(m('node-not-ready').clusterMs).toBe(900 * 60);
    expect(m('node-not-ready').realMs).toBe(900);
    expect(d.speed).toBe(60);
    expect(d.phase).toBe('watching');

    // Back: Ready, taints gone, then the old pod finished by its kubelet: over.
    r.nodeOn();
    pass(1000);
    r.observe(snap({ nodes: nodes(), pods: [marked, kept, other, { ...replacement, status: 'Running', phase: 'Running', ready: { ready: 1, total: 1 } }] }));
    expect(r.drill!.phase).toBe('watching');
    pass(200);
    r.observe(snap({ nodes: nodes(), pods: [kept, other, { ...replacement, status: 'Running', phase: 'Running', ready: { ready: 1, total: 1 } }] }));
    expect(r.drill!.milestones.map((x) => x.kind).slice(-4)).toEqual(['node-on', 'node-ready', 'taints-removed', 'old-pods-gone']);
    expect(r.drill!.phase).toBe('over');
    expect(states.at(-1)!.drill!.phase).toBe('over');
    // Nothing more is recorded once over; ending keeps it as an earlier drill.
    expect(r.observe(snap({ nodes: nodes(), pods: [] }))).toBe(false);
    r.end();
    expect(r.state()).toMatchObject({ earlier: [{ node: 'pi-03', phase: 'over' }] });
    expect(r.state().drill).toBeUndefined();
  });

  it('records a cancelled eviction when the node returns within the toleration', () => {
    const { r, pass } = recorder();
    r.start({ kind: 'worker', node: 'pi-03', how: 'power', snapshot: snap({ nodes: nodes(), pods: [lost] }) });
    pass(1000);
    const tainted = node('pi-03', { ready: { status: 'Unknown' }, taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }] });
    r.observe(snap({ nodes: [node('pi-01'), tainted], pods: [lost] }));
    r.nodeOn();
    pass(500);
    r.observe(snap({ nodes: nodes(), pods: [lost], events: [event('c', 'TaintManagerEviction', 'Cancelling deletion of Pod default/ha-drill-abc-lost', { kind: 'Pod', name: 'ha-drill-abc-lost', namespace: 'default' })] }));
    const kinds = r.drill!.milestones.map((m) => m.kind);
    expect(kinds).toContain('eviction-cancelled');
    expect(kinds).not.toContain('pod-marked-for-deletion');
    // Nothing was deleted, so nothing to wait for: over once Ready and untainted.
    expect(r.drill!.phase).toBe('over');
  });

  it('sees the API fail over to another control plane, and the quorum lost and back', () => {
    const { r, pass } = recorder();
    r.start({ kind: 'control-plane', node: 'pi-01', how: 'power', snapshot: snap({ nodes: nodes(), pods: [], server: 'https://a:16443' }) });
    pass(300);
    r.observe(snap({ nodes: nodes(), pods: [], server: 'https://b:16443' }));
    pass(300);
    r.observe(snap({ nodes: nodes(), pods: [], server: 'https://b:16443', state: 'reconnecting' }));
    pass(300);
    r.observe(snap({ nodes: nodes(), pods: [], server: 'https://b:16443' }));
    expect(r.drill!.milestones.map((m) => [m.kind, m.texts])).toEqual([
      ['node-off', []],
      ['api-failover', ['https://a:16443 → https://b:16443']],
      ['api-lost', []],
      ['api-back', []],
    ]);
  });
});

describe('which drills are refused', () => {
  const three = [node('pi-01', { roles: ['control-plane'] }), node('pi-02', { roles: ['control-plane'] }), node('pi-03', { roles: ['control-plane'] })];
  it('names the problem and its way out', () => {
    expect(refusal(nodes(), 'pi-09', 'worker')).toMatchObject({ code: 'ha-unknown-node' });
    expect(refusal(nodes(), 'pi-01', 'worker')).toMatchObject({ code: 'ha-only-control-plane' });
    expect(refusal(nodes(), 'pi-01', 'control-plane')).toMatchObject({ code: 'ha-needs-three', values: { count: 1 } });
    expect(refusal(nodes(), 'pi-02', 'control-plane')).toMatchObject({ code: 'ha-not-control-plane' });
    expect(refusal([node('pi-01'), node('pi-02', { ready: { status: 'Unknown' } }), node('pi-03')], 'pi-03', 'worker')).toMatchObject({ code: 'ha-other-node-down', values: { nodes: 'pi-02' } });
    expect(refusal([node('pi-01'), node('pi-02', { ready: { status: 'False' } })], 'pi-02', 'worker')).toMatchObject({ code: 'ha-node-already-down' });
    expect(refusal([node('pi-01')], 'pi-01', 'worker')).toMatchObject({ code: 'ha-needs-two-nodes' });
    expect(refusal(nodes(), 'pi-03', 'worker')).toBeUndefined();
    // Three control planes: any may go; a worker drill on one is fine too.
    expect(refusal(three, 'pi-01', 'control-plane')).toBeUndefined();
    expect(refusal(three, 'pi-02', 'worker')).toBeUndefined();
    // The quorum drill needs exactly one control plane down already.
    expect(refusal(three, 'pi-02', 'quorum')).toMatchObject({ code: 'ha-quorum-needs-one-down', values: { down: 0 } });
    const oneDown = [{ ...three[0]!, ready: { status: 'Unknown' as const } }, three[1]!, three[2]!];
    expect(refusal(oneDown, 'pi-02', 'quorum')).toBeUndefined();
    expect(refusal(oneDown, 'pi-02', 'control-plane')).toMatchObject({ code: 'ha-other-node-down' });
  });
});
