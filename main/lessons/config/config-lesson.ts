/**
 * Step 10, Config and secrets: the tutorial's chapter on ConfigMaps (settings that are not
 * secret) and Secrets (credentials, mounted as volumes rather than passed as environment
 * variables), on nginx:
 *  - ConfigMap `nginx-page` holds index.html (the user's own page), ConfigMap
 *    `nginx-server-block` holds default.conf (basic auth on `/`, and `X-Served-By: $hostname`
 *    so each answer names its pod); both are mounted as folders;
 *  - Secret `nginx-htpasswd` holds an htpasswd line made in main from the user name and password
 *    the user chose (`$apr1$`, see htpasswd.ts), mounted at /etc/nginx/secret;
 *  - Deployment `nginx-config` (2 replicas of nginx:1.16.1) and a NodePort Service.
 * Fetching the page without credentials gets nginx's 401 with `WWW-Authenticate`, with them the
 * page. Editing the page changes the ConfigMap: running pods see it only after the kubelet's next
 * sync (env vars would never change), which the lesson shows pod by pod before offering
 * `kubectl rollout restart`. The password lives only in this process's memory, for the fetches
 * the user makes right after (15 minutes), and is never logged, stored or sent to the window;
 * what the window sees of the Secret is masked (secret-mask.ts).
 */
import { z } from 'zod';
import type { LessonOutcome } from '../../../preload/contract/lessons';
import { CORE, resourcePath } from '../../kube/api-resources';
import { httpProbe } from '../../kube/http-probe';
import type { KubeCluster } from '../../kube/kube-cluster';
import { KubeError } from '../../kube/kube-errors';
import { withManagedBy } from '../../kube/manifests';
import type { KubeObject } from '../../kube/manifests';
import type { LessonContext } from '../lesson-kit';
import { lessonAction } from '../lesson-kit';
import { serviceTarget } from '../lesson-probe';
import { applyPrepared } from '../lessons-service';
import { HTPASSWD_PASSWORD, HTPASSWD_USER, htpasswdAccepts, htpasswdLine } from './htpasswd';

export const CONFIG_NAMESPACE = 'default';
export const PAGE_CONFIGMAP = 'nginx-page';
export const SERVER_CONFIGMAP = 'nginx-server-block';
export const HTPASSWD_SECRET = 'nginx-htpasswd';
export const CONFIG_DEPLOYMENT = 'nginx-config';
export const CONFIG_SERVICE = 'nginx-config';
export const REALM = 'Pi cluster lesson';
export const DEFAULT_PAGE_TEXT = 'Hello from my Raspberry Pi cluster';
/** How long the password stays in memory after the user typed it. */
const REMEMBER_MS = 15 * 60_000;

export const SERVER_BLOCK = `server {
    listen       80;
    server_name  localhost;

    # Every answer names the pod that sent it (nginx's $hostname is the pod's name).
    add_header X-Served-By $hostname always;

    location / {
        root   /usr/share/nginx/html;
        index  index.html;
        auth_basic           "${REALM}";
        auth_basic_user_file /etc/nginx/secret/htpasswd;
    }
}
`;

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const unescapeHtml = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');

/** The page nginx serves, with the user's text as its heading. */
export function pageHtml(text: string): string {
  return `<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>${escapeHtml(text)}</title>
</head>
<body>
<h1>${escapeHtml(text)}</h1>
<p>This page is the file index.html of the ConfigMap ${PAGE_CONFIGMAP}, mounted into nginx at /usr/share/nginx/html.</p>
</body>
</html>
`;
}

/** The heading of a page made by pageHtml (which version of the page a pod served). */
export function pageText(html: string): string | undefined {
  const m = /<h1>([\s\S]*?)<\/h1>/.exec(html);
  return m ? unescapeHtml(m[1]!) : undefined;
}

function configMap(name: string, data: Record<string, string>): KubeObject {
  return withManagedBy({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: CONFIG_NAMESPACE }, data });
}

function secret(htpasswd: string): KubeObject {
  return withManagedBy({ apiVersion: 'v1', kind: 'Secret', metadata: { name: HTPASSWD_SECRET, namespace: CONFIG_NAMESPACE }, type: 'Opaque', data: { htpasswd: Buffer.from(htpasswd, 'utf8').toString('base64') } });
}

export function configDeployment(): KubeObject {
  return withManagedBy({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: CONFIG_DEPLOYMENT, namespace: CONFIG_NAMESPACE },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: CONFIG_DEPLOYMENT } },
      template: {
        metadata: { labels: { app: CONFIG_DEPLOYMENT } },
        spec: {
          containers: [
            {
              name: 'nginx',
              image: 'nginx:1.16.1',
              ports: [{ containerPort: 80 }],
              volumeMounts: [
                { name: 'page', mountPath: '/usr/share/nginx/html', readOnly: true },
                { name: 'server-block', mountPath: '/etc/nginx/conf.d', readOnly: true },
                { name: 'htpasswd', mountPath: '/etc/nginx/secret', readOnly: true },
              ],
            },
          ],
          volumes: [
            { name: 'page', configMap: { name: PAGE_CONFIGMAP } },
            { name: 'server-block', configMap: { name: SERVER_CONFIGMAP } },
            { name: 'htpasswd', secret: { secretName: HTPASSWD_SECRET } },
          ],
        },
      },
    },
  });
}

export function configService(): KubeObject {
  return withManagedBy({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: CONFIG_SERVICE, namespace: CONFIG_NAMESPACE },
    spec: { type: 'NodePort', selector: { app: CONFIG_DEPLOYMENT }, ports: [{ protocol: 'TCP', port: 80, targetPort: 80 }] },
  });
}

/** The password the user typed, kept in this process only, for the fetches right after. */
export class CredentialMemory {
  #saved: { user: string; password: string; until: number } | undefined;

  remember(user: string, password: string): void {
    this.#saved = { user, password, until: Date.now() + REMEMBER_MS };
  }

  recall(): { user: string; password: string } | undefined {
    if (this.#saved && this.#saved.until < Date.now()) this.#saved = undefined;
    return this.#saved ? { user: this.#saved.user, password: this.#saved.password } : undefined;
  }

  forget(): void {
    this.#saved = undefined;
  }
}

async function getOrUndefined<T>(cluster: KubeCluster, path: string): Promise<T | undefined> {
  try {
    return await cluster.conn.request<T>({ method: 'GET', path });
  } catch (error) {
    if (error instanceof KubeError && error.code === 'NOT_FOUND') return undefined;
    throw error;
  }
}

/** The page as the ConfigMap holds it now (undefined before the lesson made it). */
async function livePage(cluster: KubeCluster): Promise<string | undefined> {
  const cm = await getOrUndefined<{ data?: Record<string, string> }>(cluster, resourcePath(CORE.configmaps, CONFIG_NAMESPACE, PAGE_CONFIGMAP));
  return cm?.data?.['index.html'];
}

async function liveHtpasswd(cluster: KubeCluster): Promise<string | undefined> {
  const s = await getOrUndefined<{ data?: Record<string, string> }>(cluster, resourcePath(CORE.secrets, CONFIG_NAMESPACE, HTPASSWD_SECRET));
  const b64 = s?.data?.['htpasswd'];
  return b64 === undefined ? undefined : Buffer.from(b64, 'base64').toString('utf8');
}

const user = z.string().regex(HTPASSWD_USER, 'the user name must be 1-32 letters, digits, ".", "_" or "-"');
// The message never repeats the value.
const password = z.string().regex(HTPASSWD_PASSWORD, 'the password must be 8-72 characters: letters, digits, spaces and punctuation of plain ASCII');
const pageTextParam = z
  .string()
  .trim()
  .min(1, 'the page needs some text')
  .max(120, 'at most 120 characters')
  .regex(/^[^\p{Cc}]*$/u, 'one line of text, without control characters');

type Credentials = { user: string; password: string } | undefined;

/** Fetches `/` through the Service from this computer, with or without credentials. */
type Fetched = { kind: 'missing' } | { kind: 'unreachable'; type: string } | { kind: 'answered'; probe: Awaited<ReturnType<typeof httpProbe>>; url: string };

async function fetchPage(ctx: LessonContext, credentials: Credentials): Promise<Fetched> {
  const cluster = await ctx.cluster();
  const { toService } = await import('../../kube/snapshots');
  const raw = await getOrUndefined<KubeObject>(cluster, resourcePath(CORE.services, CONFIG_NAMESPACE, CONFIG_SERVICE));
  if (!raw) return { kind: 'missing' };
  const service = toService(raw);
  const target = serviceTarget(service, ctx.live()?.nodes ?? []);
  if (!target) return { kind: 'unreachable', type: service.type };
  const headers: Record<string, string> = credentials ? { Authorization: `Basic ${Buffer.from(`${credentials.user}:${credentials.password}`, 'utf8').toString('base64')}` } : {};
  const probe = await httpProbe({ host: target.host, port: target.port, path: '/', translate: ctx.reach, maxBodyBytes: 8192, headers });
  return { kind: 'answered', probe, url: target.display };
}

export function configActions(memory: CredentialMemory) {
  return [
    lessonAction({
      id: 'config.apply',
      params: z.object({ user, password: password.optional() }).strict(),
      prepare: async (ctx, p) => {
        let page: string | undefined;
        let htpasswd: string | undefined;
        try {
          const cluster = await ctx.cluster();
          [page, htpasswd] = await Promise.all([livePage(cluster), liveHtpasswd(cluster)]);
        } catch {
          // The preview still shows the manifests when the cluster cannot be asked.
        }
        // An unchanged password keeps the Secret unchanged (a new salt would rewrite it every time).
        const line = p.password ? (htpasswd && htpasswdAccepts(htpasswd, p.user, p.password) ? htpasswd : `${htpasswdLine(p.user, p.password)}\n`) : (htpasswd ?? '');
        return {
          objects: [
            // An edited page stays as the user left it.
            configMap(PAGE_CONFIGMAP, { 'index.html': page ?? pageHtml(DEFAULT_PAGE_TEXT) }),
            configMap(SERVER_CONFIGMAP, { 'default.conf': SERVER_BLOCK }),
            secret(line),
            configDeployment(),
            configService(),
          ],
          kubectl: [
            `kubectl create configmap ${PAGE_CONFIGMAP} --from-file=index.html`,
            `kubectl create configmap ${SERVER_CONFIGMAP} --from-file=default.conf`,
            `htpasswd -c htpasswd ${p.user}`,
            `kubectl create secret generic ${HTPASSWD_SECRET} --from-file=htpasswd`,
            'kubectl apply -f nginx-config.yaml',
            `kubectl expose deployment ${CONFIG_DEPLOYMENT} --type=NodePort --port=80`,
          ],
        };
      },
      run: async (ctx, p, { force, prepared }) => {
        const secretObject = prepared!.objects!.find((o) => o.kind === 'Secret') as unknown as { data: { htpasswd: string } };
        if (!secretObject.data.htpasswd) return { ok: false, code: 'password-needed' };
        const outcome = await applyPrepared(ctx, prepared!, force);
        if (!outcome.ok) return outcome;
        if (p.password) memory.remember(p.user, p.password);
        await ctx.mark('config', 'applied');
        return { ...outcome, values: { user: p.user } };
      },
    }),
    lessonAction({
      id: 'config.fetch',
      params: z.object({ credentials: z.enum(['none', 'remembered', 'typed']).default('none'), user: user.optional(), password: password.optional() }).strict(),
      prepare: (_ctx, p) => ({
        kubectl: [`kubectl get service ${CONFIG_SERVICE} -o wide`, p.credentials === 'none' ? 'curl -i http://<node address>:<node port>/' : 'curl -i -u <user> http://<node address>:<node port>/'],
      }),
      run: async (ctx, p): Promise<LessonOutcome> => {
        let credentials: Credentials;
        if (p.credentials === 'typed') {
          if (!p.user || !p.password) return { ok: false, code: 'ask-password' };
          credentials = { user: p.user, password: p.password };
        }
        else if (p.credentials === 'remembered') {
          credentials = memory.recall();
          if (!credentials) return { ok: false, code: 'ask-password' };
        }
        const fetched = await fetchPage(ctx, credentials);
        if (fetched.kind === 'missing') return { ok: false, code: 'config-missing', values: { service: CONFIG_SERVICE } };
        if (fetched.kind === 'unreachable') return { ok: false, code: 'not-reachable', values: { service: CONFIG_SERVICE, type: fetched.type } };
        const { probe, url } = fetched;
        const { pod, nginxVersion: _v, ...view } = probe;
        const values: Record<string, string | number> = { url, auth: credentials ? 'sent' : 'none' };
        if (pod) values['pod'] = pod;
        if (credentials) values['user'] = credentials.user;
        if (probe.status === 200) {
          if (p.credentials === 'typed') memory.remember(credentials!.user, credentials!.password);
          const text = pageText(probe.body);
          if (text !== undefined) values['page'] = text;
          await ctx.mark('config', 'fetched-200');
          return { ok: true, code: 'page-served', values, probe: view };
        }
        if (probe.status === 401) {
          if (!credentials) await ctx.mark('config', 'fetched-401');
          return { ok: !credentials, code: credentials ? 'auth-refused' : 'auth-required', values, probe: view };
        }
        if (probe.status !== undefined) values['status'] = probe.status;
        if (probe.error) values['error'] = probe.error;
        return { ok: false, code: 'fetch-failed', values, probe: view };
      },
    }),
    lessonAction({
      id: 'config.editPage',
      params: z.object({ text: pageTextParam }).strict(),
      prepare: (_ctx, p) => ({
        objects: [configMap(PAGE_CONFIGMAP, { 'index.html': pageHtml(p.text) })],
        kubectl: [`kubectl edit configmap ${PAGE_CONFIGMAP}`, `kubectl get configmap ${PAGE_CONFIGMAP} -o yaml`],
      }),
      run: async (ctx, p, { force, prepared }) => {
        const outcome = await applyPrepared(ctx, prepared!, force);
        if (!outcome.ok) return outcome;
        await ctx.mark('config', 'edited');
        return { ...outcome, code: 'page-edited', values: { text: p.text } };
      },
    }),
    lessonAction({
      id: 'config.pages',
      params: z.object({ requests: z.number().int().min(2).max(20).default(8) }).strict(),
      prepare: () => ({ kubectl: [`kubectl get pods -l app=${CONFIG_DEPLOYMENT} -o wide`, `kubectl exec <pod> -- cat /usr/share/nginx/html/index.html`] }),
      run: async (ctx, p): Promise<LessonOutcome> => {
        const credentials = memory.recall();
        if (!credentials) return { ok: false, code: 'ask-password' };
        const cluster = await ctx.cluster();
        const current = pageText((await livePage(cluster)) ?? '');
        const values: Record<string, string | number> = { expected: current ?? '' };
        let answered = 0;
        // One request per fresh connection: the Service spreads them over the pods.
        for (let i = 0; i < p.requests; i++) {
          const fetched = await fetchPage(ctx, credentials);
          if (fetched.kind !== 'answered' || fetched.probe.status !== 200 || !fetched.probe.pod) continue;
          answered++;
          const text = pageText(fetched.probe.body) ?? '';
          values[`pod|${fetched.probe.pod}`] = text;
        }
        if (!answered) return { ok: false, code: 'pages-unanswered', values };
        const pods = Object.keys(values).filter((k) => k.startsWith('pod|'));
        const stale = pods.filter((k) => values[k] !== current).length;
        values['pods'] = pods.length;
        values['stale'] = stale;
        return { ok: true, code: stale === 0 ? 'pages-current' : 'pages-stale', values };
      },
    }),
    lessonAction({
      id: 'config.restart',
      params: z.object({}).strict(),
      prepare: () => ({ kubectl: [`kubectl rollout restart deployment ${CONFIG_DEPLOYMENT}`, `kubectl rollout status deployment ${CONFIG_DEPLOYMENT}`] }),
      run: async (ctx): Promise<LessonOutcome> => {
        const rollout = await (await ctx.cluster()).restart(CONFIG_NAMESPACE, CONFIG_DEPLOYMENT);
        await ctx.mark('config', 'restarted');
        return { ok: true, code: 'restarted', rollout };
      },
    }),
  ];
}
