/**
 * Lab Kubernetes API benchmark: 500 pods on 20 virtual nodes with 50 concurrent pod watchers.
 * Measures request latency percentiles (create, get, list, list by label, merge patch) and the
 * fan-out delay from a write to each watcher receiving its event, and the process's memory once
 * the 500 pods run (their nginx containers included). Prints JSON and writes
 * bench/results/kube-api.json. The client runs in the same process, on the same event loop.
 *
 *   npx tsx bench/kube-api-bench.ts
 */
import { writeFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { Agent, request } from 'node:https';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { Session } from 'node:inspector/promises';
import { LabClock } from '../main/lab/lab-clock';
import { startLabKubeApi } from '../main/lab/kube/kube-api-server';
import { FakeLabCluster } from '../main/lab/kube/testing/fake-lab-cluster';

const NODES = 20;
const PODS = 500;
const WATCHERS = 50;
const PATCHES = 100;
const CONCURRENCY = 16;
const NS = 'default';

const clock = new LabClock({ speed: 100 });
const cluster = new FakeLabCluster();
for (let i = 1; i <= NODES; i++) cluster.addNode(`pi-${String(i).padStart(2, '0')}`, { joinedAt: clock.now() });
const api = await startLabKubeApi({ clock, cluster, dataDir: mkdtempSync(path.join(tmpdir(), 'kube-bench-')) });
const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY + 4, ca: api.caPem, cert: api.clientCertPem, key: api.clientKeyPem });
const base = new URL(api.url);

function call(method: string, urlPath: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; body: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request({ host: base.hostname, port: base.port, path: urlPath, method, agent, headers: body === undefined ? {} : { 'Content-Type': contentType } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, ms: performance.now() - started }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

function percentiles(samples: number[]): { n: number; p50: number; p90: number; p99: number; max: number } {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => Math.round(s[Math.min(s.length - 1, Math.floor(q * s.length))]! * 100) / 100;
  return { n: s.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: Math.round(s[s.length - 1]! * 100) / 100 };
}

async function pool<T>(items: T[], worker: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < items.length) await worker(items[next++]!);
  }));
}

// Wait for the nodes to register.
while (JSON.parse((await call('GET', '/api/v1/nodes')).body).items.length < NODES) await new Promise((r) => setTimeout(r, 20));

// 50 watchers on the namespace's pods.
const arrivals = new Map<string, number[]>();
const watchReqs: ReturnType<typeof request>[] = [];
let watchEvents = 0;
const rv = JSON.parse((await call('GET', `/api/v1/namespaces/${NS}/pods`)).body).metadata.resourceVersion as string;
await Promise.all(
  Array.from({ length: WATCHERS }, () => new Promise<void>((resolve, reject) => {
    const req = request({ host: base.hostname, port: base.port, path: `/api/v1/namespaces/${NS}/pods?watch=true&resourceVersion=${rv}`, agent: new Agent({ ca: api.caPem, cert: api.clientCertPem, key: api.clientKeyPem }) }, (res) => {
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          watchEvents++;
          const mark = /"bench\/mark":"([^"]+)"/.exec(line)?.[1];
          if (mark) arrivals.get(mark)?.push(performance.now());
        }
      });
      resolve();
    });
    req.on('error', reject);
    req.end();
    watchReqs.push(req);
  })),
);

// KUBE_BENCH_PROFILE=<file.cpuprofile>: a CPU profile of the create phase (until all pods run).
const profileFile = process.env.KUBE_BENCH_PROFILE;
const inspector = profileFile ? new Session() : undefined;
if (inspector) {
  inspector.connect();
  await inspector.post('Profiler.enable');
  await inspector.post('Profiler.start');
}

// Create 500 pods (they are scheduled onto the 20 nodes and started by the lab kubelet).
const realStart = performance.now();
const labStart = clock.now();
const create: number[] = [];
await pool(Array.from({ length: PODS }, (_, i) => i), async (i) => {
  const r = await call('POST', `/api/v1/namespaces/${NS}/pods`, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `bench-${i}`, labels: { app: 'bench', shard: String(i % 10) } },
    spec: { containers: [{ name: 'nginx', image: 'nginx:1.16.1', resources: { requests: { cpu: '50m', memory: '16Mi' } } }] },
  });
  if (r.status !== 201) throw new Error(`create failed ${r.status} ${r.body}`);
  create.push(r.ms);
});

// Wait until all are Running.
for (;;) {
  const list = JSON.parse((await call('GET', `/api/v1/namespaces/${NS}/pods?labelSelector=app%3Dbench`)).body) as { items: { status?: { phase?: string } }[] };
  if (list.items.filter((p) => p.status?.phase === 'Running').length === PODS) break;
  await new Promise((r) => setTimeout(r, 50));
}
const allRunningRealMs = performance.now() - realStart;
if (inspector) {
  const { profile } = await inspector.post('Profiler.stop');
  writeFileSync(profileFile!, JSON.stringify(profile));
  inspector.disconnect();
}
const allRunningLabS = (clock.now() - labStart) / 1000;
// Memory of the lab (API server, controllers, 500 running nginx containers) with this process's client parts.
global.gc?.();
const mem = process.memoryUsage();
const memoryAt500Pods = { rssMiB: Math.round(mem.rss / 2 ** 20), heapUsedMiB: Math.round(mem.heapUsed / 2 ** 20), heapTotalMiB: Math.round(mem.heapTotal / 2 ** 20), externalMiB: Math.round(mem.external / 2 ** 20) };

const get: number[] = [];
await pool(Array.from({ length: 500 }, (_, i) => i), async (i) => {
  get.push((await call('GET', `/api/v1/namespaces/${NS}/pods/bench-${i % PODS}`)).ms);
});
const list: number[] = [];
const listByLabel: number[] = [];
for (let i = 0; i < 30; i++) {
  list.push((await call('GET', `/api/v1/namespaces/${NS}/pods`)).ms);
  listByLabel.push((await call('GET', `/api/v1/namespaces/${NS}/pods?labelSelector=shard%3D${i % 10}`)).ms);
}

// Fan-out: one merge patch at a time, each watcher must see it.
const patch: number[] = [];
const fanout: number[] = [];
for (let i = 0; i < PATCHES; i++) {
  const mark = `m${i}`;
  arrivals.set(mark, []);
  const sent = performance.now();
  const r = await call('PATCH', `/api/v1/namespaces/${NS}/pods/bench-${i}`, { metadata: { annotations: { 'bench/mark': mark } } }, 'application/merge-patch+json');
  patch.push(r.ms);
  while (arrivals.get(mark)!.length < WATCHERS) await new Promise((res) => setImmediate(res));
  for (const t of arrivals.get(mark)!) fanout.push(t - sent);
}

const result = {
  at: new Date().toISOString(),
  node: process.version,
  setup: { nodes: NODES, pods: PODS, watchers: WATCHERS, clientConcurrency: CONCURRENCY, labClockSpeed: clock.speed },
  /** The machine's load while measuring (2 shared cores): latencies scale with it. */
  loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
  cpuSeconds: Math.round((process.cpuUsage().user + process.cpuUsage().system) / 1e4) / 100,
  memoryAt500Pods,
  podsRunning: { realMs: Math.round(allRunningRealMs), labSeconds: Math.round(allRunningLabS) },
  latencyMs: {
    createPod: percentiles(create),
    getPod: percentiles(get),
    listPods500: percentiles(list),
    listPodsByLabel: percentiles(listByLabel),
    mergePatchPod: percentiles(patch),
  },
  watchFanoutDelayMs: percentiles(fanout),
  watchEventsDelivered: watchEvents,
};
for (const r of watchReqs) r.destroy();
agent.destroy();
await api.stop();
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/kube-api.json', JSON.stringify(result, null, 2) + '\n');
console.log(JSON.stringify(result, null, 2));
process.exit(0);
