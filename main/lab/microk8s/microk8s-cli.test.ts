import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab } from '../lab';
import { folderCard } from '../pi/card-reader';
import type { VirtualPi } from '../pi/virtual-pi';
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
});
afterAll(() => lab.stop());

describe('MicroK8s on three virtual Pis over SSH', () => {
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
    await lab.clock.sleep(61_000);
    expect((await run(c, `microk8s join ${t2.urls[0]}`)).code).toBe(0);
    await lab.clock.sleep(61_000);

    const nodes = await run(a, 'microk8s kubectl get nodes');
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
    expect((await run(a, 'microk8s kubectl get nodes')).stdout).toMatch(/^node-c\s+NotReady\s/m);
    expect(await run(a, 'microk8s remove-node node-c')).toMatchObject({ code: 0, stdout: '' });
    expect(lab.cluster.nodes().map((n) => n.name)).toEqual(['node-a', 'node-b']);
  });
});
