/**
 * One run of the HTTP prober through a Service, as the window sees it: started with
 * `lessons.probeStart`, its samples gathered from `lessons.probe` events, stopped on request or
 * when its time is up. Used to measure a change (start, change, wait until it settled, stop).
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { KubeProbeSample } from '../../../../preload/contract/kube';
import { call, onEvent } from '../../api/client';

export interface ProbeSummary {
  sent: number;
  ok: number;
  failed: number;
  byVersion: Record<string, number>;
  byPod: Record<string, number>;
  longestGapMs: number;
}

export interface ProbeRun {
  running: boolean;
  samples: KubeProbeSample[];
  summary: ProbeSummary | undefined;
  target: string | undefined;
  error: string | undefined;
  start(service: string, options?: { ratePerSecond?: number; durationMs?: number }): Promise<void>;
  stop(): Promise<void>;
  /** Resolves when `test(samples)` holds (checked as samples arrive), or rejects after `timeoutMs`. */
  until(test: (samples: readonly KubeProbeSample[]) => boolean, timeoutMs: number): Promise<void>;
}

export function useProbe(): ProbeRun {
  const [samples, setSamples] = useState<KubeProbeSample[]>([]);
  const [summary, setSummary] = useState<ProbeSummary | undefined>();
  const [running, setRunning] = useState(false);
  const [target, setTarget] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  const probeId = useRef<string | null>(null);
  const all = useRef<KubeProbeSample[]>([]);
  const waiters = useRef(new Set<() => void>());

  useEffect(() => {
    const off = onEvent('lessons.probe', (p) => {
      if (p.probeId !== probeId.current) return;
      all.current = [...all.current, ...p.samples].sort((a, b) => a.t - b.t);
      setSamples(all.current);
      setSummary(p.summary);
      if (p.target) setTarget(p.target);
      if (p.error) setError(p.error.message);
      if (p.done) setRunning(false);
      for (const w of waiters.current) w();
    });
    return () => {
      off();
      if (probeId.current) void call('lessons.probeStop', { probeId: probeId.current }).catch(() => undefined);
    };
  }, []);

  const start = useCallback(async (service: string, options: { ratePerSecond?: number; durationMs?: number } = {}) => {
    if (probeId.current) await call('lessons.probeStop', { probeId: probeId.current }).catch(() => undefined);
    all.current = [];
    setSamples([]);
    setSummary(undefined);
    setError(undefined);
    setRunning(true);
    try {
      probeId.current = (await call('lessons.probeStart', { service, ratePerSecond: options.ratePerSecond ?? 5, durationMs: options.durationMs ?? 120_000 })).probeId;
    } catch (e) {
      setRunning(false);
      setError((e as Error).message);
      throw e;
    }
  }, []);

  const stop = useCallback(async () => {
    if (probeId.current) await call('lessons.probeStop', { probeId: probeId.current }).catch(() => undefined);
  }, []);

  const until = useCallback(
    (test: (samples: readonly KubeProbeSample[]) => boolean, timeoutMs: number) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (!test(all.current)) return;
          done();
          resolve();
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error('timeout'));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.current.delete(check);
        };
        waiters.current.add(check);
        check();
      }),
    [],
  );

  return { running, samples, summary, target, error, start, stop, until };
}
