/**
 * A feature's state from main, kept current: loads it with a method, follows its change event,
 * and loads it again after a reconnect (events sent while the window was away are lost) or when
 * the world changes (practice mode switched). Replaces the fetch-and-subscribe code each step
 * used to write by hand.
 *
 *   const { data, error, reload } = useMainState('cluster.state', {}, 'cluster.changed');
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { EventName, EventPayload, MethodName, Params, Result } from '../../../preload/contract';
import { call, onConnection, onEvent } from '../api/client';
import { useAppStore } from '../store/app-store';

export interface MainState<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  reload(): Promise<void>;
  /** Replace the data with a method's answer (after an action that returns the new state). */
  set(data: T): void;
}

export function useMainState<M extends MethodName, E extends EventName>(
  method: M,
  params: Params<M>,
  event?: E,
  /** Turns the event's payload into the state (default: the payload is the state). */
  fromEvent?: (payload: EventPayload<E>, previous: Result<M> | undefined) => Result<M>,
): MainState<Result<M>> {
  const [data, setData] = useState<Result<M> | undefined>(undefined);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const world = useAppStore((s) => s.state?.world);
  const key = JSON.stringify(params);
  const generation = useRef(0);
  const paramsRef = useRef(params);
  paramsRef.current = params;
  const fromEventRef = useRef(fromEvent);
  fromEventRef.current = fromEvent;

  const reload = useCallback(async () => {
    const mine = ++generation.current;
    setLoading(true);
    try {
      const result = await call(method, paramsRef.current);
      if (mine === generation.current) {
        setData(result);
        setError(undefined);
      }
    } catch (e) {
      if (mine === generation.current) setError(e as Error);
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, [method]);

  useEffect(() => {
    void reload();
    const offEvent = event
      ? onEvent(event, (payload) => {
          generation.current++; // an older load in flight must not overwrite this
          setLoading(false);
          setData((previous) => (fromEventRef.current ? fromEventRef.current(payload, previous) : (payload as unknown as Result<M>)));
        })
      : () => undefined;
    const offConnection = onConnection((connected) => {
      if (connected) void reload();
    });
    return () => {
      offEvent();
      offConnection();
    };
  }, [reload, event, key, world]);

  return { data, error, loading, reload, set: setData };
}
