import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { clusterKubeconfigPath, defaultKubeconfigPath, mergeKubeconfig, renameKubeconfig, saveClusterKubeconfig } from './kubeconfig';

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
    const doc = parse(renameKubeconfig(MICROK8S_CONFIG, 'home-lab', 'https://127.0.0.10:16443'));
    expect(doc.clusters).toEqual([{ cluster: { 'certificate-authority-data': 'LS0tLS1CRUdJTi0tLS0t', server: 'https://127.0.0.10:16443' }, name: 'home-lab' }]);
    expect(doc.contexts).toEqual([{ context: { cluster: 'home-lab', user: 'home-lab-admin' }, name: 'home-lab' }]);
    expect(doc.users[0].name).toBe('home-lab-admin');
    expect(doc['current-context']).toBe('home-lab');
    expect(parse(renameKubeconfig(MICROK8S_CONFIG, 'home-lab')).clusters[0].cluster.server).toBe('https://192.168.1.21:16443');
    expect(() => renameKubeconfig('This MicroK8s deployment is acting as a node in a cluster.', 'x')).toThrow(/not a kubeconfig/);
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
    const ours = renameKubeconfig(MICROK8S_CONFIG, 'home-lab', 'https://192.168.1.21:16443');
    const result = await mergeKubeconfig(target, ours, { now: new Date('2026-11-26T10:00:00.123Z') });
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
    await mergeKubeconfig(target, ours, { now: new Date('2026-11-26T10:05:00Z') });
    expect(readFileSync(target, 'utf8')).toBe(before);
  });

  it('creates ~/.kube/config when there is none, and finds it as kubectl does', async () => {
    const target = join(tmp(), '.kube', 'config');
    const result = await mergeKubeconfig(target, renameKubeconfig(MICROK8S_CONFIG, 'lab'), { useContext: false });
    expect(result.backupPath).toBeUndefined();
    expect(parse(readFileSync(target, 'utf8'))['current-context']).toBe('lab');
    expect(defaultKubeconfigPath({ KUBECONFIG: `/a/config${':'}/b/config` })).toBe('/a/config');
    expect(defaultKubeconfigPath({})).toMatch(/\.kube\/config$/);
  });
});
