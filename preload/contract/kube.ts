/**
 * The shapes the Kubernetes library (main/kube/) hands to the window: compact, plain snapshots
 * of nodes, pods, deployments, ReplicaSets, services, endpoints and events; the connection
 * state of live views; rollout status and history as kubectl computes them; apply previews and
 * results; the reset list; HTTP probes; and errors with the API's own reason. Names only: the
 * lessons' methods and events that carry them are declared where the lessons are.
 * Times are RFC 3339 strings as the API writes them; `*Ms` are milliseconds.
 */
import { z } from 'zod';

const iso = z.string();
const labels = z.record(z.string(), z.string());

// ---------------------------------------------------------------- errors

export const kubeErrorCodes = [
  'FORBIDDEN',
  'CONFLICT',
  'INVALID',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'UNAUTHORIZED',
  'BAD_REQUEST',
  'GONE',
  'TOO_MANY_REQUESTS',
  'SERVER_ERROR',
  'UNAVAILABLE',
  'TLS',
  'CANCELLED',
  'KUBECONFIG_INVALID',
  'KUBECONFIG_PLUGIN_REFUSED',
  'KUBECONFIG_UNSUPPORTED',
  'CLUSTER_MISMATCH',
  'INVALID_MANIFEST',
  'UNSUPPORTED_KIND',
  'REVISION_NOT_FOUND',
  'NO_ROLLOUT_HISTORY',
  'DEPLOYMENT_PAUSED',
  'ALREADY_PAUSED',
  'NOT_PAUSED',
  'RESTART_TOO_SOON',
  'CONTAINER_NOT_FOUND',
  'PROGRESS_DEADLINE_EXCEEDED',
  'REVISION_MISMATCH',
] as const;
export const kubeErrorCode = z.enum(kubeErrorCodes);
export type KubeErrorCode = z.infer<typeof kubeErrorCode>;

const quantities = z.record(z.string(), z.string());
export const kubeForbiddenDetail = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('quota-exceeded'), quota: z.string(), requested: quantities, used: quantities, limited: quantities }),
  z.object({ kind: z.literal('quota-must-specify'), quota: z.string(), missing: z.array(z.object({ resource: z.string(), containers: z.array(z.string()) })) }),
  z.object({ kind: z.literal('quota-status-unknown'), quota: z.string(), resources: z.array(z.string()) }),
  z.object({ kind: z.literal('quota-insufficient'), resources: z.array(z.string()) }),
  z.object({ kind: z.literal('limit-range'), reasons: z.array(z.string()) }),
]);

export const kubeApplyConflict = z.object({ manager: z.string(), field: z.string(), apiVersion: z.string().optional() });

export const kubeErrorInfo = z.object({
  code: kubeErrorCode,
  /** The API's own message (or kubectl's text for rollout refusals). */
  message: z.string(),
  httpStatus: z.number().int().optional(),
  /** Status.reason: Forbidden, Conflict, Invalid, NotFound, AlreadyExists, ... */
  reason: z.string().optional(),
  details: z.object({ name: z.string().optional(), group: z.string().optional(), kind: z.string().optional() }).optional(),
  forbidden: kubeForbiddenDetail.optional(),
  conflicts: z.array(kubeApplyConflict).optional(),
  causes: z.array(z.object({ field: z.string().optional(), reason: z.string().optional(), message: z.string().optional() })).optional(),
  network: z.object({ code: z.string(), server: z.string().optional(), phase: z.enum(['connect', 'response']) }).optional(),
  values: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
});
export type KubeErrorInfoView = z.infer<typeof kubeErrorInfo>;

// ---------------------------------------------------------------- connection

export const kubeConnectionState = z.object({
  state: z.enum(['connecting', 'connected', 'reconnecting', 'stopped']),
  /** The API server the view reads from. */
  server: z.string(),
  /** Epoch ms of the last state change. */
  since: z.number(),
  /** Why it is reconnecting. */
  error: kubeErrorInfo.optional(),
  /** Epoch ms of the next attempt while reconnecting. */
  nextAttemptAt: z.number().optional(),
});
export type KubeConnectionState = z.infer<typeof kubeConnectionState>;

export const kubeServerAttempt = z.object({ server: z.string(), ok: z.boolean(), ms: z.number(), error: kubeErrorInfo.optional() });
export const kubeClusterIdentity = z.object({ kubeSystemUid: z.string(), caFingerprint: z.string().optional(), server: z.string() });

// ---------------------------------------------------------------- snapshots

export const kubeCondition = z.object({
  type: z.string(),
  status: z.string(),
  reason: z.string().optional(),
  message: z.string().optional(),
  lastTransitionTime: iso.optional(),
  lastUpdateTime: iso.optional(),
});

export const kubeOwner = z.object({ kind: z.string(), name: z.string(), uid: z.string() });

export const kubeNode = z.object({
  name: z.string(),
  uid: z.string(),
  /** The Ready condition: True, False or Unknown (the node controller stopped hearing from the kubelet). */
  ready: z.object({ status: z.enum(['True', 'False', 'Unknown']), reason: z.string().optional(), message: z.string().optional(), since: iso.optional() }),
  /** From MicroK8s' labels (`control-plane`, `worker`) and any `node-role.kubernetes.io/<role>`. */
  roles: z.array(z.string()),
  allocatable: z.object({ cpuMillicores: z.number().int(), memoryBytes: z.number(), pods: z.number().int() }),
  taints: z.array(z.object({ key: z.string(), value: z.string().optional(), effect: z.string(), timeAdded: iso.optional() })),
  unschedulable: z.boolean(),
  addresses: z.array(z.object({ type: z.string(), address: z.string() })),
  internalIP: z.string().optional(),
  kubeletVersion: z.string().optional(),
  architecture: z.string().optional(),
  labels,
  createdAt: iso,
});
export type KubeNodeView = z.infer<typeof kubeNode>;

export const kubeContainer = z.object({
  name: z.string(),
  image: z.string(),
  ready: z.boolean(),
  restartCount: z.number().int(),
  state: z.enum(['waiting', 'running', 'terminated', 'unknown']),
  reason: z.string().optional(),
  message: z.string().optional(),
  startedAt: iso.optional(),
});

export const kubePod = z.object({
  name: z.string(),
  namespace: z.string(),
  uid: z.string(),
  /** status.phase: Pending, Running, Succeeded, Failed, Unknown. */
  phase: z.string(),
  /** STATUS as `kubectl get pods` prints it: Running, Pending, ContainerCreating, ErrImagePull, ImagePullBackOff, CrashLoopBackOff, Terminating, Completed, Init:0/1, ... */
  status: z.string(),
  ready: z.object({ ready: z.number().int(), total: z.number().int() }),
  restarts: z.number().int(),
  lastRestartAt: iso.optional(),
  node: z.string().optional(),
  nominatedNode: z.string().optional(),
  podIP: z.string().optional(),
  podTemplateHash: z.string().optional(),
  images: z.array(z.string()),
  labels,
  owner: kubeOwner.optional(),
  createdAt: iso,
  deletingAt: iso.optional(),
  conditions: z.array(kubeCondition),
  containers: z.array(kubeContainer),
  /** Sums over the pod's containers of what they request and may use (absent when no container sets any): what the scheduler and a ResourceQuota count. */
  resources: z
    .object({
      requests: z.object({ cpuMillicores: z.number().int(), memoryBytes: z.number() }),
      limits: z.object({ cpuMillicores: z.number().int(), memoryBytes: z.number() }),
    })
    .optional(),
});
export type KubePodView = z.infer<typeof kubePod>;

const intOrString = z.union([z.number(), z.string()]);

export const kubeDeployment = z.object({
  name: z.string(),
  namespace: z.string(),
  uid: z.string(),
  labels,
  /** spec.replicas */
  replicas: z.number().int(),
  status: z.object({ replicas: z.number().int(), updated: z.number().int(), ready: z.number().int(), available: z.number().int(), unavailable: z.number().int() }),
  generation: z.number().int(),
  observedGeneration: z.number().int(),
  strategy: z.object({ type: z.string(), maxSurge: intOrString.optional(), maxUnavailable: intOrString.optional() }),
  paused: z.boolean(),
  images: z.array(z.string()),
  /** deployment.kubernetes.io/revision */
  revision: z.number().int().optional(),
  changeCause: z.string().optional(),
  selector: labels,
  conditions: z.array(kubeCondition),
  createdAt: iso,
});
export type KubeDeploymentView = z.infer<typeof kubeDeployment>;

export const kubeReplicaSet = z.object({
  name: z.string(),
  namespace: z.string(),
  uid: z.string(),
  labels,
  /** pod-template-hash */
  hash: z.string().optional(),
  revision: z.number().int().optional(),
  desired: z.number().int(),
  current: z.number().int(),
  ready: z.number().int(),
  available: z.number().int(),
  images: z.array(z.string()),
  changeCause: z.string().optional(),
  owner: kubeOwner.optional(),
  createdAt: iso,
});
export type KubeReplicaSetView = z.infer<typeof kubeReplicaSet>;

export const kubeService = z.object({
  name: z.string(),
  namespace: z.string(),
  uid: z.string(),
  labels,
  type: z.string(),
  clusterIP: z.string().optional(),
  ports: z.array(z.object({ name: z.string().optional(), protocol: z.string(), port: z.number().int(), targetPort: intOrString.optional(), nodePort: z.number().int().optional() })),
  externalIPs: z.array(z.string()),
  /** LoadBalancer addresses (status.loadBalancer.ingress); `pending` when a LoadBalancer has none (kubectl's `<pending>`). */
  loadBalancer: z.object({ ingress: z.array(z.string()), pending: z.boolean() }),
  selector: labels,
  createdAt: iso,
});
export type KubeServiceView = z.infer<typeof kubeService>;

const endpointAddress = z.object({ ip: z.string(), pod: z.string().optional(), node: z.string().optional() });
export const kubeEndpoints = z.object({
  /** The Service these endpoints belong to (EndpointSlices joined by `kubernetes.io/service-name`). */
  service: z.string(),
  namespace: z.string(),
  ports: z.array(z.object({ name: z.string().optional(), port: z.number().int(), protocol: z.string() })),
  ready: z.array(endpointAddress),
  notReady: z.array(endpointAddress),
});
export type KubeEndpointsView = z.infer<typeof kubeEndpoints>;

export const kubeEvent = z.object({
  uid: z.string(),
  name: z.string(),
  namespace: z.string(),
  /** Normal or Warning */
  type: z.string(),
  reason: z.string(),
  message: z.string(),
  involved: z.object({ kind: z.string(), name: z.string(), namespace: z.string().optional(), uid: z.string().optional(), fieldPath: z.string().optional() }),
  count: z.number().int(),
  firstAt: iso.optional(),
  lastAt: iso.optional(),
  source: z.object({ component: z.string().optional(), host: z.string().optional() }),
});
export type KubeEventView = z.infer<typeof kubeEvent>;

export const kubeResourceQuota = z.object({
  name: z.string(),
  namespace: z.string(),
  uid: z.string(),
  labels,
  /** spec.hard as written (`pods: "5"`, `requests.cpu: "1"`). */
  hard: z.record(z.string(), z.string()),
  /** status.used as the quota controller computed it (empty until it has). */
  used: z.record(z.string(), z.string()),
  /** Per resource, hard and used as numbers (CPU in cores, memory in bytes, counts) for bars. */
  amounts: z.record(z.string(), z.object({ hard: z.number(), used: z.number().optional() })),
  scopes: z.array(z.string()),
  createdAt: iso,
});
export type KubeResourceQuotaView = z.infer<typeof kubeResourceQuota>;

const quantityMap = z.record(z.string(), z.string());
export const kubeLimitRange = z.object({
  name: z.string(),
  namespace: z.string(),
  uid: z.string(),
  labels,
  limits: z.array(z.object({ type: z.string(), default: quantityMap.optional(), defaultRequest: quantityMap.optional(), max: quantityMap.optional(), min: quantityMap.optional() })),
  createdAt: iso,
});
export type KubeLimitRangeView = z.infer<typeof kubeLimitRange>;

export const kubeViewKind = z.enum(['nodes', 'pods', 'deployments', 'replicasets', 'services', 'endpoints', 'events', 'resourcequotas', 'limitranges']);
export type KubeViewKind = z.infer<typeof kubeViewKind>;

export const kubeViewSpec = z.object({
  kinds: z.array(kubeViewKind).min(1),
  /** Namespace of the namespaced kinds; all namespaces when absent (nodes are cluster-wide). */
  namespace: z.string().min(1).max(63).optional(),
});
export type KubeViewSpec = z.infer<typeof kubeViewSpec>;

export const kubeViewSnapshot = z.object({
  /** Increases with every snapshot of the view. */
  seq: z.number().int(),
  /** Epoch ms when it was built. */
  at: z.number(),
  /** The worst state among the view's watches (reconnecting wins over connected). */
  connection: kubeConnectionState,
  nodes: z.array(kubeNode).optional(),
  pods: z.array(kubePod).optional(),
  deployments: z.array(kubeDeployment).optional(),
  replicasets: z.array(kubeReplicaSet).optional(),
  services: z.array(kubeService).optional(),
  endpoints: z.array(kubeEndpoints).optional(),
  events: z.array(kubeEvent).optional(),
  resourcequotas: z.array(kubeResourceQuota).optional(),
  limitranges: z.array(kubeLimitRange).optional(),
});
export type KubeViewSnapshot = z.infer<typeof kubeViewSnapshot>;

// ---------------------------------------------------------------- rollout

export const kubeRolloutStatus = z.object({
  /** kubectl rollout status's line (without the newline), or its error text when `failed`. */
  message: z.string(),
  done: z.boolean(),
  failed: z.boolean(),
  state: z.enum(['waiting-spec-observed', 'waiting-updated', 'waiting-old-terminating', 'waiting-available', 'done', 'progress-deadline-exceeded']),
  values: z.object({ name: z.string(), updated: z.number().int().optional(), replicas: z.number().int().optional(), old: z.number().int().optional(), available: z.number().int().optional() }),
});
export type KubeRolloutStatus = z.infer<typeof kubeRolloutStatus>;

export const kubeRolloutRevision = z.object({
  revision: z.number().int(),
  replicaSet: z.string(),
  hash: z.string().optional(),
  images: z.array(z.string()),
  changeCause: z.string().optional(),
  createdAt: iso,
  /** The ReplicaSet whose template the deployment has now. */
  current: z.boolean(),
  desired: z.number().int(),
  ready: z.number().int(),
});
export const kubeRolloutHistory = z.object({
  deployment: z.string(),
  namespace: z.string(),
  revisions: z.array(kubeRolloutRevision),
  /** What `kubectl rollout history deployment/NAME` prints. */
  text: z.string(),
});
export type KubeRolloutHistory = z.infer<typeof kubeRolloutHistory>;

export const kubeRolloutResult = z.object({
  /** What kubectl prints, e.g. `deployment.apps/nginx rolled back`, `deployment.apps/nginx skipped rollback (current template already matches revision 2)`. */
  message: z.string(),
  outcome: z.enum(['rolled-back', 'skipped', 'paused', 'resumed', 'restarted', 'image-updated', 'annotated', 'scaled', 'unchanged']),
  revision: z.number().int().optional(),
});
export type KubeRolloutResult = z.infer<typeof kubeRolloutResult>;

export const kubeScale = z.object({ replicas: z.number().int(), currentReplicas: z.number().int(), selector: z.string() });

// ---------------------------------------------------------------- apply

const objectRef = { apiVersion: z.string(), kind: z.string(), name: z.string(), namespace: z.string().optional() };

export const kubeFieldChange = z.object({
  path: z.string(),
  change: z.enum(['add', 'change', 'remove']),
  live: z.unknown().optional(),
  desired: z.unknown().optional(),
  owners: z.array(z.object({ manager: z.string(), operation: z.string().optional(), subresource: z.string().optional() })),
  foreign: z.boolean(),
});

export const kubeObjectPlan = z.object({
  ...objectRef,
  display: z.string(),
  action: z.enum(['create', 'update', 'unchanged']),
  changes: z.array(kubeFieldChange),
  drift: z.array(kubeFieldChange),
  conflicts: z.array(kubeApplyConflict),
  error: kubeErrorInfo.optional(),
});

export const kubeApplyResult = z.object({
  dryRun: z.boolean(),
  objects: z.array(
    z.object({
      ...objectRef,
      action: z.enum(['created', 'configured', 'unchanged']),
      uid: z.string().optional(),
      resourceVersion: z.string().optional(),
      generation: z.number().int().optional(),
      display: z.string(),
      tookBack: z.array(kubeApplyConflict).optional(),
    }),
  ),
  failed: z.object({ ...objectRef, index: z.number().int(), stage: z.enum(['check', 'apply']), error: kubeErrorInfo }).optional(),
});
export type KubeApplyResult = z.infer<typeof kubeApplyResult>;

// ---------------------------------------------------------------- reset

export const kubeManagedObject = z.object({ ...objectRef, uid: z.string(), display: z.string() });
export const kubeResetPlan = z.object({
  /** What a reset deletes, namespaces last. */
  objects: z.array(kubeManagedObject),
  /** Labelled objects that go with their owner or namespace (pods, ReplicaSets, objects in a deleted namespace). */
  dependents: z.array(kubeManagedObject),
  /** Labelled but never deleted (default, kube-system, kube-public, kube-node-lease). */
  protected: z.array(kubeManagedObject),
});
export const kubeResetResult = z.object({
  deleted: z.array(kubeManagedObject),
  /** Still there when the wait ended (e.g. pods on a node that is down). */
  remaining: z.array(kubeManagedObject),
  failed: z.array(z.object({ object: kubeManagedObject, error: kubeErrorInfo })),
  protected: z.array(kubeManagedObject),
});

// ---------------------------------------------------------------- HTTP probing

export const kubeHttpProbe = z.object({
  url: z.string(),
  /** Where the request actually went (after the address translation of practice mode). */
  connectedTo: z.string(),
  status: z.number().int().optional(),
  headers: z.object({ server: z.string().optional(), wwwAuthenticate: z.string().optional(), contentType: z.string().optional() }),
  body: z.string(),
  bodyBytes: z.number().int(),
  truncated: z.boolean(),
  /** `ECONNREFUSED`, `ETIMEDOUT`, ... when there was no HTTP answer. */
  error: z.string().optional(),
  timing: z.object({ startedAt: z.number(), connectMs: z.number().optional(), firstByteMs: z.number().optional(), totalMs: z.number() }),
});
export type KubeHttpProbe = z.infer<typeof kubeHttpProbe>;

export const kubeProbeSample = z.object({
  /** ms since the prober started */
  t: z.number(),
  status: z.number().int().optional(),
  error: z.string().optional(),
  /** From `Server: nginx/1.16.1` */
  nginxVersion: z.string().optional(),
  /** The pod that answered, when the page or a header names it. */
  pod: z.string().optional(),
  ms: z.number(),
});
export type KubeProbeSample = z.infer<typeof kubeProbeSample>;

export const kubeProbeSummary = z.object({
  sent: z.number().int(),
  ok: z.number().int(),
  failed: z.number().int(),
  byVersion: z.record(z.string(), z.number().int()),
  byPod: z.record(z.string(), z.number().int()),
  /** The longest stretch (ms) from a failed request to the next success. */
  longestGapMs: z.number(),
});
