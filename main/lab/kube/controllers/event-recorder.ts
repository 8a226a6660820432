/**
 * Records core/v1 Events as upstream's event recorder does: named `<object>.<hex time>`,
 * and repeats of the same reason and message on the same object aggregate into `count`.
 */

/**
 * Upstream names an event `<object>.<hex UnixNano>`, so a list (in key order) holds one object's
 * events in the order they happened, and kubectl's stable sort by lastTimestamp keeps that order
 * among events of the same second. Date.now() has millisecond steps, so the nanoseconds here are
 * made strictly increasing: two events of one millisecond must not list in random order.
 */
let lastNanos = 0n;
export function eventNanos(wallMs: number): bigint {
  const candidate = BigInt(wallMs) * 1_000_000n + BigInt(Math.floor(Math.random() * 1000));
  lastNanos = candidate > lastNanos ? candidate : lastNanos + 1n;
  return lastNanos;
}
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
    const name = `${object.metadata.name}.${eventNanos(this.api.clock.wallNow()).toString(16)}`;
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
