/**
 * The availability chart's numbers: the prober's samples (one per request, with its send time,
 * status and nginx version) counted per second of send time — answers per nginx version and
 * requests nothing answered — and stacked for drawing (uPlot draws series in order, so the
 * tallest, cumulative one goes first and each version is painted over it).
 */
import type { KubeProbeSample } from '../../../../preload/contract/kube';

export interface Buckets {
  /** Start of each bucket, seconds since the prober started. */
  x: number[];
  /** Versions seen, oldest first. */
  versions: string[];
  /** Per version, answers in each bucket. */
  answered: number[][];
  /** Requests without an answer (refused, timed out, 5xx) in each bucket. */
  failed: number[];
}

const answered = (s: KubeProbeSample) => s.status !== undefined && s.status < 500;

/** Orders `1.14.2` before `1.16.1` (numerically, part by part). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/);
  const pb = b.split(/[.-]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? '';
    const y = pb[i] ?? '';
    const nx = Number(x);
    const ny = Number(y);
    const c = Number.isFinite(nx) && Number.isFinite(ny) && x !== '' && y !== '' ? nx - ny : x.localeCompare(y);
    if (c !== 0) return c;
  }
  return 0;
}

export function bucketSamples(samples: readonly KubeProbeSample[], bucketMs = 1000, minBuckets = 10): Buckets {
  const versions = [...new Set(samples.filter(answered).map((s) => s.nginxVersion ?? '?'))].sort(compareVersions);
  const last = samples.reduce((m, s) => Math.max(m, s.t), 0);
  const n = Math.max(minBuckets, Math.floor(last / bucketMs) + 1);
  const x = Array.from({ length: n }, (_, i) => (i * bucketMs) / 1000);
  const counts = versions.map(() => new Array<number>(n).fill(0));
  const failed = new Array<number>(n).fill(0);
  for (const s of samples) {
    const i = Math.min(n - 1, Math.floor(s.t / bucketMs));
    if (answered(s)) counts[versions.indexOf(s.nginxVersion ?? '?')]![i]!++;
    else failed[i]!++;
  }
  return { x, versions, answered: counts, failed };
}

/**
 * Cumulative series in drawing order: [all requests (failures on top), versions up to the
 * newest, ..., the oldest version alone]; each drawn as bars from zero, later ones over earlier.
 */
export function stackedForDrawing(b: Buckets): number[][] {
  const layers: number[][] = [];
  let running = b.x.map(() => 0);
  for (const counts of b.answered) {
    running = running.map((v, i) => v + counts[i]!);
    layers.push(running);
  }
  const total = running.map((v, i) => v + b.failed[i]!);
  return [total, ...layers.reverse()];
}

/** Each version's share of the answers, newest first. */
export function versionShares(byVersion: Record<string, number>): Array<{ version: string; count: number; share: number }> {
  const total = Object.values(byVersion).reduce((a, b) => a + b, 0);
  return Object.entries(byVersion)
    .sort(([a], [b]) => compareVersions(b, a))
    .map(([version, count]) => ({ version, count, share: total ? count / total : 0 }));
}
