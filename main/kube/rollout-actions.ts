/**
 * The other rollout commands on a Deployment, each sending the strategic merge patch kubectl
 * sends and printing what kubectl prints (kubectl `pkg/cmd/rollout/rollout_{pause,resume,
 * restart}.go`, `pkg/polymorphichelpers/object{pauser,resumer,restarter}.go`,
 * `pkg/cmd/set/set_image.go`, `pkg/cmd/annotate`), under the app's field manager:
 * - pause / resume, refusing an already paused / a running deployment with upstream's errors;
 * - restart: the `kubectl.kubernetes.io/restartedAt` annotation on the pod template, refused on
 *   a paused deployment and within the second of the previous restart (the timestamp has
 *   second resolution, so the patch would be empty);
 * - set image per container (optionally recording a change-cause), and the change-cause alone.
 */
import type { KubeRolloutResult } from '../../preload/contract/kube';
import { resourcePath } from './api-resources';
import type { KubeConnection } from './kube-connection';
import { KubeError, rewordKubeError } from './kube-errors';
import { FIELD_MANAGER, qualifiedName } from './manifests';
import type { DeploymentJson } from './replica-sets';
import { CHANGE_CAUSE_ANNOTATION, readDeployment } from './replica-sets';

export const RESTARTED_AT_ANNOTATION = 'kubectl.kubernetes.io/restartedAt';

const DEPLOYMENTS = { group: 'apps', version: 'v1', plural: 'deployments', namespaced: true };
const display = (name: string) => qualifiedName('apps/v1', 'Deployment', name);

/** Go's `time.Now().Format(time.RFC3339)`: local time, second resolution, `Z` or `+08:00`. */
export function formatRfc3339(date: Date): string {
  const offsetMin = -date.getTimezoneOffset();
  const local = new Date(date.getTime() + offsetMin * 60_000);
  const base = local.toISOString().slice(0, 19);
  if (offsetMin === 0) return `${base}Z`;
  const sign = offsetMin > 0 ? '+' : '-';
  const abs = Math.abs(offsetMin);
  return `${base}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

async function patchDeployment(conn: KubeConnection, namespace: string, name: string, body: unknown, contentType = 'application/strategic-merge-patch+json'): Promise<DeploymentJson> {
  try {
    return await conn.request<DeploymentJson>({ method: 'PATCH', path: resourcePath(DEPLOYMENTS, namespace, name), query: { fieldManager: FIELD_MANAGER }, contentType, body });
  } catch (err) {
    if (err instanceof KubeError && err.httpStatus !== undefined) throw rewordKubeError(err, `failed to patch: ${err.message}`);
    throw err;
  }
}

export async function pauseRollout(conn: KubeConnection, namespace: string, name: string): Promise<KubeRolloutResult> {
  const d = await readDeployment(conn, namespace, name);
  if (d.spec.paused) throw new KubeError('ALREADY_PAUSED', `error: deployments.apps "${name}" is already paused`, { values: { name } });
  await patchDeployment(conn, namespace, name, { spec: { paused: true } });
  return { message: `${display(name)} paused`, outcome: 'paused' };
}

export async function resumeRollout(conn: KubeConnection, namespace: string, name: string): Promise<KubeRolloutResult> {
  const d = await readDeployment(conn, namespace, name);
  if (!d.spec.paused) throw new KubeError('NOT_PAUSED', `error: deployments.apps "${name}" is not paused`, { values: { name } });
  await patchDeployment(conn, namespace, name, { spec: { paused: null } });
  return { message: `${display(name)} resumed`, outcome: 'resumed' };
}

export async function restartRollout(conn: KubeConnection, namespace: string, name: string, now: Date = new Date()): Promise<KubeRolloutResult> {
  const d = await readDeployment(conn, namespace, name);
  if (d.spec.paused) throw new KubeError('DEPLOYMENT_PAUSED', `error: deployments.apps "${name}" can't restart paused deployment (run rollout resume first)`, { values: { name } });
  const stamp = formatRfc3339(now);
  if (d.spec.template.metadata?.annotations?.[RESTARTED_AT_ANNOTATION] === stamp) {
    throw new KubeError('RESTART_TOO_SOON', `failed to create patch for ${name}: if restart has already been triggered within the past second, please wait before attempting to trigger another`, { values: { name } });
  }
  await patchDeployment(conn, namespace, name, { spec: { template: { metadata: { annotations: { [RESTARTED_AT_ANNOTATION]: stamp } } } } });
  return { message: `${display(name)} restarted`, outcome: 'restarted' };
}

export interface SetImageOptions {
  /** Also write `kubernetes.io/change-cause` (what `--record` did), shown by rollout history. */
  changeCause?: string;
}

/**
 * `kubectl set image deployment/NAME container=image ...` (`*` for every container). Unlike
 * kubectl, which patches the containers it found and then reports the missing one, a missing
 * container refuses the whole change (CONTAINER_NOT_FOUND, kubectl's message).
 */
export async function setImage(conn: KubeConnection, namespace: string, name: string, images: Record<string, string>, options: SetImageOptions = {}): Promise<KubeRolloutResult> {
  const d = await readDeployment(conn, namespace, name);
  const containers = d.spec.template.spec?.containers ?? [];
  const initContainers = (d.spec.template.spec?.['initContainers'] ?? []) as { name: string; image?: string }[];
  for (const c of Object.keys(images)) {
    if (c !== '*' && !containers.some((x) => x.name === c) && !initContainers.some((x) => x.name === c)) {
      throw new KubeError('CONTAINER_NOT_FOUND', `error: unable to find container named "${c}"`, { values: { container: c } });
    }
  }
  const pick = (list: { name: string; image?: string }[]) => list.flatMap((x) => {
    const image = images[x.name] ?? images['*'];
    return image !== undefined && image !== x.image ? [{ name: x.name, image }] : [];
  });
  const changed = pick(containers);
  const changedInit = pick(initContainers);
  if (!changed.length && !changedInit.length) return { message: '', outcome: 'unchanged' };
  const spec: Record<string, unknown> = {};
  if (changed.length) spec['containers'] = changed;
  if (changedInit.length) spec['initContainers'] = changedInit;
  const patch: Record<string, unknown> = { spec: { template: { spec } } };
  if (options.changeCause !== undefined) patch['metadata'] = { annotations: { [CHANGE_CAUSE_ANNOTATION]: options.changeCause } };
  await patchDeployment(conn, namespace, name, patch);
  return { message: `${display(name)} image updated`, outcome: 'image-updated' };
}

/** `kubectl annotate deployment/NAME kubernetes.io/change-cause=TEXT --overwrite`. */
export async function annotateChangeCause(conn: KubeConnection, namespace: string, name: string, changeCause: string): Promise<KubeRolloutResult> {
  await patchDeployment(conn, namespace, name, { metadata: { annotations: { [CHANGE_CAUSE_ANNOTATION]: changeCause } } }, 'application/merge-patch+json');
  return { message: `${display(name)} annotated`, outcome: 'annotated' };
}
