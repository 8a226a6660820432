/**
 * apiextensions-apiserver's part: a CustomResourceDefinition starts serving its resources as soon
 * as it is stored (discovery, OpenAPI, REST), gets the NamesAccepted and Established conditions,
 * and when deleted takes its custom objects with it.
 */
import type { LabClock } from '../../lab-clock';
import { crdResourceTypes } from '../api/custom-resources';
import type { CrdSpec } from '../api/custom-resources';
import type { KubeApi } from '../api/kube-api';
import { resourceForKind } from '../api/resource-registry';
import type { KubeObject } from '../api/types';
import { WorkQueue } from './work-queue';

const BUCKET = 'apiextensions.k8s.io/customresourcedefinitions';

export class CrdController {
  readonly queue: WorkQueue;
  #unsubscribe?: () => void;

  constructor(
    private readonly api: KubeApi,
    clock: LabClock,
  ) {
    this.queue = new WorkQueue('crd-controller', clock, (name) => this.#sync(name));
  }

  start(): void {
    // Types are (un)registered synchronously, so an object of a new kind can be created right after its CRD.
    this.#unsubscribe = this.api.store.subscribe(BUCKET, (e) => {
      const name = e.object.metadata.name!;
      if (e.type === 'DELETED') {
        this.#removeAll(e.object);
        this.api.registry.setCustom(name, []);
        return;
      }
      this.api.registry.setCustom(name, crdResourceTypes(e.object));
      this.queue.add(name);
    });
    for (const crd of this.api.store.scan(BUCKET)) {
      this.api.registry.setCustom(crd.metadata.name!, crdResourceTypes(crd));
      this.queue.add(crd.metadata.name!);
    }
  }

  stop(): void {
    this.#unsubscribe?.();
    this.queue.stop();
  }

  #removeAll(crd: KubeObject): void {
    const spec = crd.spec as CrdSpec | undefined;
    if (!spec) return;
    const bucket = `${spec.group}/${spec.names.plural}`;
    for (const o of [...this.api.store.scan(bucket)]) this.api.store.remove(bucket, o.metadata.namespace, o.metadata.name!);
  }

  #sync(name: string): void {
    const t = resourceForKind('CustomResourceDefinition');
    const crd = this.api.tryGet(t, undefined, name);
    if (!crd || crd.metadata.deletionTimestamp) return;
    const spec = crd.spec as CrdSpec;
    const status = (crd.status ?? {}) as { conditions?: { type: string; status: string }[]; storedVersions?: string[] };
    const established = status.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
    const storage = spec.versions.find((v) => v.storage)?.name;
    if (established && storage && status.storedVersions?.includes(storage)) return;
    const now = this.api.timestamp();
    this.api.mutate<KubeObject>('CustomResourceDefinition', undefined, name, (o) => {
      o.status = {
        acceptedNames: { kind: spec.names.kind, listKind: spec.names.listKind ?? `${spec.names.kind}List`, plural: spec.names.plural, singular: spec.names.singular || spec.names.kind.toLowerCase(), ...(spec.names.shortNames ? { shortNames: spec.names.shortNames } : {}), ...(spec.names.categories ? { categories: spec.names.categories } : {}) },
        conditions: [
          { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found', lastTransitionTime: now },
          { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted', lastTransitionTime: now },
        ],
        storedVersions: [...new Set([...(status.storedVersions ?? []), ...(storage ? [storage] : [])])],
      };
    }, 'status');
  }
}
