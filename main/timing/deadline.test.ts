/**
 * The deadline against a busy event loop: an answer that arrived while the loop was held up wins
 * over the deadline's late timer; a missing answer still expires.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { deadline } from './deadline';

/** Holds this thread, as a long synchronous piece of work does. */
function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

let server: ChildProcess | undefined;
afterEach(() => server?.kill());

/** A TCP server in another process (it answers while this one is busy) that greets at once. */
async function greetingServer(): Promise<number> {
  server = spawn(process.execPath, ['-e', "const s = require('net').createServer((c) => c.end('hello\\n')); s.listen(0, '127.0.0.1', () => console.log(s.address().port));"], { stdio: ['ignore', 'pipe', 'inherit'] });
  return await new Promise<number>((resolve, reject) => {
    server!.stdout!.once('data', (d: Buffer) => resolve(Number(String(d).trim())));
    server!.once('error', reject);
  });
}

describe('deadline', () => {
  it('an answer that arrived while the loop was busy past the deadline wins', async () => {
    const port = await greetingServer();
    const verdict = await new Promise<string>((resolve) => {
      const socket = new Socket();
      socket.on('data', (data) => {
        d?.cancel();
        socket.destroy();
        resolve(String(data).trim());
      });
      let d: ReturnType<typeof deadline> | undefined;
      socket.once('connect', () => {
        d = deadline(100, () => {
          socket.destroy();
          resolve('timeout');
        });
        // The greeting arrives while this thread is held up past the deadline.
        busy(600);
      });
      socket.connect(port, '127.0.0.1');
    });
    expect(verdict).toBe('hello');
  });

  it('expires when nothing comes, and not before its time', async () => {
    const started = performance.now();
    const at = await new Promise<number>((resolve) => deadline(50, () => resolve(performance.now())));
    expect(at - started).toBeGreaterThanOrEqual(49);
  });

  it('cancel stops it; restart gives the whole length again', async () => {
    let expired = 0;
    const d = deadline(30, () => expired++);
    d.cancel();
    const r = deadline(40, () => expired++);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const restarted = performance.now();
    r.restart();
    await expect.poll(() => expired, { timeout: 5_000, interval: 5 }).toBe(1);
    expect(performance.now() - restarted).toBeGreaterThanOrEqual(39);
  });
});
