/**
 * Step 10 against the practice lab through the app's router: nginx serving the user's page from a
 * ConfigMap behind basic auth whose htpasswd sits in a Secret (401 with WWW-Authenticate without
 * credentials, 200 with), the page edited (running pods keep the old file until the kubelet's
 * sync), `rollout restart` making new pods, and the password nowhere it must not be: not in the
 * preview, the window's events, job logs, the console, or any file of the data directory.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../../app/testing/test-app';
import { startTestApp } from '../../app/testing/test-app';
import { readEveryFile } from '../../app/testing/data-files';
import { formedPracticeCluster } from '../testing/lesson-cluster';
import { apr1Hash, htpasswdAccepts } from './htpasswd';

const PASSWORD = 'Raspberry-Pie-42!';
const USER = 'pi';
let t: TestApp;
/** Everything the window would have received, and everything printed on the console. */
const seen: string[] = [];
const restore: (() => void)[] = [];

beforeAll(async () => {
  for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    const original = console[level];
    console[level] = (...args: unknown[]) => {
      seen.push(args.map(String).join(' '));
      original.apply(console, args);
    };
    restore.push(() => (console[level] = original));
  }
  t = await startTestApp('pcw-config-');
  t.app.events.subscribe((name, payload) => seen.push(`${name} ${JSON.stringify(payload)}`));
});

afterAll(async () => {
  await t?.app.close();
  for (const r of restore) r();
});

const nginxConfigPods = async () => ((await t.call('liveCluster.state', {})).snapshot?.pods ?? []).filter((p) => p.labels['app'] === 'nginx-config');
const runningNames = async () =>
  (await nginxConfigPods())
    .filter((p) => p.status === 'Running' && p.ready.ready === p.ready.total && !p.deletingAt)
    .map((p) => p.name)
    .sort();


describe('step 10, config and secrets', () => {
  it('is locked until a cluster exists', async () => {
    expect((await t.call('app.getState', {})).locked.config).toBe('needs-cluster');
    await formedPracticeCluster(t, 2);
    expect((await t.call('app.getState', {})).available).toContain('config');
  }, 300_000);

  it('previews the ConfigMaps, the Secret (values masked) and the Deployment that mounts them', async () => {
    const preview = await t.call('lessons.preview', { action: 'config.apply', params: { user: USER, password: PASSWORD } });
    expect(preview.yaml).toContain('kind: ConfigMap');
    expect(preview.yaml).toContain('auth_basic_user_file /etc/nginx/secret/htpasswd;');
    expect(preview.yaml).toContain('add_header X-Served-By $hostname always;');
    expect(preview.yaml).toContain('secretName: nginx-htpasswd');
    expect(preview.yaml).toMatch(/kind: Secret[\s\S]*data:\n {2}htpasswd: "\*{8}"/);
    expect(preview.yaml).not.toContain('$apr1$');
    expect(preview.yaml).not.toContain(PASSWORD);
    expect(preview.kubectl).toContain('kubectl create secret generic nginx-htpasswd --from-file=htpasswd');
    expect(JSON.stringify(preview.plan)).not.toContain('$apr1$');
  });

  it('refuses a missing or unfit password with a clear message that does not repeat it', async () => {
    expect(await t.call('lessons.run', { action: 'config.apply', params: { user: USER } })).toMatchObject({ ok: false, code: 'password-needed' });
    const short = await t.app.router.dispatch('lessons.run', { action: 'config.apply', params: { user: USER, password: 'abc12' } });
    expect(short).toMatchObject({ ok: false, error: { code: 'INVALID_PARAMS', message: expect.stringContaining('password must be 8-72 characters') } });
    expect(JSON.stringify(short)).not.toContain('abc12');
    const badUser = await t.app.router.dispatch('lessons.run', { action: 'config.apply', params: { user: 'a:b', password: PASSWORD } });
    expect(badUser).toMatchObject({ ok: false, error: { code: 'INVALID_PARAMS', message: expect.stringContaining('user name must be') } });
    expect(JSON.stringify(badUser)).not.toContain(PASSWORD);
  });

  it('serves the page from the ConfigMap: 401 with WWW-Authenticate without credentials, 200 with them, from either pod', async () => {
    const applied = await t.call('lessons.run', { action: 'config.apply', params: { user: USER, password: PASSWORD } });
    expect(applied, JSON.stringify(applied)).toMatchObject({ ok: true, code: 'applied' });
    expect(applied.applied?.objects.map((o) => `${o.kind}/${o.name} ${o.action}`)).toEqual([
      'ConfigMap/nginx-page created',
      'ConfigMap/nginx-server-block created',
      'Secret/nginx-htpasswd created',
      'Deployment/nginx-config created',
      'Service/nginx-config created',
    ]);
    // The Secret holds an apr1 line that accepts exactly the chosen password.
    const cluster = await t.app.feature('liveCluster').cluster();
    const secret = await cluster.conn.request<{ data: { htpasswd: string } }>({ method: 'GET', path: '/api/v1/namespaces/default/secrets/nginx-htpasswd' });
    const htpasswd = Buffer.from(secret.data.htpasswd, 'base64').toString('utf8');
    expect(htpasswd).toMatch(/^pi:\$apr1\$[./0-9A-Za-z]{8}\$[./0-9A-Za-z]{22}\n$/);
    expect(htpasswdAccepts(htpasswd, USER, PASSWORD)).toBe(true);
    expect(htpasswdAccepts(htpasswd, USER, 'wrong-password')).toBe(false);

    await expect.poll(runningNames, { timeout: 60_000 }).toHaveLength(2);

    const anonymous = await t.call('lessons.run', { action: 'config.fetch', params: { credentials: 'none' } });
    expect(anonymous, JSON.stringify(anonymous)).toMatchObject({ ok: true, code: 'auth-required', values: { auth: 'none' } });
    expect(anonymous.probe?.status).toBe(401);
    expect(anonymous.probe?.headers.wwwAuthenticate).toBe('Basic realm="Pi cluster lesson"');
    expect(anonymous.probe?.headers.server).toBe('nginx/1.16.1');
    expect(anonymous.probe?.body).toContain('<title>401 Authorization Required</title>');
    expect(await runningNames()).toContain(anonymous.values?.['pod']);

    const served = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const ok = await t.call('lessons.run', { action: 'config.fetch', params: { credentials: 'remembered' } });
      expect(ok, JSON.stringify(ok)).toMatchObject({ ok: true, code: 'page-served', values: { auth: 'sent', user: USER, page: 'Hello from my Raspberry Pi cluster' } });
      expect(ok.probe?.status).toBe(200);
      expect(ok.probe?.body).toContain('<h1>Hello from my Raspberry Pi cluster</h1>');
      served.add(String(ok.values?.['pod']));
    }
    expect([...served].every((p) => p.startsWith('nginx-config-'))).toBe(true);

    const wrong = await t.call('lessons.run', { action: 'config.fetch', params: { credentials: 'typed', user: USER, password: 'not-the-password' } });
    expect(wrong).toMatchObject({ ok: false, code: 'auth-refused' });
    expect(wrong.probe?.status).toBe(401);

    // The same password again leaves the Secret as it is (no new salt).
    const again = await t.call('lessons.run', { action: 'config.apply', params: { user: USER, password: PASSWORD } });
    expect(again.applied?.objects.find((o) => o.kind === 'Secret')?.action).toBe('unchanged');
    expect((await t.call('lessons.state', {})).progress['config']).toEqual(expect.arrayContaining(['applied', 'fetched-401', 'fetched-200']));
  });

  it('an edited page reaches running pods only at the kubelet’s next sync; rollout restart makes new pods that read it at start', async () => {
    // Real time for this part: the kubelet syncs mounted ConfigMaps every 60-90 s, so the pods still serve the old file.
    await t.app.feature('practice').setSpeed(1);
    const edited = await t.call('lessons.run', { action: 'config.editPage', params: { text: 'Version <two> & more' } });
    expect(edited).toMatchObject({ ok: true, code: 'page-edited', values: { text: 'Version <two> & more' } });
    const stale = await t.call('lessons.run', { action: 'config.pages', params: { requests: 8 } });
    expect(stale, JSON.stringify(stale)).toMatchObject({ ok: true, code: 'pages-stale', values: { expected: 'Version <two> & more', pods: 2, stale: 2 } });
    const before = await runningNames();
    for (const pod of before) expect(stale.values?.[`pod|${pod}`]).toBe('Hello from my Raspberry Pi cluster');

    // The way out: new pods mount the ConfigMap as it is now.
    const restarted = await t.call('lessons.run', { action: 'config.restart', params: {} });
    expect(restarted).toMatchObject({ ok: true, code: 'restarted', rollout: { message: 'deployment.apps/nginx-config restarted', outcome: 'restarted' } });
    await expect
      .poll(async () => {
        const now = await runningNames();
        return now.length === 2 && now.every((n) => !before.includes(n));
      }, { timeout: 90_000 })
      .toBe(true);
    const current = await t.call('lessons.run', { action: 'config.pages', params: { requests: 6 } });
    expect(current, JSON.stringify(current)).toMatchObject({ ok: true, code: 'pages-current', values: { stale: 0 } });
    const page = await t.call('lessons.run', { action: 'config.fetch', params: { credentials: 'remembered' } });
    expect(page.probe?.body).toContain('<h1>Version &lt;two&gt; &amp; more</h1>');
    expect(await runningNames()).toContain(page.values?.['pod']);

    // At the lab's test speed the sync comes soon: the same pods serve the next edit without a restart.
    await t.app.feature('practice').setSpeed(2000);
    const pods = await runningNames();
    await t.call('lessons.run', { action: 'config.editPage', params: { text: 'Version three' } });
    await expect.poll(async () => (await t.call('lessons.run', { action: 'config.pages', params: { requests: 6 } })).code, { timeout: 60_000 }).toBe('pages-current');
    expect(await runningNames()).toEqual(pods);
    await expect.poll(async () => (await t.call('app.getState', {})).steps.config).toBe('done');
  }, 180_000);

  it('never lets the password out: not in events, job logs, the console or any file; the hash only on the cluster', async () => {
    const cluster = await t.app.feature('liveCluster').cluster();
    const secret = await cluster.conn.request<{ data: { htpasswd: string } }>({ method: 'GET', path: '/api/v1/namespaces/default/secrets/nginx-htpasswd' });
    const hash = Buffer.from(secret.data.htpasswd, 'base64').toString('utf8').trim().split(':')[1]!;
    expect(hash).toBe(apr1Hash(PASSWORD, hash.split('$')[2]));

    // Reset lessons runs as a job: its log names objects, never their contents.
    const job = await t.app.jobs.settled((await t.call('lessons.reset', {})).jobId);
    expect(job.error).toBeUndefined();
    const logs = await t.call('jobs.log', { id: job.id });
    expect(JSON.stringify(logs)).toContain('secret/nginx-htpasswd');

    const b64 = Buffer.from(PASSWORD).toString('base64');
    const texts = [...seen, JSON.stringify(logs), JSON.stringify(await t.call('lessons.state', {})), JSON.stringify(await t.call('jobs.list', {}))];
    for (const text of texts) {
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain(b64);
      expect(text).not.toContain(hash);
    }
    // The lab keeps saving its store while this reads: readEveryFile reads again past its temporaries.
    const found = await readEveryFile(t.dataDir, async (file) => {
      const bytes = await readFile(file);
      return { password: bytes.includes(PASSWORD), b64: bytes.includes(b64), hash: bytes.includes(hash) };
    });
    for (const [file, has] of found) {
      expect(has.password, file).toBe(false);
      expect(has.b64, file).toBe(false);
      // The hash lives in the cluster's own store (the practice Pis' datastore), nowhere else.
      if (!file.startsWith(path.join(t.dataDir, 'practice', 'lab'))) expect(has.hash, file).toBe(false);
    }
  }, 120_000);
});
