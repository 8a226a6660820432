/**
 * balena-image-fs, loaded on first use. Loading it also loads ext2fs, an emscripten module
 * that installs process-wide `uncaughtException` / `unhandledRejection` listeners which rethrow;
 * in the app's main process those would replace Electron's and Node's own handling, so the
 * listeners it added are removed again right after loading.
 */
import type * as BalenaImageFs from 'balena-image-fs';

let loading: Promise<typeof BalenaImageFs> | undefined;

export function imageFs(): Promise<typeof BalenaImageFs> {
  loading ??= (async () => {
    const uncaught = new Set(process.listeners('uncaughtException'));
    const unhandled = new Set(process.listeners('unhandledRejection'));
    const module = await import('balena-image-fs');
    for (const listener of process.listeners('uncaughtException')) if (!uncaught.has(listener)) process.off('uncaughtException', listener);
    for (const listener of process.listeners('unhandledRejection')) if (!unhandled.has(listener)) process.off('unhandledRejection', listener);
    return module;
  })();
  return loading;
}
