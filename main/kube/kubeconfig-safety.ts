/**
 * Reads a kubeconfig text without trusting it: only the current context, its cluster and its
 * user are kept, and a user that would make the client run a program (`exec` credential
 * plugins) or call an identity provider (`auth-provider`) is refused, so opening a cluster
 * never executes anything named in a file. The app's own kubeconfigs (renamed
 * `microk8s config`, saved at `<dataDir>/clusters/<name>/kubeconfig`) embed a CA and a client
 * certificate or token and pass unchanged.
 */
import { X509Certificate } from 'node:crypto';
import { parse, stringify } from 'yaml';
import { KubeError } from './kube-errors';

export interface SafeKubeconfig {
  /** A kubeconfig holding only the current context, its cluster and its user. */
  text: string;
  server: string;
  contextName: string;
  clusterName: string;
  userName: string;
  /** The context's namespace, if it names one. */
  namespace?: string;
  /** SHA-256 fingerprint (`AB:CD:...`) of the cluster CA the kubeconfig trusts, when it embeds one. */
  caFingerprint?: string;
}

type Doc = Record<string, unknown>;
const isMap = (v: unknown): v is Doc => v !== null && typeof v === 'object' && !Array.isArray(v);

function invalid(message: string, what: string): KubeError {
  return new KubeError('KUBECONFIG_INVALID', message, { values: { what } });
}

function named(list: unknown, name: string, key: string): Doc | undefined {
  if (!Array.isArray(list)) return undefined;
  const entry = list.find((e) => isMap(e) && e['name'] === name) as Doc | undefined;
  return entry && isMap(entry[key]) ? (entry[key] as Doc) : undefined;
}

function fingerprint(caData: unknown): string | undefined {
  if (typeof caData !== 'string' || !caData.trim()) return undefined;
  try {
    const pem = Buffer.from(caData, 'base64').toString('utf8');
    return new X509Certificate(pem).fingerprint256;
  } catch {
    throw invalid('certificate-authority-data is not a PEM certificate.', 'certificate-authority-data');
  }
}

/** Validates a kubeconfig; throws KUBECONFIG_INVALID, KUBECONFIG_PLUGIN_REFUSED or KUBECONFIG_UNSUPPORTED. */
export function readKubeconfig(text: string, options: { context?: string } = {}): SafeKubeconfig {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw invalid(`The kubeconfig is not valid YAML: ${(e as Error).message}`, 'yaml');
  }
  if (!isMap(doc)) throw invalid('The kubeconfig is not a YAML mapping.', 'yaml');
  const contextName = options.context ?? (typeof doc['current-context'] === 'string' ? doc['current-context'] : '');
  if (!contextName) throw invalid('The kubeconfig names no current-context.', 'current-context');
  const context = named(doc['contexts'], contextName, 'context');
  if (!context) throw invalid(`The kubeconfig has no context "${contextName}".`, 'context');
  const clusterName = String(context['cluster'] ?? '');
  const userName = String(context['user'] ?? '');
  const cluster = named(doc['clusters'], clusterName, 'cluster');
  if (!cluster) throw invalid(`The kubeconfig has no cluster "${clusterName}".`, 'cluster');
  const user = named(doc['users'], userName, 'user') ?? {};
  if (user['exec'] !== undefined) {
    throw new KubeError('KUBECONFIG_PLUGIN_REFUSED', `The kubeconfig's user "${userName}" runs an exec credential plugin; the app never runs programs named in a kubeconfig.`, { values: { plugin: 'exec', user: userName } });
  }
  if (user['auth-provider'] !== undefined) {
    throw new KubeError('KUBECONFIG_PLUGIN_REFUSED', `The kubeconfig's user "${userName}" uses an auth-provider plugin; the app does not call identity providers.`, { values: { plugin: 'auth-provider', user: userName } });
  }
  if (cluster['proxy-url'] !== undefined) {
    throw new KubeError('KUBECONFIG_UNSUPPORTED', `The kubeconfig's cluster "${clusterName}" goes through a proxy (proxy-url), which the app does not support.`, { values: { field: 'proxy-url' } });
  }
  const server = cluster['server'];
  if (typeof server !== 'string' || !/^https:\/\/[^/]+/.test(server)) throw invalid(`The cluster "${clusterName}" has no https server address.`, 'server');
  const caFingerprint = fingerprint(cluster['certificate-authority-data']);
  const only: Doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: clusterName, cluster }],
    users: [{ name: userName, user }],
    contexts: [{ name: contextName, context }],
    'current-context': contextName,
  };
  const out: SafeKubeconfig = { text: stringify(only), server: server.replace(/\/+$/, ''), contextName, clusterName, userName };
  if (typeof context['namespace'] === 'string' && context['namespace']) out.namespace = context['namespace'];
  if (caFingerprint) out.caFingerprint = caFingerprint;
  return out;
}
