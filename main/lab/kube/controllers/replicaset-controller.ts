/**
 * ReplicaSet controller (pkg/controller/replicaset): keeps `spec.replicas` active pods that its
 * selector matches and it controls (adopting matching orphans), creates from the template,
 * deletes the least valuable pods first, and reports replicas / ready / available.
 */
import type { LabClock } from '../../lab-clock';
import type { KubeApi } from '../api/kube-api';
import { resourceForKind } from '../api/resource-registry';
import { selectorMatches } from '../api/selectors';
import { StatusError } from '../api/status-errors';
import type { Pod, ReplicaSet } from '../api/types';
import type { EventRecorder } from './event-recorder';
import { controllerRef, isActive, isAvailable, isReady, ownerReferenceTo } from './pod-util';
import { WorkQueue, objectKey, splitKey } from './work-queue';

const SOURCE = { component: 'replicaset-controller' };

/** controller.ActivePods ordering: the first pods are the first to delete. */
function deletionRank(a: Pod, b: Pod): number {
  const assigned = (p: Pod) => (p.spec.nodeName ? 1 : 0);
  const phase = (p: Pod) => ({ Pending: 0, Unknown: 1, Running: 2 })[p.status?.phase ?? 'Pending'] ?? 0;
  const ready = (p: Pod) => (isReady(p) ? 1 : 0);
  return (
    assigned(a) - assigned(b) ||
    phase(a) - phase(b) ||
    ready(a) - ready(b) ||
    Date.parse(b.metadata.creationTimestamp ?? '') - Date.parse(a.metadata.creationTimestamp ?? '')
  );
}

export class ReplicaSetController {
  readonly queue: WorkQueue;
  #unsubscribe: (() => void)[] = [];

  constructor(
    private readonly api: KubeApi,
    private readonly clock: LabClock,
    private readonly events: EventRecorder,
  ) {
    this.queue = new WorkQueue('replicaset-controller', clock, (key) => this.#sync(key));
  }

  start(): void {
    this.#unsubscribe.push(
      this.api.store.subscribe('apps/replicasets', (e) => this.queue.add(objectKey(e.object.metadata.namespace, e.object.metadata.name!))),
      this.api.store.subscribe('core/pods', (e) => {
        const ref = controllerRef(e.object);
        if (ref?.kind === 'ReplicaSet') this.queue.add(objectKey(e.object.metadata.namespace, ref.name));
        else if (!ref) for (const rs of this.api.objects<ReplicaSet>('ReplicaSet', e.object.metadata.namespace)) this.queue.add(objectKey(rs.metadata.namespace, rs.metadata.name!));
      }),
    );
    for (const rs of this.api.objects<ReplicaSet>('ReplicaSet')) this.queue.add(objectKey(rs.metadata.namespace, rs.metadata.name!));
  }

  stop(): void {
    for (const u of this.#unsubscribe) u();
    this.queue.stop();
  }

  #sync(key: string): void {
    const [namespace, name] = splitKey(key);
    const rs = this.api.tryGet<ReplicaSet>(resourceForKind('ReplicaSet'), namespace, name);
    if (!rs) return;
    const podType = resourceForKind('Pod');
    const all = this.api.objects<Pod>('Pod', namespace);
    const owned: Pod[] = [];
    for (const pod of all) {
      const ref = controllerRef(pod);
      if (ref?.uid === rs.metadata.uid) owned.push(pod);
      else if (!ref && !pod.metadata.deletionTimestamp && !rs.metadata.deletionTimestamp && selectorMatches(rs.spec.selector, pod.metadata.labels)) {
        const adopted = this.api.mutate<Pod>('Pod', namespace, pod.metadata.name!, (p) => {
          p.metadata.ownerReferences = [...(p.metadata.ownerReferences ?? []), ownerReferenceTo(rs)];
        });
        if (adopted) owned.push(adopted);
      }
    }
    const active = owned.filter(isActive);
    const want = rs.spec.replicas ?? 1;
    if (!rs.metadata.deletionTimestamp) {
      if (active.length < want) {
        for (let i = active.length; i < want; i++) {
          const template = structuredClone(rs.spec.template);
          const pod = {
            apiVersion: 'v1',
            kind: 'Pod',
            metadata: { ...template.metadata, generateName: `${rs.metadata.name}-`, namespace, ownerReferences: [ownerReferenceTo(rs)] },
            spec: template.spec,
          } as Pod;
          delete pod.metadata.creationTimestamp;
    delete pod.metadata.name; // a template's own name is ignored: pods get generated names
          try {
            const created = this.api.create<Pod>(podType, namespace, pod, { fieldManager: 'kube-controller-manager' });
            active.push(created);
            this.events.record(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`, SOURCE);
          } catch (err) {
            const message = err instanceof StatusError ? err.message : String(err);
            this.events.record(rs, 'Warning', 'FailedCreate', `Error creating: ${message}`, SOURCE);
            this.queue.addAfter(key, 10_000);
            break;
          }
        }
      } else if (active.length > want) {
        const victims = [...active].sort(deletionRank).slice(0, active.length - want);
        for (const pod of victims) {
          this.api.delete(podType, namespace, pod.metadata.name!);
          this.events.record(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`, SOURCE);
        }
        const gone = new Set(victims.map((p) => p.metadata.uid));
        active.splice(0, active.length, ...active.filter((p) => !gone.has(p.metadata.uid)));
      }
    }
    this.#updateStatus(rs, active);
  }

  #updateStatus(rs: ReplicaSet, active: Pod[]): void {
    const minReady = rs.spec.minReadySeconds ?? 0;
    const status = {
      replicas: active.length,
      fullyLabeledReplicas: active.filter((p) => Object.entries(rs.spec.template.metadata?.labels ?? {}).every(([k, v]) => p.metadata.labels?.[k] === v)).length,
      readyReplicas: active.filter(isReady).length,
      availableReplicas: active.filter((p) => isAvailable(p, minReady, this.clock)).length,
      observedGeneration: rs.metadata.generation,
    };
    if (minReady && status.readyReplicas > status.availableReplicas) this.queue.addAfter(objectKey(rs.metadata.namespace, rs.metadata.name!), minReady * 1000);
    const clean = Object.fromEntries(Object.entries(status).filter(([k, v]) => k === 'replicas' || (v !== 0 && v !== undefined)));
    if (JSON.stringify(clean) === JSON.stringify(rs.status ?? {})) return;
    this.api.mutate<ReplicaSet>('ReplicaSet', rs.metadata.namespace, rs.metadata.name!, (o) => {
      o.status = clean;
    }, 'status');
  }
}
