/**
 * The tutorial's rollout lessons through the library against the lab's real API: status lines
 * as kubectl prints them, history with change-causes, undo (to the previous and to a chosen
 * revision, skipped, unknown, no history, paused), pause/resume with upstream's refusals,
 * restart and its one-second rule, a wrong image stalling the rollout, and scale through
 * `/scale`. Where kubectl is installed, its own output for the same cluster is compared.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeViewSnapshot } from '../../preload/contract/kube';
import { kubeRolloutHistory, kubeRolloutStatus } from '../../preload/contract/kube';
import { DEPLOYMENT_UPDATE_YAML, DEPLOYMENT_YAML } from '../lab/kube/testing/tutorial-manifests';
import { readScale, scaleDeployment } from './deployment-scale';
import { KubeError } from './kube-errors';
import { openView } from './kube-views';
import { undoRollout } from './rollback';
import { annotateChangeCause, pauseRollout, restartRollout, resumeRollout, setImage } from './rollout-actions';
import { revisionTemplate, rolloutHistory } from './rollout-history';
import { readRolloutStatus, rolloutStatusOf } from './rollout-status';
import { applyObjects } from './server-side-apply';
import type { KubeLab } from './testing/kube-lab';
import { startKubeLab, until } from './testing/kube-lab';
import { WatchHub } from './watch-hub';

let k: KubeLab;
let hub: WatchHub;
let kubeconfigFile: string;
const ns = 'default';
const name = 'nginx-deployment';
const hasKubectl = existsSync('/usr/bin/kubectl');

beforeAll(async () => {
  // Lab speed 10: each rollout step lasts longer than the view's 100 ms coalescing, so the view sees the
  // intermediate lines kubectl prints (at the default speed a rollout can finish between two snapshots).
  k = await startKubeLab({ nodes: ['pi-01', 'pi-02', 'pi-03'], speed: 10 });
  hub = new WatchHub(k.conn);
  kubeconfigFile = path.join(mkdtempSync(path.join(tmpdir(), 'kube-rollout-')), 'kubeconfig');
  writeFileSync(kubeconfigFile, k.lab.api.kubeconfig(), { mode: 0o600 });
});

afterAll(async () => {
  await hub?.close();
  await k?.stop();
});

async function kubectl(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const r = await promisify(execFile)('/usr/bin/kubectl', ['--kubeconfig', kubeconfigFile, ...args]);
    return { ...r, code: 0 };
  } catch (e) {
    const err = e as { stdout: string; stderr: string; code: number };
    return { stdout: err.stdout, stderr: err.stderr, code: err.code };
  }
}

async function rejected(p: Promise<unknown>): Promise<KubeError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(KubeError);
    return e as KubeError;
  }
  throw new Error('expected a refusal');
}

const rolledOut = () =>
  until('rolled out', async () => {
    const s = await readRolloutStatus(k.conn, ns, name);
    return s.done && s;
  }, 30_000);

describe('rolling out the tutorial', () => {
  it('reports each step as kubectl rollout status does', async () => {
    const messages: string[] = [];
    const view = openView(hub, { kinds: ['deployments'], namespace: ns }, (s: KubeViewSnapshot) => {
      const d = s.deployments?.find((x) => x.name === name);
      if (d) messages.push(rolloutStatusOf(d).message);
    });
    try {
      await applyObjects(k.conn, DEPLOYMENT_YAML);
      await rolledOut();
      await until('done seen in the view', () => messages.at(-1) === `deployment "${name}" successfully rolled out`);
      await applyObjects(k.conn, DEPLOYMENT_UPDATE_YAML);
      const final = await rolledOut();
      expect(kubeRolloutStatus.parse(final)).toEqual(final);
      expect(final).toEqual({ message: `deployment "${name}" successfully rolled out`, done: true, failed: false, state: 'done', values: { name } });
      await until('done seen again', () => messages.at(-1) === final.message);
    } finally {
      view.close();
    }
    // Every line is one kubectl can print for this deployment.
    const allowed = [
      /^Waiting for deployment spec update to be observed\.\.\.$/,
      new RegExp(`^Waiting for deployment "${name}" rollout to finish: \\d+ out of 2 new replicas have been updated\\.\\.\\.$`),
      new RegExp(`^Waiting for deployment "${name}" rollout to finish: \\d+ old replicas are pending termination\\.\\.\\.$`),
      new RegExp(`^Waiting for deployment "${name}" rollout to finish: \\d+ of \\d+ updated replicas are available\\.\\.\\.$`),
      new RegExp(`^deployment "${name}" successfully rolled out$`),
    ];
    for (const m of messages) expect(allowed.some((re) => re.test(m)), m).toBe(true);
    // maxSurge 0: the update went through "1 out of 2 new replicas".
    expect(messages).toContain(`Waiting for deployment "${name}" rollout to finish: 1 out of 2 new replicas have been updated...`);
    if (hasKubectl) expect((await kubectl('rollout', 'status', `deployment/${name}`)).stdout).toBe(`deployment "${name}" successfully rolled out\n`);
  });

  it('lists the revisions with images and change-causes', async () => {
    await annotateChangeCause(k.conn, ns, name, 'update to nginx 1.16.1');
    const history = await until('change-cause on revision 2', async () => {
      const h = await rolloutHistory(k.conn, ns, name);
      return h.revisions[1]?.changeCause === 'update to nginx 1.16.1' && h;
    });
    expect(kubeRolloutHistory.parse(history)).toEqual(history);
    expect(history.revisions.map((r) => [r.revision, r.images, r.current, r.changeCause])).toEqual([
      [1, ['nginx:1.14.2'], false, undefined],
      [2, ['nginx:1.16.1'], true, 'update to nginx 1.16.1'],
    ]);
    expect(history.text).toBe(`deployment.apps/${name} \nREVISION  CHANGE-CAUSE\n1         <none>\n2         update to nginx 1.16.1\n\n`);
    if (hasKubectl) expect((await kubectl('rollout', 'history', `deployment/${name}`)).stdout).toBe(history.text);
    const t = await revisionTemplate(k.conn, ns, name, 1);
    expect(t.spec?.containers?.[0]?.image).toBe('nginx:1.14.2');
    await expect(revisionTemplate(k.conn, ns, name, 7)).rejects.toMatchObject({ code: 'REVISION_NOT_FOUND', message: 'unable to find the specified revision' });
  });

  it('rolls back as kubectl rollout undo does', async () => {
    expect(await undoRollout(k.conn, ns, name)).toEqual({ message: `deployment.apps/${name} rolled back`, outcome: 'rolled-back', revision: 1 });
    await rolledOut();
    const history = await until('revision 3', async () => {
      const h = await rolloutHistory(k.conn, ns, name);
      return h.revisions.some((r) => r.revision === 3) && h;
    });
    // The old ReplicaSet came back as revision 3; revision 1 is gone.
    expect(history.revisions.map((r) => [r.revision, r.images[0], r.current])).toEqual([
      [2, 'nginx:1.16.1', false],
      [3, 'nginx:1.14.2', true],
    ]);
    expect(await undoRollout(k.conn, ns, name, { toRevision: 3 })).toEqual({ message: `deployment.apps/${name} skipped rollback (current template already matches revision 3)`, outcome: 'skipped', revision: 3 });
    const unknown = await rejected(undoRollout(k.conn, ns, name, { toRevision: 9 }));
    expect([unknown.code, unknown.message]).toEqual(['REVISION_NOT_FOUND', 'unable to find specified revision 9 in history']);
    if (hasKubectl) expect((await kubectl('rollout', 'undo', `deployment/${name}`, '--to-revision=9')).stderr).toBe(`error: ${unknown.message}\n`);
    // A dry run changes nothing.
    expect(await undoRollout(k.conn, ns, name, { toRevision: 2, dryRun: true })).toMatchObject({ outcome: 'rolled-back', revision: 2 });
    expect((await rolloutHistory(k.conn, ns, name)).revisions.find((r) => r.current)?.revision).toBe(3);
  });

  it('refuses with upstream\'s words when paused, and resumes', async () => {
    expect(await pauseRollout(k.conn, ns, name)).toEqual({ message: `deployment.apps/${name} paused`, outcome: 'paused' });
    const again = await rejected(pauseRollout(k.conn, ns, name));
    expect([again.code, again.message]).toEqual(['ALREADY_PAUSED', `error: deployments.apps "${name}" is already paused`]);
    if (hasKubectl) expect((await kubectl('rollout', 'pause', `deployment/${name}`)).stderr).toBe(`${again.message}\n`);
    const undo = await rejected(undoRollout(k.conn, ns, name));
    expect([undo.code, undo.message]).toEqual(['DEPLOYMENT_PAUSED', "you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try again"]);
    const restart = await rejected(restartRollout(k.conn, ns, name));
    expect([restart.code, restart.message]).toEqual(['DEPLOYMENT_PAUSED', `error: deployments.apps "${name}" can't restart paused deployment (run rollout resume first)`]);
    expect(await resumeRollout(k.conn, ns, name)).toEqual({ message: `deployment.apps/${name} resumed`, outcome: 'resumed' });
    const notPaused = await rejected(resumeRollout(k.conn, ns, name));
    expect([notPaused.code, notPaused.message]).toEqual(['NOT_PAUSED', `error: deployments.apps "${name}" is not paused`]);
    if (hasKubectl) expect((await kubectl('rollout', 'resume', `deployment/${name}`)).stderr).toBe(`${notPaused.message}\n`);
  });

  it('restarts the pods, but not twice in one second', async () => {
    const before = (await k.conn.request<{ items: { metadata: { name: string } }[] }>({ method: 'GET', path: `/api/v1/namespaces/${ns}/pods`, query: { labelSelector: 'app=nginx' } })).items.map((p) => p.metadata.name);
    const now = new Date();
    expect(await restartRollout(k.conn, ns, name, now)).toEqual({ message: `deployment.apps/${name} restarted`, outcome: 'restarted' });
    const tooSoon = await rejected(restartRollout(k.conn, ns, name, now));
    expect([tooSoon.code, tooSoon.message]).toEqual(['RESTART_TOO_SOON', `failed to create patch for ${name}: if restart has already been triggered within the past second, please wait before attempting to trigger another`]);
    await until('new pods', async () => {
      const pods = await k.conn.request<{ items: { metadata: { name: string; deletionTimestamp?: string } }[] }>({ method: 'GET', path: `/api/v1/namespaces/${ns}/pods`, query: { labelSelector: 'app=nginx' } });
      const live = pods.items.filter((p) => !p.metadata.deletionTimestamp).map((p) => p.metadata.name);
      return live.length === 2 && live.every((n) => !before.includes(n));
    }, 30_000);
    await rolledOut();
  });

  it('shows a wrong image stalling the rollout, fixed by undo', async () => {
    expect(await setImage(k.conn, ns, name, { nginx: 'nginx:1.16.1x' }, { changeCause: 'typo' })).toEqual({ message: `deployment.apps/${name} image updated`, outcome: 'image-updated' });
    expect(await setImage(k.conn, ns, name, { nginx: 'nginx:1.16.1x' })).toEqual({ message: '', outcome: 'unchanged' });
    const missing = await rejected(setImage(k.conn, ns, name, { web: 'nginx:1.16.1' }));
    expect([missing.code, missing.message]).toEqual(['CONTAINER_NOT_FOUND', 'error: unable to find container named "web"']);
    const stalled = await until('a pod in ImagePullBackOff', async () => {
      const pods = await k.conn.request<{ items: { status?: { containerStatuses?: { state?: { waiting?: { reason?: string } } }[] } }[] }>({ method: 'GET', path: `/api/v1/namespaces/${ns}/pods`, query: { labelSelector: 'app=nginx' } });
      const s = await readRolloutStatus(k.conn, ns, name);
      return pods.items.some((p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ImagePullBackOff') && s;
    });
    expect(stalled).toMatchObject({ done: false, failed: false, state: 'waiting-updated', message: `Waiting for deployment "${name}" rollout to finish: 1 out of 2 new replicas have been updated...` });
    expect((await rolloutHistory(k.conn, ns, name)).revisions.at(-1)).toMatchObject({ images: ['nginx:1.16.1x'], changeCause: 'typo', current: true });
    await undoRollout(k.conn, ns, name);
    await rolledOut();
  });

  it('scales through /scale and leaves the pod that cannot be placed Pending', async () => {
    expect(await readScale(k.conn, ns, name)).toEqual({ replicas: 2, currentReplicas: 2, selector: 'app=nginx' });
    const r = await scaleDeployment(k.conn, ns, name, 4);
    expect(r).toMatchObject({ message: `deployment.apps/${name} scaled`, outcome: 'scaled', scale: { replicas: 4 } });
    const status = await until('3 available, 1 pending', async () => {
      const s = await readRolloutStatus(k.conn, ns, name);
      return s.state === 'waiting-available' && s.values.available === 3 && s;
    });
    expect(status.message).toBe(`Waiting for deployment "${name}" rollout to finish: 3 of 4 updated replicas are available...`);
    const invalid = await rejected(scaleDeployment(k.conn, ns, name, -1));
    expect(invalid).toMatchObject({ code: 'INVALID', causes: [{ field: 'spec.replicas' }] });
    await scaleDeployment(k.conn, ns, name, 2);
    await rolledOut();
  });

  it('has no history to undo on a fresh deployment', async () => {
    await applyObjects(k.conn, DEPLOYMENT_YAML.replace(/nginx-deployment/, 'single').replace(/app: nginx/g, 'app: single').replace('- nginx\n', '- single\n'));
    await until('single rolled out', async () => (await readRolloutStatus(k.conn, ns, 'single')).done, 30_000);
    const e = await rejected(undoRollout(k.conn, ns, 'single'));
    expect([e.code, e.message]).toEqual(['NO_ROLLOUT_HISTORY', 'no rollout history found for deployment "single"']);
    const revision = await rejected(readRolloutStatus(k.conn, ns, 'single', 5));
    expect([revision.code, revision.message]).toEqual(['REVISION_MISMATCH', 'desired revision (5) is different from the running revision (1)']);
    const nf = await rejected(readRolloutStatus(k.conn, ns, 'nope'));
    expect([nf.code, nf.message]).toEqual(['NOT_FOUND', 'deployments.apps "nope" not found']);
  });

  it('says when a rollout exceeded its progress deadline', async () => {
    const yaml = DEPLOYMENT_YAML.replace(/nginx-deployment/, 'late').replace(/app: nginx/g, 'app: late').replace('- nginx\n', '- late\n').replace('  replicas: 2', '  progressDeadlineSeconds: 10\n  replicas: 2').replace('nginx:1.14.2', 'nginx:0.0.0');
    await applyObjects(k.conn, yaml);
    const s = await until('deadline exceeded', async () => {
      const st = await readRolloutStatus(k.conn, ns, 'late');
      return st.failed && st;
    }, 30_000);
    expect(s).toEqual({ message: 'deployment "late" exceeded its progress deadline', done: false, failed: true, state: 'progress-deadline-exceeded', values: { name: 'late' } });
  });
});
