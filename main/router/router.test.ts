import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { methods } from '../../preload/contract';
import { createApp } from '../app/create-app';
import { AppError } from './app-error';
import { createRouter } from './router';
import type { Handlers } from './router';

async function app() {
  return createApp({ dataDir: await mkdtemp(path.join(tmpdir(), 'pcw-router-')), host: 'browser', watchDrives: false });
}

/** Values of every JSON type that no method accepts as its params object or inside it. */
const MALFORMED: unknown[] = [42, 'text', [], true, { unexpected: 1 }];

describe('router', () => {
  it('answers an unknown method with UNKNOWN_METHOD instead of crashing', async () => {
    const { router } = await app();
    expect(await router.dispatch('rm -rf', {})).toEqual({
      ok: false,
      error: { code: 'UNKNOWN_METHOD', message: '"rm -rf" is not a method of this app.', key: 'app.unknownMethod', values: { method: 'rm -rf' } },
    });
    expect((await router.dispatch({ toString: 1 }, {})).ok).toBe(false);
  });

  it.each(Object.keys(methods))('rejects malformed params for %s with a validation envelope', async (name) => {
    const { router } = await app();
    for (const params of MALFORMED) {
      const envelope = await router.dispatch(name, params);
      expect(envelope.ok, `${name} accepted ${JSON.stringify(params)}`).toBe(false);
      if (!envelope.ok) {
        expect(envelope.error.code).toBe('INVALID_PARAMS');
        expect(envelope.error.issues?.length).toBeGreaterThan(0);
      }
    }
  });

  it('turns a service error into the same envelope with its code', async () => {
    const { router } = await app();
    const envelope = await router.dispatch('jobs.cancel', { id: 'missing' });
    expect(envelope).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('hides unexpected errors behind INTERNAL and reports them to main only', async () => {
    const reported: string[] = [];
    const throwing = new Proxy({} as Handlers, {
      get: () => () => {
        throw new Error('secret detail');
      },
    });
    const router = createRouter(throwing, { onInternalError: (m) => reported.push(m) });
    const envelope = await router.dispatch('plan.get', {});
    expect(envelope).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    expect(JSON.stringify(envelope)).not.toContain('secret detail');
    expect(reported).toEqual(['plan.get']);
  });

  it('refuses a result that breaks the contract', async () => {
    const bad = new Proxy({} as Handlers, { get: () => () => ({ not: 'a plan' }) });
    const router = createRouter(bad);
    expect(await router.dispatch('plan.get', {})).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
  });

  it('passes AppError codes and issues through', async () => {
    const failing = new Proxy({} as Handlers, {
      get: () => () => {
        throw new AppError('FAILED', 'Plug the card in again.', { issues: [{ path: 'x', key: 'k', message: 'm' }] });
      },
    });
    const envelope = await createRouter(failing).dispatch('plan.get', {});
    expect(envelope).toEqual({ ok: false, error: { code: 'FAILED', message: 'Plug the card in again.', issues: [{ path: 'x', key: 'k', message: 'm' }] } });
  });

  it('validates a plan in main: a bad draft gets per-field issues and is not saved', async () => {
    const { router } = await app();
    const envelope = await router.dispatch('plan.save', {
      draft: {
        clusterName: 'lab',
        nodes: [
          { hostname: 'pi-01', role: 'control-plane', address: '192.0.2.10' },
          { hostname: 'pi-02', role: 'worker', address: '198.51.100.7' },
        ],
        network: { kind: 'ethernet', mode: 'static', static: { prefix: 24, gateway: '192.0.2.1', dns: ['192.0.2.1'] } },
        microk8sChannel: '1.32/stable',
        ubuntuRelease: '24.04',
        timezone: 'UTC',
      },
    });
    expect(envelope).toMatchObject({ ok: false, error: { code: 'INVALID_PARAMS', issues: [{ path: 'nodes.1.address', key: 'ip.outside' }] } });
    expect(await router.dispatch('plan.get', {})).toEqual({ ok: true, result: null });
  });

  it('refuses to enter a step that is not built yet', async () => {
    const { router } = await app();
    expect(await router.dispatch('app.setPreferences', { currentStep: 'ha' })).toMatchObject({ ok: false, error: { code: 'INVALID_PARAMS' } });
  });
});
