/**
 * The tutorial's kubectl commands, unchanged, with the real kubectl against the lab's
 * kubeconfig; assertions are on what the user reads in the output. Skipped (with the reason
 * printed) when no kubectl is on PATH.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabFixture } from './testing/lab-fixture';
import { startFixture, until } from './testing/lab-fixture';
import { DEPLOYMENT_SCALE_YAML, DEPLOYMENT_UPDATE_YAML, DEPLOYMENT_YAML } from './testing/tutorial-manifests';

const run = promisify(execFile);
const kubectlPath = spawnSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).stdout.trim();
if (!kubectlPath) console.log('kubectl sequence skipped: no kubectl on PATH');

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

/** Rows of a `kubectl get` table as column-name -> cell maps. */
function table(out: string): Record<string, string>[] {
  const [header, ...rows] = out.trimEnd().split('\n');
  const starts = [...header!.matchAll(/\S+(?: \S+)*/g)].map((m) => ({ name: m[0], at: m.index! }));
  return rows.map((row) => Object.fromEntries(starts.map((c, i) => [c.name, row.slice(c.at, starts[i + 1]?.at ?? undefined).trim()])));
}

describe.skipIf(!kubectlPath)('real kubectl follows the tutorial', () => {
  beforeAll(async () => {
    lab = await startFixture({ nodes: ['pi-01', 'pi-02'], speed: 50 });
    dir = mkdtempSync(path.join(tmpdir(), 'lab-kubectl-'));
    writeFileSync(path.join(dir, 'kubeconfig'), lab.api.kubeconfig());
    writeFileSync(path.join(dir, 'deployment.yaml'), DEPLOYMENT_YAML);
    writeFileSync(path.join(dir, 'deployment-update.yaml'), DEPLOYMENT_UPDATE_YAML);
    writeFileSync(path.join(dir, 'deployment-scale.yaml'), DEPLOYMENT_SCALE_YAML);
  });

  afterAll(async () => {
    await lab?.api.stop();
  });

  it('get nodes', async () => {
    const rows = table(await until('nodes', () => kubectl('get', 'nodes', '-o', 'wide')));
    expect(rows.map((r) => [r.NAME, r.STATUS, r.ROLES, r.VERSION, r['INTERNAL-IP'], r['OS-IMAGE'], r['CONTAINER-RUNTIME']])).toEqual([
      ['pi-01', 'Ready', '<none>', 'v1.32.3', '192.168.1.21', 'Ubuntu 24.04.1 LTS', 'containerd://1.6.28'],
      ['pi-02', 'Ready', '<none>', 'v1.32.3', '192.168.1.22', 'Ubuntu 24.04.1 LTS', 'containerd://1.6.28'],
    ]);
  });

  it('apply -f deployment.yaml, describe, get pods -o wide', async () => {
    expect(await kubectl('apply', '-f', 'deployment.yaml')).toBe('deployment.apps/nginx-deployment created\n');
    expect(await kubectl('rollout', 'status', 'deployment/nginx-deployment')).toMatch(/deployment "nginx-deployment" successfully rolled out\n$/);
    const describeOut = await kubectl('describe', 'deployment', 'nginx-deployment');
    expect(describeOut).toMatch(/^Name:\s+nginx-deployment$/m);
    expect(describeOut).toMatch(/^Replicas:\s+2 desired \| 2 updated \| 2 total \| 2 available \| 0 unavailable$/m);
    expect(describeOut).toMatch(/^StrategyType:\s+RollingUpdate$/m);
    expect(describeOut).toMatch(/^\s+Image:\s+nginx:1\.14\.2$/m);
    expect(describeOut).toMatch(/^\s+Available\s+True\s+MinimumReplicasAvailable$/m);
    expect(describeOut).toMatch(/^\s+Progressing\s+True\s+NewReplicaSetAvailable$/m);
    expect(describeOut).toMatch(/^NewReplicaSet:\s+nginx-deployment-[a-z0-9]+ \(2\/2 replicas created\)$/m);
    expect(describeOut).toMatch(/Normal\s+ScalingReplicaSet\s+\S+\s+deployment-controller\s+Scaled up replica set nginx-deployment-[a-z0-9]+ from 0 to 2/);
    const pods = table(await kubectl('get', 'pods', '-l', 'app=nginx', '-o', 'wide'));
    expect(pods).toHaveLength(2);
    expect(pods.every((p) => p.READY === '1/1' && p.STATUS === 'Running' && /^10\.1\./.test(p.IP!))).toBe(true);
    expect(pods.map((p) => p.NODE).sort()).toEqual(['pi-01', 'pi-02']);
  });

  it('a third replica stays Pending with the anti-affinity reason', async () => {
    expect(await kubectl('scale', 'deployments/nginx-deployment', '--replicas=3')).toBe('deployment.apps/nginx-deployment scaled\n');
    const pending = await until('a Pending pod', async () => table(await kubectl('get', 'pods', '-l', 'app=nginx')).find((p) => p.STATUS === 'Pending'));
    const events = await until('FailedScheduling', async () => {
      const out = await kubectl('describe', 'pod', pending.NAME!);
      return out.includes('FailedScheduling') && out;
    });
    expect(events).toMatch(/Warning\s+FailedScheduling\s+\S+\s+default-scheduler\s+0\/2 nodes are available: 2 node\(s\) didn't match pod anti-affinity rules\. preemption: 0\/2 nodes are available: 2 No preemption victims found for incoming pod\./);
    await kubectl('scale', 'deployments/nginx-deployment', '--replicas=2');
    await until('2 pods', async () => table(await kubectl('get', 'pods', '-l', 'app=nginx')).length === 2);
  });

  it('apply -f deployment-update.yaml replaces pods one by one; rollout undo goes back', async () => {
    expect(await kubectl('apply', '-f', 'deployment-update.yaml')).toBe('deployment.apps/nginx-deployment configured\n');
    const status = await kubectl('rollout', 'status', 'deployment/nginx-deployment');
    expect(status).toMatch(/deployment "nginx-deployment" successfully rolled out\n$/);
    const wide = table(await kubectl('get', 'deployment', 'nginx-deployment', '-o', 'wide'));
    expect(wide[0]).toMatchObject({ READY: '2/2', 'UP-TO-DATE': '2', AVAILABLE: '2', IMAGES: 'nginx:1.16.1' });
    const describeOut = await kubectl('describe', 'deployment', 'nginx-deployment');
    expect(describeOut).toMatch(/^RollingUpdateStrategy:\s+1 max unavailable, 0 max surge$/m);
    const scaling = [...describeOut.matchAll(/ScalingReplicaSet\s+\S+\s+deployment-controller\s+(.*)$/gm)].map((m) => m[1]!.replace(/nginx-deployment-[a-z0-9]+/, 'RS'));
    expect(scaling.slice(-4)).toEqual(['Scaled down replica set RS to 1 from 2', 'Scaled up replica set RS to 1 from 0', 'Scaled down replica set RS to 0 from 1', 'Scaled up replica set RS to 2 from 1']);
    expect(await kubectl('rollout', 'undo', 'deployment/nginx-deployment')).toBe('deployment.apps/nginx-deployment rolled back\n');
    await kubectl('rollout', 'status', 'deployment/nginx-deployment');
    expect(table(await kubectl('get', 'deployment', 'nginx-deployment', '-o', 'wide'))[0]).toMatchObject({ READY: '2/2', IMAGES: 'nginx:1.14.2' });
  });

  it('apply -f deployment-scale.yaml over the anti-affinity pods stalls, as on a real two-node cluster', async () => {
    // The old pods' required anti-affinity also repels the new pods (upstream's
    // "existing pods anti-affinity" check), so with two nodes the new ReplicaSet cannot start.
    expect(await kubectl('apply', '-f', 'deployment-scale.yaml')).toBe('deployment.apps/nginx-deployment configured\n');
    const message = "0/2 nodes are available: 2 node(s) didn't satisfy existing pods anti-affinity rules. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.";
    const events = await until('FailedScheduling of a new pod', async () => table(await kubectl('get', 'events')).find((e) => e.REASON === 'FailedScheduling' && e.MESSAGE === message));
    expect(events).toMatchObject({ TYPE: 'Warning', OBJECT: expect.stringMatching(/^pod\/nginx-deployment-/) });
    expect(table(await kubectl('get', 'deployment', 'nginx-deployment'))[0]).toMatchObject({ READY: '2/4' });
    expect(await kubectl('delete', 'deployment', 'nginx-deployment')).toBe('deployment.apps "nginx-deployment" deleted\n');
    await until('no pods left', async () => (await kubectl('get', 'pods', '-l', 'app=nginx')) === '');
  });

  it('apply -f deployment-scale.yaml, scale to 5 and back to 4, get pods -o wide, get events', async () => {
    expect(await kubectl('apply', '-f', 'deployment-scale.yaml')).toBe('deployment.apps/nginx-deployment created\n');
    await kubectl('rollout', 'status', 'deployment/nginx-deployment');
    expect(table(await kubectl('get', 'pods', '-l', 'app=nginx')).filter((p) => p.STATUS === 'Running')).toHaveLength(4);
    expect(await kubectl('scale', 'deployments/nginx-deployment', '--replicas=5')).toBe('deployment.apps/nginx-deployment scaled\n');
    await until('5 running', async () => table(await kubectl('get', 'pods', '-l', 'app=nginx')).filter((p) => p.STATUS === 'Running').length === 5);
    await kubectl('scale', 'deployments/nginx-deployment', '--replicas=4');
    const pods = await until('4 pods', async () => {
      const rows = table(await kubectl('get', 'pods', '-o', 'wide'));
      return rows.length === 4 && rows.every((r) => r.STATUS === 'Running') && rows;
    });
    expect(new Set(pods.map((p) => p.NODE))).toEqual(new Set(['pi-01', 'pi-02']));
    const events = await kubectl('get', 'events');
    expect(events.split('\n')[0]).toMatch(/^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$/);
    const rows = table(events);
    expect(rows).toContainEqual(expect.objectContaining({ TYPE: 'Normal', REASON: 'ScalingReplicaSet', OBJECT: 'deployment/nginx-deployment', MESSAGE: expect.stringMatching(/^Scaled up replica set nginx-deployment-[a-z0-9]+ to 5 from 4$/) }));
    expect(rows).toContainEqual(expect.objectContaining({ REASON: 'Pulled', MESSAGE: expect.stringMatching(/^Successfully pulled image "nginx:1\.14\.2" in [\d.]+s \([\d.]+s including waiting\)\. Image size: 44710204 bytes\.$/) }));
    expect(rows).toContainEqual(expect.objectContaining({ REASON: 'Killing', MESSAGE: 'Stopping container nginx' }));
    // Reported times are real time, never ahead of this computer's clock, even at lab speed 50.
    expect(rows.filter((r) => r['LAST SEEN'] === '<invalid>')).toEqual([]);
    const firstSeen = table(await kubectl('get', 'events', '-o', 'wide')).map((r) => r['FIRST SEEN']);
    expect(firstSeen.filter((x) => x === '<invalid>')).toEqual([]);
  });

  it('kubectl create configmap / secret / deployment / service (protobuf request bodies)', async () => {
    expect(await kubectl('create', 'configmap', 'app-config', '--from-literal=greeting=hello')).toBe('configmap/app-config created\n');
    expect(await kubectl('create', 'secret', 'generic', 'db', '--from-literal=password=s3cret')).toBe('secret/db created\n');
    expect(await kubectl('create', 'deployment', 'web', '--image=nginx:1.16.1', '--replicas=1', '--port=80')).toBe('deployment.apps/web created\n');
    expect(await kubectl('create', 'service', 'nodeport', 'web', '--tcp=80:80')).toBe('service/web created\n');
    expect(Buffer.from(await kubectl('get', 'secret', 'db', '-o', 'jsonpath={.data.password}'), 'base64').toString()).toBe('s3cret');
    expect(table(await kubectl('get', 'secret', 'db'))[0]).toMatchObject({ TYPE: 'Opaque', DATA: '1' });
    expect(table(await kubectl('get', 'configmap', 'app-config'))[0]).toMatchObject({ DATA: '1' });
    const svc = table(await kubectl('get', 'service', 'web'))[0]!;
    expect(svc).toMatchObject({ TYPE: 'NodePort', 'PORT(S)': expect.stringMatching(/^80:3\d{4}\/TCP$/), 'CLUSTER-IP': expect.stringMatching(/^10\.152\.183\.\d+$/) });
    await kubectl('rollout', 'status', 'deployment/web');
    const ep = await until('endpoints', async () => table(await kubectl('get', 'endpoints', 'web'))[0]?.ENDPOINTS?.match(/^10\.1\.\d+\.\d+:80$/));
    expect(ep).toBeTruthy();
  });
});
