/** Kubernetes resource quantities (`100m`, `0.5`, `128Mi`, `1G`) as numbers and back. */
import type { Quantity } from './types';

const SUFFIX: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

const QUANTITY = /^([+-]?[0-9.]+)(e[+-]?[0-9]+)?(n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;

export function isQuantity(q: unknown): boolean {
  return typeof q === 'number' || (typeof q === 'string' && QUANTITY.test(q.trim()));
}

/** The quantity's value in base units (cores for cpu, bytes for memory, count for pods). */
export function parseQuantity(q: Quantity | undefined): number {
  if (q === undefined) return 0;
  if (typeof q === 'number') return q;
  const m = QUANTITY.exec(q.trim());
  if (!m) throw new Error(`quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`);
  return Number(m[1]! + (m[2] ?? '')) * SUFFIX[m[3] ?? '']!;
}

/** CPU in millicores. */
export function milliCpu(q: Quantity | undefined): number {
  return Math.round(parseQuantity(q) * 1000);
}

/** Canonical-ish form: millicores as `250m` or whole cores; bytes as Ki/Mi/Gi when exact. */
export function formatQuantity(value: number, kind: 'cpu' | 'memory' | 'count'): string {
  if (kind === 'cpu') return Number.isInteger(value) ? String(value) : `${Math.round(value * 1000)}m`;
  if (kind === 'memory') {
    for (const s of ['Gi', 'Mi', 'Ki'] as const) if (value >= SUFFIX[s]! && value % SUFFIX[s]! === 0) return `${value / SUFFIX[s]!}${s}`;
  }
  return String(value);
}
