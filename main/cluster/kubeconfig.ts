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

/**
 * Credentials a kubeconfig user may carry into the saved file. Everything else a node could put
 * there is refused: `exec` and `auth-provider` run programs on this computer when a client loads
 * the file, `tokenFile` and file paths read this computer's files, `proxy-url` sends the
 * cluster's traffic elsewhere, and `insecure-skip-tls-verify` turns the CA check off.
 */
const REFUSED_USER_FIELDS = ['exec', 'auth-provider', 'tokenFile', 'client-certificate', 'client-key', 'username', 'password', 'as', 'as-groups', 'as-uid', 'as-user-extra', 'impersonate', 'impersonate-groups'];
const REFUSED_CLUSTER_FIELDS = ['proxy-url', 'insecure-skip-tls-verify', 'certificate-authority', 'tls-server-name', 'disable-compression'];
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function pick(doc: KubeconfigDoc, list: 'clusters' | 'users' | 'contexts', name: string | undefined, what: string): Record<string, unknown> {
  const entries = doc[list];
  const found = Array.isArray(entries) ? entries.find((e) => e && typeof e === 'object' && e.name === name) : undefined;
  const key = list === 'clusters' ? 'cluster' : list === 'users' ? 'user' : 'context';
  const body = found?.[key];
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new ClusterError('KUBECONFIG_INVALID', `${what} lacks its ${key} "${name ?? ''}".`);
  return body as Record<string, unknown>;
}

function base64Field(value: unknown, field: string, what: string): string {
  if (typeof value !== 'string' || !BASE64.test(value.replace(/\s+/g, ''))) throw new ClusterError('KUBECONFIG_INVALID', `${what}: ${field} is not base64 data.`);
  return value.replace(/\s+/g, '');
}

/** The server URL the app chose: https, a host and a port, nothing else. */
export function checkServerUrl(server: string): string {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new ClusterError('KUBECONFIG_INVALID', `"${server}" is not a server address (expected https://<address>:16443).`);
  }
  if (url.protocol !== 'https:' || !url.hostname || url.username || url.password || (url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    throw new ClusterError('KUBECONFIG_INVALID', `"${server}" is not a server address (expected https://<address>:16443).`);
  }
  return `https://${url.host}`;
}

/**
 * Builds the kubeconfig the app saves from what `microk8s config` printed, taking only what it
 * needs (the CA data, the client certificate and key data, or a token) and the server address
 * the app chose; names after the cluster so several clusters can live in one file. A printed
 * file that asks for anything else (an exec plugin, a proxy, no TLS check) is refused.
 */
export function buildKubeconfig(text: string, clusterName: string, server: string): string {
  const what = 'The output of microk8s config';
  const doc = parseDoc(text, what);
  const currentContext = typeof doc['current-context'] === 'string' ? doc['current-context'] : 'microk8s';
  const context = pick(doc, 'contexts', currentContext, what);
  const cluster = pick(doc, 'clusters', typeof context['cluster'] === 'string' ? context['cluster'] : undefined, what);
  const user = pick(doc, 'users', typeof context['user'] === 'string' ? context['user'] : undefined, what);
  for (const field of REFUSED_USER_FIELDS) {
    if (field in user) throw new ClusterError('KUBECONFIG_REFUSED', `${what} asks for "${field}" in its user entry; the app does not accept that from a node (it could run programs or read files on this computer).`);
  }
  for (const field of REFUSED_CLUSTER_FIELDS) {
    if (field in cluster) throw new ClusterError('KUBECONFIG_REFUSED', `${what} asks for "${field}" in its cluster entry; the app does not accept that from a node.`);
  }
  if (context['namespace'] !== undefined && typeof context['namespace'] !== 'string') throw new ClusterError('KUBECONFIG_INVALID', `${what}: the context's namespace is not text.`);
  const names = kubeconfigNames(clusterName);
  const credentials: Record<string, string> = {};
  if (user['client-certificate-data'] !== undefined || user['client-key-data'] !== undefined) {
    credentials['client-certificate-data'] = base64Field(user['client-certificate-data'], 'client-certificate-data', what);
    credentials['client-key-data'] = base64Field(user['client-key-data'], 'client-key-data', what);
  } else if (typeof user['token'] === 'string' && /^[\x21-\x7e]+$/.test(user['token'])) {
    credentials['token'] = user['token'];
  } else {
    throw new ClusterError('KUBECONFIG_INVALID', `${what} has neither a client certificate and key nor a token.`);
  }
  const out: KubeconfigDoc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: names.cluster, cluster: { 'certificate-authority-data': base64Field(cluster['certificate-authority-data'], 'certificate-authority-data', what), server: checkServerUrl(server) } }],
    users: [{ name: names.user, user: credentials }],
    contexts: [{ name: names.context, context: { cluster: names.cluster, user: names.user } }],
    'current-context': names.context,
    preferences: {},
  };
  return stringify(out);
}

/**
 * `microk8s config` on a control plane, rebuilt from the allowlist. The server is the one the app
 * chose (`server`, else the address this computer reached the node at, port 16443), never the
 * one the node printed.
 */
export async function fetchKubeconfig(controlPlane: NodeSession, options: { clusterName: string; server?: string; entryName?: string }): Promise<string> {
  const r = await controlPlane.run('microk8s config', { quiet: true, timeoutMs: 60_000 });
  if (r.code !== 0 || isWorkerNotice(r.stdout)) {
    throw new ClusterError('KUBECONFIG_INVALID', `microk8s config failed on ${controlPlane.name}: ${(r.stderr || r.stdout).trim()}`, controlPlane.name);
  }
  controlPlane.log('fetched the kubeconfig (microk8s config)');
  const host = controlPlane.target.host.includes(':') ? `[${controlPlane.target.host}]` : controlPlane.target.host;
  return buildKubeconfig(r.stdout, options.entryName ?? options.clusterName, options.server ?? `https://${host}:16443`);
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

const ALLOWED = { cluster: ['certificate-authority-data', 'server'], user: ['client-certificate-data', 'client-key-data', 'token'], context: ['cluster', 'user'] };

/**
 * The entries the app made for `clusterName`, taken out of a saved kubeconfig: exactly one
 * cluster, user and context with the app's names, each holding only allowlisted fields.
 */
export function appEntries(kubeconfig: string, clusterName: string): Pick<KubeconfigDoc, 'clusters' | 'users' | 'contexts'> {
  const doc = parseDoc(kubeconfig, 'The cluster kubeconfig');
  const names = kubeconfigNames(clusterName);
  const take = (list: 'clusters' | 'users' | 'contexts', key: 'cluster' | 'user' | 'context', name: string): Named => {
    const body = pick(doc, list, name, 'The cluster kubeconfig');
    const extra = Object.keys(body).filter((k) => !ALLOWED[key].includes(k));
    if (extra.length) throw new ClusterError('KUBECONFIG_REFUSED', `The cluster kubeconfig's ${key} entry holds ${extra.join(', ')}, which the app never writes; prepare the cluster's kubeconfig again from step 5.`);
    return { name, [key]: body };
  };
  const context = take('contexts', 'context', names.context);
  const body = context['context'] as Record<string, unknown>;
  if (body['cluster'] !== names.cluster || body['user'] !== names.user) throw new ClusterError('KUBECONFIG_REFUSED', `The cluster kubeconfig's context does not name the app's cluster and user.`);
  if (typeof (take('clusters', 'cluster', names.cluster)['cluster'] as Record<string, unknown>)['server'] === 'string') checkServerUrl(String(pick(doc, 'clusters', names.cluster, '')['server']));
  return { clusters: [take('clusters', 'cluster', names.cluster)], users: [take('users', 'user', names.user)], contexts: [context] };
}

/** What mergeKubeconfig would add to or replace in `target` (nothing is written). */
export async function previewMerge(target: string, kubeconfig: string, clusterName: string): Promise<{ path: string; exists: boolean; entries: Array<{ kind: 'cluster' | 'user' | 'context'; name: string; replaces: boolean }>; context: string }> {
  const ours = appEntries(kubeconfig, clusterName);
  let existing: KubeconfigDoc = {};
  let exists = true;
  try {
    existing = parseDoc(await readFile(target, 'utf8'), target);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    exists = false;
  }
  const has = (list: Named[] | undefined, name: string) => (list ?? []).some((x) => x.name === name);
  const entries = [
    ...(ours.clusters ?? []).map((c) => ({ kind: 'cluster' as const, name: c.name, replaces: has(existing.clusters, c.name) })),
    ...(ours.users ?? []).map((u) => ({ kind: 'user' as const, name: u.name, replaces: has(existing.users, u.name) })),
    ...(ours.contexts ?? []).map((c) => ({ kind: 'context' as const, name: c.name, replaces: has(existing.contexts, c.name) })),
  ];
  return { path: target, exists, entries, context: kubeconfigNames(clusterName).context };
}

/**
 * Merges the entries the app made for `clusterName` (and nothing else from the file) into the
 * kubeconfig at `target` (same-named entries replaced, everything else kept) and, unless told
 * otherwise, makes its context current. The old file is copied first to
 * `<target>.backup-<timestamp>`; the result is written atomically with mode 0600.
 */
export async function mergeKubeconfig(target: string, kubeconfig: string, options: { clusterName: string; now?: Date; useContext?: boolean }): Promise<MergeResult> {
  const ours = appEntries(kubeconfig, options.clusterName);
  const ourContext = kubeconfigNames(options.clusterName).context;
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
  if (options.useContext !== false || !merged['current-context']) merged['current-context'] = ourContext;
  await writeFileAtomic(target, stringify(merged), 0o600);
  return { path: target, backupPath };
}
