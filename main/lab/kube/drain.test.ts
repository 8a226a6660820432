/**
 * cordon, drain and uncordon with the real kubectl 1.32 against the lab API: drain cordons,
 * refuses pods without a controller or with emptyDir data unless told, evicts through the
 * eviction API and waits while a PodDisruptionBudget answers 429, then reports the node drained.
 * Skipped (with the reason printed) when no kubectl is on PATH.
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabFixture } from './testing/lab-fixture';
import { startFixture, until } from './testing/lab-fixture';

const run = promisify(execFile);
const kubectlPath = spawnSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).stdout.trim();
if (!kubectlPath) console.log('drain tests skipped: no kubectl on PATH');

let lab: LabFixture;
let dir: string;
const env = () => ({ ...process.env, KUBECONFIG: path.join(dir, 'kubeconfig'), KUBECACHEDIR: path.join(dir, 'cache'), HOME: dir });

async function kubectl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('kubectl', args, { cwd: dir, env: env(), timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : 1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

describe.skipIf(!kubectlPath)('kubectl cordon / drain / uncordon', () => {
  beforeAll(async () => {
    lab = await startFixture({ nodes: ['pi-01', 'pi-02'], speed: 100 });
    dir = mkdtempSync(path.join(tmpdir(), 'lab-drain-'));
    writeFileSync(path.join(dir, 'kubeconfig'), lab.api.kubeconfig());
  });
  afterAll(async () => {
    await lab?.api.stop();
  });

  it('cordon and uncordon print the name printer lines', async () => {
    expect(await kubectl('cordon', 'pi-02')).toMatchObject({ code: 0, stdout: 'node/pi-02 cordoned\n' });
    expect(await kubectl('cordon', 'pi-02')).toMatchObject({ code: 0, stdout: 'node/pi-02 already cordoned\n' });
    const nodes = await until('SchedulingDisabled', async () => {
      const out = (await kubectl('get', 'nodes')).stdout;
      return /^pi-02\s+Ready,SchedulingDisabled\s/m.test(out) && out;
    });
    expect(nodes).toMatch(/^pi-01\s+Ready\s/m);
    expect((await kubectl('get', 'node', 'pi-02', '-o', 'jsonpath={.spec.taints[*].key}')).stdout).toBe('node.kubernetes.io/unschedulable');
    expect(await kubectl('uncordon', 'pi-02')).toMatchObject({ code: 0, stdout: 'node/pi-02 uncordoned\n' });
    expect(await kubectl('uncordon', 'pi-02')).toMatchObject({ code: 0, stdout: 'node/pi-02 already uncordoned\n' });
  });

  it('drain refuses a pod without a controller, evicts through the PDB once it allows, and reports the node drained', async () => {
    const ns = 'default';
    writeFileSync(
      path.join(dir, 'web.yaml'),
      `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      affinity:
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - labelSelector:
              matchLabels: {app: web}
            topologyKey: kubernetes.io/hostname
      containers:
      - name: nginx
        image: nginx:1.16.1
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: web
spec:
  minAvailable: 2
  selector:
    matchLabels: {app: web}
---
apiVersion: v1
kind: Pod
metadata:
  name: bare
spec:
  nodeName: pi-02
  containers:
  - name: nginx
    image: nginx:1.16.1
`,
    );
    expect((await kubectl('apply', '-f', 'web.yaml')).stdout).toBe('deployment.apps/web created\npoddisruptionbudget.policy/web created\npod/bare created\n');
    await until('web and bare running', async () => (await kubectl('get', 'pods', '--no-headers')).stdout.split('\n').filter((l) => /\s1\/1\s+Running\s/.test(l)).length === 3);
    expect((await kubectl('get', 'pdb', 'web')).stdout).toMatch(/^NAME\s+MIN AVAILABLE\s+MAX UNAVAILABLE\s+ALLOWED DISRUPTIONS\s+AGE\nweb\s+2\s+N\/A\s+0\s+\S+\n$/);

    const refused = await kubectl('drain', 'pi-02');
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('node/pi-02 cordoned\n');
    // kubectl 1.32's own wording, "cannot delete" twice included; MicroK8s' calico-node DaemonSet pod is refused too
    // (kubectl lists the two reasons in either order: they come from a Go map).
    const calico = /kube-system\/calico-node-[a-z0-9]{5}/.exec(refused.stderr)?.[0];
    const bare = 'cannot delete cannot delete Pods that declare no controller (use --force to override): default/bare';
    const daemon = `cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): ${calico}`;
    expect([
      `error: unable to drain node "pi-02" due to error: [${bare}, ${daemon}], continuing command...\nThere are pending nodes to be drained:\n pi-02\n${bare}\n${daemon}\n`,
      `error: unable to drain node "pi-02" due to error: [${daemon}, ${bare}], continuing command...\nThere are pending nodes to be drained:\n pi-02\n${daemon}\n${bare}\n`,
    ]).toContain(refused.stderr);

    const webOnPi2 = await until('web pod on pi-02', async () => (await kubectl('get', 'pods', '-l', 'app=web', '-o', 'wide', '--no-headers')).stdout.split('\n').find((l) => /\spi-02\s/.test(l)));
    const webPod = webOnPi2!.split(/\s+/)[0]!;
    // The budget refuses (429) until it allows one disruption; kubectl retries every 5 s.
    const child = spawn('kubectl', ['drain', 'pi-02', '--force', '--ignore-daemonsets'], { cwd: dir, env: env() });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
    await until('429 from the budget', () => err.includes(`error when evicting pods/"${webPod}" -n "${ns}" (will retry after 5s): Cannot evict pod as it would violate the pod's disruption budget.`), 30_000);
    const warnings = [`deleting Pods that declare no controller: default/bare`, `ignoring DaemonSet-managed Pods: ${calico}`];
    expect([`Warning: ${warnings.join('; ')}\n`, `Warning: ${[...warnings].reverse().join('; ')}\n`].some((w) => err.includes(w))).toBe(true);
    expect((await kubectl('patch', 'pdb', 'web', '--type', 'merge', '-p', '{"spec":{"minAvailable":1}}')).code).toBe(0);
    expect(await exited).toBe(0);
    expect(out).toContain('node/pi-02 already cordoned\n');
    expect(out).toContain(`evicting pod default/${webPod}\n`);
    expect(out).toContain(`pod/${webPod} evicted\n`);
    expect(out).toContain('pod/bare evicted\n');
    expect(out.trimEnd().split('\n').at(-1)).toBe('node/pi-02 drained');
    // The replacement cannot go to the cordoned node, and anti-affinity keeps it off pi-01.
    const pending = await until('replacement Pending (anti-affinity, pi-02 cordoned)', async () => {
      const o = (await kubectl('get', 'pods', '-l', 'app=web', '--no-headers')).stdout;
      return /\s0\/1\s+Pending\s/.test(o) && o;
    });
    expect(pending.trim().split('\n')).toHaveLength(2);
    expect(await kubectl('uncordon', 'pi-02')).toMatchObject({ stdout: 'node/pi-02 uncordoned\n' });
    await until('both web pods running again', async () => (await kubectl('get', 'pods', '-l', 'app=web', '--no-headers')).stdout.split('\n').filter((l) => /\s1\/1\s+Running\s/.test(l)).length === 2);
  }, 90_000);
});
