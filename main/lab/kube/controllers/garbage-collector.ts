/**
 * Garbage collector and namespace controller: dependents of a deleted owner are deleted
 * (Background), owners deleted in Foreground wait for their dependents, Orphan strips the
 * ownerReferences; a Terminating namespace is emptied and then removed. Events expire after an
 * hour of lab time: upstream's default --event-ttl. MicroK8s sets 5m, but at lab speed 10 that
 * would be 30 real seconds, too short to read them during a lesson.
 */
import type { LabClock, LabTimer } from '../../lab-clock';
import type { KubeApi } from '../api/kube-api';
import type { ResourceType } from '../api/resource-registry';
import type { KubeObject } from '../api/types';
import { WorkQueue } from './work-queue';

export const EVENT_TTL_MS = 3_600_000;

const stored = (t: ResourceType) => !t.readOnly && t.bucket === `${t.group || 'core'}/${t.plural}` && (!t.custom || t.custom.storage);

export class GarbageCollector {
  readonly queue: WorkQueue;
  #unsubscribe?: () => void;
  #unsubscribeEvents?: () => void;
  #ttlTimer?: LabTimer;
  /** Lab time each event got its current lastTimestamp (reported times have only seconds precision). */
  #eventSeen = new Map<string, { stamp: string; lab: number }>();

  constructor(
    private readonly api: KubeApi,
    private readonly clock: LabClock,
  ) {
    this.queue = new WorkQueue('garbage-collector', clock, (key) => this.#sync(key));
  }

  start(): void {
    this.#unsubscribe = this.api.store.subscribe(undefined, (e) => {
      if (e.type === 'DELETED' || e.object.metadata.deletionTimestamp || e.object.kind === 'Namespace') this.queue.add('all');
    });
    this.#unsubscribeEvents = this.api.store.subscribe('core/events', (e) => {
      const uid = e.object.metadata.uid!;
      if (e.type === 'DELETED') return void this.#eventSeen.delete(uid);
      const stamp = String(e.object.lastTimestamp ?? e.object.metadata.creationTimestamp ?? '');
      if (this.#eventSeen.get(uid)?.stamp !== stamp || e.type === 'MODIFIED') this.#eventSeen.set(uid, { stamp, lab: this.clock.now() });
    });
    this.queue.add('all');
    this.#ttlTimer = this.clock.every(60_000, () => this.#expireEvents());
  }

  stop(): void {
    this.#ttlTimer?.cancel();
    this.#unsubscribe?.();
    this.#unsubscribeEvents?.();
    this.queue.stop();
  }

  #all(): { t: ResourceType; o: KubeObject }[] {
    return this.api.registry.all().filter(stored).flatMap((t) => this.api.store.scan(t.bucket).map((o) => ({ t, o })));
  }

  #sync(_key: string): void {
    const objects = this.#all();
    const byUid = new Map(objects.map((x) => [x.o.metadata.uid!, x]));
    const dependents = new Map<string, { t: ResourceType; o: KubeObject }[]>();
    for (const x of objects) {
      for (const ref of x.o.metadata.ownerReferences ?? []) {
        const list = dependents.get(ref.uid) ?? [];
        list.push(x);
        dependents.set(ref.uid, list);
      }
    }
    for (const { t, o } of objects) {
      const refs = o.metadata.ownerReferences ?? [];
      // Background: every owner is gone.
      if (refs.length && refs.every((r) => !byUid.has(r.uid)) && !o.metadata.deletionTimestamp) {
        this.#tryDelete(t, o, 'Background');
        continue;
      }
      if (!o.metadata.deletionTimestamp) continue;
      const finalizers = o.metadata.finalizers ?? [];
      const deps = dependents.get(o.metadata.uid!) ?? [];
      if (finalizers.includes('orphan')) {
        for (const d of deps) {
          this.api.store.update(d.t.bucket, { ...d.o, metadata: { ...d.o.metadata, ownerReferences: d.o.metadata.ownerReferences!.filter((r) => r.uid !== o.metadata.uid) } });
        }
        this.#removeFinalizer(t, o, 'orphan');
      } else if (finalizers.includes('foregroundDeletion')) {
        const blocking = deps.filter((d) => d.o.metadata.ownerReferences?.some((r) => r.uid === o.metadata.uid && r.blockOwnerDeletion));
        for (const d of deps) if (!d.o.metadata.deletionTimestamp) this.#tryDelete(d.t, d.o, 'Foreground');
        if (!blocking.length) this.#removeFinalizer(t, o, 'foregroundDeletion');
      }
    }
    for (const { o } of objects.filter((x) => x.t.kind === 'Namespace' && x.o.metadata.deletionTimestamp)) {
      const ns = o.metadata.name!;
      const inside = objects.filter((x) => x.t.namespaced && x.o.metadata.namespace === ns);
      for (const x of inside) if (!x.o.metadata.deletionTimestamp || x.t.kind !== 'Pod') this.#tryDelete(x.t, x.o, 'Background');
      if (!inside.length) this.api.store.remove('core/namespaces', undefined, ns);
    }
  }

  #expireEvents(): void {
    const cutoff = this.clock.now() - EVENT_TTL_MS;
    for (const e of this.api.store.scan('core/events')) {
      const last = (e.lastTimestamp ?? e.metadata.creationTimestamp) as string | undefined;
      if (!last) continue;
      // Seen by this controller: its lab time; else (a restarted lab) the end of that reported second.
      const seen = this.#eventSeen.get(e.metadata.uid!);
      const at = seen?.stamp === last ? seen.lab : this.clock.labAt(Date.parse(last) + 999);
      if (at < cutoff) this.api.store.remove('core/events', e.metadata.namespace, e.metadata.name!);
    }
  }

  #tryDelete(t: ResourceType, o: KubeObject, propagationPolicy: 'Background' | 'Foreground'): void {
    try {
      this.api.delete(t, o.metadata.namespace, o.metadata.name!, { propagationPolicy, preconditions: { uid: o.metadata.uid } });
    } catch {
      // already gone or replaced
    }
  }

  #removeFinalizer(t: ResourceType, o: KubeObject, finalizer: string): void {
    const rest = (o.metadata.finalizers ?? []).filter((f) => f !== finalizer);
    if (rest.length) this.api.store.update(t.bucket, { ...o, metadata: { ...o.metadata, finalizers: rest } });
    else this.api.store.remove(t.bucket, o.metadata.namespace, o.metadata.name!);
  }
}
