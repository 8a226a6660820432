/**
 * MicroK8s high availability in the lab, checked with the real kubectl 1.32: three control planes
 * each serve the API at their own address (`microk8s config` prints it), a powered-off one refuses
 * connections while the other two answer, two down loses dqlite quorum (the survivor's API hangs
 * until the apiserver's request timeout, `microk8s status` says it is not running), and a voter
 * coming back brings the API back.
 */
import { execFile, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { Lab } from '../lab';
import type { LabApis } from '../lab';
import { until } from '../kube/testing/lab-fixture';
import { folderCard } from '../pi/card-reader';
import type { VirtualPi } from '../pi/virtual-pi';
import { clientKey, connect, exec, randomLoopbackBase, seedFolder, tempDir } from '../pi/testing/pi-fixtures';

const kubectlPath = spawnSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).stdout.trim();
if (!kubectlPath) console.log('HA datastore tests skipped: no kubectl on PATH');

const key = clientKey();
const cmdline = 'cgroup_enable=memory cgroup_memory=1 console=serial0,115200 multipath=off dwc_otg.lpm_enable=0 console=tty1 root=LABEL=writable rootfstype=ext4 rootwait fixrtc\n';
const hosts = '192.168.1.31 ha-a\n      192.168.1.32 ha-b\n      192.168.1.33 ha-c';
const userData = (name: string) => `#cloud-config
hostname: ${name}
ssh_authorized_keys:
  - ${key.publicKey}
write_files:
  - path: /etc/hosts
    content: |
      127.0.0.1 localhost
      ${hosts}
`;
const network = (ip: string) => `network:\n  version: 2\n  ethernets:\n    eth0:\n      addresses: [${ip}/24]\n      gateway4: 192.168.1.1\n`;

let lab: Lab;
let apis: LabApis;
let pis: [VirtualPi, VirtualPi, VirtualPi];
const dir = tempDir('ha-kube');

async function run(pi: VirtualPi, command: string) {
  const c = await connect({ host: pi.loopback, port: pi.sshPort, username: 'ubuntu', privateKey: key.privateKey });
  try {
    return await exec(c, command);
  } finally {
    c.end();
  }
}

function kubectl(kubeconfig: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('kubectl', ['--kubeconfig', kubeconfig, ...args], { env: { ...process.env, KUBECACHEDIR: join(dir, 'cache'), HOME: dir }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

/** The kubeconfig `microk8s config` prints on a Pi, its LAN server mapped to where this computer reaches it. */
async function kubeconfigOf(pi: VirtualPi): Promise<{ path: string; server: string }> {
  const text = (await run(pi, 'microk8s config')).stdout;
  const server = (parseYaml(text) as { clusters: { cluster: { server: string } }[] }).clusters[0]!.cluster.server;
  const path = join(dir, `${pi.hostname}.kubeconfig`);
  writeFileSync(path, text.replace(server, apis.url(pi.address)!));
  return { path, server };
}

describe.skipIf(!kubectlPath)('three control planes: the API on every node, quorum', { timeout: 180_000 }, () => {
  beforeAll(async () => {
    lab = new Lab({ dataDir: tempDir('ha-lab'), speed: 200, loopbackBase: randomLoopbackBase(), sshPort: 0 });
    apis = await lab.startKubeApi();
    const cards = await Promise.all(['a', 'b', 'c'].map((x, i) => seedFolder('24.04', { 'user-data': userData(`ha-${x}`), 'network-config': network(`192.168.1.3${i + 1}`), 'cmdline.txt': cmdline })));
    pis = cards.map((d) => lab.addPi({ card: folderCard(d) })) as typeof pis;
    await Promise.all(pis.map((p) => p.powerOn()));
    await Promise.all(pis.map((p) => p.whenReady()));
    for (const p of pis) expect((await run(p, 'sudo snap install microk8s --classic && sudo usermod -a -G microk8s ubuntu && sudo microk8s status --wait-ready >/dev/null')).code).toBe(0);
    // Control planes join one at a time: retry while the previous join settles, as the wizard does.
    for (const p of [pis[1], pis[2]]) await until(`${p.hostname} joined`, () => joinCluster(p), 60_000);
    await until('three Ready nodes', () => lab.cluster.nodes().filter((n) => n.ready).length === 3, 60_000);
  }, 180_000);
  afterAll(() => lab?.stop());

  async function joinCluster(p: VirtualPi): Promise<boolean> {
    const token = (await run(pis[0], 'microk8s add-node --format token-check')).stdout.trim();
    return (await run(p, `microk8s join 192.168.1.31:25000/${token}`)).code === 0;
  }

  it('each control plane prints its own address and serves the API there', async () => {
    expect((await run(pis[0], 'microk8s status')).stdout).toContain('high-availability: yes\n  datastore master nodes: 192.168.1.31:19001 192.168.1.32:19001 192.168.1.33:19001\n  datastore standby nodes: none\n');
    for (const [i, p] of pis.entries()) {
      const { path, server } = await kubeconfigOf(p);
      expect(server).toBe(`https://192.168.1.3${i + 1}:16443`);
      const nodes = await until(`API of ${p.hostname}`, async () => {
        const r = await kubectl(path, 'get', 'nodes', '--no-headers');
        return r.code === 0 && r.stdout;
      });
      expect(nodes.split('\n').filter(Boolean).map((l) => l.split(/\s+/).slice(0, 2).join(' '))).toEqual(['ha-a Ready', 'ha-b Ready', 'ha-c Ready']);
    }
  });

  it('one control plane down: its address refuses connections, the other two answer', async () => {
    await pis[2].powerOff({ abrupt: true });
    const c = join(dir, 'ha-c.kubeconfig');
    const refused = await kubectl(c, 'get', 'nodes');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`The connection to the server ${pis[2].loopback}:${apis.port} was refused - did you specify the right host or port?`);
    for (const name of ['ha-a', 'ha-b']) expect((await kubectl(join(dir, `${name}.kubeconfig`), 'get', 'nodes', '--no-headers')).code).toBe(0);
    expect((await kubectl(join(dir, 'ha-a.kubeconfig'), 'create', 'configmap', 'still-writable', '--from-literal=a=b')).stdout).toBe('configmap/still-writable created\n');
    expect((await run(pis[0], 'microk8s status')).code).toBe(0);
  });

  it('two down: no quorum, the survivor hangs until the request timeout; a voter back brings it back', async () => {
    await pis[1].powerOff({ abrupt: true });
    const a = join(dir, 'ha-a.kubeconfig');
    const before = lab.clock.now();
    const hung = await kubectl(a, 'get', 'nodes');
    expect(lab.clock.now() - before).toBeGreaterThanOrEqual(60_000);
    expect(hung.code).toBe(1);
    expect(hung.stderr).toBe('Error from server (Timeout): Timeout: request did not complete within the allotted timeout\n');
    const statusStart = lab.clock.now();
    expect(await run(pis[0], 'microk8s status')).toMatchObject({ code: 1, stdout: 'microk8s is not running. Use microk8s inspect for a deeper inspection.\n' });
    expect(lab.clock.now() - statusStart).toBeGreaterThanOrEqual(60_000);

    await pis[1].powerOn();
    await pis[1].whenReady();
    const back = await until('the API answers again', async () => {
      const r = await kubectl(a, 'get', 'configmap', 'still-writable', '-o', 'name');
      return r.code === 0 && r.stdout;
    }, 60_000);
    expect(back).toBe('configmap/still-writable\n');
    expect((await run(pis[0], 'microk8s status')).code).toBe(0);
  });
});
