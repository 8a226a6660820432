/**
 * A steady stream of requests at one address for the strategy and load-balancing lessons: N a
 * second for a while, each recorded with its send time, status or error, the nginx version
 * (`Server` header) and the pod that answered (see http-probe.ts), so the window can chart
 * availability during a rollout, measure the gap of a Recreate, and show the spread of answers
 * over the pods. Requests are sent on time even while earlier ones are still waiting.
 */
import type { KubeProbeSample } from '../../preload/contract/kube';
import type { HttpProbeOptions } from './http-probe';
import { httpProbe } from './http-probe';

export interface ProberOptions extends Omit<HttpProbeOptions, 'signal' | 'maxBodyBytes'> {
  /** Requests per second (1-50). */
  ratePerSecond: number;
  /** How long to send (at most 10 minutes). */
  durationMs: number;
  onSample?: (s: KubeProbeSample) => void;
  signal?: AbortSignal;
}

export interface ProbeSummary {
  sent: number;
  /** Answered with a status below 500. */
  ok: number;
  failed: number;
  byVersion: Record<string, number>;
  byPod: Record<string, number>;
  /** The longest stretch (ms of send time) from the last answer before failures to the next answer. */
  longestGapMs: number;
}

export interface ProberRun {
  /** Samples in the order they completed. */
  readonly samples: KubeProbeSample[];
  /** Resolves when the last request has finished. */
  readonly done: Promise<{ samples: KubeProbeSample[]; summary: ProbeSummary }>;
  stop(): void;
}

export const answered = (s: KubeProbeSample) => s.status !== undefined && s.status < 500;

export function summarize(samples: readonly KubeProbeSample[]): ProbeSummary {
  const sorted = [...samples].sort((a, b) => a.t - b.t);
  const out: ProbeSummary = { sent: sorted.length, ok: 0, failed: 0, byVersion: {}, byPod: {}, longestGapMs: 0 };
  let lastOk: number | undefined;
  let failing = false;
  let failStart = 0;
  for (const s of sorted) {
    if (answered(s)) {
      out.ok++;
      if (s.nginxVersion) out.byVersion[s.nginxVersion] = (out.byVersion[s.nginxVersion] ?? 0) + 1;
      if (s.pod) out.byPod[s.pod] = (out.byPod[s.pod] ?? 0) + 1;
      if (failing) out.longestGapMs = Math.max(out.longestGapMs, Math.round(s.t - (lastOk ?? failStart)));
      failing = false;
      lastOk = s.t;
    } else {
      out.failed++;
      if (!failing) failStart = s.t;
      failing = true;
    }
  }
  if (failing && sorted.length) out.longestGapMs = Math.max(out.longestGapMs, Math.round(sorted[sorted.length - 1]!.t - (lastOk ?? failStart)));
  return out;
}

export function startProber(options: ProberOptions): ProberRun {
  if (!Number.isFinite(options.ratePerSecond) || options.ratePerSecond < 1 || options.ratePerSecond > 50) throw new RangeError(`${options.ratePerSecond} requests a second is outside 1-50.`);
  if (!Number.isFinite(options.durationMs) || options.durationMs <= 0 || options.durationMs > 600_000) throw new RangeError(`${options.durationMs} ms is outside 1 ms-10 min.`);
  const samples: KubeProbeSample[] = [];
  const stopper = new AbortController();
  const onOuterAbort = () => stopper.abort();
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const interval = 1000 / options.ratePerSecond;
  const count = Math.max(1, Math.floor(options.durationMs / interval));
  const t0 = performance.now();
  const inFlight: Promise<void>[] = [];
  const { ratePerSecond: _r, durationMs: _d, onSample, signal: _s, ...probe } = options;

  const send = () => {
    const t = Math.round(performance.now() - t0);
    inFlight.push(
      httpProbe({ ...probe, timeoutMs: probe.timeoutMs ?? Math.max(500, Math.min(2_000, interval * 4)), maxBodyBytes: 4_096, signal: stopper.signal }).then((r) => {
        if (r.error === 'ABORTED') return;
        const s: KubeProbeSample = { t, ms: r.timing.totalMs };
        if (r.status !== undefined) s.status = r.status;
        if (r.error) s.error = r.error;
        if (r.nginxVersion) s.nginxVersion = r.nginxVersion;
        if (r.pod) s.pod = r.pod;
        samples.push(s);
        onSample?.(s);
      }),
    );
  };

  const done = new Promise<{ samples: KubeProbeSample[]; summary: ProbeSummary }>((resolve) => {
    let i = 0;
    const tick = () => {
      if (stopper.signal.aborted || i >= count) {
        void Promise.all(inFlight).then(() => {
          options.signal?.removeEventListener('abort', onOuterAbort);
          resolve({ samples, summary: summarize(samples) });
        });
        return;
      }
      send();
      i++;
      // Next send on schedule (not after this one answers), never drifting behind.
      setTimeout(tick, Math.max(0, t0 + i * interval - performance.now()));
    };
    tick();
  });

  return { samples, done, stop: () => stopper.abort() };
}
