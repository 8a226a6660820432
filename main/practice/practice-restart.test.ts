/**
 * Practice mode lasts: the app forms a cluster on the lab, is closed and opened again on the same
 * data folder, and the kubeconfig it saved before still works with the real kubectl (same API
 * address, same CA and client certificate); the cluster's objects are still there.
 */
import { execFile, spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { practiceNodesFound } from '../app/testing/practice-journey';
import { openTestApp, startTestApp } from '../app/testing/test-app';
import type { TestApp } from '../app/testing/test-app';

const kubectlPath = spawnSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).stdout.trim();
if (!kubectlPath) console.log('practice restart test skipped: no kubectl on PATH');

let open: TestApp | undefined;
afterEach(async () => {
  await open?.app.close();
  open = undefined;
});

function kubectl(kubeconfig: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('kubectl', ['--kubeconfig', kubeconfig, '--request-timeout=10s', ...args], { env: { ...process.env, HOME: path.dirname(kubeconfig) } }, (err, stdout, stderr) =>
      resolve({ code: err ? 1 : 0, stdout, stderr }),
    );
  });
}

describe.skipIf(!kubectlPath)('practice mode after the app restarts', () => {
  it('brings the cluster back at the same API address: the saved kubeconfig still works', async () => {
    open = await startTestApp('pcw-restart-');
    const { dataDir } = open;
    await practiceNodesFound(open, 2);
    const build = await open.app.jobs.settled((await open.call('cluster.build', {})).jobId);
    expect(build.error).toBeUndefined();
    const kubeconfig = (await open.call('cluster.state', {})).built!.kubeconfigPath;
    expect(await kubectl(kubeconfig, 'create', 'configmap', 'kept', '--from-literal=lesson=ha')).toMatchObject({ code: 0, stdout: 'configmap/kept created\n' });
    await open.app.close();
    open = undefined;
    // While the app is closed the lab is down: the address refuses.
    expect((await kubectl(kubeconfig, 'get', 'nodes')).stderr).toContain('was refused');

    open = await openTestApp(dataDir);
    await expect
      .poll(async () => (await kubectl(kubeconfig, 'get', 'configmap', 'kept', '-o', 'jsonpath={.data.lesson}')).stdout, { timeout: 120_000, interval: 500 })
      .toBe('ha');
    await expect
      .poll(async () => ((await kubectl(kubeconfig, 'get', 'nodes', '--no-headers')).stdout.match(/\sReady\s/g) ?? []).length, { timeout: 120_000, interval: 500 })
      .toBe(2);
  }, 300_000);
});
