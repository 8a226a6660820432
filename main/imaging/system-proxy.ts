/**
 * The desktop's proxy for imaging downloads. The environment variables (HTTPS_PROXY, HTTP_PROXY,
 * NO_PROXY) are honoured by http-download.ts's dispatcher; on the desktop the proxy is usually set
 * in the system's settings or a PAC script instead, which only Chromium knows. The Electron host
 * asks its session for the URL (`session.resolveProxy`, main/electron/host-services.ts) and this
 * file turns the answer, in PAC result form ("PROXY host:port; DIRECT"), into an undici
 * dispatcher. Set environment variables win (the user chose them for this run); a PAC answer the
 * app cannot use (SOCKS4, nonsense) falls back to the next entry, and finally to a direct
 * connection.
 */
import { ProxyAgent, Socks5ProxyAgent, interceptors } from 'undici';
import type { Dispatcher } from 'undici';

export type ProxyChoice = { kind: 'direct' } | { kind: 'http' | 'https' | 'socks5'; url: string };

/** The first usable entry of a PAC result ("PROXY a:1; HTTPS b:2; DIRECT"). */
export function proxyFromPac(pac: string): ProxyChoice {
  for (const part of pac.split(';')) {
    const [type, hostPort, ...rest] = part.trim().split(/\s+/);
    if (!type || rest.length > 0) continue;
    const kind = type.toUpperCase();
    if (kind === 'DIRECT') return { kind: 'direct' };
    if (!hostPort || !/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(hostPort)) continue;
    if (kind === 'PROXY' || kind === 'HTTP') return { kind: 'http', url: `http://${hostPort}` };
    if (kind === 'HTTPS') return { kind: 'https', url: `https://${hostPort}` };
    if (kind === 'SOCKS5') return { kind: 'socks5', url: `socks5://${hostPort}` };
  }
  return { kind: 'direct' };
}

const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'];

/** True when the environment names a proxy (then EnvHttpProxyAgent decides, with NO_PROXY). */
export function environmentProxySet(env: NodeJS.ProcessEnv = process.env): boolean {
  return PROXY_VARIABLES.some((name) => (env[name] ?? '').trim() !== '');
}

const agents = new Map<string, Dispatcher>();

/** A dispatcher (redirects followed, as imagingDispatcher) for one proxy; shared per proxy URL. */
export function proxyDispatcher(choice: Exclude<ProxyChoice, { kind: 'direct' }>): Dispatcher {
  let agent = agents.get(choice.url);
  if (!agent) {
    const base = choice.kind === 'socks5' ? new Socks5ProxyAgent(choice.url) : new ProxyAgent({ uri: choice.url, connectTimeout: 30_000 });
    agent = base.compose(interceptors.redirect({ maxRedirections: 5 }));
    agents.set(choice.url, agent);
  }
  return agent;
}

/**
 * The dispatcher for `url`: the environment's proxy when one is set, else what the desktop
 * resolves for the URL, else `fallback` (direct, with NO_PROXY rules of an EnvHttpProxyAgent).
 */
export async function dispatcherForUrl(url: string, resolveProxy: ((url: string) => Promise<string>) | undefined, fallback: () => Dispatcher): Promise<Dispatcher> {
  if (!resolveProxy || environmentProxySet()) return fallback();
  let pac: string;
  try {
    pac = await resolveProxy(url);
  } catch {
    return fallback();
  }
  const choice = proxyFromPac(pac);
  return choice.kind === 'direct' ? fallback() : proxyDispatcher(choice);
}

