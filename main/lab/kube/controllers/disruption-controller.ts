/**
 * The disruption controller (pkg/controller/disruption): keeps each PodDisruptionBudget's status
 * (expectedPods, desiredHealthy, currentHealthy, disruptionsAllowed, disruptedPods and the
 * DisruptionAllowed condition) current, which the eviction API (api/eviction.ts) and so
 * `kubectl drain` obey.
 */
import type { LabClock } from '../../lab-clock';
import type { KubeApi } from '../api/kube-api';
import { resourceForKind } from '../api/resource-registry';
import { selectorMatches } from '../api/selectors';
import type { Condition, KubeObject, LabelSelector, Pod } from '../api/types';
import { controllerRef, isReady } from './pod-util';
import { WorkQueue, objectKey, splitKey } from './work-queue';

/** DeletionTimeout: an eviction not followed by a deletion within 2 minutes counts the pod again. */
const DELETION_TIMEOUT_MS = 2 * 60_000;

export interface PdbSpec {
  minAvailable?: number | string;
  maxUnavailable?: number | string;
  selector?: LabelSelector;
}

export interface PdbStatus {
  observedGeneration?: number;
  disruptedPods?: Record<string, string>;
  disruptionsAllowed: number;
  currentHealthy: number;
  desiredHealthy: number;
  expectedPods: number;
  conditions?: Condition[];
}

export type Pdb = KubeObject & { spec: PdbSpec; status?: PdbStatus };

/** intstr.GetScaledValueFromIntOrPercent. */
export function scaled(v: number | string, total: number, roundUp: boolean): number {
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v);
  if (!m) return Number(v) || 0;
  const x = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}

/** The pods a PDB covers: an empty policy/v1 selector selects every pod of the namespace. */
export function pdbPods(api: KubeApi, pdb: Pdb): Pod[] {
  const sel = pdb.spec.selector;
  const empty = !sel || (!Object.keys(sel.matchLabels ?? {}).length && !(sel.matchExpressions ?? []).length);
  return api.objects<Pod>('Pod', pdb.metadata.namespace).filter((p) => empty || selectorMatches(sel, p.metadata.labels));
}

export class DisruptionController {
  readonly queue: WorkQueue;
  #unsubscribe: (() => void)[] = [];
  /** Lab time each disrupted pod was evicted (the reported time has only seconds precision). */
  #evictedAt = new Map<string, number>();

  constructor(
    private readonly api: KubeApi,
    private readonly clock: LabClock,
  ) {
    this.queue = new WorkQueue('disruption-controller', clock, (key) => this.#sync(key));
  }

  start(): void {
    const byNamespace = (namespace: string | undefined) => {
      if (!namespace || !this.api.store.count('policy/poddisruptionbudgets', namespace)) return;
      for (const pdb of this.api.objects('PodDisruptionBudget', namespace)) this.queue.add(objectKey(namespace, pdb.metadata.name!));
    };
    this.#unsubscribe.push(
      this.api.store.subscribe('core/pods', (e) => byNamespace(e.object.metadata.namespace)),
      this.api.store.subscribe('apps/replicasets', (e) => byNamespace(e.object.metadata.namespace)),
      this.api.store.subscribe('apps/deployments', (e) => byNamespace(e.object.metadata.namespace)),
      this.api.store.subscribe('policy/poddisruptionbudgets', (e) => {
        if (e.type !== 'DELETED') this.queue.add(objectKey(e.object.metadata.namespace, e.object.metadata.name!));
      }),
    );
    for (const pdb of this.api.objects('PodDisruptionBudget')) this.queue.add(objectKey(pdb.metadata.namespace, pdb.metadata.name!));
  }

  stop(): void {
    for (const u of this.#unsubscribe.splice(0)) u();
    this.queue.stop();
  }

  /** The eviction API took one disruption off `pdb` for `pod` at lab time `at`. */
  noteEviction(namespace: string, pod: string): void {
    this.#evictedAt.set(`${namespace}/${pod}`, this.clock.now());
  }

  /** Sum of the scale of the pods' controllers (getExpectedScale). */
  #expectedScale(pods: Pod[]): number {
    const seen = new Set<string>();
    let total = 0;
    for (const pod of pods) {
      const ref = controllerRef(pod);
      if (!ref) continue;
      let owner: KubeObject | undefined = this.api.tryGet(resourceForKind(ref.kind), pod.metadata.namespace, ref.name);
      if (!owner) continue;
      if (ref.kind === 'ReplicaSet') {
        const up = controllerRef(owner);
        const deployment = up?.kind === 'Deployment' ? this.api.tryGet(resourceForKind('Deployment'), pod.metadata.namespace, up.name) : undefined;
        if (deployment) owner = deployment;
      }
      if (seen.has(owner.metadata.uid!)) continue;
      seen.add(owner.metadata.uid!);
      total += (owner.spec as { replicas?: number } | undefined)?.replicas ?? 1;
    }
    return total;
  }

  #sync(key: string): void {
    const [namespace, name] = splitKey(key);
    const pdb = this.api.tryGet<Pdb>(resourceForKind('PodDisruptionBudget'), namespace, name);
    if (!pdb) return;
    const pods = pdbPods(this.api, pdb);
    const now = this.clock.now();
    let expected: number;
    let desired: number;
    if (pdb.spec.maxUnavailable !== undefined) {
      expected = this.#expectedScale(pods);
      desired = Math.max(0, expected - scaled(pdb.spec.maxUnavailable, expected, true));
    } else if (typeof pdb.spec.minAvailable === 'number') {
      desired = pdb.spec.minAvailable;
      expected = pods.length;
    } else if (pdb.spec.minAvailable !== undefined) {
      expected = this.#expectedScale(pods);
      desired = scaled(pdb.spec.minAvailable, expected, true);
    } else {
      expected = pods.length;
      desired = 0;
    }
    // Disrupted pods: evicted but not deleted yet, for at most DeletionTimeout.
    const disrupted: Record<string, string> = {};
    let nextExpiry = Infinity;
    for (const [podName, stamp] of Object.entries(pdb.status?.disruptedPods ?? {})) {
      const pod = pods.find((p) => p.metadata.name === podName);
      if (!pod || pod.metadata.deletionTimestamp) continue;
      const at = this.#evictedAt.get(`${namespace}/${podName}`) ?? this.clock.labAt(Date.parse(stamp));
      if (at + DELETION_TIMEOUT_MS <= now) continue;
      disrupted[podName] = stamp;
      nextExpiry = Math.min(nextExpiry, at + DELETION_TIMEOUT_MS);
    }
    const healthy = pods.filter((p) => !p.metadata.deletionTimestamp && !disrupted[p.metadata.name!] && isReady(p)).length;
    const allowed = expected <= 0 ? 0 : Math.max(0, healthy - desired);
    const prevCondition = pdb.status?.conditions?.find((c) => c.type === 'DisruptionAllowed');
    const conditionStatus = allowed > 0 ? 'True' : 'False';
    const status: PdbStatus = {
      observedGeneration: pdb.metadata.generation,
      ...(Object.keys(disrupted).length ? { disruptedPods: disrupted } : {}),
      disruptionsAllowed: allowed,
      currentHealthy: healthy,
      desiredHealthy: desired,
      expectedPods: expected,
      conditions: [
        {
          type: 'DisruptionAllowed',
          status: conditionStatus,
          reason: allowed > 0 ? 'SufficientPods' : 'InsufficientPods',
          message: '',
          observedGeneration: pdb.metadata.generation,
          lastTransitionTime: prevCondition?.status === conditionStatus ? prevCondition.lastTransitionTime : this.api.timestamp(),
        } as Condition,
      ],
    };
    if (nextExpiry !== Infinity) this.queue.addAfter(key, nextExpiry - now + 1);
    if (JSON.stringify(status) === JSON.stringify(pdb.status)) return;
    this.api.mutate<Pdb>('PodDisruptionBudget', namespace, name!, (p) => {
      p.status = status;
    }, 'status');
  }
}
