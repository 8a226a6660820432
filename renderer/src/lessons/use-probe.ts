/**
 * An HTTP probe through a Service, as the window follows it: `start` asks main to send requests
 * (`lessons.probeStart`: a steady rate, or `count` requests attributed to the pods that logged
 * them), samples arrive with `lessons.probe` events, and the probe is stopped when the view goes.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { EventPayload, Params } from '../../../preload/contract';
import { call, onEvent } from '../api/client';

type ProbeEvent = EventPayload<'lessons.probe'>;

export interface ProbeView {
  running: boolean;
  samples: ProbeEvent['samples'];
  summary?: ProbeEvent['summary'];
  target?: string;
  error?: string;
}

/** Keeps the last `keep` samples of a steady probe; a counted probe's final event replaces them (it carries the pods). */
export function useProbe(keep = 120): ProbeView & { start(params: Params<'lessons.probeStart'>): Promise<void>; stop(): void } {
  const [view, setView] = useState<ProbeView>({ running: false, samples: [] });
  const current = useRef<{ id?: string; counted: boolean; early: ProbeEvent[] }>({ counted: false, early: [] });

  const apply = useCallback(
    (p: ProbeEvent) => {
      const counted = current.current.counted;
      setView((v) => ({
        running: !p.done,
        samples: counted && p.done ? p.samples : [...v.samples, ...p.samples].slice(-keep),
        summary: p.summary,
        ...(p.target ? { target: p.target } : v.target ? { target: v.target } : {}),
        ...(p.error ? { error: p.error.message } : {}),
      }));
    },
    [keep],
  );

  useEffect(
    () =>
      onEvent('lessons.probe', (p) => {
        const c = current.current;
        if (c.id === undefined) c.early.push(p);
        else if (p.probeId === c.id) apply(p);
      }),
    [apply],
  );

  const stop = useCallback(() => {
    const id = current.current.id;
    if (id) void call('lessons.probeStop', { probeId: id }).catch(() => undefined);
    current.current = { counted: false, early: [] };
    setView((v) => ({ ...v, running: false }));
  }, []);

  const start = useCallback(
    async (params: Params<'lessons.probeStart'>) => {
      stop();
      current.current = { counted: params.count !== undefined, early: [] };
      setView({ running: true, samples: [] });
      try {
        const { probeId } = await call('lessons.probeStart', params);
        const early = current.current.early.filter((p) => p.probeId === probeId);
        current.current = { id: probeId, counted: params.count !== undefined, early: [] };
        for (const p of early) apply(p);
      } catch (e) {
        current.current = { counted: false, early: [] };
        setView({ running: false, samples: [], error: (e as Error).message });
      }
    },
    [apply, stop],
  );

  useEffect(() => stop, [stop]);
  return { ...view, start, stop };
}
