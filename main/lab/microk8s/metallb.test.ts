/**
 * The MetalLB lesson on a virtual Pi, as the app drives it: `microk8s enable metallb:RANGE` over
 * SSH prints the addon script's lines and creates its objects; a LoadBalancer Service gets the
 * lowest address of the range and answers HTTP through the lab's loopback stand-in
 * (`lab.lanEndpoint`, `lab.lanUrl`); `microk8s disable metallb` removes what it created.
 */
import { execFile, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../kube/testing/lab-fixture';
import { Lab } from '../lab';
import type { LabApis } from '../lab';
import { folderCard } from '../pi/card-reader';
import type { VirtualPi } from '../pi/virtual-pi';
import { clientKey, connect, exec, randomLoopbackBase, seedFolder, tempDir } from '../pi/testing/pi-fixtures';

const runFile = promisify(execFile);
const kubectlPath = spawnSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).stdout.trim();
if (!kubectlPath) console.log('MetalLB lesson test skipped: no kubectl on PATH');

const key = clientKey();
const cmdline = 'cgroup_enable=memory cgroup_memory=1 console=serial0,115200 multipath=off dwc_otg.lpm_enable=0 console=tty1 root=LABEL=writable rootfstype=ext4 rootwait fixrtc\n';
const userData = `#cloud-config
hostname: pi-one
ssh_authorized_keys:
  - ${key.publicKey}
`;
const network = 'network:\n  version: 2\n  ethernets:\n    eth0:\n      addresses: [192.168.1.31/24]\n      gateway4: 192.168.1.1\n';

let lab: Lab;
let pi: VirtualPi;
let api: LabApis;
let kubeconfig: string;

async function run(command: string) {
  const c = await connect({ host: pi.loopback, port: pi.sshPort, username: 'ubuntu', privateKey: key.privateKey });
  try {
    return await exec(c, command);
  } finally {
    c.end();
  }
}

const kubectl = async (...args: string[]) => (await runFile('kubectl', ['--kubeconfig', kubeconfig, ...args], { timeout: 60_000 })).stdout;

describe.skipIf(!kubectlPath)('MetalLB on a virtual Pi', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    lab = new Lab({ dataDir: tempDir('lab'), speed: 200, loopbackBase: randomLoopbackBase(), sshPort: 0 });
    const card = await seedFolder('24.04', { 'user-data': userData, 'network-config': network, 'cmdline.txt': cmdline });
    pi = lab.addPi({ card: folderCard(card) });
    await pi.powerOn();
    await pi.whenReady();
    api = await lab.startKubeApi();
    expect((await run('sudo snap install microk8s --classic --channel=1.32/stable && sudo usermod -a -G microk8s ubuntu')).code).toBe(0);
    expect((await run('microk8s status --wait-ready --timeout 600')).code).toBe(0);
    kubeconfig = join(tempDir('kube'), 'config');
    writeFileSync(kubeconfig, (await run('microk8s config')).stdout.replace('https://192.168.1.31:16443', api.url('192.168.1.31')!));
    await until('node Ready', async () => / Ready /.test(await kubectl('get', 'nodes')), 60_000);
  }, 120_000);

  afterAll(() => lab?.stop());

  it('kube-system holds what a fresh MicroK8s runs; kubectl top needs metrics-server', async () => {
    await until('kube-system running', async () => {
      const pods = await kubectl('get', 'pods', '-n', 'kube-system', '--no-headers');
      return /^calico-node-[a-z0-9]{5}\s+1\/1\s+Running/m.test(pods) && /^calico-kube-controllers-[a-z0-9]+-[a-z0-9]{5}\s+1\/1\s+Running/m.test(pods) && /^coredns-[a-z0-9]+-[a-z0-9]{5}\s+1\/1\s+Running/m.test(pods);
    });
    expect(await kubectl('get', 'svc', '-n', 'kube-system')).toMatch(/kube-dns\s+ClusterIP\s+10\.152\.183\.10\s+<none>\s+53\/UDP,53\/TCP,9153\/TCP/);
    const top = await runFile('kubectl', ['--kubeconfig', kubeconfig, 'top', 'nodes']).catch((e: { stderr: string }) => e);
    expect((top as { stderr: string }).stderr).toBe('error: Metrics API not available\n');
  });

  it('microk8s enable metallb:RANGE over SSH; a LoadBalancer Service answers on the lowest address', async () => {
    const enabled = await run('microk8s enable metallb:192.168.1.240-192.168.1.250');
    expect(enabled.code).toBe(0);
    // Under load the controller may take longer than kubectl wait's 30 s: the script says so and waits again.
    expect(enabled.stderr).toMatch(/^Infer repository core for addon metallb\n(error: timed out waiting for the condition on deployments\/controller\n)*$/);
    expect(enabled.stdout).toMatch(/^Enabling MetalLB\nApplying Metallb manifest\ncustomresourcedefinition\.apiextensions\.k8s\.io\/addresspools\.metallb\.io created\n/);
    expect(enabled.stdout).toContain('namespace/metallb-system created\n');
    expect(enabled.stdout).toContain('daemonset.apps/speaker created\ndeployment.apps/controller created\n');
    expect(enabled.stdout).toMatch(/Waiting for Metallb controller to be ready\.\n(MetalLB controller is still not ready\n)*deployment\.apps\/controller condition met\nipaddresspool\.metallb\.io\/default-addresspool created\nl2advertisement\.metallb\.io\/default-advertise-all-pools created\nMetalLB is enabled\n$/);
    expect((await run('microk8s status -a metallb')).stdout).toBe('enabled\n');
    const pool = JSON.parse(await kubectl('get', 'ipaddresspool', 'default-addresspool', '-n', 'metallb-system', '-o', 'json')) as { spec: { addresses: string[]; autoAssign: boolean } };
    expect(pool.spec).toMatchObject({ addresses: ['192.168.1.240-192.168.1.250'], autoAssign: true });
    expect(await kubectl('get', 'l2advertisements', '-n', 'metallb-system', '-o', 'name')).toBe('l2advertisement.metallb.io/default-advertise-all-pools\n');
    await until('speaker running', async () => /^speaker-[a-z0-9]{5}\s+1\/1\s+Running/m.test(await kubectl('get', 'pods', '-n', 'metallb-system', '--no-headers')));

    await kubectl('create', 'deployment', 'nginx', '--image=nginx:1.14.2', '--replicas=2');
    await kubectl('expose', 'deployment', 'nginx', '--port=80', '--type=LoadBalancer');
    await until('address', async () => /nginx\s+LoadBalancer\s+10\.152\.183\.\d+\s+192\.168\.1\.240\s+80:3\d{4}\/TCP/.test(await kubectl('get', 'svc', 'nginx')));
    await until('answering', () => lab.lanEndpoint('192.168.1.240', 80));
    expect(lab.lanToLoopback('192.168.1.240')).toBe(lab.lanEndpoint('192.168.1.240', 80)!.host);
    expect(lab.lanToLoopback('192.168.1.31')).toBe(pi.loopback);
    const res = await fetch(lab.lanUrl('http://192.168.1.240/')!);
    expect(res.status).toBe(200);
    expect(res.headers.get('server')).toBe('nginx/1.14.2');
    expect((await res.text()).length).toBe(612);
    expect(lab.lanEndpoints()).toContainEqual(expect.objectContaining({ lanIp: '192.168.1.240', port: 80, kind: 'LoadBalancer', namespace: 'default', service: 'nginx' }));
  });

  it('microk8s disable metallb deletes what enable created, with the script\'s lines', async () => {
    const disabled = await run('microk8s disable metallb');
    expect(disabled.code).toBe(0);
    expect(disabled.stdout).toMatch(
      /^Disabling MetalLB\nvalidatingwebhookconfiguration\.admissionregistration\.k8s\.io "validating-webhook-configuration" deleted\ncustomresourcedefinition\.apiextensions\.k8s\.io "addresspools\.metallb\.io" deleted\n[\s\S]*namespace "metallb-system" deleted\nclusterrolebinding\.rbac\.authorization\.k8s\.io "metallb-system:controller" deleted\nclusterrolebinding\.rbac\.authorization\.k8s\.io "metallb-system:speaker" deleted\nclusterrole\.rbac\.authorization\.k8s\.io "metallb-system:controller" deleted\nclusterrole\.rbac\.authorization\.k8s\.io "metallb-system:speaker" deleted\nMetalLB is terminated\n$/,
    );
    expect(await kubectl('get', 'crd', '-o', 'name')).not.toContain('metallb.io');
    expect(await kubectl('get', 'namespaces', '-o', 'name')).not.toContain('metallb-system');
    await until('address no longer announced', () => !lab.lanEndpoint('192.168.1.240', 80));
  });
});
