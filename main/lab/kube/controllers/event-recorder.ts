/**
 * Records core/v1 Events as upstream's event recorder does: named `<object>.<hex time>`,
 * and repeats of the same reason and message on the same object aggregate into `count`.
 */
import { resourceForKind } from '../api/resource-registry';
import type { KubeApi } from '../api/kube-api';
import type { EventObject, KubeObject } from '../api/types';

export interface EventSource {
  component: string;
  host?: string;
}

export class EventRecorder {
  #recent = new Map<string, string>();

  constructor(private readonly api: KubeApi) {}

  record(object: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string, source: EventSource, fieldPath?: string): void {
    const t = resourceForKind('Event');
    const namespace = object.metadata.namespace ?? 'default';
    const key = [object.metadata.uid, reason, message, source.component, source.host ?? '', type].join('\u0000');
    const now = this.api.timestamp();
    const existingName = this.#recent.get(key);
    if (existingName) {
      const updated = this.api.mutate<EventObject>('Event', namespace, existingName, (e) => {
        e.count = (e.count ?? 1) + 1;
        e.lastTimestamp = now;
      });
      if (updated) return;
    }
    const involved: EventObject['involvedObject'] = {
      kind: object.kind ?? '',
      namespace: object.metadata.namespace,
      name: object.metadata.name ?? '',
      uid: object.metadata.uid,
      apiVersion: object.apiVersion,
      resourceVersion: object.metadata.resourceVersion,
    };
    if (!involved.namespace) delete involved.namespace;
    if (fieldPath) involved.fieldPath = fieldPath;
    const name = `${object.metadata.name}.${(BigInt(this.api.clock.now()) * 1_000_000n + BigInt(Math.floor(Math.random() * 1e6))).toString(16)}`;
    const event: EventObject = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: involved,
      reason,
      message,
      source: source.host ? { component: source.component, host: source.host } : { component: source.component },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      type,
      eventTime: null,
      reportingComponent: source.component,
      reportingInstance: source.host ?? '',
    };
    try {
      this.api.create(t, namespace, event, { fieldManager: source.component, owned: true });
      this.#recent.set(key, name);
    } catch {
      // events are best effort, as upstream (namespace being deleted, etc.)
    }
  }
}
