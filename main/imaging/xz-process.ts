/**
 * xz decompression by the system's own `xz` (XZ Utils, the reference liblzma in C) when the
 * machine has one: on the bench image it decodes at about twice the speed of the fastest npm
 * decoder (@napi-rs/lzma, pure Rust; see image-source.ts), in a process of its own, so the write
 * pass keeps up with `xz -dc | dd` (bench/imaging-bench.ts). Where no `xz` answers (Windows, a
 * Mac without it) image-source.ts uses the worker-thread decoder (xz-worker.ts) instead.
 * The output is gathered into whole `chunkBytes` buffers like the worker's (the card writes' size
 * and alignment). Flow control is the pipes': the source is written only as fast as xz reads it,
 * and xz is read only as fast as the consumer asks.
 */
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { XzDataError } from './xz-worker';
import type { XzWorkerOptions } from './xz-worker';

let found: Promise<string | undefined> | undefined;

/** The system's `xz` command when it runs (cached), else undefined. */
export function systemXz(): Promise<string | undefined> {
  found ??= new Promise((resolve) => {
    if (process.platform === 'win32') return resolve(undefined);
    execFile('xz', ['--version'], { timeout: 10_000 }, (error, stdout) => resolve(!error && /XZ Utils/.test(stdout) ? 'xz' : undefined));
  });
  return found;
}

/**
 * The decoded bytes of the .xz data in `source`, decoded by `command` (the system's xz). An error
 * thrown by `source` is rethrown as it is; damaged data ends in XzDataError with xz's message.
 */
export async function* decodeXzWithTool(command: string, source: AsyncIterable<Buffer>, options: XzWorkerOptions = {}): AsyncGenerator<Buffer> {
  const { signal } = options;
  const chunkBytes = options.chunkBytes ?? 4 * 1024 * 1024;
  const child = spawn(command, ['--decompress', '--stdout'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr = (stderr + text).slice(-2000)));
  const exited = once(child, 'close').then(([code, sig]) => ({ code: code as number | null, signal: sig as NodeJS.Signals | null }));
  let spawnError: Error | undefined;
  child.on('error', (error) => (spawnError ??= error));
  child.stdin.on('error', () => undefined); // EPIPE when xz stops early: its exit status tells why
  let sourceError: { error: unknown } | undefined;
  const feeding = (async () => {
    try {
      for await (const chunk of source) {
        if (child.stdin.destroyed) return;
        if (!child.stdin.write(chunk)) {
          await new Promise<void>((resolve) => {
            const go = () => {
              child.stdin.off('drain', go).off('close', go);
              resolve();
            };
            child.stdin.on('drain', go).on('close', go);
          });
        }
      }
      child.stdin.end();
    } catch (error) {
      sourceError = { error };
      child.kill('SIGKILL');
    }
  })();
  const onAbort = () => child.kill('SIGKILL');
  signal?.addEventListener('abort', onAbort);
  let done = false;
  try {
    let buffer = Buffer.allocUnsafe(chunkBytes);
    let used = 0;
    for await (const piece of child.stdout as AsyncIterable<Buffer>) {
      if (signal?.aborted) break;
      for (let at = 0; at < piece.length; ) {
        const take = Math.min(piece.length - at, chunkBytes - used);
        piece.copy(buffer, used, at, at + take);
        used += take;
        at += take;
        if (used === chunkBytes) {
          yield buffer;
          buffer = Buffer.allocUnsafe(chunkBytes);
          used = 0;
        }
      }
    }
    const status = await exited;
    await feeding;
    if (signal?.aborted) throw options.onAbort?.() ?? signal.reason;
    if (sourceError) throw sourceError.error;
    if (spawnError) throw new Error(`The system's xz could not run: ${spawnError.message}`, { cause: spawnError });
    if (status.code !== 0) throw new XzDataError(stderr.trim().replace(/^xz: \(stdin\): /m, '') || `xz ended with ${status.code ?? status.signal}`);
    if (used > 0) yield buffer.subarray(0, used);
    done = true;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (!done) child.kill('SIGKILL');
  }
}
