/**
 * Wires the lab control plane together: store, API registry logic with its admission plugins,
 * the bootstrap objects MicroK8s starts with, and the controllers, scheduler and kubelet.
 */
import type { LabClock } from '../../lab-clock';
import type { LabClusterView } from '../../lab-cluster';
import { LimitRanger } from '../admission/limit-ranger';
import { ResourceQuotaAdmission } from '../admission/resource-quota';
import { ServiceAllocator } from '../admission/service-allocator';
import { eventsV1Conversion } from '../api/event-conversion';
import { hpaV1Conversion } from '../api/hpa-conversion';
import { KubeApi } from '../api/kube-api';
import { RESOURCES, resourceForKind } from '../api/resource-registry';
import { ObjectStore } from '../store/object-store';
import type { StoreSnapshot } from '../store/object-store';
import { ApiServiceController } from '../addons/api-services';
import { LabAddons } from '../addons/lab-addons';
import { MetalLB } from '../addons/metallb';
import { CrdController } from './crd-controller';
import { DaemonSetController } from './daemonset-controller';
import { evictPod } from '../api/eviction';
import { DeploymentController } from './deployment-controller';
import { DisruptionController } from './disruption-controller';
import { EndpointsController } from './endpoints-controller';
import { EventRecorder } from './event-recorder';
import { GarbageCollector } from './garbage-collector';
import { HpaController } from './hpa-controller';
import { Kubelet } from './kubelet';
import { MetricsServer } from './metrics-server';
import { NodeController } from './node-controller';
import { ReplicaSetController } from './replicaset-controller';
import { ResourceQuotaController } from './resource-quota-controller';
import { Scheduler } from './scheduler';
import { ServiceAccountController } from './service-account-controller';

export class LabControlPlane {
  readonly store = new ObjectStore();
  readonly api: KubeApi;
  readonly events: EventRecorder;
  readonly nodes: NodeController;
  readonly kubelet: Kubelet;
  readonly metrics: MetricsServer;
  /** MicroK8s addons as objects (kube-system at start; the steps of `microk8s enable|disable`). */
  readonly addons: LabAddons;
  readonly metallb: MetalLB;
  readonly disruption: DisruptionController;
  readonly #controllers: { start(): void; stop(): void }[];

  constructor(
    readonly clock: LabClock,
    readonly cluster: LabClusterView,
    options: {
      caPem?: string;
      /** Start with what a fresh MicroK8s runs in kube-system (default true). */
      kubeSystem?: boolean;
      /** The objects of a restarted lab: loaded instead of the bootstrap objects. */
      restore?: StoreSnapshot;
    } = {},
  ) {
    this.api = new KubeApi(this.store, clock);
    this.api.conversions.set(RESOURCES.find((t) => t.group === 'events.k8s.io')!, eventsV1Conversion);
    this.api.conversions.set(RESOURCES.find((t) => t.group === 'autoscaling' && t.version === 'v1')!, hpaV1Conversion);
    this.api.admission.push(new ServiceAllocator(), new LimitRanger(), new ResourceQuotaAdmission());
    this.events = new EventRecorder(this.api);
    this.nodes = new NodeController(this.api, clock, cluster, this.events);
    this.kubelet = new Kubelet(this.api, clock, cluster, this.events);
    this.metrics = new MetricsServer(this.api, clock, this.kubelet);
    this.addons = new LabAddons(this.api);
    this.metallb = new MetalLB(this.api, clock, this.events);
    this.disruption = new DisruptionController(this.api, clock);
    this.api.evict = (namespace, name, body) => evictPod(this.api, this.disruption, namespace, name, body);
    this.#controllers = [
      new CrdController(this.api, clock),
      new ServiceAccountController(this.api, clock, options.caPem),
      this.nodes,
      new Scheduler(this.api, clock, this.events),
      this.kubelet,
      new ReplicaSetController(this.api, clock, this.events),
      new DeploymentController(this.api, clock, this.events),
      new DaemonSetController(this.api, clock, this.events),
      new EndpointsController(this.api, clock),
      new GarbageCollector(this.api, clock),
      new ResourceQuotaController(this.api, clock),
      this.disruption,
      this.metrics,
      new HpaController(this.api, clock, this.events, this.metrics),
      new ApiServiceController(this.api, clock),
      this.metallb,
    ];
    if (options.restore) this.store.load(options.restore);
    else this.#bootstrap(options.kubeSystem ?? true);
  }

  #bootstrap(kubeSystem: boolean): void {
    const ns = resourceForKind('Namespace');
    for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
      this.api.create(ns, undefined, { metadata: { name } }, { fieldManager: 'kube-apiserver' });
    }
    this.api.create(
      resourceForKind('Service'),
      'default',
      {
        metadata: { name: 'kubernetes', labels: { component: 'apiserver', provider: 'kubernetes' } },
        spec: { type: 'ClusterIP', clusterIP: '10.152.183.1', ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 16443 }] },
      },
      { fieldManager: 'kube-apiserver' },
    );
    if (kubeSystem) this.addons.bootstrap();
  }

  start(): void {
    for (const c of this.#controllers) c.start();
  }

  stop(): void {
    for (const c of this.#controllers) c.stop();
  }
}
