/**
 * LimitRanger admission: per-container defaults from a namespace's LimitRange (recorded in the
 * `kubernetes.io/limit-ranger` annotation) and its min/max bounds, with upstream's messages.
 */
import type { AdmissionPlugin, KubeApi, Operation } from '../api/kube-api';
import { parseQuantity } from '../api/quantity';
import type { ResourceType } from '../api/resource-registry';
import { forbidden } from '../api/status-errors';
import type { KubeObject, Pod, Quantity } from '../api/types';

interface LimitRangeItem {
  type: string;
  default?: Record<string, Quantity>;
  defaultRequest?: Record<string, Quantity>;
  min?: Record<string, Quantity>;
  max?: Record<string, Quantity>;
}

export class LimitRanger implements AdmissionPlugin {
  admit(op: Operation, t: ResourceType, object: KubeObject, _old: KubeObject | undefined, api: KubeApi): void {
    if (op !== 'CREATE' || t.kind !== 'Pod' || !object.metadata.namespace) return;
    const pod = object as Pod;
    const items = api
      .objects('LimitRange', object.metadata.namespace)
      .flatMap((lr) => ((lr.spec as { limits?: LimitRangeItem[] } | undefined)?.limits ?? []).filter((i) => i.type === 'Container'));
    if (!items.length) return;
    const setRequests: string[] = [];
    const setLimits: string[] = [];
    for (const c of pod.spec.containers) {
      const resources = (c.resources ??= {});
      const req: string[] = [];
      const lim: string[] = [];
      for (const item of items) {
        for (const [res, q] of Object.entries(item.default ?? {})) {
          if (resources.limits?.[res] === undefined) {
            (resources.limits ??= {})[res] = q;
            lim.push(res);
          }
        }
        for (const [res, q] of Object.entries(item.defaultRequest ?? {})) {
          if (resources.requests?.[res] === undefined) {
            (resources.requests ??= {})[res] = q;
            req.push(res);
          }
        }
      }
      if (req.length) setRequests.push(`${req.join(', ')} request for container ${c.name}`);
      if (lim.length) setLimits.push(`${lim.join(', ')} limit for container ${c.name}`);
    }
    if (setRequests.length || setLimits.length) {
      pod.metadata.annotations = { ...pod.metadata.annotations, 'kubernetes.io/limit-ranger': `LimitRanger plugin set: ${[...setRequests, ...setLimits].join('; ')}` };
    }
    const errors: string[] = [];
    for (const c of pod.spec.containers) {
      for (const item of items) {
        for (const [res, min] of Object.entries(item.min ?? {})) {
          const r = c.resources?.requests?.[res];
          if (r === undefined) errors.push(`minimum ${res} usage per Container is ${min}.  No request is specified`);
          else if (parseQuantity(r) < parseQuantity(min)) errors.push(`minimum ${res} usage per Container is ${min}, but request is ${r}`);
        }
        for (const [res, max] of Object.entries(item.max ?? {})) {
          const l = c.resources?.limits?.[res];
          if (l === undefined) errors.push(`maximum ${res} usage per Container is ${max}.  No limit is specified`);
          else if (parseQuantity(l) > parseQuantity(max)) errors.push(`maximum ${res} usage per Container is ${max}, but limit is ${l}`);
        }
      }
    }
    if (errors.length) throw forbidden(t, pod.metadata.name ?? '', errors.length === 1 ? errors[0]! : `[${errors.join(', ')}]`);
  }
}
