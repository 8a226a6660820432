/**
 * Deployment controller (pkg/controller/deployment): new/old ReplicaSets by template hash,
 * RollingUpdate with upstream's maxSurge (rounded up) / maxUnavailable (rounded down, 1 when
 * both are 0) arithmetic, Recreate, scaling events (proportional across active ReplicaSets),
 * the `deployment.kubernetes.io/revision` annotations (a rollback makes the old ReplicaSet the
 * newest revision), revisionHistoryLimit cleanup, ScalingReplicaSet events, the Available and
 * Progressing conditions and progressDeadlineSeconds.
 */
import type { LabClock } from '../../lab-clock';
import type { KubeApi } from '../api/kube-api';
import { resourceForKind } from '../api/resource-registry';
import { selectorMatches } from '../api/selectors';
import type { Condition, Deployment, DeploymentStatus, Pod, PodTemplateSpec, ReplicaSet } from '../api/types';
import type { EventRecorder } from './event-recorder';
import { controllerRef, ownerReferenceTo } from './pod-util';
import { WorkQueue, objectKey, splitKey } from './work-queue';

const SOURCE = { component: 'deployment-controller' };
const REVISION = 'deployment.kubernetes.io/revision';
const REVISION_HISTORY = 'deployment.kubernetes.io/revision-history';
const DESIRED = 'deployment.kubernetes.io/desired-replicas';
const MAX = 'deployment.kubernetes.io/max-replicas';
const HASH_LABEL = 'pod-template-hash';
/** Annotations never copied from a Deployment to its ReplicaSets. */
const SKIPPED_ANNOTATIONS = new Set([REVISION, REVISION_HISTORY, DESIRED, MAX, 'kubectl.kubernetes.io/last-applied-configuration', 'deprecated.deployment.rollback.to']);

/** intstr.GetScaledValueFromIntOrPercent */
export function scaledValue(v: number | string | undefined, total: number, roundUp: boolean): number {
  if (v === undefined) return 0;
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v);
  if (!m) return Number(v) || 0;
  const x = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}

/** deploymentutil.ResolveFenceposts: [maxSurge, maxUnavailable]. */
export function resolveFenceposts(d: Deployment): [number, number] {
  const replicas = d.spec.replicas ?? 1;
  const ru = d.spec.strategy?.rollingUpdate ?? {};
  const surge = scaledValue(ru.maxSurge ?? '25%', replicas, true);
  let unavailable = scaledValue(ru.maxUnavailable ?? '25%', replicas, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return [surge, unavailable];
}

const isRolling = (d: Deployment) => (d.spec.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';

function maxSurge(d: Deployment): number {
  return isRolling(d) ? resolveFenceposts(d)[0] : 0;
}

function maxUnavailable(d: Deployment): number {
  const replicas = d.spec.replicas ?? 1;
  if (!isRolling(d) || replicas === 0) return 0;
  return Math.min(resolveFenceposts(d)[1], replicas);
}

const specReplicas = (rss: ReplicaSet[]) => rss.reduce((n, rs) => n + (rs.spec.replicas ?? 0), 0);
const statusReplicas = (rss: ReplicaSet[]) => rss.reduce((n, rs) => n + (rs.status?.replicas ?? 0), 0);
const available = (rss: ReplicaSet[]) => rss.reduce((n, rs) => n + (rs.status?.availableReplicas ?? 0), 0);
const ready = (rss: ReplicaSet[]) => rss.reduce((n, rs) => n + (rs.status?.readyReplicas ?? 0), 0);
const revisionOf = (rs: ReplicaSet) => Number(rs.metadata.annotations?.[REVISION] ?? 0);
const byCreation = (a: ReplicaSet, b: ReplicaSet) => Date.parse(a.metadata.creationTimestamp ?? '') - Date.parse(b.metadata.creationTimestamp ?? '') || a.metadata.name!.localeCompare(b.metadata.name!);

function withoutHash(t: PodTemplateSpec): string {
  const c = structuredClone(t);
  if (c.metadata?.labels) delete c.metadata.labels[HASH_LABEL];
  if (c.metadata) delete c.metadata.creationTimestamp;
  return JSON.stringify(sortKeys(c));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  return v;
}

/** controller.ComputeHash: FNV-32a of the template and collision count, safe-encoded. */
export function templateHash(t: PodTemplateSpec, collisionCount = 0): string {
  let h = 0x811c9dc5;
  const text = withoutHash(t) + (collisionCount ? String(collisionCount) : '');
  for (const byte of Buffer.from(text)) h = Math.imul(h ^ byte, 16777619) >>> 0;
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  return [...String(h)].map((ch) => alphabet[ch.charCodeAt(0) % alphabet.length]).join('');
}

function setCondition(status: DeploymentStatus, c: Condition): void {
  const list = (status.conditions ??= []);
  const i = list.findIndex((x) => x.type === c.type);
  const cur = list[i];
  if (cur && cur.status === c.status && cur.reason === c.reason) return;
  if (cur && cur.status === c.status) c.lastTransitionTime = cur.lastTransitionTime;
  if (i >= 0) list.splice(i, 1);
  list.push(c);
}

export class DeploymentController {
  readonly queue: WorkQueue;
  /** Lab time of each Deployment's last Progressing update (its reported time has only seconds precision). */
  #progressedAt = new Map<string, { stamp: string; lab: number }>();
  #unsubscribe: (() => void)[] = [];

  constructor(
    private readonly api: KubeApi,
    private readonly clock: LabClock,
    private readonly events: EventRecorder,
  ) {
    this.queue = new WorkQueue('deployment-controller', clock, (key) => this.#sync(key));
  }

  start(): void {
    const enqueueOwner = (o: { metadata: { namespace?: string; ownerReferences?: { kind: string; name: string; controller?: boolean }[] } }) => {
      const ref = o.metadata.ownerReferences?.find((r) => r.controller);
      if (ref?.kind === 'Deployment') this.queue.add(objectKey(o.metadata.namespace, ref.name));
    };
    this.#unsubscribe.push(
      this.api.store.subscribe('apps/deployments', (e) => this.queue.add(objectKey(e.object.metadata.namespace, e.object.metadata.name!))),
      this.api.store.subscribe('apps/replicasets', (e) => enqueueOwner(e.object)),
      this.api.store.subscribe('core/pods', (e) => {
        if (e.type !== 'DELETED') return;
        const rsRef = controllerRef(e.object);
        const rs = rsRef && this.api.tryGet<ReplicaSet>(resourceForKind('ReplicaSet'), e.object.metadata.namespace, rsRef.name);
        if (rs) enqueueOwner(rs);
      }),
    );
    for (const d of this.api.objects<Deployment>('Deployment')) this.queue.add(objectKey(d.metadata.namespace, d.metadata.name!));
  }

  stop(): void {
    for (const u of this.#unsubscribe) u();
    this.queue.stop();
  }

  #event(d: Deployment, message: string): void {
    this.events.record(d, 'Normal', 'ScalingReplicaSet', message, SOURCE);
  }

  #sync(key: string): void {
    const [namespace, name] = splitKey(key);
    const d = this.api.tryGet<Deployment>(resourceForKind('Deployment'), namespace, name);
    if (!d) return;
    const rsList = this.#replicaSets(d);
    if (d.metadata.deletionTimestamp) return this.#syncStatusOnly(d, rsList);
    if (d.spec.paused || this.#isScalingEvent(d, rsList)) return this.#syncScale(d, rsList);
    if (d.spec.strategy?.type === 'Recreate') return this.#rolloutRecreate(d, rsList);
    return this.#rolloutRolling(d, rsList);
  }

  /** ReplicaSets the deployment controls, adopting matching orphans. */
  #replicaSets(d: Deployment): ReplicaSet[] {
    const out: ReplicaSet[] = [];
    for (const rs of this.api.objects<ReplicaSet>('ReplicaSet', d.metadata.namespace)) {
      const ref = controllerRef(rs);
      if (ref?.uid === d.metadata.uid) out.push(rs);
      else if (!ref && !d.metadata.deletionTimestamp && selectorMatches(d.spec.selector, rs.metadata.labels)) {
        const adopted = this.api.mutate<ReplicaSet>('ReplicaSet', rs.metadata.namespace, rs.metadata.name!, (o) => {
          o.metadata.ownerReferences = [...(o.metadata.ownerReferences ?? []), ownerReferenceTo(d)];
        });
        if (adopted) out.push(adopted);
      }
    }
    return out;
  }

  #isScalingEvent(d: Deployment, rsList: ReplicaSet[]): boolean {
    return rsList.some((rs) => (rs.spec.replicas ?? 0) > 0 && rs.metadata.annotations?.[DESIRED] !== undefined && Number(rs.metadata.annotations[DESIRED]) !== (d.spec.replicas ?? 1));
  }

  /** getAllReplicaSetsAndSyncRevision: [newRS, oldRSs]; may create the new ReplicaSet. */
  #newAndOld(d: Deployment, rsList: ReplicaSet[], create: boolean): [ReplicaSet | undefined, ReplicaSet[]] {
    const template = withoutHash(d.spec.template);
    const sorted = [...rsList].sort(byCreation);
    let newRS = sorted.find((rs) => withoutHash(rs.spec.template) === template);
    const oldRSs = sorted.filter((rs) => rs !== newRS);
    const maxOld = Math.max(0, ...oldRSs.map(revisionOf));
    const newRevision = String(maxOld + 1);
    const status = structuredClone(d.status ?? {});
    let statusChanged = false;
    if (newRS) {
      const oldRevision = newRS.metadata.annotations?.[REVISION];
      if (Number(oldRevision ?? 0) < Number(newRevision) || this.#annotationsStale(d, newRS)) {
        newRS = this.api.mutate<ReplicaSet>('ReplicaSet', newRS.metadata.namespace, newRS.metadata.name!, (rs) => {
          const a = (rs.metadata.annotations ??= {});
          this.#copyAnnotations(d, rs);
          if (Number(a[REVISION] ?? 0) < Number(newRevision)) {
            if (a[REVISION]) a[REVISION_HISTORY] = a[REVISION_HISTORY] ? `${a[REVISION_HISTORY]},${a[REVISION]}` : a[REVISION];
            a[REVISION] = newRevision;
          }
        })!;
      }
      if (!status.conditions?.some((c) => c.type === 'Progressing')) {
        const now = this.api.timestamp();
        setCondition(status, { type: 'Progressing', status: 'True', reason: 'FoundNewReplicaSet', message: `Found new replica set "${newRS.metadata.name}"`, lastUpdateTime: now, lastTransitionTime: now });
        this.#progressedAt.set(d.metadata.uid!, { stamp: now, lab: this.clock.now() });
        statusChanged = true;
      }
    } else if (create) {
      const hash = templateHash(d.spec.template, d.status?.collisionCount ?? 0);
      const template = structuredClone(d.spec.template);
      template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, [HASH_LABEL]: hash } };
      const rs: ReplicaSet = {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: {
          name: `${d.metadata.name}-${hash}`,
          namespace: d.metadata.namespace,
          labels: { ...d.spec.template.metadata?.labels, [HASH_LABEL]: hash },
          annotations: { [REVISION]: newRevision },
          ownerReferences: [ownerReferenceTo(d)],
        },
        spec: {
          replicas: 0,
          minReadySeconds: d.spec.minReadySeconds ?? 0,
          selector: { ...d.spec.selector, matchLabels: { ...d.spec.selector.matchLabels, [HASH_LABEL]: hash } },
          template,
        },
      };
      this.#copyAnnotations(d, rs);
      rs.spec.replicas = this.#newRSReplicas(d, oldRSs, rs);
      newRS = this.api.create<ReplicaSet>(resourceForKind('ReplicaSet'), d.metadata.namespace, rs, { fieldManager: 'kube-controller-manager' });
      if ((newRS.spec.replicas ?? 0) > 0) this.#event(d, `Scaled up replica set ${newRS.metadata.name} from 0 to ${newRS.spec.replicas}`);
      const now = this.api.timestamp();
      setCondition(status, { type: 'Progressing', status: 'True', reason: 'NewReplicaSetCreated', message: `Created new replica set "${newRS.metadata.name}"`, lastUpdateTime: now, lastTransitionTime: now });
        this.#progressedAt.set(d.metadata.uid!, { stamp: now, lab: this.clock.now() });
      statusChanged = true;
    }
    if (newRS && d.metadata.annotations?.[REVISION] !== newRS.metadata.annotations?.[REVISION]) {
      const rev = newRS.metadata.annotations![REVISION]!;
      const updated = this.api.mutate<Deployment>('Deployment', d.metadata.namespace, d.metadata.name!, (o) => {
        o.metadata.annotations = { ...o.metadata.annotations, [REVISION]: rev };
      });
      if (updated) d.metadata = updated.metadata;
    }
    if (statusChanged) {
      const updated = this.api.mutate<Deployment>('Deployment', d.metadata.namespace, d.metadata.name!, (o) => {
        o.status = { ...o.status, conditions: status.conditions };
      }, 'status');
      if (updated) d.status = updated.status;
    }
    return [newRS, oldRSs];
  }

  #annotationsStale(d: Deployment, rs: ReplicaSet): boolean {
    const a = rs.metadata.annotations ?? {};
    return Object.entries(d.metadata.annotations ?? {}).some(([k, v]) => !SKIPPED_ANNOTATIONS.has(k) && a[k] !== v);
  }

  #copyAnnotations(d: Deployment, rs: ReplicaSet): void {
    const a = (rs.metadata.annotations ??= {});
    for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) if (!SKIPPED_ANNOTATIONS.has(k)) a[k] = v;
    a[DESIRED] = String(d.spec.replicas ?? 1);
    a[MAX] = String((d.spec.replicas ?? 1) + maxSurge(d));
  }

  /** deploymentutil.NewRSNewReplicas */
  #newRSReplicas(d: Deployment, allRSs: ReplicaSet[], newRS: ReplicaSet): number {
    const replicas = d.spec.replicas ?? 1;
    if (!isRolling(d)) return replicas;
    const current = specReplicas(allRSs.filter((rs) => rs.metadata.name !== newRS.metadata.name)) + (newRS.spec.replicas ?? 0);
    const maxTotal = replicas + maxSurge(d);
    if (current >= maxTotal) return newRS.spec.replicas ?? 0;
    const scaleUp = Math.min(maxTotal - current, replicas - (newRS.spec.replicas ?? 0));
    return (newRS.spec.replicas ?? 0) + scaleUp;
  }

  /** scaleReplicaSetAndRecordEvent; returns the updated ReplicaSet. */
  #scaleRS(d: Deployment, rs: ReplicaSet, to: number): ReplicaSet {
    const from = rs.spec.replicas ?? 0;
    const desired = String(d.spec.replicas ?? 1);
    const max = String((d.spec.replicas ?? 1) + maxSurge(d));
    if (from === to && rs.metadata.annotations?.[DESIRED] === desired && rs.metadata.annotations?.[MAX] === max) return rs;
    const updated = this.api.mutate<ReplicaSet>('ReplicaSet', rs.metadata.namespace, rs.metadata.name!, (o) => {
      o.spec.replicas = to;
      o.metadata.annotations = { ...o.metadata.annotations, [DESIRED]: desired, [MAX]: max };
    });
    if (updated && from !== to) this.#event(d, `Scaled ${from < to ? 'up' : 'down'} replica set ${rs.metadata.name} to ${to} from ${from}`);
    return updated ?? rs;
  }

  #rolloutRolling(d: Deployment, rsList: ReplicaSet[]): void {
    const [created, oldRSs] = this.#newAndOld(d, rsList, true);
    if (!created) return;
    let newRS = created;
    const all = () => [...oldRSs, newRS];
    // Scale up, if we can.
    const replicas = d.spec.replicas ?? 1;
    if ((newRS.spec.replicas ?? 0) !== replicas) {
      const target = (newRS.spec.replicas ?? 0) > replicas ? replicas : this.#newRSReplicas(d, oldRSs, newRS);
      if (target !== newRS.spec.replicas) {
        newRS = this.#scaleRS(d, newRS, target);
        return this.#syncRolloutStatus(d, all(), newRS);
      }
    }
    // Scale down, if we can.
    if (this.#reconcileOld(d, all(), oldRSs, newRS, (i, rs) => (oldRSs[i] = rs))) return this.#syncRolloutStatus(d, all(), newRS);
    if (this.#complete(d, this.#calculateStatus(d, all(), newRS))) this.#cleanup(d, oldRSs);
    this.#syncRolloutStatus(d, all(), newRS);
  }

  #reconcileOld(d: Deployment, allRSs: ReplicaSet[], oldRSs: ReplicaSet[], newRS: ReplicaSet, replace: (i: number, rs: ReplicaSet) => void): boolean {
    const oldPods = specReplicas(oldRSs);
    if (oldPods === 0) return false;
    const replicas = d.spec.replicas ?? 1;
    const minAvailable = replicas - maxUnavailable(d);
    const newUnavailable = (newRS.spec.replicas ?? 0) - (newRS.status?.availableReplicas ?? 0);
    const maxScaledDown = specReplicas(allRSs) - minAvailable - newUnavailable;
    if (maxScaledDown <= 0) return false;
    // Clean up unhealthy replicas first.
    let cleaned = 0;
    const order = oldRSs.map((rs, i) => ({ rs, i })).sort((a, b) => byCreation(a.rs, b.rs));
    for (const { rs, i } of order) {
      if (cleaned >= maxScaledDown) break;
      const r = rs.spec.replicas ?? 0;
      const avail = rs.status?.availableReplicas ?? 0;
      if (r === 0 || r === avail) continue;
      const down = Math.min(maxScaledDown - cleaned, r - avail);
      replace(i, this.#scaleRS(d, rs, r - down));
      cleaned += down;
    }
    // Then scale down old replica sets while keeping minAvailable.
    const availableNow = available([...oldRSs, newRS]);
    let scaledDown = 0;
    if (availableNow > minAvailable) {
      const total = availableNow - minAvailable;
      for (const { i } of order) {
        const rs = oldRSs[i]!;
        if (scaledDown >= total) break;
        const r = rs.spec.replicas ?? 0;
        if (r === 0) continue;
        const down = Math.min(r, total - scaledDown);
        replace(i, this.#scaleRS(d, rs, r - down));
        scaledDown += down;
      }
    }
    return cleaned + scaledDown > 0;
  }

  #rolloutRecreate(d: Deployment, rsList: ReplicaSet[]): void {
    let [newRS, oldRSs] = this.#newAndOld(d, rsList, false);
    let scaledDown = false;
    oldRSs = oldRSs.map((rs) => {
      if ((rs.spec.replicas ?? 0) === 0) return rs;
      scaledDown = true;
      return this.#scaleRS(d, rs, 0);
    });
    const all = () => (newRS ? [...oldRSs, newRS] : oldRSs);
    if (scaledDown) return this.#syncRolloutStatus(d, all(), newRS);
    // Do not create new pods while old ones still run.
    const oldUids = new Set(oldRSs.map((rs) => rs.metadata.uid));
    const oldPodsRunning = this.api.objects<Pod>('Pod', d.metadata.namespace).some((p) => oldUids.has(controllerRef(p)?.uid ?? ''));
    if (oldPodsRunning) return this.#syncRolloutStatus(d, all(), newRS);
    if (!newRS) [newRS, oldRSs] = this.#newAndOld(d, this.#replicaSets(d), true);
    if (newRS && (newRS.spec.replicas ?? 0) !== (d.spec.replicas ?? 1)) newRS = this.#scaleRS(d, newRS, d.spec.replicas ?? 1);
    if (this.#complete(d, this.#calculateStatus(d, all(), newRS))) this.#cleanup(d, oldRSs);
    this.#syncRolloutStatus(d, all(), newRS);
  }

  /** dc.sync: a scaling event or a paused deployment. */
  #syncScale(d: Deployment, rsList: ReplicaSet[]): void {
    const [newRS, oldRSs] = this.#newAndOld(d, rsList, false);
    const replicas = d.spec.replicas ?? 1;
    const active = [...(newRS ? [newRS] : []), ...oldRSs].filter((rs) => (rs.spec.replicas ?? 0) > 0);
    if (active.length <= 1) {
      const target = active[0] ?? newRS ?? [...oldRSs].sort(byCreation).pop();
      if (target) this.#scaleRS(d, target, replicas);
    } else if (newRS && (newRS.spec.replicas ?? 0) === replicas && (newRS.status?.availableReplicas ?? 0) === replicas) {
      for (const rs of oldRSs) if ((rs.spec.replicas ?? 0) > 0) this.#scaleRS(d, rs, 0);
    } else if (isRolling(d)) {
      // Proportional scaling: spread the difference over the active ReplicaSets by size, newest first for leftovers.
      const allowed = replicas + maxSurge(d);
      const current = specReplicas(active);
      const diff = allowed - current;
      const sorted = [...active].sort((a, b) => (b.spec.replicas ?? 0) - (a.spec.replicas ?? 0) || -byCreation(a, b));
      let left = diff;
      const targets = sorted.map((rs) => {
        const share = current > 0 ? Math.trunc(((rs.spec.replicas ?? 0) * diff) / current) : 0;
        left -= share;
        return { rs, to: (rs.spec.replicas ?? 0) + share };
      });
      if (targets[0]) targets[0].to += left;
      for (const { rs, to } of targets) this.#scaleRS(d, rs, Math.max(0, to));
    }
    this.#syncStatusOnly(d, this.#replicaSets(d));
  }

  #calculateStatus(d: Deployment, allRSs: ReplicaSet[], newRS: ReplicaSet | undefined): DeploymentStatus {
    const avail = available(allRSs);
    const total = specReplicas(allRSs);
    const status: DeploymentStatus = {
      observedGeneration: d.metadata.generation,
      replicas: statusReplicas(allRSs),
      updatedReplicas: newRS ? (newRS.status?.replicas ?? 0) : 0,
      readyReplicas: ready(allRSs),
      availableReplicas: avail,
      unavailableReplicas: Math.max(0, total - avail),
      collisionCount: d.status?.collisionCount,
      conditions: structuredClone(d.status?.conditions ?? []),
    };
    const now = this.api.timestamp();
    if (avail >= (d.spec.replicas ?? 1) - maxUnavailable(d)) {
      setCondition(status, { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.', lastUpdateTime: now, lastTransitionTime: now });
    } else {
      setCondition(status, { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.', lastUpdateTime: now, lastTransitionTime: now });
    }
    return status;
  }

  #complete(d: Deployment, s: DeploymentStatus): boolean {
    const r = d.spec.replicas ?? 1;
    return (s.updatedReplicas ?? 0) === r && (s.replicas ?? 0) === r && (s.availableReplicas ?? 0) === r && (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
  }

  #syncRolloutStatus(d: Deployment, allRSs: ReplicaSet[], newRS: ReplicaSet | undefined): void {
    const status = this.#calculateStatus(d, allRSs, newRS);
    const deadline = d.spec.progressDeadlineSeconds;
    const current = d.status?.conditions?.find((c) => c.type === 'Progressing');
    const completeAlready = status.replicas === status.updatedReplicas && current?.reason === 'NewReplicaSetAvailable';
    const now = this.api.timestamp();
    if (deadline !== undefined && deadline !== 2147483647 && !completeAlready && newRS) {
      const prev = d.status ?? {};
      const progressing =
        (status.updatedReplicas ?? 0) > (prev.updatedReplicas ?? 0) ||
        (status.replicas ?? 0) - (status.updatedReplicas ?? 0) < (prev.replicas ?? 0) - (prev.updatedReplicas ?? 0) ||
        (status.readyReplicas ?? 0) > (prev.readyReplicas ?? 0) ||
        (status.availableReplicas ?? 0) > (prev.availableReplicas ?? 0);
      if (this.#complete(d, status)) {
        setCondition(status, { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${newRS.metadata.name}" has successfully progressed.`, lastUpdateTime: now, lastTransitionTime: now });
      } else if (progressing) {
        const c: Condition = { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "${newRS.metadata.name}" is progressing.`, lastUpdateTime: now, lastTransitionTime: now };
        if (current?.status === 'True') c.lastTransitionTime = current.lastTransitionTime;
        status.conditions = status.conditions!.filter((x) => x.type !== 'Progressing');
        setCondition(status, c);
        this.#progressedAt.set(d.metadata.uid!, { stamp: now, lab: this.clock.now() });
      } else if (current && current.reason !== 'NewReplicaSetAvailable') {
        const stamp = current.lastUpdateTime ?? now;
        const known = this.#progressedAt.get(d.metadata.uid!);
        const from = known?.stamp === stamp ? known.lab : this.clock.labAt(Date.parse(stamp));
        const due = from + deadline * 1000;
        if (current.reason === 'ProgressDeadlineExceeded' || due < this.clock.now()) {
          setCondition(status, { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: `ReplicaSet "${newRS.metadata.name}" has timed out progressing.`, lastUpdateTime: now, lastTransitionTime: now });
        } else this.queue.addAfter(objectKey(d.metadata.namespace, d.metadata.name!), due - this.clock.now() + 1000);
      }
    }
    this.#writeStatus(d, status);
  }

  #syncStatusOnly(d: Deployment, rsList: ReplicaSet[]): void {
    const template = withoutHash(d.spec.template);
    const newRS = rsList.find((rs) => withoutHash(rs.spec.template) === template);
    this.#writeStatus(d, this.#calculateStatus(d, rsList, newRS));
  }

  #writeStatus(d: Deployment, status: DeploymentStatus): void {
    const clean = Object.fromEntries(Object.entries(status).filter(([, v]) => v !== 0 && v !== undefined)) as DeploymentStatus;
    const strip = (s: DeploymentStatus | undefined) => JSON.stringify({ ...s, conditions: s?.conditions?.map((c) => [c.type, c.status, c.reason, c.message]) });
    if (strip(clean) === strip(d.status)) return;
    this.api.mutate<Deployment>('Deployment', d.metadata.namespace, d.metadata.name!, (o) => {
      o.status = clean;
    }, 'status');
  }

  /** cleanupDeployment: keep revisionHistoryLimit old, fully scaled-down ReplicaSets. */
  #cleanup(d: Deployment, oldRSs: ReplicaSet[]): void {
    const limit = d.spec.revisionHistoryLimit ?? 10;
    const dead = oldRSs.filter((rs) => (rs.spec.replicas ?? 0) === 0 && (rs.status?.replicas ?? 0) === 0 && !rs.metadata.deletionTimestamp).sort((a, b) => revisionOf(a) - revisionOf(b));
    for (const rs of dead.slice(0, Math.max(0, dead.length - limit))) {
      this.api.delete(resourceForKind('ReplicaSet'), rs.metadata.namespace, rs.metadata.name!);
    }
  }
}
