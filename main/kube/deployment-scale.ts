/**
 * Scaling a Deployment through its `/scale` subresource, as `kubectl scale` does (a merge patch
 * of `spec.replicas` on `.../deployments/NAME/scale`), and reading it back.
 */
import type { KubeRolloutResult } from '../../preload/contract/kube';
import { resourcePath } from './api-resources';
import type { KubeConnection } from './kube-connection';
import { FIELD_MANAGER, qualifiedName } from './manifests';

const DEPLOYMENTS = { group: 'apps', version: 'v1', plural: 'deployments', namespaced: true };

interface ScaleJson {
  spec?: { replicas?: number };
  status?: { replicas?: number; selector?: string };
}

export interface DeploymentScale {
  /** spec.replicas: what was asked for. */
  replicas: number;
  /** status.replicas: pods the deployment has now. */
  currentReplicas: number;
  /** The label selector of its pods, e.g. `app=nginx`. */
  selector: string;
}

const toScale = (s: ScaleJson): DeploymentScale => ({ replicas: s.spec?.replicas ?? 0, currentReplicas: s.status?.replicas ?? 0, selector: s.status?.selector ?? '' });

export async function readScale(conn: KubeConnection, namespace: string, name: string): Promise<DeploymentScale> {
  return toScale(await conn.request<ScaleJson>({ method: 'GET', path: resourcePath(DEPLOYMENTS, namespace, name, 'scale') }));
}

export async function scaleDeployment(conn: KubeConnection, namespace: string, name: string, replicas: number): Promise<KubeRolloutResult & { scale: DeploymentScale }> {
  const s = await conn.request<ScaleJson>({
    method: 'PATCH',
    path: resourcePath(DEPLOYMENTS, namespace, name, 'scale'),
    query: { fieldManager: FIELD_MANAGER },
    contentType: 'application/merge-patch+json',
    body: { spec: { replicas } },
  });
  return { message: `${qualifiedName('apps/v1', 'Deployment', name)} scaled`, outcome: 'scaled', scale: toScale(s) };
}
