/**
 * The app and the administrator helper prove to each other that they hold the session key (the
 * file the app wrote), so a process that read the command line and raced to the socket or pipe
 * gets nowhere: an impostor helper is refused by the app, an impostor app by the real helper
 * (which then opens nothing). Real processes, real Unix sockets; no root needed.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DiskError } from '../disk-errors';
import { ElevatedAccess } from './elevated-device';
import { commandElevation, explainLauncherExit, spawnLauncher } from './elevation-prompt';
import { authProof, FrameReader, HelperExit, jsonFrame, MessageType, newChallenge, parseJson, PROTOCOL_VERSION } from './protocol';
import type { ErrorInfo, Frame, HelloInfo } from './protocol';

const HELPER = join(import.meta.dirname, 'raw-device-helper-main.ts');
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** A private folder like the app's: 0700, a socket served here, a key file beside it. */
async function fakeApp(key: Buffer): Promise<{ folder: string; socket: string; keyFile: string; server: Server; connection: Promise<Socket> }> {
  const folder = await mkdtemp(join(tmpdir(), 'pcw-raw-'));
  await chmod(folder, 0o700);
  const keyFile = join(folder, 'key');
  await writeFile(keyFile, key.toString('hex'), { mode: 0o600 });
  const socket = join(folder, 's');
  const server = createServer();
  const connection = new Promise<Socket>((resolve) => server.once('connection', resolve));
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  cleanups.push(async () => {
    server.close();
    await rm(folder, { recursive: true, force: true });
  });
  return { folder, socket, keyFile, server, connection };
}

/** Frames as they arrive on a socket. */
function frames(socket: Socket): () => Promise<Frame | 'closed'> {
  const reader = new FrameReader();
  const queue: Frame[] = [];
  let closed = false;
  let wake: (() => void) | undefined;
  socket.on('data', (chunk: Buffer) => {
    queue.push(...reader.push(chunk));
    wake?.();
  });
  socket.on('close', () => {
    closed = true;
    wake?.();
  });
  return async () => {
    while (queue.length === 0 && !closed) await new Promise<void>((resolve) => (wake = resolve));
    return queue.shift() ?? 'closed';
  };
}

function startHelper(args: string[]) {
  return spawnLauncher({ file: process.execPath, args: ['--import', 'tsx', HELPER, ...args] });
}

describe('the helper authenticates the app', () => {
  it('an impostor app (no key) gets REFUSED and the helper exits without opening anything', async () => {
    const app = await fakeApp(randomBytes(32));
    const helper = startHelper(['--device', '/dev/null', '--socket', app.socket, '--key-file', app.keyFile]);
    const next = frames(await app.connection);
    const hello = (await next()) as Frame;
    expect(hello.type).toBe(MessageType.HELLO);
    const info = parseJson<HelloInfo>(hello.payload);
    expect(info.version).toBe(PROTOCOL_VERSION);
    expect(info.challenge).toMatch(/^[0-9a-f]{64}$/);
    // The impostor read the command line, not the key file: its proof is made with another key.
    (await app.connection).write(jsonFrame(MessageType.AUTH, { proof: authProof(randomBytes(32), 'app', info.challenge), challenge: newChallenge() }));
    const refused = (await next()) as Frame;
    expect(refused.type).toBe(MessageType.ERROR);
    expect(parseJson<ErrorInfo>(refused.payload)).toMatchObject({ code: 'REFUSED', message: expect.stringMatching(/did not prove/) });
    expect(await next()).toBe('closed');
    expect((await helper.exited).code).toBe(HelperExit.REFUSED);
  });

  it('a request before AUTH is refused too (OPEN is never answered with OPENED)', async () => {
    const app = await fakeApp(randomBytes(32));
    const helper = startHelper(['--device', '/dev/null', '--socket', app.socket, '--key-file', app.keyFile]);
    const next = frames(await app.connection);
    expect(((await next()) as Frame).type).toBe(MessageType.HELLO);
    (await app.connection).write(jsonFrame(MessageType.OPEN, {}));
    const answer = (await next()) as Frame;
    expect(answer.type).toBe(MessageType.ERROR);
    expect(parseJson<ErrorInfo>(answer.payload).code).toBe('REFUSED');
    expect((await helper.exited).code).toBe(HelperExit.REFUSED);
  });

  it('with the right proof it goes on to check the device (an image file is refused, nothing opened)', async () => {
    const key = randomBytes(32);
    const app = await fakeApp(key);
    const notADevice = join(app.folder, 'card.img');
    await writeFile(notADevice, Buffer.alloc(4096));
    const helper = startHelper(['--device', notADevice, '--socket', app.socket, '--key-file', app.keyFile]);
    const next = frames(await app.connection);
    const info = parseJson<HelloInfo>(((await next()) as Frame).payload);
    const challenge = newChallenge();
    (await app.connection).write(jsonFrame(MessageType.AUTH, { proof: authProof(key, 'app', info.challenge), challenge }));
    const answer = (await next()) as Frame;
    // Authenticated, then the device check: an image file is not a block device.
    expect(answer.type).toBe(MessageType.ERROR);
    expect(parseJson<ErrorInfo>(answer.payload)).toMatchObject({ code: 'REFUSED', message: expect.stringMatching(/not a block device/) });
    expect((await helper.exited).code).toBe(HelperExit.REFUSED);
  });

  it('refuses a key file other users could read, or a link, before connecting', async () => {
    const app = await fakeApp(randomBytes(32));
    await chmod(app.keyFile, 0o644);
    const open = await startHelper(['--device', '/dev/null', '--socket', app.socket, '--key-file', app.keyFile]).exited;
    expect(open.code).toBe(HelperExit.NO_CONNECTION);
    expect(open.stderr).toMatch(/key file is open to other users/);
    await chmod(app.keyFile, 0o600);
    const link = join(app.folder, 'link');
    await symlink(app.keyFile, link);
    const linked = await startHelper(['--device', '/dev/null', '--socket', app.socket, '--key-file', link]).exited;
    expect(linked.code).toBe(HelperExit.NO_CONNECTION);
    expect(linked.stderr).toMatch(/not a regular file/);
    const elsewhere = await startHelper(['--device', '/dev/null', '--socket', app.socket, '--key-file', '/etc/hostname']).exited;
    expect(elsewhere.stderr).toMatch(/not beside the socket/);
  });
});

describe('the app authenticates the helper', () => {
  it('a process that raced to the socket without the key is refused, and the card is not opened', async () => {
    // The "helper" an attacker would start: it knows the socket path (command lines are visible), not the key.
    const impostor = `
      const net = require('node:net');
      const args = process.argv.slice(1);
      const socket = net.connect(args[args.indexOf('--socket') + 1]);
      const frame = (type, value) => { const body = Buffer.from(JSON.stringify(value)); const head = Buffer.alloc(5); head.writeUInt32BE(body.length + 1); head[4] = type; return Buffer.concat([head, body]); };
      socket.on('connect', () => socket.write(frame(0x80, { version: ${PROTOCOL_VERSION}, pid: process.pid, challenge: require('node:crypto').randomBytes(32).toString('hex') })));
      socket.on('data', () => socket.write(frame(0x85, { proof: require('node:crypto').randomBytes(32).toString('hex') })));
      socket.on('close', () => process.exit(0));`;
    const launches: string[][] = [];
    const access = new ElevatedAccess(
      commandElevation(
        (helperArgs) => {
          launches.push([...helperArgs]);
          return { file: process.execPath, args: ['-e', impostor, '--', ...helperArgs] };
        },
        (exit, device) => explainLauncherExit('linux', exit, device),
      ),
    );
    try {
      const error = await access.openElevated('/dev/sdz', { writable: true }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DiskError);
      expect((error as DiskError).code).toBe('IO_ERROR');
      expect((error as Error).message).toMatch(/^Another program answered in place of the administrator helper for \/dev\/sdz, so \/dev\/sdz was not opened/);
      expect(access.hasHelper('/dev/sdz')).toBe(false);
      // The key never travelled on the command line: only the path of the file holding it.
      expect(launches[0]).toEqual(['--device', '/dev/sdz', '--socket', expect.any(String), '--key-file', expect.stringMatching(/key$/)]);
    } finally {
      await access.closeAll();
    }
  });
});
