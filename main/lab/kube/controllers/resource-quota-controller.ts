/** ResourceQuota controller: keeps `status.hard` and `status.used` current for each quota. */
import type { LabClock } from '../../lab-clock';
import { showQuantity, usedInNamespace } from '../admission/quota-usage';
import type { KubeApi } from '../api/kube-api';
import type { KubeObject } from '../api/types';
import { WorkQueue } from './work-queue';

export class ResourceQuotaController {
  readonly queue: WorkQueue;
  #unsubscribe?: () => void;

  constructor(
    private readonly api: KubeApi,
    clock: LabClock,
  ) {
    this.queue = new WorkQueue('resourcequota-controller', clock, (ns) => this.#sync(ns));
  }

  start(): void {
    this.#unsubscribe = this.api.store.subscribe(undefined, (e) => {
      if (e.bucket === 'core/events' || !e.object.metadata.namespace) return;
      if (this.api.store.count('core/resourcequotas', e.object.metadata.namespace)) this.queue.add(e.object.metadata.namespace);
    });
    for (const q of this.api.objects('ResourceQuota')) this.queue.add(q.metadata.namespace!);
  }

  stop(): void {
    this.#unsubscribe?.();
    this.queue.stop();
  }

  #sync(namespace: string): void {
    for (const quota of this.api.objects('ResourceQuota', namespace)) {
      const hard = ((quota.spec as { hard?: Record<string, string> } | undefined)?.hard ?? {}) as Record<string, string>;
      const used = Object.fromEntries(Object.keys(hard).map((r) => [r, showQuantity(r, usedInNamespace(this.api, namespace, r))]));
      const status = { hard, used };
      if (JSON.stringify(status) === JSON.stringify(quota.status)) continue;
      this.api.mutate<KubeObject>('ResourceQuota', namespace, quota.metadata.name!, (q) => {
        q.status = status;
      }, 'status');
    }
  }
}
