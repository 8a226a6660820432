/**
 * Every request body kubectl 1.32 sends: each `kubectl create <kind>` variant (protobuf bodies of
 * the typed clients), `expose`, `run`, `set image`, `autoscale` and `create token`, with the
 * real kubectl against the lab. Skipped (with the reason printed) when no kubectl is on PATH.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabFixture } from './testing/lab-fixture';
import { startFixture, until } from './testing/lab-fixture';

const run = promisify(execFile);
const kubectlPath = spawnSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).stdout.trim();
if (!kubectlPath) console.log('kubectl create tests skipped: no kubectl on PATH');

let lab: LabFixture;
let dir: string;

async function kubectl(...args: string[]): Promise<string> {
  const { stdout } = await run('kubectl', args, {
    cwd: dir,
    env: { ...process.env, KUBECONFIG: path.join(dir, 'kubeconfig'), KUBECACHEDIR: path.join(dir, 'cache'), HOME: dir },
    timeout: 60_000,
  });
  return stdout;
}

async function kubectlFails(...args: string[]): Promise<string> {
  try {
    await kubectl(...args);
  } catch (err) {
    return (err as { stderr: string }).stderr;
  }
  throw new Error(`kubectl ${args.join(' ')} succeeded`);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- kubectl's JSON output, read field by field
const json = async (...args: string[]) => JSON.parse(await kubectl(...args, '-o', 'json')) as Record<string, any>;

function table(out: string): Record<string, string>[] {
  const [header, ...rows] = out.trimEnd().split('\n');
  const starts = [...header!.matchAll(/\S+(?: \S+)*/g)].map((m) => ({ name: m[0], at: m.index! }));
  return rows.map((row) => Object.fromEntries(starts.map((c, i) => [c.name, row.slice(c.at, starts[i + 1]?.at ?? undefined).trim()])));
}

describe.skipIf(!kubectlPath)('kubectl create, expose, run, set image, autoscale against the lab', () => {
  beforeAll(async () => {
    lab = await startFixture({ nodes: ['pi-01', 'pi-02'], speed: 50 });
    dir = mkdtempSync(path.join(tmpdir(), 'lab-kubectl-create-'));
    writeFileSync(path.join(dir, 'kubeconfig'), lab.api.kubeconfig());
  });

  afterAll(async () => {
    await lab?.api.stop();
  });

  it('create quota (the body that failed as protobuf v1 ResourceQuota), and quota admission uses it', async () => {
    await kubectl('create', 'namespace', 'limited');
    expect(await kubectl('create', 'quota', 'q1', '--hard=pods=1,requests.cpu=1', '-n', 'limited')).toBe('resourcequota/q1 created\n');
    const q = await json('get', 'quota', 'q1', '-n', 'limited');
    expect(q.spec.hard).toEqual({ pods: '1', 'requests.cpu': '1' });
    await until('quota status', async () => (await json('get', 'quota', 'q1', '-n', 'limited')).status?.used?.pods === '0');
    expect(await kubectl('run', 'a', '--image=nginx:1.16.1', '-n', 'limited', '--overrides={"spec":{"containers":[{"name":"a","image":"nginx:1.16.1","resources":{"requests":{"cpu":"100m"}}}]}}')).toBe('pod/a created\n');
    await until('quota used', async () => (await json('get', 'quota', 'q1', '-n', 'limited')).status?.used?.pods === '1');
    expect(await kubectlFails('run', 'b', '--image=nginx:1.16.1', '-n', 'limited', '--overrides={"spec":{"containers":[{"name":"b","image":"nginx:1.16.1","resources":{"requests":{"cpu":"100m"}}}]}}')).toContain(
      'pods "b" is forbidden: exceeded quota: q1, requested: pods=1, used: pods=1, limited: pods=1',
    );
  });

  it('create serviceaccount, token, role, rolebinding, clusterrole, clusterrolebinding', async () => {
    expect(await kubectl('create', 'serviceaccount', 'robot')).toBe('serviceaccount/robot created\n');
    expect(table(await kubectl('get', 'sa')).map((r) => r.NAME)).toEqual(['default', 'robot']);
    const token = (await kubectl('create', 'token', 'robot', '--duration=10m')).trim();
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { sub: string; exp: number; iat: number };
    expect(claims.sub).toBe('system:serviceaccount:default:robot');
    expect(claims.exp - claims.iat).toBe(600);
    expect(await kubectl('create', 'role', 'pod-reader', '--verb=get,list,watch', '--resource=pods')).toBe('role.rbac.authorization.k8s.io/pod-reader created\n');
    expect((await json('get', 'role', 'pod-reader')).rules).toEqual([{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }]);
    expect(await kubectl('create', 'rolebinding', 'robot-reads', '--role=pod-reader', '--serviceaccount=default:robot')).toBe('rolebinding.rbac.authorization.k8s.io/robot-reads created\n');
    expect(table(await kubectl('get', 'rolebinding', 'robot-reads', '-o', 'wide'))[0]).toMatchObject({ ROLE: 'Role/pod-reader', SERVICEACCOUNTS: 'default/robot' });
    expect(await kubectl('create', 'clusterrole', 'node-reader', '--verb=get', '--resource=nodes')).toBe('clusterrole.rbac.authorization.k8s.io/node-reader created\n');
    expect(await kubectl('create', 'clusterrolebinding', 'alice-nodes', '--clusterrole=node-reader', '--user=alice')).toBe('clusterrolebinding.rbac.authorization.k8s.io/alice-nodes created\n');
    expect((await json('get', 'clusterrolebinding', 'alice-nodes')).subjects).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice' }]);
  });

  it('create job, cronjob, job --from=cronjob, pdb, priorityclass, ingress', async () => {
    expect(await kubectl('create', 'job', 'hello', '--image=busybox:1.36', '--', 'echo', 'hi')).toBe('job.batch/hello created\n');
    const job = await json('get', 'job', 'hello');
    expect(job.spec.template.spec.containers[0].command).toEqual(['echo', 'hi']);
    expect(job.spec.selector.matchLabels['batch.kubernetes.io/controller-uid']).toBe(job.metadata.uid);
    expect(job.spec).toMatchObject({ backoffLimit: 6, completions: 1, parallelism: 1 });
    expect(await kubectl('create', 'cronjob', 'tick', '--image=busybox:1.36', '--schedule=*/5 * * * *', '--', 'date')).toBe('cronjob.batch/tick created\n');
    expect(table(await kubectl('get', 'cronjob', 'tick'))[0]).toMatchObject({ SCHEDULE: '*/5 * * * *', SUSPEND: 'False', ACTIVE: '0' });
    expect(await kubectl('create', 'job', 'tick-now', '--from=cronjob/tick')).toBe('job.batch/tick-now created\n');
    expect((await json('get', 'job', 'tick-now')).metadata.annotations).toMatchObject({ 'cronjob.kubernetes.io/instantiate': 'manual' });
    expect(await kubectl('create', 'pdb', 'web-pdb', '--selector=app=web', '--min-available=1')).toBe('poddisruptionbudget.policy/web-pdb created\n');
    expect(table(await kubectl('get', 'pdb', 'web-pdb'))[0]).toMatchObject({ 'MIN AVAILABLE': '1', 'MAX UNAVAILABLE': 'N/A' });
    expect(await kubectl('create', 'priorityclass', 'high', '--value=1000', '--description=important')).toBe('priorityclass.scheduling.k8s.io/high created\n');
    expect(await kubectl('create', 'ingress', 'web', '--rule=web.lan/=web:80')).toBe('ingress.networking.k8s.io/web created\n');
    expect(table(await kubectl('get', 'ingress', 'web'))[0]).toMatchObject({ CLASS: '<none>', HOSTS: 'web.lan', PORTS: '80' });
  });

  it('create deployment --replicas=0, secrets, configmap from a file, services of every type', async () => {
    expect(await kubectl('create', 'deployment', 'idle', '--image=nginx:1.16.1', '--replicas=0')).toBe('deployment.apps/idle created\n');
    expect((await json('get', 'deployment', 'idle')).spec.replicas).toBe(0);
    expect(await kubectl('create', 'secret', 'docker-registry', 'reg', '--docker-server=registry.lan', '--docker-username=u', '--docker-password=p')).toBe('secret/reg created\n');
    expect(table(await kubectl('get', 'secret', 'reg'))[0]).toMatchObject({ TYPE: 'kubernetes.io/dockerconfigjson', DATA: '1' });
    writeFileSync(path.join(dir, 'index.html'), '<h1>hello</h1>\n');
    expect(await kubectl('create', 'configmap', 'site', '--from-file=index.html')).toBe('configmap/site created\n');
    expect((await json('get', 'configmap', 'site')).data).toEqual({ 'index.html': '<h1>hello</h1>\n' });
    expect(await kubectl('create', 'service', 'clusterip', 'backend', '--tcp=5678:8080')).toBe('service/backend created\n');
    expect(await kubectl('create', 'service', 'loadbalancer', 'front', '--tcp=80:80')).toBe('service/front created\n');
    expect(await kubectl('create', 'service', 'externalname', 'docs', '--external-name=example.com')).toBe('service/docs created\n');
    const rows = Object.fromEntries(table(await kubectl('get', 'svc')).map((r) => [r.NAME, r]));
    expect(rows.backend).toMatchObject({ TYPE: 'ClusterIP', 'EXTERNAL-IP': '<none>', 'PORT(S)': '5678/TCP' });
    expect(rows.front).toMatchObject({ TYPE: 'LoadBalancer', 'EXTERNAL-IP': '<pending>' });
    expect(rows.docs).toMatchObject({ TYPE: 'ExternalName', 'EXTERNAL-IP': 'example.com' });
  });

  it('expose, run, set image, autoscale', async () => {
    expect(await kubectl('create', 'deployment', 'web', '--image=nginx:1.14.2', '--replicas=2', '--port=80')).toBe('deployment.apps/web created\n');
    expect(await kubectl('expose', 'deployment', 'web', '--port=80', '--type=NodePort')).toBe('service/web exposed\n');
    expect(table(await kubectl('get', 'svc', 'web'))[0]!['PORT(S)']).toMatch(/^80:3\d{4}\/TCP$/);
    expect(await kubectl('run', 'solo', '--image=nginx:1.16.1', '--labels=app=solo')).toBe('pod/solo created\n');
    expect(await kubectl('set', 'image', 'deployment/web', 'nginx=nginx:1.16.1')).toBe('deployment.apps/web image updated\n');
    await kubectl('rollout', 'status', 'deployment/web', '--timeout=60s');
    expect(await kubectl('autoscale', 'deployment', 'web', '--min=2', '--max=4', '--cpu-percent=50')).toBe('horizontalpodautoscaler.autoscaling/web autoscaled\n');
    expect(table(await kubectl('get', 'hpa', 'web'))[0]).toMatchObject({ REFERENCE: 'Deployment/web', MINPODS: '2', MAXPODS: '4' });
  });
});
