/**
 * The field lists of the Kubernetes types, taken from @kubernetes/client-node's generated
 * models (attributeTypeMap: JSON name, TypeScript type such as `Array<V1Container>` or
 * `{ [key: string]: string; }`). Source of the OpenAPI schemas and of unknown-field checks.
 */
import * as clientModels from '@kubernetes/client-node';

export interface ModelAttribute {
  baseName: string;
  type: string;
  format: string;
}

const MODELS = clientModels as unknown as Record<string, { attributeTypeMap?: ModelAttribute[] } | undefined>;

/** Attributes of a model type, or undefined for primitives and free-form types. */
export function modelAttributes(type: string): ModelAttribute[] | undefined {
  return MODELS[type]?.attributeTypeMap;
}

export const arrayItemType = (type: string) => /^Array<(.+)>$/.exec(type)?.[1];
export const mapValueType = (type: string) => /^\{ \[key: string\]: (.+); \}$/.exec(type)?.[1];

/** Paths of fields the type does not declare (`spec.replica`, `spec.template.spec.containers[0].imagee`). */
export function unknownFields(type: string, value: unknown, path = ''): string[] {
  if (value === null || typeof value !== 'object') return [];
  const item = arrayItemType(type);
  if (item) return Array.isArray(value) ? value.flatMap((v, i) => unknownFields(item, v, `${path}[${i}]`)) : [];
  const mapValue = mapValueType(type);
  if (mapValue) return Object.entries(value).flatMap(([k, v]) => unknownFields(mapValue, v, `${path}[${k}]`));
  const attrs = modelAttributes(type);
  if (!attrs || Array.isArray(value)) return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    const a = attrs.find((x) => x.baseName === k);
    const p = path ? `${path}.${k}` : k;
    if (!a) out.push(p);
    else out.push(...unknownFields(a.type, v, p));
  }
  return out;
}
