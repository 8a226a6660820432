/**
 * Kubernetes resource quantities (`500m`, `4`, `3882620Ki`, `1.5Gi`, `1e3`) as numbers, for
 * node allocatable CPU and memory and for comparing a manifest's `0.5` with the API's `500m`.
 */

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

/** The value of a quantity, or undefined when the text is not one. */
export function parseQuantity(q: unknown): number | undefined {
  if (typeof q === 'number') return Number.isFinite(q) ? q : undefined;
  if (typeof q !== 'string') return undefined;
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/.exec(q.trim());
  if (!m) return undefined;
  const base = Number(m[1]);
  if (m[2]) return base * 10 ** Number(m[2].slice(1));
  return base * SUFFIX[m[3] ?? '']!;
}

/** CPU in millicores (`4` -> 4000, `250m` -> 250). */
export function cpuMillicores(q: unknown): number | undefined {
  const v = parseQuantity(q);
  return v === undefined ? undefined : Math.round(v * 1000);
}

/** Bytes (`3882620Ki` -> 3975802880). */
export function bytes(q: unknown): number | undefined {
  const v = parseQuantity(q);
  return v === undefined ? undefined : Math.round(v);
}
