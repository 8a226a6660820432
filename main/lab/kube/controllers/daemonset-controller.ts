/**
 * DaemonSet controller (pkg/controller/daemon): one pod per node the template fits (node
 * selector, required node affinity, taints against the template's tolerations plus the ones
 * every DaemonSet pod gets), pinned with a `metadata.name` node affinity and placed by the
 * scheduler; rolling updates one pod at a time (maxUnavailable 1); ControllerRevisions; status.
 */
import { createHash } from 'node:crypto';
import type { LabClock } from '../../lab-clock';
import type { KubeApi } from '../api/kube-api';
import { resourceForKind } from '../api/resource-registry';
import { StatusError } from '../api/status-errors';
import type { KubeObject, LabelSelector, NodeObject, Pod, PodTemplateSpec, Toleration } from '../api/types';
import type { EventRecorder } from './event-recorder';
import { controllerRef, isAvailable, isReady, ownerReferenceTo } from './pod-util';
import { WorkQueue, objectKey, splitKey } from './work-queue';

const SOURCE = { component: 'daemonset-controller' };

interface DaemonSet extends KubeObject {
  spec: { selector: LabelSelector; template: PodTemplateSpec; minReadySeconds?: number; updateStrategy?: { type?: string } };
  status?: Record<string, unknown>;
}

/** Tolerations the controller adds to every DaemonSet pod (util.AddOrUpdateDaemonPodTolerations). */
function daemonTolerations(template: PodTemplateSpec): Toleration[] {
  const add: Toleration[] = [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
  ];
  if (template.spec.hostNetwork) add.push({ key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' });
  const own = template.spec.tolerations ?? [];
  return [...own, ...add.filter((a) => !own.some((t) => t.key === a.key && t.effect === a.effect))];
}

function tolerated(tolerations: Toleration[], taint: { key: string; value?: string; effect: string }): boolean {
  return tolerations.some(
    (t) => (t.operator === 'Exists' ? !t.key || t.key === taint.key : t.key === taint.key && (t.value ?? '') === (taint.value ?? '')) && (!t.effect || t.effect === taint.effect),
  );
}

function hashTemplate(template: PodTemplateSpec): string {
  return createHash('sha256').update(JSON.stringify(template)).digest('hex').slice(0, 10).replace(/[0-9]/g, (d) => 'bcdfghjklm'[Number(d)]!);
}

export class DaemonSetController {
  readonly queue: WorkQueue;
  #unsubscribe: (() => void)[] = [];

  constructor(
    private readonly api: KubeApi,
    private readonly clock: LabClock,
    private readonly events: EventRecorder,
  ) {
    this.queue = new WorkQueue('daemonset-controller', clock, (key) => this.#sync(key));
  }

  start(): void {
    const all = () => {
      for (const ds of this.api.objects<DaemonSet>('DaemonSet')) this.queue.add(objectKey(ds.metadata.namespace, ds.metadata.name!));
    };
    this.#unsubscribe.push(
      this.api.store.subscribe('apps/daemonsets', (e) => this.queue.add(objectKey(e.object.metadata.namespace, e.object.metadata.name!))),
      this.api.store.subscribe('core/pods', (e) => {
        const ref = controllerRef(e.object);
        if (ref?.kind === 'DaemonSet') this.queue.add(objectKey(e.object.metadata.namespace, ref.name));
      }),
      this.api.store.subscribe('core/nodes', all),
    );
    all();
  }

  stop(): void {
    for (const u of this.#unsubscribe) u();
    this.queue.stop();
  }

  /** Should a pod of this template run on the node (nodeShouldRunDaemonPod)? */
  #fits(template: PodTemplateSpec, tolerations: Toleration[], node: NodeObject): boolean {
    for (const [k, v] of Object.entries(template.spec.nodeSelector ?? {})) if (node.metadata.labels?.[k] !== v) return false;
    for (const taint of node.spec.taints ?? []) {
      if ((taint.effect === 'NoSchedule' || taint.effect === 'NoExecute') && !tolerated(tolerations, taint)) return false;
    }
    return true;
  }

  #sync(key: string): void {
    const [namespace, name] = splitKey(key);
    const ds = this.api.tryGet<DaemonSet>(resourceForKind('DaemonSet'), namespace, name);
    if (!ds || ds.metadata.deletionTimestamp) return;
    const hash = hashTemplate(ds.spec.template);
    const generation = String(ds.metadata.generation ?? 1);
    this.#revision(ds, hash);
    const tolerations = daemonTolerations(ds.spec.template);
    const nodes = this.api.objects<NodeObject>('Node');
    const owned = this.api.objects<Pod>('Pod', namespace).filter((p) => controllerRef(p)?.uid === ds.metadata.uid);
    const byNode = new Map<string, Pod[]>();
    for (const p of owned) {
      const node = targetNode(p);
      if (!node) continue;
      byNode.set(node, [...(byNode.get(node) ?? []), p]);
    }
    const wanted = nodes.filter((n) => this.#fits(ds.spec.template, tolerations, n));
    const wantedNames = new Set(wanted.map((n) => n.metadata.name!));
    // Pods on nodes that should not run one go; failed pods are replaced.
    for (const [node, pods] of byNode) {
      for (const p of pods) {
        if (p.metadata.deletionTimestamp) continue;
        if (!wantedNames.has(node) || p.status?.phase === 'Failed') {
          this.#deletePod(ds, p);
        }
      }
    }
    for (const node of wanted) {
      const pods = (byNode.get(node.metadata.name!) ?? []).filter((p) => p.status?.phase !== 'Failed');
      if (pods.length) continue;
      this.#createPod(ds, node.metadata.name!, tolerations, hash, generation);
    }
    // RollingUpdate, maxUnavailable 1: replace one outdated pod when every other pod is available.
    if ((ds.spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate') {
      const current = owned.filter((p) => !p.metadata.deletionTimestamp && wantedNames.has(targetNode(p) ?? ''));
      const outdated = current.filter((p) => p.metadata.labels?.['controller-revision-hash'] !== hash);
      const unavailable = current.filter((p) => !isAvailable(p, ds.spec.minReadySeconds ?? 0, this.clock)).length + owned.filter((p) => p.metadata.deletionTimestamp).length;
      if (outdated.length && unavailable === 0) this.#deletePod(ds, outdated.sort((a, b) => (isReady(a) ? 1 : 0) - (isReady(b) ? 1 : 0))[0]!);
    }
    this.#updateStatus(ds, hash, wanted, owned);
  }

  #createPod(ds: DaemonSet, node: string, tolerations: Toleration[], hash: string, generation: string): void {
    const template = structuredClone(ds.spec.template);
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        ...template.metadata,
        generateName: `${ds.metadata.name}-`,
        labels: { ...template.metadata?.labels, 'controller-revision-hash': hash, 'pod-template-generation': generation },
        ownerReferences: [ownerReferenceTo(ds)],
      },
      spec: {
        ...template.spec,
        tolerations,
        affinity: {
          ...template.spec.affinity,
          nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }] }] } },
        },
      },
    } as Pod;
    delete pod.metadata.creationTimestamp;
    delete pod.metadata.name; // a template's own name is ignored: pods get generated names
    try {
      const created = this.api.create<Pod>(resourceForKind('Pod'), ds.metadata.namespace, pod, { fieldManager: 'kube-controller-manager' });
      this.events.record(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`, SOURCE);
    } catch (err) {
      const message = err instanceof StatusError ? err.message : String(err);
      this.events.record(ds, 'Warning', 'FailedCreate', `Error creating: ${message}`, SOURCE);
      this.queue.addAfter(objectKey(ds.metadata.namespace, ds.metadata.name!), 10_000);
    }
  }

  #deletePod(ds: DaemonSet, pod: Pod): void {
    try {
      this.api.delete(resourceForKind('Pod'), pod.metadata.namespace, pod.metadata.name!);
      this.events.record(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`, SOURCE);
    } catch (err) {
      if (!(err instanceof StatusError)) throw err;
    }
  }

  /** The ControllerRevision of the current template (revision numbers grow with each new template). */
  #revision(ds: DaemonSet, hash: string): void {
    const t = resourceForKind('ControllerRevision');
    const name = `${ds.metadata.name}-${hash}`;
    const revisions = this.api.objects('ControllerRevision', ds.metadata.namespace).filter((r) => controllerRef(r)?.uid === ds.metadata.uid);
    if (revisions.some((r) => r.metadata.name === name)) return;
    const next = Math.max(0, ...revisions.map((r) => Number(r.revision ?? 0))) + 1;
    try {
      this.api.create(t, ds.metadata.namespace, {
        metadata: { name, labels: { ...ds.spec.template.metadata?.labels, 'controller-revision-hash': hash }, ownerReferences: [ownerReferenceTo(ds)] },
        data: { spec: { template: { ...ds.spec.template, $patch: 'replace' } } },
        revision: next,
      } as KubeObject, { fieldManager: 'kube-controller-manager' });
    } catch (err) {
      if (!(err instanceof StatusError)) throw err;
    }
  }

  #updateStatus(ds: DaemonSet, hash: string, wanted: NodeObject[], owned: Pod[]): void {
    const minReady = ds.spec.minReadySeconds ?? 0;
    const wantedNames = new Set(wanted.map((n) => n.metadata.name!));
    const live = owned.filter((p) => !p.metadata.deletionTimestamp);
    const nodesWithPod = new Set(live.map((p) => targetNode(p)).filter((n): n is string => !!n));
    const onWanted = live.filter((p) => wantedNames.has(targetNode(p) ?? ''));
    const status: Record<string, number> = {
      currentNumberScheduled: [...nodesWithPod].filter((n) => wantedNames.has(n)).length,
      numberMisscheduled: [...nodesWithPod].filter((n) => !wantedNames.has(n)).length,
      desiredNumberScheduled: wanted.length,
      numberReady: onWanted.filter(isReady).length,
      observedGeneration: ds.metadata.generation ?? 1,
      updatedNumberScheduled: onWanted.filter((p) => p.metadata.labels?.['controller-revision-hash'] === hash).length,
      numberAvailable: onWanted.filter((p) => isAvailable(p, minReady, this.clock)).length,
    };
    status.numberUnavailable = status.desiredNumberScheduled! - status.numberAvailable!;
    if (minReady && status.numberReady! > status.numberAvailable!) this.queue.addAfter(objectKey(ds.metadata.namespace, ds.metadata.name!), minReady * 1000);
    const clean = Object.fromEntries(Object.entries(status).filter(([k, v]) => v !== 0 || ['currentNumberScheduled', 'numberMisscheduled', 'desiredNumberScheduled', 'numberReady'].includes(k)));
    if (JSON.stringify(clean) === JSON.stringify(ds.status ?? {})) return;
    this.api.mutate<DaemonSet>('DaemonSet', ds.metadata.namespace, ds.metadata.name!, (o) => void (o.status = clean), 'status');
  }
}

/** The node a DaemonSet pod is for: where it runs, or its `metadata.name` affinity before it is bound. */
function targetNode(pod: Pod): string | undefined {
  if (pod.spec.nodeName) return pod.spec.nodeName;
  const terms = (pod.spec.affinity?.nodeAffinity as { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: { matchFields?: { key: string; values?: string[] }[] }[] } } | undefined)
    ?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  return terms?.[0]?.matchFields?.find((f) => f.key === 'metadata.name')?.values?.[0];
}

