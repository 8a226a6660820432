/**
 * Live views for the window: a caller names the kinds it shows together (pods and nodes for the
 * pods-on-nodes picture; deployments, ReplicaSets and events for a rollout) and receives plain
 * snapshots (preload/contract/kube.ts `kubeViewSnapshot`) at most 10 times a second, always
 * ending with the latest state, with the watches' connection state so the window can say
 * "reconnecting". Converted objects are cached per object version, so a snapshot of 200 pods
 * converts only the pods that changed.
 */
import type { KubeConnectionState, KubeViewKind, KubeViewSnapshot, KubeViewSpec } from '../../preload/contract/kube';
import type { ResourceInformer } from './informers';
import type { KubeObject } from './manifests';
import { toDeployment, toEndpoints, toEvent, toLimitRange, toNode, toPod, toReplicaSet, toResourceQuota, toService } from './snapshots';
import { ViewCoalescer } from './view-coalescer';
import type { WatchHub } from './watch-hub';

export interface ViewOptions {
  /** Snapshots in any one second, at most (default 10); see view-coalescer.ts. */
  maxPerSecond?: number;
  /** The newest events kept in a snapshot (default 200). */
  eventsLimit?: number;
}

export interface KubeView {
  /** Builds a snapshot now (e.g. for the window's first load). */
  snapshot(): KubeViewSnapshot;
  close(): void;
}

type Converter = (o: KubeObject) => unknown;
const CONVERTERS: Record<Exclude<KubeViewKind, 'endpoints'>, Converter> = {
  nodes: toNode,
  pods: toPod,
  deployments: toDeployment,
  replicasets: toReplicaSet,
  services: toService,
  events: toEvent,
  resourcequotas: toResourceQuota,
  limitranges: toLimitRange,
};

const converted = new WeakMap<KubeObject, unknown>();

function convert(kind: Exclude<KubeViewKind, 'endpoints'>, o: KubeObject): unknown {
  let v = converted.get(o);
  if (v === undefined) converted.set(o, (v = CONVERTERS[kind](o)));
  return v;
}

const RANK: Record<KubeConnectionState['state'], number> = { stopped: 0, connected: 1, connecting: 2, reconnecting: 3 };

function byName(a: KubeObject, b: KubeObject): number {
  return (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');
}

export function openView(hub: WatchHub, spec: KubeViewSpec, onSnapshot: (s: KubeViewSnapshot) => void, options: ViewOptions = {}): KubeView {
  const kinds = [...new Set(spec.kinds)];
  const informers = new Map<KubeViewKind, ResourceInformer>(kinds.map((k) => [k, hub.acquire(k, spec.namespace)]));
  let seq = 0;
  let closed = false;

  const snapshot = (): KubeViewSnapshot => {
    const states = [...informers.values()].map((i) => i.state);
    const worst = states.reduce((a, b) => (RANK[b.state] > RANK[a.state] ? b : a));
    const out: KubeViewSnapshot = { seq: ++seq, at: Date.now(), connection: { ...worst, server: hub.conn.server } };
    for (const [kind, informer] of informers) {
      const objects = [...informer.objects.values()];
      if (kind === 'endpoints') out.endpoints = toEndpoints(objects);
      else if (kind === 'events') {
        const events = objects.map((o) => convert('events', o) as NonNullable<KubeViewSnapshot['events']>[number]);
        events.sort((a, b) => (a.lastAt ?? '').localeCompare(b.lastAt ?? '') || a.name.localeCompare(b.name));
        out.events = events.slice(-(options.eventsLimit ?? 200));
      } else (out as Record<string, unknown>)[kind] = objects.sort(byName).map((o) => convert(kind, o));
    }
    return out;
  };

  const coalescer = new ViewCoalescer(() => {
    if (!closed) onSnapshot(snapshot());
  }, { maxPerSecond: options.maxPerSecond ?? 10 });
  const unsubscribe = [...informers.values()].flatMap((i) => [i.onChange(() => coalescer.invalidate()), i.onState(() => coalescer.invalidate())]);
  coalescer.invalidate();

  return {
    snapshot,
    close() {
      if (closed) return;
      closed = true;
      coalescer.close();
      for (const u of unsubscribe) u();
      for (const i of informers.values()) hub.release(i);
    },
  };
}
