/** Tests drive the real app through its router, as a window would (no drive watching). */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
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
  const dataDir = await mkdtemp(path.join(tmpdir(), prefix));
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
