/**
 * The cluster's kubeconfig for this computer: `microk8s config` from the first control plane,
 * its fixed names (cluster `microk8s-cluster`, user `admin`, context `microk8s`) renamed after
 * the cluster so several clusters can live in one file, the server set to an address this
 * computer reaches; saved as `<dataDir>/clusters/<name>/kubeconfig` (0600, atomic) and, when the
 * user agrees, merged into ~/.kube/config after a backup. No local kubectl needed.
 */
import { copyFile, chmod, mkdir, readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { writeFileAtomic } from '../state/atomic-file';
import { ClusterError } from './cluster-errors';
import { isWorkerNotice } from './microk8s-output';
import type { NodeSession } from './node-session';

interface Named {
  name: string;
  [key: string]: unknown;
}

interface KubeconfigDoc {
  apiVersion?: string;
  kind?: string;
  clusters?: Named[];
  users?: Named[];
  contexts?: Named[];
  'current-context'?: string;
  preferences?: unknown;
  [key: string]: unknown;
}

/** The names a cluster's entries get: cluster and context `<name>`, user `<name>-admin`. */
export function kubeconfigNames(clusterName: string): { cluster: string; user: string; context: string } {
  return { cluster: clusterName, user: `${clusterName}-admin`, context: clusterName };
}

function parseDoc(text: string, what: string): KubeconfigDoc {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new ClusterError('KUBECONFIG_INVALID', `${what} is not valid YAML: ${(e as Error).message}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ClusterError('KUBECONFIG_INVALID', `${what} is not a kubeconfig (expected a YAML mapping).`);
  return doc as KubeconfigDoc;
}

/** Renames MicroK8s' fixed names after the cluster and optionally points it at another server. */
export function renameKubeconfig(text: string, clusterName: string, server?: string): string {
  const doc = parseDoc(text, 'The output of microk8s config');
  const cluster = doc.clusters?.find((c) => c.name === 'microk8s-cluster');
  const user = doc.users?.find((u) => u.name === 'admin');
  const context = doc.contexts?.find((c) => c.name === 'microk8s');
  if (!cluster || !user || !context) throw new ClusterError('KUBECONFIG_INVALID', 'The output of microk8s config lacks its cluster, user or context.');
  const names = kubeconfigNames(clusterName);
  cluster.name = names.cluster;
  user.name = names.user;
  context.name = names.context;
  const ctx = context['context'] as { cluster?: string; user?: string };
  ctx.cluster = names.cluster;
  ctx.user = names.user;
  if (server) (cluster['cluster'] as { server?: string }).server = server;
  doc['current-context'] = names.context;
  return stringify(doc);
}

/** `microk8s config` on a control plane, renamed; `server` replaces MicroK8s' https://<node address>:16443. */
export async function fetchKubeconfig(controlPlane: NodeSession, options: { clusterName: string; server?: string }): Promise<string> {
  const r = await controlPlane.run('microk8s config', { quiet: true, timeoutMs: 60_000 });
  if (r.code !== 0 || isWorkerNotice(r.stdout)) {
    throw new ClusterError('KUBECONFIG_INVALID', `microk8s config failed on ${controlPlane.name}: ${(r.stderr || r.stdout).trim()}`, controlPlane.name);
  }
  controlPlane.log('fetched the kubeconfig (microk8s config)');
  return renameKubeconfig(r.stdout, options.clusterName, options.server);
}

export function clusterKubeconfigPath(dataDir: string, clusterName: string): string {
  // The name becomes a folder: the plan's rule, checked again here.
  if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(clusterName)) {
    throw new ClusterError('KUBECONFIG_INVALID', `"${clusterName}" cannot name a cluster: use lowercase letters, digits and "-" only (at most 63), starting and ending with a letter or digit.`);
  }
  return path.join(dataDir, 'clusters', clusterName, 'kubeconfig');
}

/** Saves the kubeconfig in the app's data dir (0600, written atomically); returns its path. */
export async function saveClusterKubeconfig(dataDir: string, clusterName: string, kubeconfig: string): Promise<string> {
  const file = clusterKubeconfigPath(dataDir, clusterName);
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFileAtomic(file, kubeconfig, 0o600);
  return file;
}

/** Where kubectl looks: the first path of $KUBECONFIG, else ~/.kube/config. */
export function defaultKubeconfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const first = env['KUBECONFIG']?.split(path.delimiter).find(Boolean);
  return first ?? path.join(homedir(), '.kube', 'config');
}

function upsert<T extends { name: string }>(list: T[] | undefined, items: T[] | undefined): T[] {
  const out = [...(list ?? [])];
  for (const item of items ?? []) {
    const i = out.findIndex((x) => x.name === item.name);
    if (i >= 0) out[i] = item;
    else out.push(item);
  }
  return out;
}

export interface MergeResult {
  path: string;
  /** The copy of the previous file, when there was one. */
  backupPath?: string;
}

/**
 * Merges the cluster's entries into the kubeconfig at `target` (same-named entries replaced,
 * everything else kept) and makes its context current. The old file is copied first to
 * `<target>.backup-<timestamp>`; the result is written atomically with mode 0600.
 */
export async function mergeKubeconfig(target: string, kubeconfig: string, options: { now?: Date; useContext?: boolean } = {}): Promise<MergeResult> {
  const ours = parseDoc(kubeconfig, 'The cluster kubeconfig');
  let existingText: string | undefined;
  try {
    existingText = await readFile(target, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const existing = existingText === undefined ? {} : parseDoc(existingText, target);
  let backupPath: string | undefined;
  if (existingText !== undefined) {
    const stamp = (options.now ?? new Date()).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    backupPath = `${target}.backup-${stamp}`;
    await copyFile(target, backupPath);
    await chmod(backupPath, (await stat(target)).mode & 0o600);
  } else await mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
  const merged: KubeconfigDoc = {
    ...existing,
    apiVersion: existing.apiVersion ?? 'v1',
    kind: existing.kind ?? 'Config',
    clusters: upsert(existing.clusters, ours.clusters),
    users: upsert(existing.users, ours.users),
    contexts: upsert(existing.contexts, ours.contexts),
  };
  if (options.useContext !== false || !merged['current-context']) merged['current-context'] = ours['current-context'];
  await writeFileAtomic(target, stringify(merged), 0o600);
  return { path: target, backupPath };
}
