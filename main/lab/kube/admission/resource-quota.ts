/**
 * ResourceQuota admission: rejects a create that would exceed a quota in its namespace with
 * upstream's 403 texts (`exceeded quota: ...`, `failed quota: ...: must specify ...`).
 */
import type { AdmissionPlugin, KubeApi, Operation } from '../api/kube-api';
import type { ResourceType } from '../api/resource-registry';
import { forbidden } from '../api/status-errors';
import type { KubeObject, Pod } from '../api/types';
import { hardValue, showQuantity, tracks, usageOf, usedInNamespace } from './quota-usage';

export class ResourceQuotaAdmission implements AdmissionPlugin {
  admit(op: Operation, t: ResourceType, object: KubeObject, _old: KubeObject | undefined, api: KubeApi): void {
    if (op !== 'CREATE' || !t.namespaced || !object.metadata.namespace) return;
    const quotas = api.objects('ResourceQuota', object.metadata.namespace);
    for (const quota of quotas) {
      const hard = ((quota.spec as { hard?: Record<string, string | number> } | undefined)?.hard ?? {}) as Record<string, string | number>;
      const relevant = Object.keys(hard).filter((r) => tracks(r, t.kind)).sort();
      if (!relevant.length) continue;
      if (t.kind === 'Pod') this.#requireExplicit(quota.metadata.name!, relevant, object as Pod, t);
      const exceeded: { r: string; req: number; used: number }[] = [];
      for (const r of relevant) {
        const req = usageOf(r, t.kind, object);
        if (!req) continue;
        const used = usedInNamespace(api, object.metadata.namespace, r);
        if (used + req > hardValue(r, hard[r]!)) exceeded.push({ r, req, used });
      }
      if (exceeded.length) {
        const list = (f: (e: (typeof exceeded)[number]) => string) => exceeded.map((e) => `${e.r}=${f(e)}`).join(',');
        throw forbidden(
          t,
          object.metadata.name ?? '',
          `exceeded quota: ${quota.metadata.name}, requested: ${list((e) => showQuantity(e.r, e.req))}, used: ${list((e) => showQuantity(e.r, e.used))}, limited: ${list((e) => String(hard[e.r]))}`,
        );
      }
    }
  }

  /** Quota on cpu/memory requires every container to set that request or limit. */
  #requireExplicit(quotaName: string, relevant: string[], pod: Pod, t: ResourceType): void {
    const missing = new Map<string, string[]>();
    for (const r of relevant) {
      const m = /^(requests\.|limits\.)?(cpu|memory)$/.exec(r);
      if (!m) continue;
      const which = m[1] === 'limits.' ? 'limits' : 'requests';
      for (const c of pod.spec.containers) {
        if (c.resources?.[which]?.[m[2]!] === undefined) missing.set(r, [...(missing.get(r) ?? []), c.name]);
      }
    }
    if (!missing.size) return;
    const parts = [...missing.keys()].sort().map((r) => `${r} for: ${missing.get(r)!.sort().join(',')}`);
    throw forbidden(t, pod.metadata.name ?? '', `failed quota: ${quotaName}: must specify ${parts.join('; ')}`);
  }
}
