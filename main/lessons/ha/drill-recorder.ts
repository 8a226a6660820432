/**
 * The node-failure drill's timeline: what the cluster showed, in the order it showed it, from the
 * moment a node was taken away until it is back and its old pods are gone. Fed with the live
 * view's snapshots (nodes, pods and events of the default namespace, at most ten a second), it
 * keeps the first sighting of each step of Kubernetes 1.32's node lifecycle with upstream's own
 * texts (see lessons-and-addons.md §3):
 *
 *   node-off → node-not-ready ("Node pi-03 status is now: NodeNotReady", after the 50 s grace
 *   period) → pods-not-ready ("Node is not ready") → taint-no-schedule / taint-no-execute
 *   (node.kubernetes.io/unreachable) → pod-marked-for-deletion ("Marking for deletion Pod
 *   default/x", 300 s after the NoExecute taint) → replacement-scheduled → replacements-running
 *   → node-on → node-ready → taints-removed → old-pods-gone
 *
 * and, when a control plane goes, the API failing over (or lost with the datastore quorum).
 * Events are kept here because the cluster forgets them (MicroK8s' --event-ttl=5m; seconds at the
 * lab's higher speeds). Times are kept twice: on this computer's clock and in cluster time.
 */
import { randomUUID } from 'node:crypto';
import type { HaDrill, HaMilestone, HaMilestoneKind, HaState } from '../../../preload/contract/ha';
import type { KubePodView, KubeViewSnapshot } from '../../../preload/contract/kube';

export interface DrillClock {
  /** This computer's clock (epoch ms). */
  real(): number;
  /** Cluster time (the practice lab's clock, which may run faster; real time on real hardware). */
  cluster(): number;
}

export interface DrillStart {
  kind: HaDrill['kind'];
  node: string;
  how: HaDrill['how'];
  /** The live view when the node was taken away: which pods were on it, which events were old. */
  snapshot: KubeViewSnapshot | undefined;
}

const CONDITION_TAINTS = ['node.kubernetes.io/unreachable', 'node.kubernetes.io/not-ready'];
const podKey = (p: { namespace: string; name: string }) => `${p.namespace}/${p.name}`;
const isReady = (p: KubePodView) => p.status === 'Running' && p.ready.total > 0 && p.ready.ready === p.ready.total && !p.deletingAt;

export class DrillRecorder {
  #drill: HaDrill | undefined;
  #earlier: HaDrill[] = [];
  #t0 = { real: 0, cluster: 0 };
  #seenEvents = new Set<string>();
  /** Pods on the node when it went away, by `namespace/name`, with the ReplicaSet that owns them. */
  #atRisk = new Map<string, { owner?: string }>();
  /** Pods that existed when the drill started (a replacement is a pod created after). */
  #before = new Set<string>();
  #marked = new Set<string>();
  /** Pods at risk already named in pods-not-ready (by their event or their Ready condition). */
  #notReady = new Set<string>();
  #replacements = new Map<string, string>();
  #server: string | undefined;
  #apiLost = false;

  constructor(
    private readonly clock: DrillClock,
    private readonly onChange: (state: HaState) => void,
  ) {}

  state(): HaState {
    return { ...(this.#drill ? { drill: structuredClone(this.#drill) } : {}), earlier: structuredClone(this.#earlier) };
  }

  get drill(): HaDrill | undefined {
    return this.#drill;
  }

  start(input: DrillStart): HaDrill {
    if (this.#drill) this.#archive();
    this.#t0 = { real: this.clock.real(), cluster: this.clock.cluster() };
    this.#seenEvents = new Set((input.snapshot?.events ?? []).map((e) => `${e.uid}|${e.message}|${e.count}`));
    this.#atRisk = new Map();
    this.#before = new Set((input.snapshot?.pods ?? []).map(podKey));
    this.#marked = new Set();
    this.#notReady = new Set();
    this.#replacements = new Map();
    this.#server = input.snapshot?.connection.server;
    this.#apiLost = false;
    for (const p of input.snapshot?.pods ?? []) {
      if (p.node === input.node && !p.deletingAt) this.#atRisk.set(podKey(p), p.owner?.kind === 'ReplicaSet' ? { owner: p.owner.name } : {});
    }
    this.#drill = {
      id: randomUUID(),
      kind: input.kind,
      node: input.node,
      how: input.how,
      startedAt: this.#t0.real,
      speed: 1,
      podsAtRisk: [...this.#atRisk.keys()],
      milestones: [],
      phase: 'watching',
    };
    this.#add('node-off', input.node, []);
    this.#changed();
    return this.#drill;
  }

  /** The node got its power back (or the user says it is plugged in again). */
  nodeOn(): void {
    if (!this.#drill || this.#has('node-on')) return;
    this.#add('node-on', this.#drill.node, []);
    this.#changed();
  }

  /** The drill is over for the user: kept as an earlier drill. */
  end(): void {
    if (!this.#drill) return;
    this.#archive();
    this.#changed();
  }

  /** One live snapshot; returns whether the timeline grew. */
  observe(s: KubeViewSnapshot): boolean {
    const drill = this.#drill;
    if (!drill || drill.phase === 'over') return false;
    const before = drill.milestones.length + drill.milestones.reduce((n, m) => n + m.texts.length, 0);
    this.#observeConnection(s);
    this.#observeNode(s);
    this.#observeEvents(s);
    this.#observePods(s);
    this.#updateSpeed();
    if (this.#isOver()) drill.phase = 'over';
    const after = drill.milestones.length + drill.milestones.reduce((n, m) => n + m.texts.length, 0);
    const grew = after !== before || drill.phase === 'over';
    if (grew) this.#changed();
    return grew;
  }

  #observeConnection(s: KubeViewSnapshot): void {
    const c = s.connection;
    if (c.state === 'reconnecting' && !this.#apiLost) {
      this.#apiLost = true;
      this.#add('api-lost', c.server, c.error?.message ? [c.error.message] : []);
    } else if (c.state === 'connected') {
      if (this.#apiLost) {
        this.#apiLost = false;
        this.#add('api-back', c.server, []);
      }
      if (this.#server && c.server && c.server !== this.#server && !this.#has('api-failover', c.server)) this.#add('api-failover', c.server, [`${this.#server} → ${c.server}`]);
    }
  }

  #observeNode(s: KubeViewSnapshot): void {
    const drill = this.#drill!;
    const node = s.nodes?.find((n) => n.name === drill.node);
    if (!node) return;
    if (node.ready.status !== 'True' && !this.#has('node-not-ready')) {
      this.#add('node-not-ready', node.name, [`Ready=${node.ready.status}`, ...(node.ready.reason ? [node.ready.reason] : []), ...(node.ready.message ? [node.ready.message] : [])]);
    }
    const conditionTaints = node.taints.filter((t) => CONDITION_TAINTS.includes(t.key));
    for (const t of conditionTaints) {
      const kind: HaMilestoneKind = t.effect === 'NoExecute' ? 'taint-no-execute' : 'taint-no-schedule';
      if (!this.#has(kind)) this.#add(kind, node.name, [`${t.key}:${t.effect}`]);
    }
    if (this.#has('node-on') && node.ready.status === 'True' && !this.#has('node-ready')) this.#add('node-ready', node.name, ['Ready=True']);
    if (this.#has('node-ready') && conditionTaints.length === 0 && (this.#has('taint-no-schedule') || this.#has('taint-no-execute')) && !this.#has('taints-removed')) {
      this.#add('taints-removed', node.name, []);
    }
  }

  #observeEvents(s: KubeViewSnapshot): void {
    const drill = this.#drill!;
    const events = [...(s.events ?? [])].sort((a, b) => (a.lastAt ?? '').localeCompare(b.lastAt ?? ''));
    for (const e of events) {
      const key = `${e.uid}|${e.message}|${e.count}`;
      if (this.#seenEvents.has(key)) continue;
      this.#seenEvents.add(key);
      const subject = e.involved.namespace ? `${e.involved.namespace}/${e.involved.name}` : e.involved.name;
      if (e.involved.kind === 'Node' && e.involved.name === drill.node) {
        if (e.reason === 'NodeNotReady') this.#text('node-not-ready', drill.node, e.message);
        else if (e.reason === 'NodeReady' && this.#has('node-on')) this.#text('node-ready', drill.node, e.message);
        continue;
      }
      if (e.involved.kind !== 'Pod') continue;
      if (e.reason === 'NodeNotReady' && this.#atRisk.has(subject)) {
        this.#notReady.add(subject);
        this.#text('pods-not-ready', subject, `${subject}: ${e.message}`);
      }
      else if (e.reason === 'TaintManagerEviction' && e.message.startsWith('Marking for deletion')) {
        this.#marked.add(subject);
        this.#text('pod-marked-for-deletion', subject, e.message, true);
      } else if (e.reason === 'TaintManagerEviction' && e.message.startsWith('Cancelling deletion')) this.#text('eviction-cancelled', subject, e.message, true);
      else if (e.reason === 'FailedScheduling' && this.#marked.size > 0 && !this.#before.has(subject)) this.#text('replacement-pending', subject, e.message);
    }
  }

  #observePods(s: KubeViewSnapshot): void {
    const drill = this.#drill!;
    const pods = s.pods ?? [];
    const byKey = new Map(pods.map((p) => [podKey(p), p]));
    for (const [key] of this.#atRisk) {
      const p = byKey.get(key);
      if (!p) continue;
      const ready = p.conditions.find((c) => c.type === 'Ready');
      if (ready?.status === 'False' && !this.#notReady.has(key)) {
        this.#notReady.add(key);
        this.#text('pods-not-ready', key, `${key}: Ready=False`);
      }
      if (p.deletingAt) {
        // The pod's DisruptionTarget condition says why (upstream: "Taint manager: deleting due to NoExecute taint").
        const why = p.conditions.find((c) => c.type === 'DisruptionTarget')?.message;
        if (!this.#marked.has(key)) {
          this.#marked.add(key);
          this.#text('pod-marked-for-deletion', key, why ?? `${key} Terminating`, true);
        } else if (why) this.#text('pod-marked-for-deletion', key, why, true);
      }
    }
    if (this.#marked.size === 0) return;
    // Replacements: pods of the same ReplicaSets created after the node went away, on other nodes.
    const owners = new Map<string, number>();
    for (const key of this.#marked) {
      const owner = this.#atRisk.get(key)?.owner;
      if (owner) owners.set(owner, (owners.get(owner) ?? 0) + 1);
    }
    for (const p of pods) {
      const key = podKey(p);
      if (this.#before.has(key) || p.owner?.kind !== 'ReplicaSet' || !owners.has(p.owner.name) || !p.node || p.node === drill.node) continue;
      if (!this.#replacements.has(key)) {
        this.#replacements.set(key, p.owner.name);
        this.#text('replacement-scheduled', key, `${key} → ${p.node}`, true);
      }
    }
    if (!this.#has('replacements-running') && owners.size > 0) {
      const running = pods.filter((p) => this.#replacements.has(podKey(p)) && isReady(p));
      const enough = [...owners].every(([owner, lost]) => running.filter((p) => p.owner?.name === owner).length >= lost);
      if (enough) this.#add('replacements-running', drill.node, running.map((p) => `${podKey(p)} Running on ${p.node}`));
    }
    if (this.#has('node-on') && !this.#has('old-pods-gone') && [...this.#marked].every((k) => !byKey.has(k))) this.#add('old-pods-gone', drill.node, [...this.#marked]);
  }

  #isOver(): boolean {
    if (!this.#has('node-ready')) return false;
    if (this.#apiLost) return false;
    const tainted = this.#has('taint-no-schedule') || this.#has('taint-no-execute');
    if (tainted && !this.#has('taints-removed')) return false;
    return this.#marked.size === 0 || this.#has('old-pods-gone');
  }

  #updateSpeed(): void {
    const real = this.clock.real() - this.#t0.real;
    if (real < 500) return;
    const ratio = (this.clock.cluster() - this.#t0.cluster) / real;
    this.#drill!.speed = ratio > 1.5 ? Math.round(ratio) : 1;
  }

  #has(kind: HaMilestoneKind, subject?: string): boolean {
    return this.#drill!.milestones.some((m) => m.kind === kind && (subject === undefined || m.subject === subject));
  }

  #add(kind: HaMilestoneKind, subject: string | undefined, texts: string[]): HaMilestone {
    const m: HaMilestone = { kind, realMs: this.clock.real() - this.#t0.real, clusterMs: this.clock.cluster() - this.#t0.cluster, ...(subject ? { subject } : {}), texts };
    this.#drill!.milestones.push(m);
    return m;
  }

  /** Adds an upstream text to a milestone (one per subject when `perSubject`), creating it when first seen. */
  #text(kind: HaMilestoneKind, subject: string, text: string, perSubject = false): void {
    const existing = this.#drill!.milestones.find((m) => m.kind === kind && (!perSubject || m.subject === subject));
    if (!existing) this.#add(kind, subject, [text]);
    else if (!existing.texts.includes(text)) existing.texts.push(text);
  }

  #archive(): void {
    const d = this.#drill!;
    if (d.phase !== 'over') d.phase = 'over';
    this.#earlier = [d, ...this.#earlier].slice(0, 5);
    this.#drill = undefined;
  }

  #changed(): void {
    this.onChange(this.state());
  }
}
