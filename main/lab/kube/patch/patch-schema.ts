/**
 * The strategic-merge metadata (patchStrategy / patchMergeKey / retainKeys) of the list and map
 * fields of the kinds the lab serves, as upstream's Go struct tags declare them. The server's
 * strategic merge and the OpenAPI documents kubectl computes its patches from both read it. Paths are
 * field names joined by '.', list elements written as `[]`.
 */
export type ListStrategy = { mergeKey: string } | 'merge-primitive' | 'replace';

const MERGE_KEYS: [RegExp, string][] = [
  [/(^|\.)(containers|initContainers|ephemeralContainers)$/, 'name'],
  [/(containers|initContainers|ephemeralContainers)\[\]\.ports$/, 'containerPort'],
  [/(containers|initContainers|ephemeralContainers)\[\]\.env$/, 'name'],
  [/(containers|initContainers|ephemeralContainers)\[\]\.volumeMounts$/, 'mountPath'],
  [/(containers|initContainers|ephemeralContainers)\[\]\.volumeDevices$/, 'devicePath'],
  [/(containers|initContainers|ephemeralContainers)\[\]\.resizePolicy$/, 'resourceName'],
  [/(^|\.)volumes$/, 'name'],
  [/(^|\.)imagePullSecrets$/, 'name'],
  [/(^|\.)hostAliases$/, 'ip'],
  [/(^|\.)topologySpreadConstraints$/, 'topologyKey'],
  [/(^|\.)resourceClaims$/, 'name'],
  [/(^|\.)conditions$/, 'type'],
  [/(^|\.)ownerReferences$/, 'uid'],
  [/^spec\.ports$/, 'port'],
  [/^spec\.taints$/, 'key'],
  [/^status\.addresses$/, 'type'],
  [/(^|\.)containerStatuses$/, 'name'],
];

const PRIMITIVE_MERGE = [/(^|\.)finalizers$/];

export function listStrategy(path: string): ListStrategy {
  for (const [re, mergeKey] of MERGE_KEYS) if (re.test(path)) return { mergeKey };
  if (PRIMITIVE_MERGE.some((re) => re.test(path))) return 'merge-primitive';
  return 'replace';
}

/** Fields with the `retainKeys` patch strategy (a union whose unset members are cleared). */
const RETAIN_KEYS = [/^spec\.strategy$/, /(^|\.)volumes$/, /^spec\.updateStrategy$/];

export function hasRetainKeys(path: string): boolean {
  return RETAIN_KEYS.some((re) => re.test(path));
}
