/**
 * `microk8s kubectl` typed on a virtual Pi over OpenSSH-compatible SSH, checked against the real
 * kubectl 1.32 run on this computer against the same lab API: read-only commands must print the
 * same (ages masked), and what one side changes the other must see as kubectl would (an apply
 * from the Pi is `unchanged` when kubectl re-applies the same file: same last-applied annotation).
 * Manifests are written on the Pi the tutorial's way, `cat > file <<EOF`.
 */
import { execFile, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { Lab } from '../lab';
import type { LabApis } from '../lab';
import { until } from '../kube/testing/lab-fixture';
import { DEPLOYMENT_UPDATE_YAML, DEPLOYMENT_YAML } from '../kube/testing/tutorial-manifests';
import { folderCard } from '../pi/card-reader';
import type { VirtualPi } from '../pi/virtual-pi';
import { clientKey, connect, exec, interactive, randomLoopbackBase, seedFolder, tempDir } from '../pi/testing/pi-fixtures';

const kubectlPath = spawnSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).stdout.trim();
if (!kubectlPath) console.log('microk8s kubectl comparison skipped: no kubectl on PATH');

const key = clientKey();
const cmdline = 'cgroup_enable=memory cgroup_memory=1 console=serial0,115200 multipath=off dwc_otg.lpm_enable=0 console=tty1 root=LABEL=writable rootfstype=ext4 rootwait fixrtc\n';
const userData = (name: string) => `#cloud-config
hostname: ${name}
ssh_authorized_keys:
  - ${key.publicKey}
write_files:
  - path: /etc/hosts
    content: |
      127.0.0.1 localhost
      192.168.1.61 kc-a
      192.168.1.62 kc-b
`;
const network = (ip: string) => `network:\n  version: 2\n  ethernets:\n    eth0:\n      addresses: [${ip}/24]\n      gateway4: 192.168.1.1\n`;

let lab: Lab;
let apis: LabApis;
let a: VirtualPi;
let b: VirtualPi;
const dir = tempDir('kubectl-on-pi');

async function pi(command: string, on: VirtualPi = a) {
  const c = await connect({ host: on.loopback, port: on.sshPort, username: 'ubuntu', privateKey: key.privateKey });
  try {
    return await exec(c, command);
  } finally {
    c.end();
  }
}

function host(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('kubectl', ['--kubeconfig', join(dir, 'kubeconfig'), ...args], { cwd: dir, env: { ...process.env, KUBECACHEDIR: join(dir, 'cache'), HOME: dir }, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** Ages and durations vary between two runs a moment apart: mask them, and the column padding they change. */
function masked(text: string): string {
  return text
    .replace(/RenewTime: .*/g, 'RenewTime: <renewed every 10 lab seconds>')
    .replace(/\b\d+(\.\d+)?(ms|s|m|h|d|y)(\d+(s|m|h|d))?\b/g, '<age>')
    .replace(/<age> \(x(\d+) over <age>\)/g, '<age> (x$1 over <age>)')
    .replace(/[ \t]+/g, ' ')
    .replace(/ \n/g, '\n');
}

/** The same kubectl command on the Pi and on this computer: same output (ages masked), same exit code. */
async function same(command: string): Promise<string> {
  const args = command.split(' ');
  const [onPi, onHost] = [await pi(`microk8s kubectl ${command}`), await host(...args)];
  expect({ command, code: onPi.code, stdout: masked(onPi.stdout), stderr: masked(onPi.stderr) }).toEqual({ command, code: onHost.code, stdout: masked(onHost.stdout), stderr: masked(onHost.stderr) });
  return onPi.stdout;
}

describe.skipIf(!kubectlPath)('microk8s kubectl on a Pi = kubectl 1.32 on this computer', { timeout: 180_000 }, () => {
  beforeAll(async () => {
    lab = new Lab({ dataDir: tempDir('kc-lab'), speed: 100, loopbackBase: randomLoopbackBase(), sshPort: 0 });
    apis = await lab.startKubeApi();
    const cards = await Promise.all(['a', 'b'].map((x, i) => seedFolder('24.04', { 'user-data': userData(`kc-${x}`), 'network-config': network(`192.168.1.6${i + 1}`), 'cmdline.txt': cmdline })));
    [a, b] = cards.map((d) => lab.addPi({ card: folderCard(d) })) as [VirtualPi, VirtualPi];
    await Promise.all([a, b].map((p) => p.powerOn()));
    await Promise.all([a, b].map((p) => p.whenReady()));
    for (const p of [a, b]) expect((await pi('sudo snap install microk8s --classic && sudo usermod -a -G microk8s ubuntu && sudo microk8s status --wait-ready >/dev/null', p)).code).toBe(0);
    const token = (await pi('microk8s add-node --format token-check')).stdout.trim();
    expect((await pi(`microk8s join 192.168.1.61:25000/${token} --worker`, b)).code).toBe(0);
    const config = (await pi('microk8s config')).stdout;
    writeFileSync(join(dir, 'kubeconfig'), config.replace('https://192.168.1.61:16443', apis.url('192.168.1.61')!));
    await until('both nodes Ready', async () => ((await host('get', 'nodes', '--no-headers')).stdout.match(/\sReady\s/g) ?? []).length === 2, 60_000);
  }, 180_000);
  afterAll(() => lab?.stop());

  it('get nodes, usage errors and unknown types read the same', async () => {
    for (const c of ['get nodes', 'get nodes -o wide', 'get no kc-a', 'get node nothere', 'get', 'get widgets', 'get pods', 'get pods -n nothere', 'get pods -A', 'get ns', 'describe node kc-a', 'get nodes kc-a -o yaml', 'get nodes -o name']) await same(c);
  });

  it('a manifest written with a here-document and applied on the Pi is the one kubectl applies', async () => {
    expect((await pi(`cat > deployment.yaml <<EOF\n${DEPLOYMENT_YAML}EOF\n`)).code).toBe(0);
    expect((await pi('cat deployment.yaml')).stdout).toBe(DEPLOYMENT_YAML);
    writeFileSync(join(dir, 'deployment.yaml'), DEPLOYMENT_YAML);
    expect(await pi('microk8s kubectl apply -f deployment.yaml')).toMatchObject({ code: 0, stdout: 'deployment.apps/nginx-deployment created\n' });
    // kubectl finds the last-applied configuration it would have written itself.
    expect(await host('apply', '-f', 'deployment.yaml')).toMatchObject({ code: 0, stdout: 'deployment.apps/nginx-deployment unchanged\n' });
    expect((await pi('microk8s kubectl apply -f deployment.yaml')).stdout).toBe('deployment.apps/nginx-deployment unchanged\n');
    const done = await pi('microk8s kubectl rollout status deployment/nginx-deployment');
    expect(done.code).toBe(0);
    expect(done.stdout.trimEnd().split('\n').at(-1)).toBe('deployment "nginx-deployment" successfully rolled out');
    for (const c of ['get pods -l app=nginx', 'get pods -l app=nginx -o wide', 'get deploy', 'get deployments.apps nginx-deployment', 'get rs', 'get all', 'get pods --show-labels', 'get pods -o name', 'get deployment nginx-deployment -o yaml', 'get deployment nginx-deployment -o json', 'get pods -o yaml', 'describe deployment nginx-deployment', 'describe deploy nginx', 'describe rs', 'describe pods', 'rollout history deployment/nginx-deployment', 'rollout status deployment/nginx-deployment', 'get events']) {
      await same(c);
    }
  });

  it('the rolling update, its history and the rollback', async () => {
    expect((await pi(`cat > deployment-update.yaml <<'EOF'\n${DEPLOYMENT_UPDATE_YAML}EOF`)).code).toBe(0);
    writeFileSync(join(dir, 'deployment-update.yaml'), DEPLOYMENT_UPDATE_YAML);
    expect((await pi('microk8s kubectl apply -f deployment-update.yaml')).stdout).toBe('deployment.apps/nginx-deployment configured\n');
    const status = await pi('microk8s kubectl rollout status deployment/nginx-deployment');
    expect(status.stdout).toMatch(/^Waiting for deployment "nginx-deployment" rollout to finish: /);
    expect(status.stdout.trimEnd().split('\n').at(-1)).toBe('deployment "nginx-deployment" successfully rolled out');
    expect((await host('apply', '-f', 'deployment-update.yaml')).stdout).toBe('deployment.apps/nginx-deployment unchanged\n');
    for (const c of ['rollout history deployment/nginx-deployment', 'rollout history deployment/nginx-deployment --revision=1', 'describe deployment nginx-deployment']) await same(c);
    expect((await pi('microk8s kubectl rollout undo deployment/nginx-deployment')).stdout).toBe('deployment.apps/nginx-deployment rolled back\n');
    await pi('microk8s kubectl rollout status deployment/nginx-deployment');
    expect((await host('get', 'deployment', 'nginx-deployment', '-o', 'jsonpath={.spec.template.spec.containers[0].image}')).stdout).toBe('nginx:1.14.2');
    expect((await pi('microk8s kubectl rollout undo deployment/nginx-deployment --to-revision=3')).stdout).toBe('deployment.apps/nginx-deployment skipped rollback (current template already matches revision 3)\n');
    await same('rollout history deployment/nginx-deployment');
    expect(await pi('microk8s kubectl rollout pause deployment/nginx-deployment')).toMatchObject({ stdout: 'deployment.apps/nginx-deployment paused\n' });
    await same('rollout pause deployment/nginx-deployment');
    await same('rollout undo deployment/nginx-deployment');
    expect(await pi('microk8s kubectl rollout resume deployment/nginx-deployment')).toMatchObject({ stdout: 'deployment.apps/nginx-deployment resumed\n' });
    await same('rollout resume deployment/nginx-deployment');
  });

  it('scale, expose, set image, create and delete', async () => {
    expect((await pi('microk8s kubectl scale deployments/nginx-deployment --replicas=1')).stdout).toBe('deployment.apps/nginx-deployment scaled\n');
    expect((await host('scale', 'deployment', 'nginx-deployment', '--replicas=1')).stdout).toBe('deployment.apps/nginx-deployment scaled\n');
    await until('one replica', async () => /^nginx-deployment\s+1\/1\s/m.test((await host('get', 'deploy')).stdout));
    expect((await pi('microk8s kubectl expose deployment nginx-deployment --port=80 --type=NodePort')).stdout).toBe('service/nginx-deployment exposed\n');
    await until('endpoints', async () => /Endpoints:\s+10\./.test((await host('describe', 'svc', 'nginx-deployment')).stdout));
    for (const c of ['get svc', 'get svc nginx-deployment -o wide', 'describe service nginx-deployment', 'get services nginx-deployment -o yaml']) await same(c);
    expect((await pi('microk8s kubectl set image deployment/nginx-deployment nginx=nginx:1.16.1')).stdout).toBe('deployment.apps/nginx-deployment image updated\n');
    await same('set image deployment/nginx-deployment nosuch=nginx:1.16.1');
    expect((await pi('microk8s kubectl create deployment web --image=nginx:1.16.1 --replicas=2')).stdout).toBe('deployment.apps/web created\n');
    expect((await host('create', 'deployment', 'web2', '--image=nginx:1.16.1', '--replicas=2')).stdout).toBe('deployment.apps/web2 created\n');
    const spec = async (name: string) => {
      const o = parseYaml((await host('get', 'deployment', name, '-o', 'yaml')).stdout) as { spec: unknown; metadata: { labels: unknown } };
      return JSON.stringify({ spec: o.spec, labels: o.metadata.labels }).replaceAll(name, 'NAME');
    };
    expect(await spec('web')).toBe(await spec('web2'));
    await same('create deployment web --image=nginx:1.16.1');
    expect((await pi('microk8s kubectl create quota q1 --hard=pods=10,requests.cpu=2')).stdout).toBe('resourcequota/q1 created\n');
    await until('quota status', async () => /pods\s+\d+\s+10/.test((await host('describe', 'quota', 'q1')).stdout));
    await same('describe quota q1');
    expect((await pi('microk8s kubectl delete quota q1')).stdout).toBe('resourcequota "q1" deleted\n');
    expect((await pi('microk8s kubectl delete deployment web')).stdout).toBe('deployment.apps "web" deleted\n');
    expect((await host('delete', 'deployment', 'web2')).stdout).toBe('deployment.apps "web2" deleted\n');
    await same('delete deployment web');
    await same('scale deployment nothere --replicas=2');
    await same('top nodes');
  });

  it('cordon, uncordon, and a drain that refuses an unmanaged pod then evicts', async () => {
    expect((await pi('microk8s kubectl cordon kc-b')).stdout).toBe('node/kc-b cordoned\n');
    await same('cordon kc-b');
    await same('get nodes');
    expect((await pi('microk8s kubectl uncordon kc-b')).stdout).toBe('node/kc-b uncordoned\n');
    await same('uncordon kc-b');
    expect((await pi(`cat > bare.yaml <<EOF\napiVersion: v1\nkind: Pod\nmetadata:\n  name: bare\nspec:\n  nodeName: kc-b\n  containers:\n  - name: nginx\n    image: nginx:1.16.1\nEOF`)).code).toBe(0);
    expect((await pi('microk8s kubectl apply -f bare.yaml')).stdout).toBe('pod/bare created\n');
    const refusedHost = await host('drain', 'kc-b');
    expect((await host('uncordon', 'kc-b')).code).toBe(0);
    const refusedPi = await pi('microk8s kubectl drain kc-b');
    // kubectl gathers its refusal reasons in a map: their order varies from run to run.
    const unordered = (s: string) => s.replace(/\[(.*)\]/g, (_m, list: string) => `[${list.split(', cannot').map((x, i) => (i ? `cannot${x}` : x)).sort().join(', ')}]`).split('\n').sort().join('\n');
    expect({ code: refusedPi.code, stdout: refusedPi.stdout, stderr: unordered(refusedPi.stderr) }).toEqual({ code: refusedHost.code, stdout: refusedHost.stdout, stderr: unordered(refusedHost.stderr) });
    const drained = await pi('microk8s kubectl drain kc-b --force --ignore-daemonsets');
    expect(drained.code).toBe(0);
    expect(drained.stderr).toMatch(/^Warning: (ignoring DaemonSet-managed Pods: kube-system\/calico-node-[a-z0-9]{5}; deleting Pods that declare no controller: default\/bare|deleting Pods that declare no controller: default\/bare; ignoring DaemonSet-managed Pods: kube-system\/calico-node-[a-z0-9]{5})\n$/);
    expect(drained.stdout).toContain('node/kc-b already cordoned\n');
    expect(drained.stdout).toContain('evicting pod default/bare\n');
    expect(drained.stdout).toContain('pod/bare evicted\n');
    expect(drained.stdout.trimEnd().split('\n').at(-1)).toBe('node/kc-b drained');
    expect((await pi('microk8s kubectl uncordon kc-b')).stdout).toBe('node/kc-b uncordoned\n');
  });

  it('an interactive session: a here-document typed line by line, sudo and the microk8s.kubectl alias', async () => {
    const c = await connect({ host: a.loopback, port: a.sshPort, username: 'ubuntu', privateKey: key.privateKey });
    try {
      const transcript = await interactive(c, [
        ['$ ', 'cat > cm.yaml <<EOF\r'],
        ['> ', 'apiVersion: v1\r'],
        ['> ', 'kind: ConfigMap\r'],
        ['> ', 'metadata:\r'],
        ['> ', '  name: settings\r'],
        ['> ', 'data:\r'],
        ['> ', '  greeting: hello\r'],
        ['> ', 'EOF\r'],
        ['$ ', 'sudo microk8s.kubectl apply -f cm.yaml\r'],
        ['configmap/settings created', 'microk8s kubectl get cm settings -o jsonpath={.data.greeting}; echo\r'],
        [/hello\r\n.*\$ $/, 'exit\r'],
      ]);
      expect(transcript).toContain('configmap/settings created');
    } finally {
      c.end();
    }
    expect((await host('get', 'configmap', 'settings', '-o', 'jsonpath={.data.greeting}')).stdout).toBe('hello');
  });

  it('the tutorial types plain `kubectl` on the control plane: the snap alias makes it microk8s kubectl', async () => {
    expect(await pi('kubectl get nodes')).toMatchObject({ code: 127, stderr: 'bash: line 1: kubectl: command not found\n' });
    expect(await pi('snap alias microk8s.kubectl kubectl')).toMatchObject({ code: 1, stderr: 'error: access denied (try with sudo)\n' });
    expect(await pi('sudo snap alias microk8s.kubectl kubectl')).toMatchObject({ code: 0, stdout: 'Added:\n  - microk8s.kubectl as kubectl\n' });
    const [onPi, onHost] = [await pi('kubectl get nodes'), await host('get', 'nodes')];
    expect(masked(onPi.stdout)).toBe(masked(onHost.stdout));
    expect(await pi('sudo snap unalias kubectl')).toMatchObject({ code: 0, stdout: 'Removed:\n  - microk8s.kubectl as kubectl\n' });
  });

  it('on a worker it points to the control plane; a stopped node refuses', async () => {
    expect(await pi('microk8s kubectl get nodes', b)).toMatchObject({ code: 1, stdout: 'This MicroK8s deployment is acting as a node in a cluster.\nPlease use the control plane node.\n' });
  });
});
