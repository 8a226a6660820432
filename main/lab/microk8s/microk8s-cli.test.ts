import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { Lab } from '../lab';
import type { LabApis } from '../lab';
import { folderCard } from '../pi/card-reader';
import type { VirtualPi } from '../pi/virtual-pi';
import { until } from '../kube/testing/lab-fixture';
import { clientKey, connect, exec, randomLoopbackBase, seedFolder, tempDir } from '../pi/testing/pi-fixtures';

const key = clientKey();
const cmdline = 'cgroup_enable=memory cgroup_memory=1 console=serial0,115200 multipath=off dwc_otg.lpm_enable=0 console=tty1 root=LABEL=writable rootfstype=ext4 rootwait fixrtc\n';
const userData = (name: string, hosts: string) => `#cloud-config
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

const hosts = '192.168.1.21 node-a\n      192.168.1.22 node-b\n      192.168.1.23 node-c';
let lab: Lab;
let pis: VirtualPi[];
let api: LabApis;

async function run(pi: VirtualPi, command: string) {
  const c = await connect({ host: pi.loopback, port: pi.sshPort, username: 'ubuntu', privateKey: key.privateKey });
  try {
    return await exec(c, command);
  } finally {
    c.end();
  }
}

beforeAll(async () => {
  lab = new Lab({ dataDir: tempDir('lab'), speed: 2000, loopbackBase: randomLoopbackBase(), sshPort: 0 });
  const cards = await Promise.all(
    ['a', 'b', 'c'].map((x, i) => seedFolder('24.04', { 'user-data': userData(`node-${x}`, hosts), 'network-config': network(`192.168.1.2${i + 1}`), 'cmdline.txt': cmdline })),
  );
  pis = cards.map((dir) => lab.addPi({ card: folderCard(dir) }));
  await Promise.all(pis.map((p) => p.powerOn()));
  await Promise.all(pis.map((p) => p.whenReady()));
  api = await lab.startKubeApi();
}, 120_000);
afterAll(() => lab.stop());

describe('MicroK8s on three virtual Pis over SSH', { timeout: 120_000 }, () => {
  it('installs with snapd\'s texts and asks for the microk8s group until a new login', async () => {
    const [a] = pis as [VirtualPi];
    expect(await run(a, 'microk8s status')).toMatchObject({ code: 127, stderr: 'bash: line 1: microk8s: command not found\n' });
    expect(await run(a, 'snap install microk8s --classic --channel=1.32/stable')).toMatchObject({ code: 1, stderr: 'error: access denied (try with sudo)\n' });
    expect(await run(a, 'sudo snap install microk8s --classic --channel=1.32/stable')).toEqual({ code: 0, stdout: 'microk8s (1.32/stable) v1.32.3 from Canonical** installed\n', stderr: '' });
    expect(await run(a, 'sudo snap install microk8s --classic --channel=1.32/stable')).toEqual({ code: 0, stdout: '', stderr: 'snap "microk8s" is already installed, see \'snap help refresh\'\n' });
    expect((await run(a, 'snap list microk8s')).stdout).toMatch(/^microk8s\s+v1\.32\.3\s+7964\s+1\.32\/stable\s+canonical\*\*\s+classic$/m);
    const denied = await run(a, 'sudo usermod -a -G microk8s ubuntu && microk8s status');
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain("Insufficient permissions to access MicroK8s.\nYou can either try again with sudo or add the user ubuntu to the 'microk8s' group:");
    const ok = await run(a, 'microk8s status --wait-ready');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('microk8s is running\nhigh-availability: no\n  datastore master nodes: 192.168.1.21:19001\n  datastore standby nodes: none\naddons:\n  enabled:\n    dns                  # (core) CoreDNS\n');
  });

  it('forms a cluster with add-node and join; single-use tokens burn even on a failed join; HA with three', async () => {
    const [a, b, c] = pis as [VirtualPi, VirtualPi, VirtualPi];
    for (const p of [b, c]) {
      expect((await run(p, 'sudo snap install microk8s --classic --channel=1.32/stable && sudo usermod -a -G microk8s ubuntu')).code).toBe(0);
      expect((await run(p, 'microk8s status --wait-ready --timeout 600')).code).toBe(0);
    }
    const add = await run(a, 'microk8s add-node');
    const join = /^microk8s join (192\.168\.1\.21:25000\/[0-9a-f]{32}\/[0-9a-f]{12})$/m.exec(add.stdout)![1]!;
    expect(add.stdout).toContain(`Use the '--worker' flag to join a node as a worker not running the control plane, eg:\nmicrok8s join ${join} --worker\n`);
    // A wrong fingerprint fails the client-side identity check before the token is sent.
    const badCheck = join.replace(/\/[0-9a-f]{12}$/, '/000000000000');
    expect(await run(b, `microk8s join ${badCheck}`)).toMatchObject({ code: 4, stdout: expect.stringContaining("Could not verify the identity of 192.168.1.21. Use '--skip-verify' to skip server certificate check.") });
    // A join the agent refuses still burns the single-use token.
    expect(await run(a, `microk8s join ${join}`)).toMatchObject({ code: 6, stdout: 'Contacting cluster at 192.168.1.21\nConnection failed. The joining node has the same IP (192.168.1.21) as the node we contact (503).\n' });
    expect((await run(b, `microk8s join ${join}`)).stdout).toBe('Contacting cluster at 192.168.1.21\nConnection failed. Invalid token (500).\n');

    const t1 = (await run(a, 'microk8s add-node --format token-check')).stdout.trim();
    const joined = await run(b, `microk8s join 192.168.1.21:25000/${t1}`);
    expect(joined).toMatchObject({ code: 0, stdout: 'Contacting cluster at 192.168.1.21\nWaiting for this node to finish joining the cluster. .. .. .. ..\nSuccessfully joined the cluster.\n' });
    const t2 = JSON.parse((await run(a, 'microk8s add-node --format json')).stdout) as { token: string; urls: string[] };
    // The next control plane joins once the previous one has settled (Ready), as the wizard waits.
    await until('node-b Ready', () => lab.cluster.nodes().find((n) => n.name === 'node-b')?.ready);
    expect((await run(c, `microk8s join ${t2.urls[0]}`)).code).toBe(0);

    const nodes = await until('three Ready nodes in the API', async () => {
      const r = await run(a, 'microk8s kubectl get nodes');
      return (r.stdout.match(/\sReady\s/g) ?? []).length === 3 && r;
    });
    expect(nodes.stdout).toMatch(/^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\nnode-a\s+Ready\s+<none>\s+\S+\s+v1\.32\.3\nnode-b\s+Ready\s+<none>\s+\S+\s+v1\.32\.3\nnode-c\s+Ready\s+<none>\s+\S+\s+v1\.32\.3\n$/);
    expect((await run(a, 'microk8s status')).stdout).toContain('high-availability: yes\n  datastore master nodes: 192.168.1.21:19001 192.168.1.22:19001 192.168.1.23:19001\n');
    expect(lab.cluster.nodes().map((n) => [n.name, n.ready, n.role])).toEqual([
      ['node-a', true, 'control-plane'],
      ['node-b', true, 'control-plane'],
      ['node-c', true, 'control-plane'],
    ]);
  });

  it('remove-node refuses a registered node; after leave the node is NotReady and can be removed', async () => {
    const [a, , c] = pis as [VirtualPi, VirtualPi, VirtualPi];
    const refused = await run(a, 'microk8s remove-node node-c');
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain("Removal failed. Node node-c is registered with dqlite. Please, run first 'microk8s leave' on the departing node.");
    expect(await run(c, 'microk8s leave')).toMatchObject({ code: 0, stdout: 'Generating new cluster certificates.\nWaiting for node to start. . .\n' });
    // Its kubelet stops posting: NotReady once the node monitor grace period has passed.
    await until('node-c NotReady', async () => /^node-c\s+NotReady\s/m.test((await run(a, 'microk8s kubectl get nodes')).stdout));
    expect(await run(a, 'microk8s remove-node node-c')).toMatchObject({ code: 0, stdout: '' });
    expect(lab.cluster.nodes().map((n) => n.name)).toEqual(['node-a', 'node-b']);
  });

  it('rejoins as a worker: the worker paragraph, and status/kubectl point to the control plane', async () => {
    const [a, , c] = pis as [VirtualPi, VirtualPi, VirtualPi];
    const t = (await run(a, 'microk8s add-node --token-ttl 3600 --format token-check')).stdout.trim();
    const joined = await run(c, `microk8s join 192.168.1.21:25000/${t} --worker`);
    expect(joined.code).toBe(0);
    expect(joined.stdout).toContain('Contacting cluster at 192.168.1.21\n\nThe node has joined the cluster and will appear in the nodes list in a few seconds.\n');
    expect(await run(c, 'microk8s status')).toMatchObject({ code: 0, stdout: 'This MicroK8s deployment is acting as a node in a cluster.\nPlease use the control plane node.\n' });
    const wide = await until('node-c Ready as a worker', async () => {
      const out = (await run(a, 'microk8s kubectl get nodes -o wide')).stdout;
      return /^node-c\s+Ready\s/m.test(out) && out;
    });
    expect(wide).toMatch(/^node-c\s+Ready\s+<none>\s+\S+\s+v1\.32\.3\s+192\.168\.1\.23\s+<none>\s+Ubuntu 24\.04\.1 LTS\s+6\.8\.0-1012-raspi\s+containerd:\/\/1\.6\.28$/m);
    expect(lab.cluster.nodes().find((n) => n.name === 'node-c')?.role).toBe('worker');
  });

  it('add-node formats and token checks', async () => {
    const [a] = pis as [VirtualPi];
    expect(await run(a, 'microk8s add-node -t 1234')).toMatchObject({ code: 1, stderr: 'Invalid token size.  It must be 32 characters long.\n' });
    expect((await run(a, 'microk8s add-node --format token')).stdout).toMatch(/^[0-9a-f]{32}\n$/);
    const yaml = parseYaml((await run(a, 'microk8s add-node --format yaml')).stdout) as { token: string; urls: string[] };
    expect(yaml.urls).toEqual([`192.168.1.21:25000/${yaml.token}`]);
    expect(await run(a, 'microk8s join 192.168.1.21/abc')).toMatchObject({ code: 1, stdout: 'Invalid connection: Expected format: <master_IP>:<master_PORT>/<token>[/<fingerprint>]\n' });
  });

  it('addons: enable/disable with their texts; status --format yaml', async () => {
    const [a] = pis as [VirtualPi];
    expect(await run(a, 'microk8s enable dns')).toMatchObject({ code: 0, stderr: 'Infer repository core for addon dns\n', stdout: 'Addon core/dns is already enabled\n' });
    const metallb = await run(a, 'microk8s enable metallb:192.168.1.240-192.168.1.250');
    expect(metallb.stdout).toMatch(/^Enabling MetalLB\n[\s\S]*MetalLB is enabled\n$/);
    const status = parseYaml((await run(a, 'microk8s status --format yaml')).stdout) as { microk8s: { running: boolean }; 'high-availability': { enabled: boolean; nodes: { address: string; role: string }[] }; addons: { name: string; status: string }[] };
    expect(status.microk8s.running).toBe(true);
    expect(status['high-availability'].nodes).toEqual([
      { address: '192.168.1.21:19001', role: 'voter' },
      { address: '192.168.1.22:19001', role: 'voter' },
    ]);
    expect(status.addons.find((x) => x.name === 'metallb')?.status).toBe('enabled');
    // upstream's disable script ends with "MetalLB is terminated"
    expect((await run(a, 'microk8s disable metallb')).stdout).toMatch(/^Disabling MetalLB\n[\s\S]*namespace "metallb-system" deleted\n[\s\S]*MetalLB is terminated\n$/);
  });

  it('microk8s config: a kubeconfig real kubectl uses against the lab API', async () => {
    const [a] = pis as [VirtualPi];
    const text = (await run(a, 'microk8s config')).stdout;
    const cfg = parseYaml(text) as { clusters: { name: string; cluster: { server: string } }[]; users: { name: string }[]; contexts: { name: string }[] };
    expect(cfg.clusters[0]).toMatchObject({ name: 'microk8s-cluster', cluster: { server: 'https://192.168.1.21:16443' } });
    expect(cfg.users[0]!.name).toBe('admin');
    expect(cfg.contexts[0]!.name).toBe('microk8s');
    const path = join(tempDir('kube'), 'config');
    writeFileSync(path, text.replace('https://192.168.1.21:16443', api.url('192.168.1.21')!));
    const out = await new Promise<string>((resolve, reject) =>
      execFile('/usr/bin/kubectl', ['--kubeconfig', path, 'get', 'nodes', '-o', 'name'], (err, stdout, stderr) => (err ? reject(new Error(stderr)) : resolve(stdout))),
    );
    expect(out.split('\n').filter(Boolean).sort()).toEqual(['node/node-a', 'node/node-b', 'node/node-c']);
  });

  it('a powered-off worker turns NotReady after the grace period; with two voters one down freezes the datastore; the last control plane cannot leave', async () => {
    const [a, b, c] = pis as [VirtualPi, VirtualPi, VirtualPi];
    await c.powerOff();
    // The kubelet stops posting: the node stays Ready until the node monitor grace period has passed.
    expect(lab.cluster.nodes().find((n) => n.name === 'node-c')).toMatchObject({ ready: false, silent: true, notReadyReason: 'Kubelet stopped posting node status.' });
    await until('node-c NotReady', async () => /^node-c\s+NotReady\s/m.test((await run(a, 'microk8s kubectl get nodes')).stdout));
    expect((await run(a, 'microk8s status')).stdout).toContain('high-availability: no\n  datastore master nodes: 192.168.1.21:19001 192.168.1.22:19001\n');
    // Two voters: b down leaves a without quorum, so its API hangs and status reports it not running.
    await b.powerOff();
    expect(await run(a, 'microk8s status')).toMatchObject({ code: 1, stdout: 'microk8s is not running. Use microk8s inspect for a deeper inspection.\n' });
    await b.powerOn();
    await b.whenReady();
    await until('quorum again', async () => (await run(a, 'microk8s status')).code === 0);
    expect(await run(b, 'microk8s leave')).toMatchObject({ code: 0 });
    expect(await run(a, 'microk8s remove-node node-b')).toMatchObject({ code: 0 });
    expect(await run(a, 'microk8s leave')).toMatchObject({ code: 3, stdout: 'This node currently holds the only copy of the Kubernetes database so it cannot leave the cluster.\n' });
  });
});

describe('MicroK8s up to 1.27 checks that the joining hostname resolves', { timeout: 120_000 }, () => {
  it('refuses the join until the control plane\'s /etc/hosts knows the joining node', async () => {
    const lab2 = new Lab({ dataDir: tempDir('lab'), speed: 2000, loopbackBase: randomLoopbackBase(), sshPort: 0 });
    try {
      const cards = await Promise.all(
        ['x', 'y'].map((n, i) => seedFolder('22.04', { 'user-data': userData(`old-${n}`, ''), 'network-config': network(`192.168.1.4${i + 1}`), 'cmdline.txt': cmdline })),
      );
      const [x, y] = cards.map((dir) => lab2.addPi({ card: folderCard(dir) })) as [VirtualPi, VirtualPi];
      await Promise.all([x.powerOn(), y.powerOn()]);
      await Promise.all([x.whenReady(), y.whenReady()]);
      for (const p of [x, y]) expect((await run(p, 'sudo snap install microk8s --classic --channel=1.27/stable && sudo microk8s status --wait-ready > /dev/null')).code).toBe(0);
      const t = (await run(x, 'sudo microk8s add-node --format token-check')).stdout.trim();
      expect((await run(y, `sudo microk8s join 192.168.1.41:25000/${t}`)).stdout).toBe(
        'Contacting cluster at 192.168.1.41\nConnection failed. The hostname (old-y) of the joining node does not resolve to the IP "192.168.1.42". Refusing join (400).\n',
      );
      expect((await run(x, 'echo "192.168.1.42 old-y" | sudo tee -a /etc/hosts > /dev/null')).code).toBe(0);
      const t2 = (await run(x, 'sudo microk8s add-node --format token-check')).stdout.trim();
      expect((await run(y, `sudo microk8s join 192.168.1.41:25000/${t2}`)).code).toBe(0);
    } finally {
      await lab2.stop();
    }
  });
});

describe('a lab restarted on the same data dir', { timeout: 120_000 }, () => {
  it('brings the Pis back into the cluster they had formed, addons and objects included, at the same API address', async () => {
    const dataDir = tempDir('lab');
    const kubeDir = tempDir('kube');
    // The same loopback addresses after the restart, as the app's (derived from its data folder).
    const loopbackBase = randomLoopbackBase();
    const cards = await Promise.all(['p', 'q'].map((n, i) => seedFolder('24.04', { 'user-data': userData(`keep-${n}`, ''), 'network-config': network(`192.168.1.5${i + 1}`), 'cmdline.txt': cmdline })));
    const boot = async () => {
      const l = new Lab({ dataDir, speed: 2000, loopbackBase, sshPort: 0 });
      const apis = await l.startKubeApi({ dataDir: kubeDir });
      const ps = cards.map((dir) => l.addPi({ card: folderCard(dir) })) as [VirtualPi, VirtualPi];
      await Promise.all(ps.map((p) => p.powerOn()));
      await Promise.all(ps.map((p) => p.whenReady()));
      return { l, ps, apis };
    };
    const kubeconfig = join(tempDir('kubeconfig'), 'config');
    const kubectl = (...args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
        execFile('/usr/bin/kubectl', ['--kubeconfig', kubeconfig, ...args], { env: { ...process.env, HOME: tempDir('home') } }, (err, stdout, stderr) => resolve({ code: err ? 1 : 0, stdout, stderr })),
      );
    let before: { url: string; rv: number };
    const first = await boot();
    try {
      const [p, q] = first.ps;
      for (const pi of [p, q]) expect((await run(pi, 'sudo snap install microk8s --classic && sudo microk8s status --wait-ready > /dev/null')).code).toBe(0);
      const t = (await run(p, 'sudo microk8s add-node --format token-check')).stdout.trim();
      expect((await run(q, `sudo microk8s join 192.168.1.51:25000/${t} --worker`)).code).toBe(0);
      expect((await run(p, 'sudo microk8s enable metrics-server')).code).toBe(0);
      // The kubeconfig a user saves: `microk8s config`, its LAN address mapped to where this computer reaches it.
      const url = first.apis.url('192.168.1.51')!;
      writeFileSync(kubeconfig, (await run(p, 'sudo microk8s config')).stdout.replace('https://192.168.1.51:16443', url));
      await until('keep-q Ready in the API', async () => /^keep-q\s+Ready\s/m.test((await kubectl('get', 'nodes')).stdout));
      expect((await kubectl('create', 'deployment', 'web', '--image=nginx:1.16.1', '--replicas=2')).stdout).toBe('deployment.apps/web created\n');
      expect((await kubectl('create', 'configmap', 'settings', '--from-literal=greeting=hello')).code).toBe(0);
      await until('two web pods Running', async () => (await kubectl('get', 'pods', '-l', 'app=web', '--no-headers')).stdout.split('\n').filter((l) => /\s1\/1\s+Running\s/.test(l)).length === 2);
      before = { url, rv: Number((await kubectl('get', 'configmap', 'settings', '-o', 'jsonpath={.metadata.resourceVersion}')).stdout) };
    } finally {
      await first.l.stop();
    }
    expect((await kubectl('get', 'nodes')).stderr).toContain('was refused');

    const second = await boot();
    try {
      expect(second.apis.url('192.168.1.51')).toBe(before.url);
      await until('both nodes Ready again', () => {
        const nodes = second.l.cluster.nodes().map((n) => [n.name, n.role, n.ready]);
        return JSON.stringify(nodes) === JSON.stringify([['keep-p', 'control-plane', true], ['keep-q', 'worker', true]]);
      }, 60_000);
      expect((await run(second.ps[0], 'sudo microk8s status -a metrics-server')).stdout).toBe('enabled\n');
      // The kubeconfig saved before the restart still works: same address, same CA, same client certificate.
      const cm = await until('the saved kubeconfig answers', async () => {
        const r = await kubectl('get', 'configmap', 'settings', '-o', 'jsonpath={.data.greeting}');
        return r.code === 0 && r.stdout;
      }, 60_000);
      expect(cm).toBe('hello');
      await until('the web pods Running again (their kubelets restarted them)', async () => (await kubectl('get', 'pods', '-l', 'app=web', '--no-headers')).stdout.split('\n').filter((l) => /\s1\/1\s+Running\s/.test(l)).length === 2, 60_000);
      expect((await kubectl('get', 'deployment', 'web', '--no-headers')).stdout).toMatch(/^web\s+2\/2\s+2\s+2\s/);
      // resourceVersions go on increasing.
      expect((await kubectl('create', 'configmap', 'after', '--from-literal=a=b')).code).toBe(0);
      expect(Number((await kubectl('get', 'configmap', 'after', '-o', 'jsonpath={.metadata.resourceVersion}')).stdout)).toBeGreaterThan(before!.rv);
    } finally {
      await second.l.stop();
    }
  });
});
