/**
 * Endpoints and EndpointSlice controllers: for each Service with a selector, the IPs of the
 * pods it selects (ready ones as addresses, others as notReadyAddresses / ready=false), with
 * target ports resolved by number or container port name.
 */
import type { LabClock } from '../../lab-clock';
import type { KubeApi } from '../api/kube-api';
import { randomSuffix } from '../api/kube-api';
import { resourceForKind } from '../api/resource-registry';
import type { KubeObject, Pod, Service, ServicePort } from '../api/types';
import { isReady, ownerReferenceTo } from './pod-util';
import { WorkQueue, objectKey, splitKey } from './work-queue';

function resolvePort(p: ServicePort, pod: Pod): number | undefined {
  if (typeof p.targetPort === 'number') return p.targetPort;
  if (p.targetPort === undefined) return p.port;
  for (const c of pod.spec.containers) {
    const named = c.ports?.find((x) => x.name === p.targetPort);
    if (named) return named.containerPort;
  }
  return /^\d+$/.test(p.targetPort) ? Number(p.targetPort) : undefined;
}

export class EndpointsController {
  readonly queue: WorkQueue;
  #unsubscribe: (() => void)[] = [];

  constructor(
    private readonly api: KubeApi,
    clock: LabClock,
  ) {
    this.queue = new WorkQueue('endpoints-controller', clock, (key) => this.#sync(key));
  }

  start(): void {
    this.#unsubscribe.push(
      this.api.store.subscribe('core/services', (e) => this.queue.add(objectKey(e.object.metadata.namespace, e.object.metadata.name!))),
      this.api.store.subscribe('core/pods', (e) => {
        for (const s of this.api.objects<Service>('Service', e.object.metadata.namespace)) {
          if (s.spec.selector) this.queue.add(objectKey(s.metadata.namespace, s.metadata.name!));
        }
      }),
    );
    for (const s of this.api.objects<Service>('Service')) this.queue.add(objectKey(s.metadata.namespace, s.metadata.name!));
  }

  stop(): void {
    for (const u of this.#unsubscribe) u();
    this.queue.stop();
  }

  #sync(key: string): void {
    const [namespace, name] = splitKey(key);
    const epType = resourceForKind('Endpoints');
    const sliceType = resourceForKind('EndpointSlice');
    const svc = this.api.tryGet<Service>(resourceForKind('Service'), namespace, name);
    const slices = this.api.objects('EndpointSlice', namespace).filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === name);
    if (!svc) {
      if (this.api.tryGet(epType, namespace, name)) this.api.delete(epType, namespace, name);
      for (const s of slices) this.api.delete(sliceType, namespace, s.metadata.name!);
      return;
    }
    if (!svc.spec.selector || name === 'kubernetes') return this.#apiServerEndpoints(svc);
    const pods = this.api
      .objects<Pod>('Pod', namespace)
      .filter((p) => p.status?.podIP && !p.metadata.deletionTimestamp && Object.entries(svc.spec.selector!).every(([k, v]) => p.metadata.labels?.[k] === v));
    const ports = svc.spec.ports ?? [];
    const address = (p: Pod) => ({ ip: p.status!.podIP!, nodeName: p.spec.nodeName, targetRef: { kind: 'Pod', namespace, name: p.metadata.name, uid: p.metadata.uid } });
    const epPorts = (p: Pod) => ports.map((sp) => ({ ...(sp.name ? { name: sp.name } : {}), port: resolvePort(sp, p) ?? sp.port, protocol: sp.protocol ?? 'TCP' }));
    const readyPods = pods.filter(isReady);
    const notReady = pods.filter((p) => !isReady(p));
    const subsets = pods.length
      ? [{ ...(readyPods.length ? { addresses: readyPods.map(address) } : {}), ...(notReady.length ? { notReadyAddresses: notReady.map(address) } : {}), ports: epPorts(pods[0]!) }]
      : undefined;
    const endpoints: KubeObject = {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name, namespace, labels: { ...svc.metadata.labels, 'endpoints.kubernetes.io/managed-by': 'endpoint-controller' } },
      ...(subsets ? { subsets } : {}),
    };
    this.#put(epType, endpoints);
    const slice: KubeObject = {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: slices[0]?.metadata.name ?? `${name}-${randomSuffix()}`,
        namespace,
        labels: { ...svc.metadata.labels, 'kubernetes.io/service-name': name, 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' },
        ownerReferences: [ownerReferenceTo(svc)],
      },
      addressType: 'IPv4',
      endpoints: pods.map((p) => ({
        addresses: [p.status!.podIP!],
        conditions: { ready: isReady(p), serving: isReady(p), terminating: false },
        nodeName: p.spec.nodeName,
        targetRef: { kind: 'Pod', namespace, name: p.metadata.name, uid: p.metadata.uid },
      })),
      ports: pods.length ? ports.map((sp) => ({ name: sp.name ?? '', port: resolvePort(sp, pods[0]!) ?? sp.port, protocol: sp.protocol ?? 'TCP' })) : null,
    };
    this.#put(sliceType, slice);
  }

  #apiServerEndpoints(svc: Service): void {
    if (svc.metadata.name !== 'kubernetes') return;
    const ip = '127.0.0.1';
    this.#put(resourceForKind('Endpoints'), {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'kubernetes', namespace: 'default', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
      subsets: [{ addresses: [{ ip }], ports: [{ name: 'https', port: 16443, protocol: 'TCP' }] }],
    });
  }

  #put(t: ReturnType<typeof resourceForKind>, o: KubeObject): void {
    const existing = this.api.tryGet(t, o.metadata.namespace, o.metadata.name!);
    if (!existing) {
      this.api.create(t, o.metadata.namespace, o, { fieldManager: 'kube-controller-manager' });
      return;
    }
    const { metadata: _m, apiVersion: _a, kind: _k, ...body } = o;
    const { metadata: _em, apiVersion: _ea, kind: _ek, ...oldBody } = existing;
    if (JSON.stringify(body) === JSON.stringify(oldBody) && JSON.stringify(o.metadata.labels) === JSON.stringify(existing.metadata.labels)) return;
    this.api.update(t, o.metadata.namespace, o.metadata.name!, { ...o, metadata: { ...existing.metadata, labels: o.metadata.labels } }, { fieldManager: 'kube-controller-manager' });
  }
}
