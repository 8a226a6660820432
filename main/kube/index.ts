/**
 * The Kubernetes library of the app (see README.md beside this file). Import-light: the
 * client library (@kubernetes/client-node) is loaded when the first cluster is opened.
 */
export { openCluster, KubeCluster } from './kube-cluster';
export type { OpenClusterOptions } from './kube-cluster';
export { KubeConnection, loadClientNode } from './kube-connection';
export type { ConnectResult, KubeConnectOptions, ServerAttempt } from './kube-connection';
export { compareIdentity } from './cluster-identity';
export type { ClusterIdentity, IdentityComparison } from './cluster-identity';
export { KubeError, toKubeError } from './kube-errors';
export type { KubeErrorCode, KubeErrorInfo } from './kube-errors';
export { readKubeconfig } from './kubeconfig-safety';
export { FIELD_MANAGER, MANAGED_BY_LABEL, MANAGED_BY_VALUE, MANAGED_BY_SELECTOR, parseManifests, withManagedBy } from './manifests';
export type { KubeObject } from './manifests';
export { applyObjects, planApply } from './server-side-apply';
export type { ApplyOptions, ApplyResult, AppliedObject, ObjectPlan } from './server-side-apply';
export type { FieldChange } from './apply-diff';
export { openView } from './kube-views';
export type { KubeView, ViewOptions } from './kube-views';
export { WatchHub } from './watch-hub';
export { ResourceInformer } from './informers';
export { ViewCoalescer } from './view-coalescer';
export { rolloutStatusOf, readRolloutStatus } from './rollout-status';
export { rolloutHistory, revisionTemplate } from './rollout-history';
export { undoRollout } from './rollback';
export { pauseRollout, resumeRollout, restartRollout, setImage, annotateChangeCause } from './rollout-actions';
export { scaleDeployment, readScale } from './deployment-scale';
export { planReset, resetLessons, PROTECTED_NAMESPACES } from './lesson-reset';
export { podDisplayStatus } from './pod-status';
export { toNode, toPod, toDeployment, toReplicaSet, toService, toEndpoints, toEvent } from './snapshots';
export { httpProbe, podFromResponse, nginxVersionOf } from './http-probe';
export type { AddressTranslator, HttpProbeOptions, HttpProbeResult } from './http-probe';
export { startProber, summarize } from './http-prober';
export type { ProberOptions, ProberRun, ProbeSummary } from './http-prober';
