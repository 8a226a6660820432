/**
 * The serviceaccount controller and root-ca-cert-publisher of kube-controller-manager: every
 * active namespace gets a `default` ServiceAccount and the `kube-root-ca.crt` ConfigMap.
 */
import type { LabClock } from '../../lab-clock';
import type { KubeApi } from '../api/kube-api';
import { resourceForKind } from '../api/resource-registry';
import { StatusError } from '../api/status-errors';
import { WorkQueue } from './work-queue';

export class ServiceAccountController {
  readonly queue: WorkQueue;
  #unsubscribe: (() => void)[] = [];

  constructor(
    private readonly api: KubeApi,
    clock: LabClock,
    private readonly caPem: string | undefined,
  ) {
    this.queue = new WorkQueue('serviceaccount-controller', clock, (ns) => this.#sync(ns));
  }

  start(): void {
    const enqueue = (ns: string | undefined) => ns && this.queue.add(ns);
    this.#unsubscribe.push(
      this.api.store.subscribe('core/namespaces', (e) => e.type !== 'DELETED' && enqueue(e.object.metadata.name)),
      this.api.store.subscribe('core/serviceaccounts', (e) => e.type === 'DELETED' && enqueue(e.object.metadata.namespace)),
      this.api.store.subscribe('core/configmaps', (e) => (e.type === 'DELETED' || e.object.metadata.name === 'kube-root-ca.crt') && enqueue(e.object.metadata.namespace)),
    );
    for (const ns of this.api.store.scan('core/namespaces')) enqueue(ns.metadata.name);
  }

  stop(): void {
    for (const u of this.#unsubscribe) u();
    this.queue.stop();
  }

  #sync(namespace: string): void {
    const ns = this.api.store.scan('core/namespaces').find((n) => n.metadata.name === namespace);
    if (!ns || ns.metadata.deletionTimestamp) return;
    const create = (kind: string, body: object) => {
      try {
        this.api.create(resourceForKind(kind), namespace, body as never, { fieldManager: 'kube-controller-manager' });
      } catch (err) {
        if (!(err instanceof StatusError)) throw err;
      }
    };
    if (!this.api.tryGet(resourceForKind('ServiceAccount'), namespace, 'default')) create('ServiceAccount', { metadata: { name: 'default' } });
    if (this.caPem) {
      const cm = this.api.tryGet(resourceForKind('ConfigMap'), namespace, 'kube-root-ca.crt');
      const data = { 'ca.crt': this.caPem };
      if (!cm) create('ConfigMap', { metadata: { name: 'kube-root-ca.crt', annotations: { 'kubernetes.io/description': 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.' } }, data });
      else if (JSON.stringify(cm.data) !== JSON.stringify(data)) this.api.mutate('ConfigMap', namespace, 'kube-root-ca.crt', (o) => void (o.data = data));
    }
  }
}
