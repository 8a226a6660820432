/**
 * Live-view benchmark: 200 pods on 20 virtual nodes in the lab's Kubernetes API, watched by the
 * library (client-node ListWatch -> store -> coalesced pods+nodes view). Measures, per watch
 * event, the time from the event arriving in main (the informer has parsed and stored it) to
 * the snapshot that contains it being handed to the caller:
 * - isolated changes (one at a time, four a second, within the view's five-at-once budget):
 *   the cost of building a 200-pod snapshot;
 * - a sustained stream (40 changes a second, as during a rollout): once five snapshots went out
 *   in a second, the cap of ten in any second spaces the rest at least 100 ms apart, by design.
 * Also the snapshot build time and size. Writes bench/results/kube-watch.json.
 *
 *   npx tsx bench/kube-watch-bench.ts
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { KubeViewSnapshot } from '../preload/contract/kube';
import { LabClock } from '../main/lab/lab-clock';
import { startLabKubeApi } from '../main/lab/kube/kube-api-server';
import { FakeLabCluster } from '../main/lab/kube/testing/fake-lab-cluster';
import { openCluster } from '../main/kube';

const NODES = 20;
const PODS = 200;
const ISOLATED = 100;
const STREAM_RATE = 40;
const STREAM_SECONDS = 5;
const NS = 'default';

function percentiles(samples: number[]): { n: number; p50: number; p95: number; p99: number; max: number } {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => Math.round(s[Math.min(s.length - 1, Math.floor(q * s.length))]! * 100) / 100;
  return { n: s.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: Math.round(s[s.length - 1]! * 100) / 100 };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const clock = new LabClock({ speed: 1000 });
const fake = new FakeLabCluster();
for (let i = 1; i <= NODES; i++) fake.addNode(`pi-${String(i).padStart(2, '0')}`, { joinedAt: clock.now() });
const api = await startLabKubeApi({ clock, cluster: fake, dataDir: mkdtempSync(path.join(tmpdir(), 'kube-watch-bench-')) });
const cluster = await openCluster({ kubeconfig: api.kubeconfig() });

// Arrival times of watch events, recorded before the view hears of them.
const informer = cluster.hub.acquire('pods', NS);
let pending: number[] = [];
informer.onChange(() => pending.push(performance.now()));
const latencies: number[] = [];
let snapshots = 0;
let latest: KubeViewSnapshot | undefined;
const view = cluster.view({ kinds: ['pods', 'nodes'], namespace: NS }, (s) => {
  const now = performance.now();
  for (const t of pending) latencies.push(now - t);
  pending = [];
  snapshots++;
  latest = s;
});

await cluster.apply({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'bench' },
  spec: {
    replicas: PODS,
    selector: { matchLabels: { app: 'bench' } },
    template: { metadata: { labels: { app: 'bench' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.16.1', resources: { requests: { cpu: '50m', memory: '16Mi' } } }] } },
  },
});
const setupStart = performance.now();
while ((latest?.pods ?? []).filter((p) => p.status === 'Running').length < PODS) await sleep(50);
const setupMs = performance.now() - setupStart;
await sleep(300);
latencies.length = 0;
pending = [];

const podNames = latest!.pods!.map((p) => p.name);
const mark = (i: number) =>
  cluster.conn.request({ method: 'PATCH', path: `/api/v1/namespaces/${NS}/pods/${podNames[i % podNames.length]}`, contentType: 'application/merge-patch+json', body: { metadata: { annotations: { 'bench/mark': String(i) } } } });

// 1. Isolated changes.
for (let i = 0; i < ISOLATED; i++) {
  const before = latencies.length;
  await mark(i);
  while (latencies.length === before) await sleep(2);
  // Four changes a second: under the view's five-at-once budget, so each is sent at once.
  await sleep(250);
}
const isolated = latencies.splice(0);

// 2. A sustained stream.
const streamStart = performance.now();
const snapshotsBefore = snapshots;
for (let i = 0; i < STREAM_RATE * STREAM_SECONDS; i++) {
  void mark(ISOLATED + i);
  await sleep(Math.max(0, streamStart + ((i + 1) * 1000) / STREAM_RATE - performance.now()));
}
await sleep(300);
const streamSeconds = (performance.now() - streamStart) / 1000;
const stream = latencies.splice(0);
const streamSnapshots = snapshots - snapshotsBefore;

// Snapshot build cost and size at 200 pods.
const build: number[] = [];
for (let i = 0; i < 50; i++) {
  const t = performance.now();
  const s = view.snapshot();
  build.push(performance.now() - t);
  if (i === 0) latest = s;
}

const result = {
  at: new Date().toISOString(),
  node: process.version,
  setup: { nodes: NODES, pods: PODS, labClockSpeed: clock.speed, podsRunningRealMs: Math.round(setupMs), view: 'pods+nodes, at most 10 snapshots/s' },
  eventToSnapshotMs: {
    isolated: percentiles(isolated),
    sustained: { ...percentiles(stream), eventsPerSecond: STREAM_RATE, snapshotsPerSecond: Math.round((streamSnapshots / streamSeconds) * 10) / 10 },
  },
  snapshotBuildMs: percentiles(build),
  snapshotJsonBytes: JSON.stringify(latest).length,
};
view.close();
cluster.hub.release(informer);
await cluster.close();
await api.stop();
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/kube-watch.json', JSON.stringify(result, null, 2) + '\n');
console.log(JSON.stringify(result, null, 2));
process.exit(0);
