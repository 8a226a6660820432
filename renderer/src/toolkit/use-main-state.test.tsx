// @vitest-environment happy-dom
/**
 * useMainState against a stand-in bridge (the window's only way to main): loads with the method,
 * follows the change event, and loads again after a reconnect, when events may have been lost.
 */
import { act, cleanup, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { WizardBridge } from '../../../preload/bridge';
import { useMainState } from './use-main-state';

type Listener = (name: string, payload: unknown) => void;
let listeners: Set<Listener>;
let calls: string[];
let answer: unknown;

beforeEach(() => {
  listeners = new Set();
  calls = [];
  answer = { jobId: undefined };
  const bridge: WizardBridge = {
    invoke: async (method) => {
      calls.push(method);
      return { ok: true, result: answer };
    },
    subscribe: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
  (window as unknown as { piWizard: WizardBridge }).piWizard = bridge;
});
afterEach(cleanup);

const emit = (name: string, payload: unknown) => act(() => listeners.forEach((l) => l(name, payload)));

function Probe() {
  const { data } = useMainState('cluster.state', {}, 'cluster.changed');
  return <p>{data ? `job:${data.jobId ?? 'none'}` : 'loading'}</p>;
}

describe('useMainState', () => {
  it('loads, follows the event, and reloads after a reconnect', async () => {
    render(<Probe />);
    expect(await screen.findByText('job:none')).toBeTruthy();
    expect(calls).toEqual(['cluster.state']);

    emit('cluster.changed', { jobId: 'j1' });
    expect(screen.getByText('job:j1')).toBeTruthy();

    answer = { jobId: 'j2' }; // what main says after the window was away
    emit('connection', { connected: false });
    emit('connection', { connected: true });
    expect(await screen.findByText('job:j2')).toBeTruthy();
    expect(calls).toEqual(['cluster.state', 'cluster.state']);
  });
});
