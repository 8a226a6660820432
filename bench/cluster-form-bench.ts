/**
 * Benchmark: forming a 1-, 3- and 10-node MicroK8s cluster on the practice lab at a fixed lab
 * speed (one control plane, the rest workers), from booted Pis to every node Ready in the
 * Kubernetes API: parallel install, hosts entries, joins, kubeconfig. Target: 10 nodes take at
 * most 1.3 times one node, because installs (the slow part) run in parallel.
 * Prints JSON and writes bench/results/cluster-form.json.
 * Run: npx tsx bench/cluster-form-bench.ts
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { formCluster } from '../main/cluster/form-cluster';
import { installMicroK8s } from '../main/cluster/install-microk8s';
import { openAll } from '../main/cluster/node-session';
import { startClusterLab, type LabNodeSpec } from '../main/cluster/testing/cluster-lab';

/** Lab speed: a MicroK8s install (150 s + 60 s start, lab time) takes 4.2 s of real time. */
const SPEED = 50;
const SIZES = [1, 3, 10];
const RUNS = 3;
const TARGET_RATIO = 1.3;

function nodes(count: number): LabNodeSpec[] {
  return Array.from({ length: count }, (_, i) => ({ hostname: `pi-${String(i + 1).padStart(2, '0')}`, role: i === 0 ? 'control-plane' : 'worker' }));
}

/** One run: boot a fresh lab (not timed), then time install + form + API verification. */
async function formOnce(count: number): Promise<{ ms: number; installMs: number }> {
  const lab = await startClusterLab({ nodes: nodes(count), speed: SPEED });
  const sessions = await openAll(lab.targets, lab.login, lab.ctx);
  try {
    const started = performance.now();
    const installed = await installMicroK8s(sessions, { channel: '1.32/stable' });
    const installMs = performance.now() - started;
    const failed = installed.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    const formed = await formCluster(sessions, { clusterName: 'bench', apiServer: lab.apiServer });
    const ms = performance.now() - started;
    if (formed.nodes.length !== count || !formed.nodes.every((n) => n.ready)) throw new Error(`only ${formed.nodes.filter((n) => n.ready).length}/${count} nodes Ready`);
    return { ms, installMs };
  } finally {
    for (const s of sessions) s.close();
    await lab.stop();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (ms: number) => Math.round(ms);

const sizes: { nodes: number; medianMs: number; installMedianMs: number; runsMs: number[]; labSecondsMedian: number }[] = [];
for (const count of SIZES) {
  const runs: { ms: number; installMs: number }[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(await formOnce(count));
  const m = median(runs.map((r) => r.ms));
  sizes.push({ nodes: count, medianMs: round(m), installMedianMs: round(median(runs.map((r) => r.installMs))), runsMs: runs.map((r) => round(r.ms)), labSecondsMedian: round((m * SPEED) / 1000) });
}
const one = sizes.find((s) => s.nodes === 1)!.medianMs;
const ten = sizes.find((s) => s.nodes === 10)!.medianMs;
const result = {
  at: new Date().toISOString(),
  node: process.version,
  benchmark: 'form a MicroK8s cluster on the practice lab (1 control plane + workers): parallel install, hosts, joins, all nodes Ready via the Kubernetes API',
  labSpeed: SPEED,
  runsPerSize: RUNS,
  sizes,
  ratio10to1: Math.round((ten / one) * 100) / 100,
  targetRatio: TARGET_RATIO,
  withinTarget: ten / one <= TARGET_RATIO,
};
await mkdir('bench/results', { recursive: true });
await writeFile('bench/results/cluster-form.json', JSON.stringify(result, null, 2) + '\n');
console.log(JSON.stringify(result, null, 2));
if (!result.withinTarget) process.exitCode = 1;
