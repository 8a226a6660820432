/**
 * The pods/eviction subresource (pkg/registry/core/pod/storage/eviction.go, Kubernetes 1.32):
 * `POST .../pods/<name>/eviction` with a policy/v1 Eviction deletes the pod gracefully unless its
 * PodDisruptionBudget has no disruption left, which answers 429 TooManyRequests with upstream's
 * message and DisruptionBudget cause (`kubectl drain` prints it and retries every 5 s).
 */
import type { DisruptionController, Pdb } from '../controllers/disruption-controller';
import { pdbPods } from '../controllers/disruption-controller';
import type { KubeApi } from './kube-api';
import { resourceForKind } from './resource-registry';
import { badRequest, StatusError } from './status-errors';
import type { KubeObject, Pod } from './types';

interface Eviction {
  metadata?: { name?: string; namespace?: string };
  deleteOptions?: { gracePeriodSeconds?: number; preconditions?: { uid?: string; resourceVersion?: string } };
}

const SUCCESS = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };

function tooManyRequests(cause: string): StatusError {
  return new StatusError(429, 'TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget.", { causes: [{ reason: 'DisruptionBudget', message: cause, field: '' }] });
}

/** Terminal, pending and already deleting pods are evicted without consulting a budget (canIgnorePDB). */
function canIgnorePdb(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || !!pod.metadata.deletionTimestamp;
}

export function evictPod(api: KubeApi, disruption: DisruptionController | undefined, namespace: string, name: string, body: unknown): object {
  const eviction = (body ?? {}) as Eviction;
  if (eviction.metadata?.name && eviction.metadata.name !== name) throw badRequest('name in URL does not match name in Eviction object');
  const podType = resourceForKind('Pod');
  const pod = api.get(podType, namespace, name) as Pod;
  const grace = eviction.deleteOptions?.gracePeriodSeconds;
  const remove = () => {
    if (!pod.metadata.deletionTimestamp) {
      api.mutate<Pod>(
        'Pod',
        namespace,
        name,
        (p) => {
          p.status ??= {};
          p.status.conditions = [
            ...(p.status.conditions ?? []).filter((c) => c.type !== 'DisruptionTarget'),
            { type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting', lastProbeTime: null, lastTransitionTime: api.timestamp() },
          ];
        },
        'status',
      );
    }
    api.delete(podType, namespace, name, { ...(grace !== undefined ? { gracePeriodSeconds: grace } : {}), preconditions: eviction.deleteOptions?.preconditions });
    return SUCCESS;
  };
  if (canIgnorePdb(pod)) return remove();
  const pdbs = api.objects<Pdb>('PodDisruptionBudget', namespace).filter((pdb) => pdbPods(api, pdb).some((p) => p.metadata.uid === pod.metadata.uid));
  if (pdbs.length === 0) return remove();
  if (pdbs.length > 1) throw new StatusError(500, 'InternalError', 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
  const pdb = pdbs[0]!;
  const status = pdb.status;
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
  // An unready pod may go when the budget is met anyway (unhealthyPodEvictionPolicy IfHealthyBudget).
  if (!ready && status && status.currentHealthy >= status.desiredHealthy && status.desiredHealthy > 0) return remove();
  if (!status || (status.observedGeneration ?? 0) < (pdb.metadata.generation ?? 1)) throw tooManyRequests(`The disruption budget ${pdb.metadata.name} is still being processed by the server.`);
  if (status.disruptionsAllowed < 0) throw new StatusError(403, 'Forbidden', 'pdb disruptions allowed is negative');
  if (status.disruptionsAllowed === 0) throw tooManyRequests(`The disruption budget ${pdb.metadata.name} needs ${status.desiredHealthy} healthy pods and has ${status.currentHealthy} currently`);
  api.mutate<KubeObject & { status: NonNullable<Pdb['status']> }>(
    'PodDisruptionBudget',
    namespace,
    pdb.metadata.name!,
    (p) => {
      p.status.disruptionsAllowed -= 1;
      p.status.disruptedPods = { ...p.status.disruptedPods, [name]: api.timestamp() };
    },
    'status',
  );
  disruption?.noteEviction(namespace, name);
  return remove();
}
