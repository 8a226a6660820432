/**
 * nginx pods serving HTTP through Services, as a user meets them: plain HTTP to the loopback
 * stand-ins of node and MetalLB addresses, real kubectl for logs and exec. Skipped (with the
 * reason printed) when no kubectl is on PATH.
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabFixture } from './testing/lab-fixture';
import { startFixture, until } from './testing/lab-fixture';

const run = promisify(execFile);
const kubectlPath = spawnSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).stdout.trim();
if (!kubectlPath) console.log('serving tests skipped: no kubectl on PATH');

let lab: LabFixture;
let dir: string;
const env = () => ({ ...process.env, KUBECONFIG: path.join(dir, 'kubeconfig'), KUBECACHEDIR: path.join(dir, 'cache'), HOME: dir });

async function kubectl(...args: string[]): Promise<string> {
  return (await run('kubectl', args, { cwd: dir, env: env(), timeout: 60_000 })).stdout;
}

async function kubectlResult(args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('kubectl', args, { cwd: dir, env: env() });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  raw: string[];
  body: string;
}

/** An HTTP GET to a LAN address through its loopback stand-in (Host names the LAN address, as a browser's would). */
function get(lanIp: string, port: number, urlPath = '/', headers: Record<string, string> = {}): Promise<Reply> {
  const ep = lab.api.lanEndpoint(lanIp, port);
  if (!ep) return Promise.reject(new Error(`nothing answers at ${lanIp}:${port}`));
  return new Promise((resolve, reject) => {
    const req = request({ host: ep.host, port: ep.port, path: urlPath, headers: { host: port === 80 ? lanIp : `${lanIp}:${port}`, 'user-agent': 'curl/8.5.0', ...headers }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, raw: res.rawHeaders, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const nodePort = async (svc: string) => Number(await kubectl('get', 'svc', svc, '-o', 'jsonpath={.spec.ports[0].nodePort}'));
const podNames = async (selector: string) => (await kubectl('get', 'pods', '-l', selector, '-o', 'jsonpath={.items[*].metadata.name}')).split(' ').filter(Boolean);

const WELCOME_1_14 = `<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
<style>
    body {
        width: 35em;
        margin: 0 auto;
        font-family: Tahoma, Verdana, Arial, sans-serif;
    }
</style>
</head>
<body>
<h1>Welcome to nginx!</h1>
<p>If you see this page, the nginx web server is successfully installed and
working. Further configuration is required.</p>

<p>For online documentation and support please refer to
<a href="http://nginx.org/">nginx.org</a>.<br/>
Commercial support is available at
<a href="http://nginx.com/">nginx.com</a>.</p>

<p><em>Thank you for using nginx.</em></p>
</body>
</html>
`;

describe.skipIf(!kubectlPath)('nginx behind Services, logs and exec', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    lab = await startFixture({ nodes: ['pi-01', 'pi-02'], speed: 50 });
    dir = mkdtempSync(path.join(tmpdir(), 'lab-serving-'));
    writeFileSync(path.join(dir, 'kubeconfig'), lab.api.kubeconfig());
  });

  afterAll(async () => {
    await lab?.api.stop();
  });

  it('a NodePort Service answers on every node with the welcome page, round-robin over ready pods, logged per pod', async () => {
    await kubectl('create', 'deployment', 'web', '--image=nginx:1.14.2', '--replicas=2', '--port=80');
    await kubectl('expose', 'deployment', 'web', '--port=80', '--type=NodePort');
    await kubectl('rollout', 'status', 'deployment/web', '--timeout=60s');
    const port = await nodePort('web');
    await until('NodePort listening on both nodes', () => lab.api.lanEndpoint('192.168.1.21', port) && lab.api.lanEndpoint('192.168.1.22', port));
    const r = await get('192.168.1.21', port);
    expect(r.status).toBe(200);
    expect(r.body).toBe(WELCOME_1_14);
    expect(r.body.length).toBe(612);
    expect(r.raw.filter((_, i) => i % 2 === 0)).toEqual(['Server', 'Date', 'Content-Type', 'Content-Length', 'Last-Modified', 'Connection', 'ETag', 'Accept-Ranges']);
    expect(r.headers.server).toBe('nginx/1.14.2');
    const missing = await get('192.168.1.22', port, '/nope');
    expect(missing.status).toBe(404);
    expect(missing.body).toBe('<html>\r\n<head><title>404 Not Found</title></head>\r\n<body bgcolor="white">\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx/1.14.2</center>\r\n</body>\r\n</html>\r\n');
    // Random endpoint choice per connection: within 40 requests both pods answer.
    for (let i = 0; i < 40; i++) await get('192.168.1.21', port);
    const [a, b] = await podNames('app=web');
    const logA = await kubectl('logs', a!);
    const logB = await kubectl('logs', b!);
    const line = /^10\.1\.\d+\.1 - - \[\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000\] "GET \/ HTTP\/1\.1" 200 612 "-" "curl\/8\.5\.0" "-"$/m;
    expect(logA).toMatch(line);
    expect(logB).toMatch(line);
    // The 404's error_log line goes to stderr, the access line to stdout.
    const all = await kubectl('logs', '-l', 'app=web', '--tail=-1');
    expect(all).toMatch(/\[error\] 6#6: \*\d+ open\(\) "\/usr\/share\/nginx\/html\/nope" failed \(2: No such file or directory\), client: 10\.1\.\d+\.1, server: localhost, request: "GET \/nope HTTP\/1\.1", host: "192\.168\.1\.22:\d+"/);
  });

  it('kubectl logs --tail, --timestamps, --since, --limit-bytes, -c, -f', async () => {
    const [pod] = await podNames('app=web');
    const port = await nodePort('web');
    const tail = (await kubectl('logs', pod!, '--tail=2')).trimEnd().split('\n');
    expect(tail).toHaveLength(2);
    expect(await kubectl('logs', pod!, '--tail=1', '--timestamps')).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z 10\.1\.\d+\.1 - - \[/);
    expect(await kubectl('logs', pod!, '--limit-bytes=10')).toHaveLength(10);
    expect(await kubectl('logs', pod!, '-c', 'nginx', '--tail=1')).toMatch(/"GET \//);
    expect((await kubectlResult(['logs', pod!, '-c', 'sidecar'])).stderr).toContain('container sidecar is not valid for pod');
    // Lines older than --since are left out (the lab runs 50x, but log times are real).
    await new Promise((r) => setTimeout(r, 1100));
    expect(await kubectl('logs', pod!, '--since=1s')).toBe('');
    const follow = spawn('kubectl', ['logs', '-f', '--tail=0', pod!], { cwd: dir, env: env() });
    let streamed = '';
    follow.stdout.on('data', (d: Buffer) => (streamed += d.toString()));
    try {
      await until('followed line', async () => {
        await get('192.168.1.21', port, '/followed').catch(() => undefined);
        return streamed.includes('"GET /followed HTTP/1.1" 404');
      });
    } finally {
      follow.kill();
    }
  });

  it('kubectl exec over WebSocket: nginx -v, cat, ls, env, exit codes, stdin lines, a command the image lacks', async () => {
    const [pod] = await podNames('app=web');
    expect(await kubectlResult(['exec', pod!, '--', 'nginx', '-v'])).toMatchObject({ code: 0, stdout: '', stderr: 'nginx version: nginx/1.14.2\n' });
    expect(await kubectl('exec', pod!, '--', 'cat', '/etc/os-release')).toContain('PRETTY_NAME="Debian GNU/Linux 9 (stretch)"\n');
    expect(await kubectl('exec', pod!, '--', 'cat', '/usr/share/nginx/html/index.html')).toBe(WELCOME_1_14);
    expect(await kubectl('exec', pod!, '--', 'ls', '/usr/share/nginx/html')).toBe('50x.html\nindex.html\n');
    expect(await kubectl('exec', pod!, '--', 'ls', '-l', '/usr/share/nginx/html')).toMatch(/^total 8\n-rw-r--r-- 1 root root {2}537 Dec {2}4 {2}2018 50x\.html\n-rw-r--r-- 1 root root {2}612 Dec {2}4 {2}2018 index\.html\n$/);
    const envLines = (await kubectl('exec', pod!, '--', 'env')).split('\n');
    expect(envLines).toEqual(expect.arrayContaining([`HOSTNAME=${pod}`, 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'NGINX_VERSION=1.14.2-1~stretch', 'KUBERNETES_SERVICE_HOST=10.152.183.1', 'KUBERNETES_SERVICE_PORT=443']));
    expect(await kubectlResult(['exec', pod!, '--', 'sh', '-c', 'curl http://web; echo "rc=$?"; exit 3'])).toMatchObject({ code: 3, stdout: 'rc=127\n', stderr: 'sh: 1: curl: not found\ncommand terminated with exit code 3\n' });
    const direct = await kubectlResult(['exec', pod!, '--', 'curl', 'http://web']);
    expect(direct.code).toBe(126);
    expect(direct.stdout).toContain('exec: "curl": executable file not found in $PATH');
    expect(await kubectlResult(['exec', '-i', pod!, '--', 'sh'], 'hostname\necho hi > /tmp/x\ncat /tmp/x\nls /nope\n')).toMatchObject({
      code: 2,
      stdout: `${pod}\nhi\n`,
      stderr: "ls: cannot access '/nope': No such file or directory\ncommand terminated with exit code 2\n",
    });
  });

  it('ConfigMap pages and a conf.d server block with basic auth ({SHA}, apr1, bcrypt), return and add_header; updates after the kubelet sync', async () => {
    const sha = `{SHA}${createHash('sha1').update('s3cret').digest('base64')}`;
    const apr1 = spawnSync('openssl', ['passwd', '-apr1', '-salt', 'abcdefgh', 's3cret'], { encoding: 'utf8' }).stdout.trim() || '$apr1$abcdefgh$h9FWgUz3n9YxylKLlR5SQ/';
    const bc = bcrypt.hashSync('s3cret', 4).replace(/^\$2b\$/, '$2y$');
    writeFileSync(
      path.join(dir, 'site.yaml'),
      `apiVersion: v1
kind: ConfigMap
metadata: {name: site}
data:
  index.html: "<h1>Hello from the lab</h1>\\n"
  private.html: "secret\\n"
---
apiVersion: v1
kind: ConfigMap
metadata: {name: conf}
data:
  default.conf: |
    server {
      listen 80;
      root /usr/share/nginx/html;
      index index.html;
      add_header X-Lab yes;
      location = /private.html {
        auth_basic "Staff only";
        auth_basic_user_file /etc/nginx/auth/htpasswd;
      }
      # return runs before access checks: this location is open whatever auth_basic says.
      location /open/ {
        auth_basic "Staff only";
        return 200 "open\\n";
      }
      location = /ping { return 200 "pong\\n"; }
    }
---
apiVersion: v1
kind: Secret
metadata: {name: auth}
stringData:
  htpasswd: |
    alice:${sha}
    bob:${apr1}
    carol:${bc}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: site}
spec:
  replicas: 1
  selector: {matchLabels: {app: site}}
  template:
    metadata: {labels: {app: site}}
    spec:
      containers:
      - name: nginx
        image: nginx:1.16.1
        env:
        - name: GREETING
          valueFrom: {configMapKeyRef: {name: site, key: index.html}}
        volumeMounts:
        - {name: html, mountPath: /usr/share/nginx/html}
        - {name: conf, mountPath: /etc/nginx/conf.d}
        - {name: auth, mountPath: /etc/nginx/auth}
      volumes:
      - {name: html, configMap: {name: site}}
      - {name: conf, configMap: {name: conf}}
      - {name: auth, secret: {secretName: auth}}
---
apiVersion: v1
kind: Service
metadata: {name: site}
spec:
  type: NodePort
  selector: {app: site}
  ports: [{port: 80}]
`,
    );
    await kubectl('apply', '-f', 'site.yaml');
    await kubectl('rollout', 'status', 'deployment/site', '--timeout=60s');
    const port = await nodePort('site');
    await until('site listening', () => lab.api.lanEndpoint('192.168.1.21', port));
    const home = await get('192.168.1.21', port);
    expect(home).toMatchObject({ status: 200, body: '<h1>Hello from the lab</h1>\n' });
    expect(home.headers['x-lab']).toBe('yes');
    const ping = await get('192.168.1.21', port, '/ping');
    expect(ping).toMatchObject({ status: 200, body: 'pong\n' });
    expect(ping.headers['content-type']).toBe('application/octet-stream');
    expect((await get('192.168.1.21', port, '/open/')).body).toBe('open\n');
    const denied = await get('192.168.1.21', port, '/private.html');
    expect(denied.status).toBe(401);
    expect(denied.headers['www-authenticate']).toBe('Basic realm="Staff only"');
    expect(denied.body).toBe('<html>\r\n<head><title>401 Authorization Required</title></head>\r\n<body>\r\n<center><h1>401 Authorization Required</h1></center>\r\n<hr><center>nginx/1.16.1</center>\r\n</body>\r\n</html>\r\n');
    const basic = (u: string, p: string) => ({ authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` });
    expect((await get('192.168.1.21', port, '/private.html', basic('alice', 's3cret'))).body).toBe('secret\n');
    expect((await get('192.168.1.21', port, '/private.html', basic('bob', 's3cret'))).body).toBe('secret\n');
    expect((await get('192.168.1.21', port, '/private.html', basic('bob', 'wrong'))).status).toBe(401);
    // nginx 1.16.1 runs on Debian buster, whose crypt(3) has no bcrypt: nginx answers 500.
    expect((await get('192.168.1.21', port, '/private.html', basic('carol', 's3cret'))).status).toBe(500);
    const [pod] = await podNames('app=site');
    const logs = await kubectl('logs', pod!);
    expect(logs).toContain('user "bob": password mismatch');
    expect(logs).toContain('[crit] 6#6: *');
    expect(logs).toContain('crypt_r() failed (22: Invalid argument)');
    expect(logs).toMatch(/ - alice \[.*\] "GET \/private\.html HTTP\/1\.1" 200 7 /);
    // A changed ConfigMap reaches the mounted files after the kubelet's sync; the env var keeps its start value.
    await kubectl('patch', 'configmap', 'site', '--type', 'merge', '-p', '{"data":{"index.html":"<h1>v2</h1>\\n"}}');
    expect((await get('192.168.1.21', port)).body).toBe('<h1>Hello from the lab</h1>\n');
    await until('updated page', async () => (await get('192.168.1.21', port)).body === '<h1>v2</h1>\n', 30_000);
    expect(await kubectl('exec', pod!, '--', 'printenv', 'GREETING')).toBe('<h1>Hello from the lab</h1>\n\n');
  });

  it('an unparseable conf.d file: the container exits with nginx\'s [emerg] and goes CrashLoopBackOff', async () => {
    await kubectl('create', 'configmap', 'broken', '--from-literal=default.conf=server { listen 80; lisen 81; }');
    writeFileSync(
      path.join(dir, 'broken.yaml'),
      'apiVersion: v1\nkind: Pod\nmetadata: {name: broken}\nspec:\n  containers:\n  - name: nginx\n    image: nginx:1.16.1\n    volumeMounts: [{name: conf, mountPath: /etc/nginx/conf.d}]\n  volumes: [{name: conf, configMap: {name: broken}}]\n',
    );
    await kubectl('apply', '-f', 'broken.yaml');
    await until('CrashLoopBackOff', async () => /\s0\/1\s+CrashLoopBackOff\s+\d+ \(\S+ ago\)\s/.test(await kubectl('get', 'pod', 'broken')));
    const logs = await kubectl('logs', 'broken', '--previous');
    expect(logs).toMatch(/^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2} \[emerg\] 1#1: unknown directive "lisen" in \/etc\/nginx\/conf\.d\/default\.conf:1\nnginx: \[emerg\] unknown directive "lisen" in \/etc\/nginx\/conf\.d\/default\.conf:1\n$/);
    const pod = JSON.parse(await kubectl('get', 'pod', 'broken', '-o', 'json')) as { status: { containerStatuses: { lastState: { terminated: { exitCode: number; reason: string } } }[] } };
    expect(pod.status.containerStatuses[0]!.lastState.terminated).toMatchObject({ exitCode: 1, reason: 'Error' });
    expect(await kubectl('get', 'events', '--field-selector', 'involvedObject.name=broken')).toMatch(/Warning\s+BackOff\s+pod\/broken\s+Back-off restarting failed container nginx in pod broken_default\(/);
  });

  it('LoadBalancer: <pending> without MetalLB; with it the lowest free address, events, and HTTP through its loopback stand-in', async () => {
    await kubectl('expose', 'deployment', 'web', '--name=web-lb', '--port=80', '--type=LoadBalancer');
    expect(await kubectl('get', 'svc', 'web-lb')).toMatch(/web-lb\s+LoadBalancer\s+10\.152\.183\.\d+\s+<pending>\s+80:3\d{4}\/TCP/);
    const applied = lab.api.addons!.apply('metallb/crd');
    expect(applied.lines).toContain('customresourcedefinition.apiextensions.k8s.io/ipaddresspools.metallb.io created');
    lab.api.addons!.apply('metallb/metallb');
    await until('metallb controller available', () => lab.api.addons!.deploymentAvailable('metallb-system', 'controller'));
    lab.api.addons!.apply('metallb/addresspool', { '{{addresses}}': 'addresses:\n      - 192.168.1.240-192.168.1.250' });
    expect(await kubectl('get', 'ipaddresspools', '-n', 'metallb-system')).toMatch(/^NAME\s+AGE\ndefault-addresspool\s+\S+\n$/);
    await until('address assigned', async () => /web-lb\s+LoadBalancer\s+\S+\s+192\.168\.1\.240\s/.test(await kubectl('get', 'svc', 'web-lb')));
    const svc = JSON.parse(await kubectl('get', 'svc', 'web-lb', '-o', 'json')) as { status: { loadBalancer: { ingress: object[] } } };
    expect(svc.status.loadBalancer.ingress).toEqual([{ ip: '192.168.1.240', ipMode: 'VIP' }]);
    const events = await until('nodeAssigned', async () => {
      const e = await kubectl('get', 'events', '--field-selector', 'involvedObject.name=web-lb');
      return /Normal\s+nodeAssigned\s+service\/web-lb\s+announcing from node "pi-0[12]" with protocol "layer2"/.test(e) && e;
    });
    expect(events).toMatch(/Normal\s+IPAllocated\s+service\/web-lb\s+Assigned IP \["192\.168\.1\.240"\]/);
    await until('LoadBalancer address answers', () => lab.api.lanEndpoint('192.168.1.240', 80));
    expect(lab.lan.loadBalancerLoopback('192.168.1.240')).toBe(lab.api.lanEndpoint('192.168.1.240', 80)!.host);
    const r = await get('192.168.1.240', 80);
    expect(r).toMatchObject({ status: 200, body: WELCOME_1_14 });
    await kubectl('expose', 'deployment', 'web', '--name=web-lb2', '--port=8080', '--target-port=80', '--type=LoadBalancer');
    await until('next address', async () => /192\.168\.1\.241/.test(await kubectl('get', 'svc', 'web-lb2')));
    await until('second LoadBalancer answers', () => lab.api.lanEndpoint('192.168.1.241', 8080));
    expect((await get('192.168.1.241', 8080)).status).toBe(200);
  });

  it('with no ready pod the Service refuses connections (ECONNREFUSED, as kube-proxy rejects), and answers again on the same address once a pod is ready', async () => {
    const port = await nodePort('web');
    const before = lab.api.lanEndpoint('192.168.1.21', port);
    // A connection kept open meanwhile (as a browser keeps one alive) holds nothing up.
    const held = connect(before!.port, before!.host);
    await new Promise((resolve, reject) => held.once('connect', resolve).once('error', reject));
    held.on('error', () => undefined);
    await kubectl('scale', 'deployment/web', '--replicas=0');
    const refused = async () => {
      try {
        await get('192.168.1.21', port);
        return 'answered';
      } catch (error) {
        return (error as NodeJS.ErrnoException).code;
      }
    };
    await until('connections refused', async () => (await refused()) === 'ECONNREFUSED');
    expect(lab.api.lanEndpoint('192.168.1.21', port)).toEqual(before);
    // (MetalLB withdraws the LoadBalancer addresses meanwhile: no announcement without a ready endpoint.)
    await kubectl('scale', 'deployment/web', '--replicas=2');
    await kubectl('rollout', 'status', 'deployment/web', '--timeout=60s');
    await until('answering again', async () => (await get('192.168.1.21', port).then((r) => r.status, () => 0)) === 200);
    expect(lab.api.lanEndpoint('192.168.1.21', port)).toEqual(before);
    await until('LoadBalancer answering again', async () => (await get('192.168.1.240', 80).then((r) => r.status, () => 0)) === 200);
    held.destroy();
  });
});
