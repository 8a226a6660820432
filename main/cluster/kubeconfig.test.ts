import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { listApiNodes } from './cluster-api';
import { buildKubeconfig, clusterKubeconfigPath, defaultKubeconfigPath, mergeKubeconfig, saveClusterKubeconfig } from './kubeconfig';

/** `microk8s config` as MicroK8s 1.32 prints it (certificate data shortened). */
const MICROK8S_CONFIG = `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: LS0tLS1CRUdJTi0tLS0t
    server: https://192.168.1.21:16443
  name: microk8s-cluster
contexts:
- context:
    cluster: microk8s-cluster
    user: admin
  name: microk8s
current-context: microk8s
kind: Config
preferences: {}
users:
- name: admin
  user:
    client-certificate-data: Q0VSVA==
    client-key-data: S0VZ
`;

const EXISTING = `apiVersion: v1
kind: Config
clusters:
- cluster: {server: 'https://k3s.example:6443'}
  name: k3s
- cluster: {server: 'https://old:16443'}
  name: home-lab
contexts:
- context: {cluster: k3s, user: k3s}
  name: k3s
current-context: k3s
users:
- name: k3s
  user: {token: abc}
`;

const tmp = () => mkdtempSync(join(tmpdir(), 'pcw-kubeconfig-'));

describe('kubeconfig', () => {
  it("renames MicroK8s' fixed names after the cluster and sets the server this computer reaches", () => {
    const doc = parse(buildKubeconfig(MICROK8S_CONFIG, 'home-lab', 'https://127.0.0.10:16443'));
    expect(doc.clusters).toEqual([{ cluster: { 'certificate-authority-data': 'LS0tLS1CRUdJTi0tLS0t', server: 'https://127.0.0.10:16443' }, name: 'home-lab' }]);
    expect(doc.contexts).toEqual([{ context: { cluster: 'home-lab', user: 'home-lab-admin' }, name: 'home-lab' }]);
    expect(doc.users).toEqual([{ name: 'home-lab-admin', user: { 'client-certificate-data': 'Q0VSVA==', 'client-key-data': 'S0VZ' } }]);
    expect(doc['current-context']).toBe('home-lab');
    expect(() => buildKubeconfig('This MicroK8s deployment is acting as a node in a cluster.', 'x', 'https://127.0.0.10:16443')).toThrow(/not a kubeconfig/);
    expect(() => buildKubeconfig(MICROK8S_CONFIG, 'x', 'http://127.0.0.10:16443')).toThrow(/not a server address/);
  });

  it('takes only the CA, the client certificate and key (or a token) and the chosen server from what a node prints', () => {
    // A hostile node: its own server, a proxy, an extra context replacing one of the user's, an extra user.
    const hostile = MICROK8S_CONFIG.replace('    server: https://192.168.1.21:16443', '    server: https://evil.example:443\n    extensions: []')
      .replace('preferences: {}', 'preferences: {colors: true}\nextensions: [{name: x, extension: {}}]')
      .replace('contexts:\n', 'contexts:\n- context: {cluster: microk8s-cluster, user: admin}\n  name: k3s\n');
    const doc = parse(buildKubeconfig(hostile, 'home-lab', 'https://192.168.1.21:16443'));
    expect(doc.clusters).toHaveLength(1);
    expect(doc.clusters[0].cluster).toEqual({ 'certificate-authority-data': 'LS0tLS1CRUdJTi0tLS0t', server: 'https://192.168.1.21:16443' });
    expect(doc.contexts.map((c: { name: string }) => c.name)).toEqual(['home-lab']);
    expect(doc.extensions).toBeUndefined();
    const token = MICROK8S_CONFIG.replace('    client-certificate-data: Q0VSVA==\n    client-key-data: S0VZ\n', '    token: abc123\n');
    expect(parse(buildKubeconfig(token, 'home-lab', 'https://192.168.1.21:16443')).users[0].user).toEqual({ token: 'abc123' });
  });

  it.each([
    ['an exec plugin', 'user', '    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: /bin/sh\n      args: ["-c", "touch /tmp/pwned"]\n'],
    ['an auth provider', 'user', '    auth-provider:\n      name: oidc\n'],
    ['a token file', 'user', '    tokenFile: /etc/passwd\n'],
    ['a client key file', 'user', '    client-key: /home/me/.ssh/id_ed25519\n'],
    ['a proxy', 'cluster', '    proxy-url: http://evil.example:3128\n'],
    ['no TLS check', 'cluster', '    insecure-skip-tls-verify: true\n'],
  ])('refuses a kubeconfig asking for %s', (_what, where, field) => {
    const text =
      where === 'user'
        ? MICROK8S_CONFIG.replace('  user:\n', `  user:\n${field}`)
        : MICROK8S_CONFIG.replace('    server: https://192.168.1.21:16443\n', `    server: https://192.168.1.21:16443\n${field}`);
    expect(() => buildKubeconfig(text, 'home-lab', 'https://192.168.1.21:16443')).toThrow(expect.objectContaining({ code: 'KUBECONFIG_REFUSED' }));
  });

  it('a refused exec plugin never runs when the app talks to the cluster', async () => {
    const marker = join(tmp(), 'pwned');
    const text = MICROK8S_CONFIG.replace('  user:\n', `  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: /bin/sh\n      args: ["-c", "touch ${marker}"]\n`);
    // What the app would keep and then hand to @kubernetes/client-node.
    let kept: string | undefined;
    try {
      kept = buildKubeconfig(text, 'home-lab', 'https://127.0.0.1:9');
    } catch (e) {
      expect(e).toMatchObject({ code: 'KUBECONFIG_REFUSED' });
    }
    if (kept !== undefined) await listApiNodes(kept).catch(() => undefined);
    expect(existsSync(marker)).toBe(false);
  });

  it('saves 0600 under clusters/<name>/ and refuses a name that is not a folder name', async () => {
    const dir = tmp();
    const file = await saveClusterKubeconfig(dir, 'home-lab', 'apiVersion: v1\n');
    expect(file).toBe(join(dir, 'clusters', 'home-lab', 'kubeconfig'));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(() => clusterKubeconfigPath(dir, '../etc')).toThrow(/cannot name a cluster/);
  });

  it('merges into an existing kubeconfig after a backup: other clusters kept, same names replaced, context switched', async () => {
    const target = join(tmp(), 'config');
    writeFileSync(target, EXISTING, { mode: 0o644 });
    const ours = buildKubeconfig(MICROK8S_CONFIG, 'home-lab', 'https://192.168.1.21:16443');
    const result = await mergeKubeconfig(target, ours, { clusterName: 'home-lab', now: new Date('2026-11-26T10:00:00.123Z') });
    expect(result.backupPath).toBe(`${target}.backup-20261126T100000Z`);
    expect(readFileSync(result.backupPath!, 'utf8')).toBe(EXISTING);
    expect(statSync(result.backupPath!).mode & 0o077).toBe(0);
    expect(statSync(target).mode & 0o777).toBe(0o600);
    const doc = parse(readFileSync(target, 'utf8'));
    expect(doc.clusters.map((c: { name: string; cluster: { server: string } }) => [c.name, c.cluster.server])).toEqual([
      ['k3s', 'https://k3s.example:6443'],
      ['home-lab', 'https://192.168.1.21:16443'],
    ]);
    expect(doc.users.map((u: { name: string }) => u.name)).toEqual(['k3s', 'home-lab-admin']);
    expect(doc['current-context']).toBe('home-lab');
    // Merging again changes nothing but makes another backup.
    const before = readFileSync(target, 'utf8');
    await mergeKubeconfig(target, ours, { clusterName: 'home-lab', now: new Date('2026-11-26T10:05:00Z') });
    expect(readFileSync(target, 'utf8')).toBe(before);
  });

  it('creates ~/.kube/config when there is none, and finds it as kubectl does', async () => {
    const target = join(tmp(), '.kube', 'config');
    const result = await mergeKubeconfig(target, buildKubeconfig(MICROK8S_CONFIG, 'lab', 'https://192.168.1.21:16443'), { clusterName: 'lab', useContext: false });
    expect(result.backupPath).toBeUndefined();
    expect(parse(readFileSync(target, 'utf8'))['current-context']).toBe('lab');
    expect(defaultKubeconfigPath({ KUBECONFIG: `/a/config${':'}/b/config` })).toBe('/a/config');
    expect(defaultKubeconfigPath({})).toMatch(/\.kube\/config$/);
  });

  it('merges only the entries the app made for the cluster, never a context of the user\'s', async () => {
    const target = join(tmp(), 'config');
    writeFileSync(target, EXISTING, { mode: 0o600 });
    // A saved file that someone extended with a context named like one of the user's.
    const tampered = buildKubeconfig(MICROK8S_CONFIG, 'home-lab', 'https://192.168.1.21:16443').replace('contexts:\n', 'contexts:\n  - name: k3s\n    context: {cluster: home-lab, user: home-lab-admin}\n');
    await mergeKubeconfig(target, tampered, { clusterName: 'home-lab', useContext: false });
    const doc = parse(readFileSync(target, 'utf8'));
    expect(doc.contexts.find((c: { name: string }) => c.name === 'k3s').context).toEqual({ cluster: 'k3s', user: 'k3s' });
    const withExec = buildKubeconfig(MICROK8S_CONFIG, 'home-lab', 'https://192.168.1.21:16443').replace('client-key-data: S0VZ', 'client-key-data: S0VZ\n      exec: {command: /bin/sh}');
    await expect(mergeKubeconfig(target, withExec, { clusterName: 'home-lab' })).rejects.toMatchObject({ code: 'KUBECONFIG_REFUSED' });
  });
});
