/**
 * The port sweep against listeners on loopback addresses. Every address around the swept range has a
 * counting listener, so the test sees exactly which addresses were contacted.
 */
import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionSpacer, sweepAddresses, sweepSsh, type SweepProgress } from './port-sweep';

const prefix = `127.${randomInt(1, 255)}.${randomInt(0, 256)}`;
const PORT = 2200 + randomInt(0, 5000);
const UBUNTU_24 = 'SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13.5';
const UBUNTU_22 = 'SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.10';

/** Behaviour per last octet inside the swept range 64/27 (.65-.94); all other listeners just count. */
const inRange: Record<number, 'ubuntu24' | 'ubuntu22' | 'silent' | 'not-ssh'> = { 66: 'ubuntu24', 70: 'ubuntu22', 75: 'silent', 90: 'not-ssh' };
const outside = [1, 2, 63, 64, 95, 96, 200, 254];

const contacts = new Map<number, number>();
const servers: Server[] = [];

function onConnection(octet: number, socket: Socket) {
  contacts.set(octet, (contacts.get(octet) ?? 0) + 1);
  socket.on('error', () => undefined);
  const kind = inRange[octet];
  if (kind === 'ubuntu24') socket.write(`${UBUNTU_24}\r\n`);
  else if (kind === 'ubuntu22') socket.write(`Welcome\r\n${UBUNTU_22}\r\n`);
  else if (kind === 'not-ssh') socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
  // silent: keep the socket open until the client gives up
}

beforeAll(async () => {
  for (const octet of [...Object.keys(inRange).map(Number), ...outside]) {
    const server = createServer((s) => onConnection(octet, s));
    await new Promise<void>((r) => server.listen(PORT, `${prefix}.${octet}`, r));
    servers.push(server);
  }
});
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

describe('SSH port sweep', () => {
  it('finds the open ports with their banners and contacts nothing outside the given subnet', async () => {
    contacts.clear();
    const progress: SweepProgress[] = [];
    const found = await sweepSsh({ targets: [`${prefix}.64/27`], port: PORT, exclude: [`${prefix}.90`], bannerTimeoutMs: 300, onProgress: (p) => progress.push(p) });
    expect(found).toEqual([
      { address: `${prefix}.66`, port: PORT, ssh: expect.objectContaining({ banner: UBUNTU_24, os: 'ubuntu', ubuntuRelease: '24.04' }) },
      { address: `${prefix}.70`, port: PORT, ssh: expect.objectContaining({ banner: UBUNTU_22, ubuntuRelease: '22.04' }) },
      { address: `${prefix}.75`, port: PORT },
    ]);
    for (const octet of outside) expect(contacts.get(octet) ?? 0, `.${octet}`).toBe(0);
    expect(contacts.get(90) ?? 0).toBe(0); // excluded
    expect([66, 70, 75].map((o) => contacts.get(o))).toEqual([1, 1, 1]);
    expect(progress.at(-1)).toEqual({ probed: 29, total: 29, found: 3 });
  });

  it('never holds more than maxConcurrent sockets open', async () => {
    contacts.clear();
    const silent = [75, ...outside].map((o) => `${prefix}.${o}`); // these listeners never answer
    const ac = new AbortController();
    const sweep = sweepSsh({ targets: silent, port: PORT, maxConcurrent: 2, bannerTimeoutMs: 60_000, signal: ac.signal });
    while ([...contacts.values()].reduce((a, b) => a + b, 0) < 2) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 300)); // a sweep ignoring the limit would open more by now
    ac.abort();
    await expect(sweep).rejects.toMatchObject({ code: 'ABORTED' });
    expect([...contacts.values()].reduce((a, b) => a + b, 0)).toBe(2);
  });

  it('spaces connection starts so no second holds more than the rate, even after an idle spell', () => {
    const wait = connectionSpacer(250);
    // 300 starts requested at once (t=0): start times every 4 ms.
    const starts = Array.from({ length: 300 }, () => wait(0));
    expect(starts.slice(0, 3)).toEqual([0, 4, 8]);
    expect(starts.filter((t) => t < 1000)).toHaveLength(250);
    // Idle until t=5000, then another burst of requests: still 4 ms apart, no catch-up burst.
    const later = Array.from({ length: 3 }, () => wait(5000));
    expect(later).toEqual([0, 4, 8]);
  });

  it('refuses subnets over the limit unless widened, and rejects invalid targets', () => {
    expect(() => sweepAddresses(['10.0.0.0/21'])).toThrow(expect.objectContaining({ code: 'SUBNET_TOO_LARGE' }));
    expect(sweepAddresses(['10.0.0.0/21'], [], 4096)).toHaveLength(2046);
    expect(sweepAddresses(['10.0.0.0/22'])).toHaveLength(1022);
    expect(() => sweepAddresses(['pi-1.local'])).toThrow(expect.objectContaining({ code: 'INVALID_TARGET' }));
    expect(sweepAddresses(['10.0.0.0/30', '10.0.0.2'], ['10.0.0.1'])).toEqual(['10.0.0.2']);
  });

  it('stops when aborted', async () => {
    contacts.clear();
    const ac = new AbortController();
    const p = sweepSsh({ targets: [`${prefix}.0/24`], port: PORT, maxNewConnectionsPerSecond: 5, signal: ac.signal, onProgress: () => ac.abort() });
    await expect(p).rejects.toMatchObject({ code: 'ABORTED' });
    await new Promise((r) => setTimeout(r, 300));
    expect([...contacts.values()].reduce((a, b) => a + b, 0)).toBeLessThan(5); // not the whole /24
  });

  it('a banner that arrived while this process was busy past the banner timeout is still read', async () => {
    // The server runs in another process, so it answers while this thread is held up; it sends
    // its banner 150 ms after the connection, past the 100 ms the sweep waits for it.
    const octet = 77;
    const server = `require('net').createServer((c) => setTimeout(() => c.write(${JSON.stringify(UBUNTU_24 + '\r\n')}), 150)).listen(${PORT}, '${prefix}.${octet}', () => console.log('up'))`;
    const child = spawn(process.execPath, ['-e', server], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise((resolve) => child.stdout.once('data', resolve));
      const sweep = sweepSsh({ targets: [`${prefix}.${octet}`], port: PORT, bannerTimeoutMs: 100 });
      // Once connected, the thread is held up past the banner timeout (a card write or the
      // practice lab can do that); the banner arrives meanwhile.
      await new Promise((resolve) => setTimeout(resolve, 60));
      // (Held up after the loop's timers ran, as I/O work is: its next turn starts with the timers.)
      await new Promise((resolve) => setImmediate(resolve));
      const until = performance.now() + 600;
      while (performance.now() < until);
      expect(await sweep).toEqual([{ address: `${prefix}.${octet}`, port: PORT, ssh: expect.objectContaining({ banner: UBUNTU_24 }) }]);
    } finally {
      child.kill();
    }
  });
});
