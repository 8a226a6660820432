/**
 * kube-aggregator's availability check for APIServices backed by a Service (metrics-server's
 * `v1beta1.metrics.k8s.io`): Available=True once the Service has a ready endpoint, with
 * upstream's reasons otherwise. The API serves the group (discovery, `kubectl top`) only while
 * its APIService is available, so without the metrics-server addon kubectl says
 * `error: Metrics API not available`.
 */
import type { LabClock } from '../../lab-clock';
import type { KubeApi } from '../api/kube-api';
import { ResourceRegistry } from '../api/resource-registry';
import type { Condition, KubeObject } from '../api/types';
import { WorkQueue } from '../controllers/work-queue';

const BUCKET = 'apiregistration.k8s.io/apiservices';

interface ApiService extends KubeObject {
  spec: { group?: string; version?: string; service?: { namespace: string; name: string; port?: number } };
  status?: { conditions?: Condition[] };
}

export class ApiServiceController {
  readonly queue: WorkQueue;
  #unsubscribe: (() => void)[] = [];

  constructor(
    private readonly api: KubeApi,
    clock: LabClock,
  ) {
    this.queue = new WorkQueue('apiservice-availability', clock, () => this.#sync());
  }

  start(): void {
    const wake = () => this.queue.add('all');
    this.#unsubscribe.push(this.api.store.subscribe(BUCKET, wake), this.api.store.subscribe('core/endpoints', wake), this.api.store.subscribe('core/services', wake));
    wake();
  }

  stop(): void {
    for (const u of this.#unsubscribe) u();
    this.queue.stop();
  }

  #check(svcRef: NonNullable<ApiService['spec']['service']>): { ok: true } | { ok: false; reason: string; message: string } {
    const svc = this.api.store.scan('core/services', svcRef.namespace).find((s) => s.metadata.name === svcRef.name);
    if (!svc) return { ok: false, reason: 'ServiceNotFound', message: `service/${svcRef.name} in "${svcRef.namespace}" is not present` };
    const ep = this.api.store.scan('core/endpoints', svcRef.namespace).find((e) => e.metadata.name === svcRef.name);
    const ready = ((ep?.subsets as { addresses?: unknown[] }[] | undefined) ?? []).some((s) => (s.addresses ?? []).length > 0);
    if (!ready) {
      const portName = ((svc.spec as { ports?: { name?: string }[] }).ports ?? [])[0]?.name ?? '';
      return { ok: false, reason: 'MissingEndpoints', message: `endpoints for service/${svcRef.name} in "${svcRef.namespace}" have no addresses with port name "${portName}"` };
    }
    return { ok: true };
  }

  #sync(): void {
    const served = new Map<string, boolean>();
    for (const group of ResourceRegistry.AGGREGATED) served.set(group, false);
    for (const stored of this.api.store.scan(BUCKET)) {
      const a = stored as ApiService;
      if (!a.spec.service || a.metadata.deletionTimestamp) continue;
      const result = this.#check(a.spec.service);
      if (a.spec.group && result.ok) served.set(a.spec.group, true);
      const condition: Condition = result.ok
        ? { type: 'Available', status: 'True', reason: 'Passed', message: 'all checks passed' }
        : { type: 'Available', status: 'False', reason: result.reason, message: result.message };
      const prev = a.status?.conditions?.find((c) => c.type === 'Available');
      if (prev && prev.status === condition.status && prev.reason === condition.reason && prev.message === condition.message) continue;
      condition.lastTransitionTime = prev?.status === condition.status ? prev.lastTransitionTime : this.api.timestamp();
      this.api.mutate<ApiService>('APIService', undefined, a.metadata.name!, (o) => void (o.status = { conditions: [condition] }), 'status');
    }
    for (const [group, on] of served) this.api.registry.setAggregatedServed(group, on);
  }
}
