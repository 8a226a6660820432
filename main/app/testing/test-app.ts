/** Tests drive the real app through its router, as a window would (no drive watching). */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import type { MethodName, Params, Result } from '../../../preload/contract';
import { createApp } from '../create-app';
import type { App } from '../create-app';

export interface TestApp {
  app: App;
  dataDir: string;
  /** Call a method; throws with the error code and message when the envelope is an error. */
  call<M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>>;
}

export async function startTestApp(prefix = 'pcw-app-'): Promise<TestApp> {
  return openTestApp(await mkdtemp(path.join(tmpdir(), prefix)));
}

/** The app on an existing data directory (e.g. to start it again after closing it). */
export async function openTestApp(dataDir: string): Promise<TestApp> {
  const app = await createApp({ dataDir, host: 'browser', watchDrives: false });
  return {
    app,
    dataDir,
    async call(method, params) {
      const envelope = await app.router.dispatch(method, params);
      if (!envelope.ok) throw new Error(`${method}: ${envelope.error.code} ${envelope.error.message}`);
      return envelope.result as never;
    },
  };
}

/** One fresh app per test, closed after it: `const t = appPerTest(); const { dataDir } = await t.start();`. */
export function appPerTest(prefix?: string): { start(): Promise<TestApp>; readonly app: App; readonly dataDir: string; call: TestApp['call'] } {
  let current: TestApp | undefined;
  afterEach(async () => {
    await current?.app.close();
    current = undefined;
  });
  const running = (): TestApp => {
    if (!current) throw new Error('call start() first');
    return current;
  };
  return {
    start: async () => (current = await startTestApp(prefix)),
    get app() {
      return running().app;
    },
    get dataDir() {
      return running().dataDir;
    },
    call: (method, params) => running().call(method, params),
  };
}
