/**
 * CustomResourceDefinitions as apiextensions-apiserver serves them: the resource types a CRD
 * adds (one per served version, all sharing the storage version's bucket) and structural-schema
 * defaulting (`default:` values of the openAPIV3Schema) of custom objects on every write.
 */
import type { ResourceType } from './resource-registry';
import type { KubeObject } from './types';

interface CrdVersion {
  name: string;
  served?: boolean;
  storage?: boolean;
  schema?: { openAPIV3Schema?: Record<string, unknown> };
  subresources?: { status?: unknown; scale?: unknown };
  additionalPrinterColumns?: { name: string; type: string; jsonPath: string; format?: string; description?: string; priority?: number }[];
}

export interface CrdSpec {
  group: string;
  scope: 'Namespaced' | 'Cluster';
  names: { kind: string; plural: string; singular?: string; shortNames?: string[]; categories?: string[]; listKind?: string };
  versions: CrdVersion[];
}

/** The resource types a CRD serves (empty when it is being deleted or serves nothing). */
export function crdResourceTypes(crd: KubeObject): ResourceType[] {
  const spec = crd.spec as CrdSpec | undefined;
  if (!spec?.group || !spec.names?.plural || !spec.names.kind || crd.metadata.deletionTimestamp) return [];
  const bucket = `${spec.group}/${spec.names.plural}`;
  return (spec.versions ?? [])
    .filter((v) => v.served !== false)
    .map((v) => ({
      group: spec.group,
      version: v.name,
      kind: spec.names.kind,
      plural: spec.names.plural,
      singular: spec.names.singular || spec.names.kind.toLowerCase(),
      namespaced: spec.scope !== 'Cluster',
      ...(spec.names.shortNames?.length ? { shortNames: spec.names.shortNames } : {}),
      ...(spec.names.categories?.length ? { categories: spec.names.categories } : {}),
      subresources: [...(v.subresources?.status ? ['status'] : []), ...(v.subresources?.scale ? ['scale'] : [])],
      hasGeneration: true,
      bucket,
      custom: { crd: crd.metadata.name!, schema: v.schema?.openAPIV3Schema, printerColumns: v.additionalPrinterColumns, storage: !!v.storage },
    }));
}

type Schema = { type?: string; default?: unknown; properties?: Record<string, Schema>; items?: Schema; additionalProperties?: Schema | boolean };

/** Fill `default:` values into `value` as the structural schema says (objects and array items, recursively). */
export function applySchemaDefaults(schema: Schema | undefined, value: unknown): void {
  if (!schema || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const item of value) applySchemaDefaults(schema.items, item);
    return;
  }
  const obj = value as Record<string, unknown>;
  for (const [key, prop] of Object.entries(schema.properties ?? {})) {
    if (key === 'metadata' || key === 'apiVersion' || key === 'kind') continue;
    if (obj[key] === undefined && prop.default !== undefined) obj[key] = structuredClone(prop.default);
    applySchemaDefaults(prop, obj[key]);
  }
  if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
    for (const v of Object.values(obj)) applySchemaDefaults(schema.additionalProperties, v);
  }
}
