/** Pod and ownership helpers shared by the controllers (controller.IsPodActive, podutil.IsPodAvailable, ...). */
import type { LabClock } from '../../lab-clock';
import { milliCpu, parseQuantity } from '../api/quantity';
import type { KubeObject, OwnerReference, Pod } from '../api/types';

export function isActive(pod: Pod): boolean {
  return pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed' && !pod.metadata.deletionTimestamp;
}

export function readyCondition(pod: Pod) {
  return pod.status?.conditions?.find((c) => c.type === 'Ready');
}

export function isReady(pod: Pod): boolean {
  return readyCondition(pod)?.status === 'True';
}

/** Ready for at least minReadySeconds of lab time (the reported transition time read back as lab time). */
export function isAvailable(pod: Pod, minReadySeconds: number, clock: LabClock): boolean {
  const c = readyCondition(pod);
  if (c?.status !== 'True') return false;
  if (!minReadySeconds) return true;
  return !!c.lastTransitionTime && clock.labAt(Date.parse(c.lastTransitionTime)) + minReadySeconds * 1000 <= clock.now();
}

export function controllerRef(o: KubeObject): OwnerReference | undefined {
  return o.metadata.ownerReferences?.find((r) => r.controller);
}

export function ownerReferenceTo(owner: KubeObject): OwnerReference {
  return { apiVersion: owner.apiVersion!, kind: owner.kind!, name: owner.metadata.name!, uid: owner.metadata.uid!, controller: true, blockOwnerDeletion: true };
}

const requestsCache = new WeakMap<Pod, { cpu: number; memory: number }>();
/** By uid and the containers' resources: a pod's status writes make new stored objects with the same requests. */
const requestsByUid = new Map<string, { resources: string; requests: { cpu: number; memory: number } }>();

/** Sum of container requests: cpu in millicores, memory in bytes (cached per stored object and per pod). */
export function podRequests(pod: Pod): { cpu: number; memory: number } {
  const cached = requestsCache.get(pod);
  if (cached) return cached;
  const uid = pod.metadata.uid;
  const resources = uid ? JSON.stringify(pod.spec.containers.map((c) => c.resources?.requests)) : '';
  const known = uid ? requestsByUid.get(uid) : undefined;
  if (known && known.resources === resources) {
    requestsCache.set(pod, known.requests);
    return known.requests;
  }
  let cpu = 0;
  let memory = 0;
  for (const c of pod.spec.containers) {
    cpu += milliCpu(c.resources?.requests?.cpu);
    memory += parseQuantity(c.resources?.requests?.memory);
  }
  const result = { cpu, memory };
  requestsCache.set(pod, result);
  if (uid) {
    if (requestsByUid.size > 20_000) requestsByUid.clear();
    requestsByUid.set(uid, { resources, requests: result });
  }
  return result;
}
