/**
 * Bench page for the pods-on-nodes picture (built by bench/pods-on-nodes-bench.ts, opened in
 * Chromium): 500 pods on 20 nodes with the app's stylesheet and catalogues. `window.bench.run`
 * applies a series of snapshot updates, each a fresh copy of every pod (as snapshots arrive from
 * main) with one pod changed, optionally with the clock moved on a second, and measures per
 * update the main-thread work of the frame: React render and commit, then style and layout
 * (forced by reading layout), plus the intervals between animation frames during a stream of
 * ten updates a second (dropped frames show as intervals over 16.7 ms).
 */
import { useState } from 'react';
import { createRoot } from 'react-dom/client';
import { flushSync } from 'react-dom';
import type { KubeNodeView, KubePodView } from '../../preload/contract/kube';
import { I18nProvider } from '../../renderer/src/i18n/use-t';
import { PodsOnNodes } from '../../renderer/src/lessons/PodsOnNodes';
import { NaivePodsOnNodes } from './naive-pods-on-nodes';
import '../../renderer/src/styles.css';

const NODES = 20;
const PODS = 500;
const STATUSES = ['Running', 'ContainerCreating', 'Terminating', 'Running', 'ImagePullBackOff'];
const T0 = Date.parse('2026-12-07T10:00:00Z');

function node(i: number): KubeNodeView {
  const name = `pi-${String(i + 1).padStart(2, '0')}`;
  return { name, uid: `node-${i}`, ready: { status: 'True' }, roles: ['worker'], allocatable: { cpuMillicores: 4000, memoryBytes: 8 * 1024 ** 3, pods: 110 }, taints: [], unschedulable: false, addresses: [{ type: 'InternalIP', address: `192.168.1.${101 + i}` }], internalIP: `192.168.1.${101 + i}`, labels: {}, createdAt: new Date(T0 - 86_400_000).toISOString() };
}

function pod(i: number, status = 'Running'): KubePodView {
  const hash = i % 2 ? '7c5ddbdf54' : '59f8b7b9c6';
  return {
    name: `nginx-deployment-${hash}-${i.toString(36).padStart(5, 'x')}`,
    namespace: 'default',
    uid: `pod-${i}`,
    phase: status === 'Running' ? 'Running' : 'Pending',
    status,
    ready: { ready: status === 'Running' ? 1 : 0, total: 1 },
    restarts: 0,
    node: `pi-${String((i % NODES) + 1).padStart(2, '0')}`,
    podIP: `10.1.${i >> 8}.${i & 255}`,
    podTemplateHash: hash,
    images: [i % 2 ? 'nginx:1.16.1' : 'nginx:1.14.2'],
    labels: { app: 'nginx', 'pod-template-hash': hash },
    // Half the pods young (ages change every second), half older than two minutes.
    createdAt: new Date(T0 - (i % 2 ? 30_000 : 3_600_000) - i * 50).toISOString(),
    conditions: [],
    containers: [],
  };
}

const nodes = Array.from({ length: NODES }, (_, i) => node(i));
let pods = Array.from({ length: PODS }, (_, i) => pod(i));
let now = T0;
let setView: (v: { pods: KubePodView[]; now: number; naive: boolean }) => void = () => undefined;
let naive = false;

function Bench() {
  const [view, set] = useState({ pods, now, naive });
  setView = set;
  const Picture = view.naive ? NaivePodsOnNodes : PodsOnNodes;
  return <Picture nodes={nodes} pods={view.pods} now={view.now} highlight={(p) => (p.podTemplateHash === '7c5ddbdf54' ? 'new' : 'old')} />;
}

const frame = () => new Promise<number>((r) => requestAnimationFrame((t) => r(t)));

/** The next snapshot: every pod a fresh object (as from main), one pod's status changed. */
function nextSnapshot(step: number, tick: boolean): void {
  const changed = (step * 37) % PODS;
  pods = pods.map((p) => structuredClone(p));
  pods[changed] = { ...pods[changed]!, status: STATUSES[step % STATUSES.length]! };
  if (tick) now += 1000;
}

function percentiles(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => Math.round(s[Math.min(s.length - 1, Math.floor(q * s.length))]! * 100) / 100;
  return { n: s.length, p50: at(0.5), p95: at(0.95), max: Math.round(s[s.length - 1]! * 100) / 100 };
}

declare global {
  interface Window {
    bench: { run(options: { naive: boolean; updates: number; tick: boolean }): Promise<unknown> };
  }
}

window.bench = {
  async run({ naive: useNaive, updates, tick }) {
    naive = useNaive;
    // Calibration: a fixed piece of script work, timed now (grows with the machine's load).
    const c0 = performance.now();
    for (let k = 0; k < 20; k++) JSON.parse(JSON.stringify(pods));
    const calibrationMs = Math.round((performance.now() - c0) * 10) / 10;
    // Every run starts from the same pods and clock (half the pods younger than two minutes).
    pods = Array.from({ length: PODS }, (_, i) => pod(i));
    now = T0;
    flushSync(() => setView({ pods, now, naive }));
    await frame();
    await frame();
    const work: number[] = [];
    const react: number[] = [];
    const layout: number[] = [];
    for (let i = 0; i < updates; i++) {
      await frame();
      nextSnapshot(i, tick);
      const t0 = performance.now();
      flushSync(() => setView({ pods, now, naive }));
      const t1 = performance.now();
      void document.body.offsetHeight;
      const t2 = performance.now();
      work.push(t2 - t0);
      react.push(t1 - t0);
      layout.push(t2 - t1);
    }
    // A stream of ten snapshots a second for three seconds: intervals between frames.
    const intervals: number[] = [];
    let running = true;
    let last = await frame();
    const watch = (async () => {
      while (running) {
        const t = await frame();
        intervals.push(t - last);
        last = t;
      }
    })();
    for (let i = 0; i < 30; i++) {
      await new Promise((r) => setTimeout(r, 100));
      nextSnapshot(updates + i, tick && i % 10 === 0);
      setView({ pods, now, naive });
    }
    running = false;
    await watch;
    return { calibrationMs, chips: document.querySelectorAll('.pod-chip').length, columns: document.querySelectorAll('.node-column').length, updateWorkMs: percentiles(work), reactMs: percentiles(react), styleLayoutMs: percentiles(layout), frameIntervalMs: percentiles(intervals), framesOver16_7ms: intervals.filter((x) => x > 16.7 * 1.5).length };
  },
};

createRoot(document.getElementById('root')!).render(
  <I18nProvider>
    <Bench />
  </I18nProvider>,
);
