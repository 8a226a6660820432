/**
 * Lab Kubernetes API benchmark: 500 pods on 20 virtual nodes with 50 concurrent pod watchers.
 * Measures request latency percentiles (create, get, list, list by label, merge patch) and the
 * fan-out delay from a write to each watcher receiving its event, and the process's memory once
 * the 500 pods run (their nginx containers included). Prints JSON and writes
 * bench/results/kube-api.json.
 *
 * The lab (API server, controllers, kubelet, nginx containers) runs on the main thread, as in
 * `npm run lab`; the clients (16 concurrent request loops and the 50 watchers, as kubectl and
 * client-node are separate programs) run in two worker threads of the same process, the request
 * loops in one and the watchers in the other, so the clients' TLS and parsing do not sit on the
 * server's event loop nor the watchers' on the requests' timing, and the server thread's CPU time
 * can be read on its own (process.threadCpuUsage). The machine is shared (2 cores): latencies
 * scale with its load, so the result also gives the load average and the server's CPU time per
 * pod and per request, which do not depend on how many other processes compete for the cores.
 *
 *   npx tsx bench/kube-api-bench.ts
 *   KUBE_BENCH_PROFILE=/tmp/create.cpuprofile npx tsx bench/kube-api-bench.ts   # the server thread, create phase
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Agent, request } from 'node:https';
import { Session } from 'node:inspector/promises';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const NODES = 20;
const PODS = 500;
const WATCHERS = 50;
const PATCHES = 100;
/** Lists of all 500 pods (and as many by label): 100, so that p99 is not simply the slowest one. */
const LISTS = 100;
const CONCURRENCY = 16;
const NS = 'default';

interface ClientSetup {
  url: string;
  caPem: string;
  clientCertPem: string;
  clientKeyPem: string;
}

/** Phases the client announces; the server thread answers once it has taken its readings. */
type Phase = 'create-start' | 'creates-answered' | 'all-running' | 'gets-start' | 'gets-done' | 'lists-start' | 'lists-done';

type Percentiles = { n: number; p50: number; p90: number; p99: number; max: number };

function percentiles(samples: number[]): Percentiles {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => Math.round(s[Math.min(s.length - 1, Math.floor(q * s.length))]! * 100) / 100;
  return { n: s.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: Math.round(s[s.length - 1]! * 100) / 100 };
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

if (isMainThread) await serverThread();
else if ((workerData as WatcherSetup).role === 'watchers') await watcherThread(workerData as WatcherSetup);
else await clientThread(workerData as ClientSetup);

// --- the lab (main thread) ---------------------------------------------------------------

async function serverThread(): Promise<void> {
  const { LabClock } = await import('../main/lab/lab-clock');
  const { startLabKubeApi } = await import('../main/lab/kube/kube-api-server');
  const { FakeLabCluster } = await import('../main/lab/kube/testing/fake-lab-cluster');

  const loadBefore = os.loadavg();
  const clock = new LabClock({ speed: 100 });
  const cluster = new FakeLabCluster();
  for (let i = 1; i <= NODES; i++) cluster.addNode(`pi-${String(i).padStart(2, '0')}`, { joinedAt: clock.now() });
  // The objects are saved to disk as `npm run lab` saves them (a snapshot at most every 500 ms).
  const dataDir = mkdtempSync(path.join(tmpdir(), 'kube-bench-'));
  const api = await startLabKubeApi({ clock, cluster, dataDir, persistDir: path.join(dataDir, 'store') });

  // KUBE_BENCH_PROFILE=<file.cpuprofile>: a CPU profile of the server thread from the first create
  // until all pods run (KUBE_BENCH_PROFILE_FROM / KUBE_BENCH_PROFILE_UNTIL: other phases, e.g.
  // gets-start and lists-done for the get and list phases).
  const profileFile = process.env.KUBE_BENCH_PROFILE;
  const profileFrom = (process.env.KUBE_BENCH_PROFILE_FROM ?? 'create-start') as Phase;
  const profileUntil = (process.env.KUBE_BENCH_PROFILE_UNTIL ?? 'all-running') as Phase;
  const inspector = profileFile ? new Session() : undefined;
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  const cpuMs = () => {
    const u = process.threadCpuUsage();
    return (u.user + u.system) / 1000;
  };
  const marks = new Map<Phase, { cpuMs: number; realMs: number; labMs: number }>();

  // The server thread's CPU inside each pod create request: from its body fully received to the
  // response handed to the socket (parsing, admission, store write, the event queued for 50
  // watchers and the controllers, the response). The handler is synchronous after reading the body.
  const createRequestCpuMs: number[] = [];
  const server = api.server as unknown as { handle: (req: IncomingMessage, res: ServerResponse) => Promise<void> };
  const handle = server.handle;
  server.handle = (req, res) => {
    if (req.method === 'POST' && req.url === `/api/v1/namespaces/${NS}/pods`) {
      let from = 0;
      req.once('end', () => (from = cpuMs()));
      const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
      res.end = ((...args: unknown[]) => {
        if (from) createRequestCpuMs.push(cpuMs() - from);
        return end(...args);
      }) as typeof res.end;
    }
    return handle(req, res);
  };
  let memoryAt500Pods: Record<string, number> = {};
  let loopDelayDuringCreates: Percentiles | undefined;

  const onPhase = async (phase: Phase): Promise<void> => {
    if (phase === profileFrom && inspector) {
      inspector.connect();
      await inspector.post('Profiler.enable');
      await inspector.post('Profiler.start');
    }
    if (phase === 'create-start') loopDelay.enable();
    marks.set(phase, { cpuMs: cpuMs(), realMs: performance.now(), labMs: clock.now() });
    if (phase === profileUntil && inspector) {
      const { profile } = await inspector.post('Profiler.stop');
      writeFileSync(profileFile!, JSON.stringify(profile));
      inspector.disconnect();
    }
    if (phase === 'all-running') {
      loopDelay.disable();
      const h = loopDelay;
      loopDelayDuringCreates = { n: h.count, p50: round(h.percentile(50) / 1e6), p90: round(h.percentile(90) / 1e6), p99: round(h.percentile(99) / 1e6), max: round(h.max / 1e6) };
      // The lab's memory with 500 running pods after a full GC (the client worker's heap is in rss too, not in heapUsed).
      setFlagsFromString('--expose-gc');
      (runInNewContext('gc') as () => void)();
      const mem = process.memoryUsage();
      memoryAt500Pods = { rssMiB: Math.round(mem.rss / 2 ** 20), heapUsedMiB: Math.round(mem.heapUsed / 2 ** 20), heapTotalMiB: Math.round(mem.heapTotal / 2 ** 20), externalMiB: Math.round(mem.external / 2 ** 20) };
    }
  };

  const worker = new Worker(new URL(import.meta.url), {
    workerData: { url: api.url, caPem: api.caPem, clientCertPem: api.clientCertPem, clientKeyPem: api.clientKeyPem } satisfies ClientSetup,
  });
  const client = await new Promise<ClientResult>((resolve, reject) => {
    worker.on('message', (m: { phase: Phase } | { result: ClientResult }) => {
      if ('result' in m) return resolve(m.result);
      void onPhase(m.phase).then(() => worker.postMessage({ ack: m.phase }), reject);
    });
    worker.on('error', reject);
    worker.on('exit', (code) => reject(new Error(`client worker exited with ${code}`)));
  });

  const span = (from: Phase, to: Phase) => {
    const a = marks.get(from)!;
    const b = marks.get(to)!;
    return { cpuMs: b.cpuMs - a.cpuMs, realMs: b.realMs - a.realMs, labMs: b.labMs - a.labMs };
  };
  const toRunning = span('create-start', 'all-running');
  const creating = span('create-start', 'creates-answered');
  const gets = span('gets-start', 'gets-done');
  const lists = span('lists-start', 'lists-done');
  const processCpu = process.cpuUsage();
  const result = {
    at: new Date().toISOString(),
    node: process.version,
    setup: {
      nodes: NODES,
      pods: PODS,
      watchers: WATCHERS,
      clientConcurrency: CONCURRENCY,
      labClockSpeed: clock.speed,
      clients: 'two worker threads of the bench process: 16 request loops (TLS, keep-alive connections opened before the first create) in one, the 50 watchers in the other',
      persistence: 'store saved to disk as npm run lab does',
    },
    /** The machine's load (1, 5, 15 min) before and after: 2 shared cores, latencies scale with it. */
    loadAverage: { before: loadBefore.map((l) => round(l)), after: os.loadavg().map((l) => round(l)), cores: os.cpus().length },
    /** CPU seconds of the whole process (server + client threads) and of the server thread alone. */
    cpuSeconds: { process: round((processCpu.user + processCpu.system) / 1e6), serverThread: round(cpuMs() / 1000) },
    /**
     * Server-thread CPU time, independent of the machine's load. perCreateRequest: the mean CPU of a
     * create request itself (body received to response written; the thread's CPU clock is too coarse
     * for percentiles of single requests). perPodToRunning: everything one pod
     * costs from its create request until it runs (admission, store, scheduling, kubelet steps, events,
     * its nginx container, and every watch event written to 50 watchers). duringCreates: the server
     * thread's CPU while the 500 creates were answered, per create (background work included).
     * perGet / perList: the get and list phases' CPU per request.
     */
    serverCpuMs: {
      perPodToRunning: round(toRunning.cpuMs / PODS),
      perCreateRequest: round(createRequestCpuMs.reduce((a, b) => a + b, 0) / Math.max(1, createRequestCpuMs.length)),
      duringCreatesPerCreate: round(creating.cpuMs / PODS),
      createsWallMs: Math.round(creating.realMs),
      createsCpuShare: round(creating.cpuMs / creating.realMs),
      perGet: round(gets.cpuMs / client.gets),
      perList500: round(lists.cpuMs / client.lists),
    },
    /** How long the server's event loop was blocked (5 ms resolution) from the first create until all pods ran. */
    serverEventLoopDelayMs: loopDelayDuringCreates,
    memoryAt500Pods,
    podsRunning: { realMs: Math.round(toRunning.realMs), labSeconds: Math.round(toRunning.labMs / 1000) },
    latencyMs: client.latencyMs,
    watchFanoutDelayMs: client.watchFanoutDelayMs,
    watchEventsDelivered: client.watchEventsDelivered,
  };
  await worker.terminate().catch(() => undefined);
  await api.stop();
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/kube-api.json', JSON.stringify(result, null, 2) + '\n');
  console.log(JSON.stringify(result, null, 2));
  process.exit(0);
}

// --- the clients (worker thread) -----------------------------------------------------------

interface ClientResult {
  latencyMs: Record<'createPod' | 'getPod' | 'listPods500' | 'listPodsByLabel' | 'mergePatchPod', Percentiles>;
  watchFanoutDelayMs: Percentiles;
  watchEventsDelivered: number;
  gets: number;
  lists: number;
}

interface WatcherSetup extends ClientSetup {
  role: 'watchers';
  rv: string;
}
type WatcherMessage = { kind: 'ready' } | { kind: 'done'; events: number } | { mark: string; at: number[] };
function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

/** The 50 pod watchers: count lines as bytes arrive; once marks are on, note when each watcher sees each mark. */
async function watcherThread(setup: WatcherSetup): Promise<void> {
  const port = parentPort!;
  const tls = { ca: setup.caPem, cert: setup.clientCertPem, key: setup.clientKeyPem };
  const base = new URL(setup.url);
  const MARK = Buffer.from('"bench/mark":"');
  const arrivals = new Map<string, number[]>();
  let marksOn = false;
  let events = 0;
  const reqs: ReturnType<typeof request>[] = [];
  await Promise.all(
    Array.from(
      { length: WATCHERS },
      () =>
        new Promise<void>((resolve, reject) => {
          const req = request({ host: base.hostname, port: base.port, path: `/api/v1/namespaces/${NS}/pods?watch=true&resourceVersion=${setup.rv}`, agent: new Agent(tls) }, (res) => {
            let partial: Buffer | undefined;
            res.on('data', (chunk: Buffer) => {
              const buf = partial ? Buffer.concat([partial, chunk]) : chunk;
              let start = 0;
              let nl: number;
              while ((nl = buf.indexOf(10, start)) >= 0) {
                events++;
                if (marksOn) {
                  const at = buf.indexOf(MARK, start);
                  if (at >= 0 && at < nl) {
                    const from = at + MARK.length;
                    const mark = buf.toString('utf8', from, buf.indexOf(34, from));
                    const times = arrivals.get(mark) ?? [];
                    arrivals.set(mark, times);
                    times.push(epochNow());
                    if (times.length === WATCHERS) port.postMessage({ mark, at: times });
                  }
                }
                start = nl + 1;
              }
              partial = start < buf.length ? buf.subarray(start) : undefined;
            });
            resolve();
          });
          req.on('error', reject);
          req.end();
          reqs.push(req);
        }),
    ),
  );
  port.on('message', (m: { marks?: boolean; stop?: boolean }) => {
    if (m.marks) marksOn = true;
    if (m.stop) {
      for (const r of reqs) r.destroy();
      port.postMessage({ kind: 'done', events });
    }
  });
  port.postMessage({ kind: 'ready' });
}

async function clientThread(setup: ClientSetup): Promise<void> {
  const port = parentPort!;
  const acks = new Map<Phase, () => void>();
  port.on('message', (m: { ack: Phase }) => acks.get(m.ack)?.());
  const phase = (p: Phase) =>
    new Promise<void>((resolve) => {
      acks.set(p, resolve);
      port.postMessage({ phase: p });
    });

  const tls = { ca: setup.caPem, cert: setup.clientCertPem, key: setup.clientKeyPem };
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY + 4, ...tls });
  const base = new URL(setup.url);

  function call(method: string, urlPath: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; body: string; ms: number }> {
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const req = request({ host: base.hostname, port: base.port, path: urlPath, method, agent, headers: body === undefined ? {} : { 'Content-Type': contentType } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          // Latency: until the response's last byte arrived (what the client does with it after is its own).
          const ms = performance.now() - started;
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), ms });
        });
      });
      req.on('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  }

  async function pool<T>(items: T[], worker: (item: T) => Promise<void>): Promise<void> {
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < items.length) await worker(items[next++]!);
      }),
    );
  }

  // Wait for the nodes to register.
  while (JSON.parse((await call('GET', '/api/v1/nodes')).body).items.length < NODES) await new Promise((r) => setTimeout(r, 20));

  // 50 watchers on the namespace's pods, in a thread of their own: watchers are other programs
  // (controllers, dashboards), and decrypting their 300 MB of events on this thread would add
  // this thread's backlog to every request's measured latency.
  const rv = JSON.parse((await call('GET', `/api/v1/namespaces/${NS}/pods`)).body).metadata.resourceVersion as string;
  const watchers = new Worker(new URL(import.meta.url), { workerData: { ...setup, role: 'watchers', rv } satisfies WatcherSetup });
  const fromWatchers = new Map<string, (m: WatcherMessage) => void>();
  watchers.on('message', (m: WatcherMessage) => fromWatchers.get('mark' in m ? m.mark : m.kind)?.(m));
  const fromWatcher = (key: string) => new Promise<WatcherMessage>((resolve) => fromWatchers.set(key, resolve));
  await fromWatcher('ready');

  // The 16 keep-alive connections exist before the first create (their TLS handshakes, with
  // client certificates, are not a create's cost): 16 concurrent reads of the namespace.
  await Promise.all(Array.from({ length: CONCURRENCY }, () => call('GET', `/api/v1/namespaces/${NS}`)));

  // Create 500 pods (they are scheduled onto the 20 nodes and started by the lab kubelet).
  await phase('create-start');
  const create: number[] = [];
  await pool(
    Array.from({ length: PODS }, (_, i) => i),
    async (i) => {
      const r = await call('POST', `/api/v1/namespaces/${NS}/pods`, {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `bench-${i}`, labels: { app: 'bench', shard: String(i % 10) } },
        spec: { containers: [{ name: 'nginx', image: 'nginx:1.16.1', resources: { requests: { cpu: '50m', memory: '16Mi' } } }] },
      });
      if (r.status !== 201) throw new Error(`create failed ${r.status} ${r.body}`);
      create.push(r.ms);
    },
  );
  await phase('creates-answered');

  // Wait until all are Running (every create was answered 201: the pods exist). Only the pods
  // not yet running are listed, so the polling costs the server little.
  for (;;) {
    const list = JSON.parse((await call('GET', `/api/v1/namespaces/${NS}/pods?labelSelector=app%3Dbench&fieldSelector=status.phase%21%3DRunning`)).body) as { items: unknown[] };
    if (list.items.length === 0) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await phase('all-running');

  const get: number[] = [];
  await phase('gets-start');
  await pool(
    Array.from({ length: 500 }, (_, i) => i),
    async (i) => {
      get.push((await call('GET', `/api/v1/namespaces/${NS}/pods/bench-${i % PODS}`)).ms);
    },
  );
  await phase('gets-done');
  const list: number[] = [];
  await phase('lists-start');
  for (let i = 0; i < LISTS; i++) list.push((await call('GET', `/api/v1/namespaces/${NS}/pods`)).ms);
  await phase('lists-done');
  const listByLabel: number[] = [];
  for (let i = 0; i < LISTS; i++) listByLabel.push((await call('GET', `/api/v1/namespaces/${NS}/pods?labelSelector=shard%3D${i % 10}`)).ms);

  // Fan-out: one merge patch at a time, each watcher must see it (times on the shared epoch clock).
  const patch: number[] = [];
  const fanout: number[] = [];
  watchers.postMessage({ marks: true });
  for (let i = 0; i < PATCHES; i++) {
    const mark = `m${i}`;
    const seen = fromWatcher(mark);
    const sent = epochNow();
    const r = await call('PATCH', `/api/v1/namespaces/${NS}/pods/bench-${i}`, { metadata: { annotations: { 'bench/mark': mark } } }, 'application/merge-patch+json');
    patch.push(r.ms);
    const m = (await seen) as { mark: string; at: number[] };
    for (const t of m.at) fanout.push(t - sent);
  }

  const done = fromWatcher('done');
  watchers.postMessage({ stop: true });
  const { events: watchEvents } = (await done) as { kind: 'done'; events: number };
  await watchers.terminate();
  agent.destroy();
  const result: ClientResult = {
    latencyMs: { createPod: percentiles(create), getPod: percentiles(get), listPods500: percentiles(list), listPodsByLabel: percentiles(listByLabel), mergePatchPod: percentiles(patch) },
    watchFanoutDelayMs: percentiles(fanout),
    watchEventsDelivered: watchEvents,
    gets: get.length,
    lists: list.length,
  };
  port.postMessage({ result });
}
