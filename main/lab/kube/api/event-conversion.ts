/** events.k8s.io/v1 Event <-> core/v1 Event: both API versions read and write the same stored events. */
import type { ViewConversion } from './kube-api';
import type { EventObject, KubeObject } from './types';

type Json = Record<string, unknown>;

export const eventsV1Conversion: ViewConversion = {
  toView(stored: KubeObject): KubeObject {
    const e = stored as EventObject;
    const out: Json = {
      metadata: e.metadata,
      eventTime: e.eventTime ?? null,
      reportingController: e.reportingComponent ?? e.source?.component ?? '',
      reportingInstance: e.reportingInstance ?? e.source?.host ?? '',
      action: (e as Json).action ?? '',
      reason: e.reason,
      regarding: e.involvedObject,
      note: e.message,
      type: e.type,
      deprecatedSource: e.source ?? {},
      deprecatedFirstTimestamp: e.firstTimestamp ?? null,
      deprecatedLastTimestamp: e.lastTimestamp ?? null,
      deprecatedCount: e.count ?? 0,
    };
    if ((e as Json).series) out.series = (e as Json).series;
    return out as KubeObject;
  },
  fromView(view: KubeObject): KubeObject {
    const v = view as Json & KubeObject;
    return {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: v.metadata,
      involvedObject: v.regarding ?? {},
      reason: v.reason ?? '',
      message: v.note ?? '',
      type: v.type ?? 'Normal',
      source: v.deprecatedSource ?? {},
      firstTimestamp: v.deprecatedFirstTimestamp ?? null,
      lastTimestamp: v.deprecatedLastTimestamp ?? null,
      count: v.deprecatedCount ?? undefined,
      eventTime: v.eventTime ?? null,
      reportingComponent: v.reportingController ?? '',
      reportingInstance: v.reportingInstance ?? '',
      action: v.action,
      series: v.series,
    } as KubeObject;
  },
};
