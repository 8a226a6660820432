/**
 * Requests through a Service from this computer, as a user's browser would send them: to its
 * LoadBalancer address when it has one, else to its node port on a Ready node (each LAN address
 * mapped by the environment in practice). Two ways:
 *  - a steady stream (`ratePerSecond` for `durationMs`) that records status and nginx version
 *    of each answer: the availability charts of the update and strategy lessons;
 *  - `count` requests one after the other, each with its own User-Agent, and then every pod's
 *    access log is read (`kubectl logs`) to see which pod logged which request: the load
 *    balancing lesson's spread, with the stock nginx image and no extra headers.
 */
import type { KubeProbeSample, KubeServiceView, KubeViewSnapshot } from '../../preload/contract/kube';
import type { KubeCluster } from '../kube/kube-cluster';
import { KubeError } from '../kube/kube-errors';
import { httpProbe, nginxVersionOf } from '../kube/http-probe';
import { startProber, summarize } from '../kube/http-prober';
import type { ProbeSummary } from '../kube/http-prober';

export interface ProbeTarget {
  host: string;
  port: number;
  /** How it is reached: `load-balancer` (EXTERNAL-IP) or `node-port`. */
  via: 'load-balancer' | 'node-port';
  display: string;
}

/** Where a Service is reached from outside the cluster, or undefined when it is not (ClusterIP, LoadBalancer still pending without a node port). */
export function serviceTarget(service: KubeServiceView, nodes: NonNullable<KubeViewSnapshot['nodes']>): ProbeTarget | undefined {
  const port = service.ports[0];
  if (!port) return undefined;
  const lb = service.loadBalancer.ingress[0];
  if (service.type === 'LoadBalancer' && lb) return { host: lb, port: port.port, via: 'load-balancer', display: `http://${lb}:${port.port}/` };
  if (port.nodePort) {
    const node = nodes.find((n) => n.ready.status === 'True' && n.internalIP) ?? nodes.find((n) => n.internalIP);
    if (node?.internalIP) return { host: node.internalIP, port: port.nodePort, via: 'node-port', display: `http://${node.internalIP}:${port.nodePort}/` };
  }
  return undefined;
}

export interface ProbeRunOptions {
  target: ProbeTarget;
  translate: (host: string, port: number) => { host: string; port: number };
  path: string;
  ratePerSecond: number;
  durationMs: number;
  /** Spread mode: this many requests, each identified, then the pods' logs are read. */
  count?: number;
  cluster: KubeCluster;
  namespace: string;
  /** The Service's selector (to find its pods' logs). */
  selector: Record<string, string>;
  probeId: string;
  onSamples: (samples: KubeProbeSample[], summary: ProbeSummary, done: boolean) => void;
}

export function runProbe(o: ProbeRunOptions): { stop(): void; done: Promise<void> } {
  const stopper = new AbortController();
  if (o.count === undefined) {
    const pending: KubeProbeSample[] = [];
    let timer: NodeJS.Timeout | undefined;
    const flush = (done: boolean) => {
      timer = undefined;
      o.onSamples(pending.splice(0), summarize(run.samples), done);
    };
    const run = startProber({
      host: o.target.host,
      port: o.target.port,
      path: o.path,
      translate: o.translate,
      ratePerSecond: o.ratePerSecond,
      durationMs: o.durationMs,
      signal: stopper.signal,
      onSample: (s) => {
        pending.push(s);
        timer ??= setTimeout(() => flush(false), 250);
      },
    });
    const done = run.done.then(() => {
      clearTimeout(timer);
      flush(true);
    });
    return { stop: () => run.stop(), done };
  }
  const done = (async () => {
    const tag = `pi-cluster-wizard-probe/${o.probeId.slice(0, 8)}`;
    const samples: KubeProbeSample[] = [];
    const t0 = Date.now();
    for (let i = 1; i <= o.count! && !stopper.signal.aborted; i++) {
      const r = await httpProbe({ host: o.target.host, port: o.target.port, path: o.path, translate: o.translate, headers: { 'User-Agent': `${tag}/${i}` }, maxBodyBytes: 1024, signal: stopper.signal });
      const s: KubeProbeSample = { t: Date.now() - t0, ms: r.timing.totalMs, ...(r.status !== undefined ? { status: r.status } : {}), ...(r.error ? { error: r.error } : {}) };
      const version = r.headers.server ? nginxVersionOf(r.headers.server) : undefined;
      if (version) s.nginxVersion = version;
      samples.push(s);
      o.onSamples([s], summarize(samples), false);
    }
    // Which pod logged which request: nginx writes each request's User-Agent into its access log.
    const pods = await podsOf(o.cluster, o.namespace, o.selector);
    const servedBy = new Map<number, string>();
    for (const pod of pods) {
      const log = await podLog(o.cluster, o.namespace, pod, 500).catch(() => '');
      for (const m of log.matchAll(new RegExp(`${tag.replace(/[./]/g, '\\$&')}/(\\d+)`, 'g'))) servedBy.set(Number(m[1]), pod);
    }
    const attributed = samples.map((s, i) => (servedBy.has(i + 1) ? { ...s, pod: servedBy.get(i + 1)! } : s));
    o.onSamples(attributed, summarize(attributed), true);
  })();
  return { stop: () => stopper.abort(), done };
}

async function podsOf(cluster: KubeCluster, namespace: string, selector: Record<string, string>): Promise<string[]> {
  const labelSelector = Object.entries(selector)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const list = await cluster.conn.request<{ items?: Array<{ metadata?: { name?: string }; status?: { phase?: string } }> }>({
    method: 'GET',
    path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`,
    query: { labelSelector },
  });
  return (list.items ?? []).filter((p) => p.status?.phase === 'Running').flatMap((p) => (p.metadata?.name ? [p.metadata.name] : []));
}

/** The last `tail` lines of a pod's log (`kubectl logs --tail`). */
export async function podLog(cluster: KubeCluster, namespace: string, pod: string, tail: number): Promise<string> {
  const body = await cluster.conn.request<unknown>({ method: 'GET', path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/log`, query: { tailLines: tail } });
  if (typeof body !== 'string') throw new KubeError('SERVER_ERROR', 'The pod log was not text.');
  return body;
}

export { summarize };
