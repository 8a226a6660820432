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

const strategies = new Map<string, ListStrategy>();

/** The list's strategy (memoised per path: field ownership looks it up for every list of every write). */
export function listStrategy(path: string): ListStrategy {
  let strategy = strategies.get(path);
  if (strategy === undefined) {
    strategy = 'replace';
    const merge = MERGE_KEYS.find(([re]) => re.test(path));
    if (merge) strategy = { mergeKey: merge[1] };
    else if (PRIMITIVE_MERGE.some((re) => re.test(path))) strategy = 'merge-primitive';
    if (strategies.size > 10_000) strategies.clear();
    strategies.set(path, strategy);
  }
  return typeof strategy === 'object' ? { mergeKey: strategy.mergeKey } : strategy;
}

/** Fields with the `retainKeys` patch strategy (a union whose unset members are cleared). */
const RETAIN_KEYS = [/^spec\.strategy$/, /(^|\.)volumes$/, /^spec\.updateStrategy$/];

export function hasRetainKeys(path: string): boolean {
  return RETAIN_KEYS.some((re) => re.test(path));
}
