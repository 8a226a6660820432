/**
 * Raw card access through the administrator helper, for when the app may not open the device
 * itself (EACCES -> NEEDS_ADMIN). `ElevatedAccess.openDevice` is a drop-in for BlockDevice.open
 * (boot-partition.ts's `openDevice` option):
 *  1. it tries BlockDevice.open; only NEEDS_ADMIN goes on;
 *  2. a writable open starts the helper through the strategy (the platform's password prompt),
 *     which connects back to a socket in a fresh 0700 folder (a named pipe on Windows), and both
 *     prove they hold the session key written to that folder (protocol.ts; the threat model is in
 *     raw-device-helper.ts);
 *  3. the returned ElevatedDevice is a file-disk `Disk` with BlockDevice's behaviour: DiskError
 *     codes, FAT32 mirroring (protectFat32), DEVICE_GONE when the card is pulled out.
 * After the device is closed the helper stays connected for a short while (the device itself is
 * closed), so the read-back check right after writing needs no second password; a read-only open
 * never asks for a password, it only reuses a helper that is already running for that device.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Disk } from 'file-disk';
import type { ReadResult, WriteResult } from 'file-disk';
import { BlockDevice, fat32Writes } from '../block-device';
import type { Fat32Tables, OpenBlockDeviceOptions, RawDisk } from '../block-device';
import { DiskError, toDiskError } from '../disk-errors';
import { platformElevation } from './elevation-prompt';
import type { ElevationStrategy, HelperProcess } from './elevation-prompt';
import { authProof, encodeFrame, FrameReader, jsonFrame, KEY_BYTES, MAX_CHUNK, MessageType, newChallenge, parseJson, PROTOCOL_VERSION, proofMatches, readRequest, writeRequest } from './protocol';
import type { AuthedInfo, ErrorInfo, Frame, HelloInfo, OpenedInfo } from './protocol';

export interface ElevatedAccessOptions {
  /** How long a helper stays connected after its device was closed (default 20 s). */
  idleMs?: number;
  /** How long to wait for the helper to connect: the user may be typing a password (default 5 min). */
  connectTimeoutMs?: number;
}

export class ElevatedAccess {
  readonly strategy: ElevationStrategy;
  readonly #idleMs: number;
  readonly #connectTimeoutMs: number;
  readonly #sessions = new Map<string, { session: Promise<HelperSession>; inUse: boolean; idle?: NodeJS.Timeout }>();

  constructor(strategy: ElevationStrategy, options: ElevatedAccessOptions = {}) {
    this.strategy = strategy;
    this.#idleMs = options.idleMs ?? 20_000;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 5 * 60_000;
  }

  /** BlockDevice.open; when that needs admin rights, the helper (see the file comment). */
  async openDevice(path: string, options: OpenBlockDeviceOptions): Promise<RawDisk> {
    try {
      return await BlockDevice.open(path, options);
    } catch (error) {
      if (!(error instanceof DiskError && error.code === 'NEEDS_ADMIN')) throw error;
      const entry = this.#sessions.get(path);
      if (entry?.inUse) throw error;
      // A read-only open (identifying a card, checking what was written) never asks for a password.
      if (!options.writable && !(entry && (await entry.session.then((s) => s.alive, () => false)))) throw error;
      return await this.openElevated(path, options);
    }
  }

  /** Open through the helper, starting it (with the password prompt) unless one is running for `path`. */
  async openElevated(path: string, options: OpenBlockDeviceOptions): Promise<ElevatedDevice> {
    let entry = this.#sessions.get(path);
    if (entry?.inUse) throw new DiskError('PERMISSION_DENIED', `${path} is busy (it is already open through the administrator helper)`);
    if (entry) {
      const alive = await entry.session.then((s) => s.alive, () => false);
      if (!alive) {
        this.#forget(path, entry);
        entry = undefined;
      }
    }
    if (!entry) {
      entry = { session: HelperSession.start(this.strategy, path, options.sizeBytes ?? null, this.#connectTimeoutMs, options.signal), inUse: false };
      this.#sessions.set(path, entry);
    }
    const current = entry;
    clearTimeout(current.idle);
    current.inUse = true;
    const release = () => {
      current.inUse = false;
      clearTimeout(current.idle);
      current.idle = setTimeout(() => void this.#forget(path, current), this.#idleMs);
      current.idle.unref();
    };
    let session: HelperSession;
    try {
      session = await current.session;
    } catch (error) {
      // No helper (prompt refused, ...): the next attempt asks again.
      current.inUse = false;
      void this.#forget(path, current);
      throw error;
    }
    try {
      return await ElevatedDevice.open(session, path, options, release);
    } catch (error) {
      release();
      throw error;
    }
  }

  /** Whether a helper is connected for `path`. */
  hasHelper(path: string): boolean {
    return this.#sessions.has(path);
  }

  /** Disconnect every helper (they exit). */
  async closeAll(): Promise<void> {
    const entries = [...this.#sessions.entries()];
    await Promise.all(entries.map(([path, entry]) => this.#forget(path, entry)));
  }

  async #forget(path: string, entry: { session: Promise<HelperSession>; idle?: NodeJS.Timeout }): Promise<void> {
    clearTimeout(entry.idle);
    if (this.#sessions.get(path) === entry) this.#sessions.delete(path);
    await entry.session.then((s) => s.end(), () => undefined);
  }
}

let platformAccess: ElevatedAccess | undefined;

/** The app-wide ElevatedAccess that asks through the platform's password prompt. */
export function platformElevatedAccess(): ElevatedAccess {
  platformAccess ??= new ElevatedAccess(platformElevation());
  return platformAccess;
}

/** One connected helper for one device. Requests are answered in order. */
export class HelperSession {
  readonly device: string;
  #socket: Socket;
  #process: HelperProcess;
  #reader = new FrameReader();
  #pending: { resolve: (frame: Frame) => void; reject: (error: Error) => void }[] = [];
  #closed = false;

  private constructor(device: string, socket: Socket, process: HelperProcess) {
    this.device = device;
    this.#socket = socket;
    this.#process = process;
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', () => this.#onClose());
    socket.on('close', () => this.#onClose());
  }

  static async start(strategy: ElevationStrategy, device: string, sizeBytes: number | null, connectTimeoutMs: number, signal?: AbortSignal): Promise<HelperSession> {
    // A private folder (0700; on Windows the user's own temp folder, which other users cannot read)
    // for the session key, and on Unix for the socket too.
    const folder = await mkdtemp(join(tmpdir(), 'pcw-raw-'));
    const windows = process.platform === 'win32';
    const socketPath = windows ? `\\\\.\\pipe\\pcw-raw-${randomBytes(16).toString('hex')}` : join(folder, 's');
    const keyFile = join(folder, 'key');
    const key = randomBytes(KEY_BYTES);
    const server = createServer();
    let helper: HelperProcess | undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      await chmod(folder, 0o700);
      await writeFile(keyFile, key.toString('hex'), { mode: 0o600, flag: 'wx' });
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(socketPath, () => {
          server.off('error', reject);
          resolve();
        });
      });
      if (!windows) await chmod(socketPath, 0o600);
      const connected = new Promise<Socket>((resolve) => server.once('connection', resolve));
      const launched = strategy.launch(['--device', device, '--socket', socketPath, '--key-file', keyFile, ...(sizeBytes ? ['--size', String(sizeBytes)] : [])], device);
      helper = launched;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), connectTimeoutMs);
      });
      // Cancelling the job closes the password prompt (the launcher is stopped below).
      const cancelled = new Promise<'cancelled'>((resolve) => {
        if (signal?.aborted) resolve('cancelled');
        signal?.addEventListener('abort', () => resolve('cancelled'), { once: true });
      });
      const first = await Promise.race([connected, launched.exited, timedOut, cancelled]);
      if (first === 'cancelled') throw signal?.reason instanceof Error ? signal.reason : new DiskError('NEEDS_ADMIN', `Opening ${device} was cancelled, so it was not changed`);
      if (first === 'timeout') throw new DiskError('NEEDS_ADMIN', `Nobody answered the administrator password prompt for ${device} in time, so it was not changed`);
      if (!(first instanceof Socket)) throw strategy.explain(first, device);
      server.close(); // no second connection
      const session = new HelperSession(device, first, launched);
      // The helper says HELLO, or ERROR when it refuses the device; a silent close means it failed.
      const hello = await withTimeout(session.request(), 30_000).catch(async (error: unknown) => {
        session.#socket.destroy();
        if (error instanceof DiskError && error.code !== 'IO_ERROR') throw error;
        const exit = await withTimeout(launched.exited, 5000).catch(() => undefined);
        throw exit ? strategy.explain(exit, device) : new DiskError('IO_ERROR', `The administrator helper for ${device} did not answer`);
      });
      if (hello.type === MessageType.ERROR) {
        session.#socket.destroy();
        throw helperError(parseJson<ErrorInfo>(hello.payload), device);
      }
      const info = hello.type === MessageType.HELLO ? parseJson<Partial<HelloInfo>>(hello.payload) : undefined;
      if (!info || info.version !== PROTOCOL_VERSION || typeof info.challenge !== 'string' || !/^[0-9a-f]{64}$/.test(info.challenge)) {
        session.#socket.destroy();
        throw new DiskError('IO_ERROR', `The administrator helper for ${device} speaks another protocol`);
      }
      // Prove we are the app that started it, and make it prove it read our key (see protocol.ts).
      const challenge = newChallenge();
      const answer = await withTimeout(session.request(jsonFrame(MessageType.AUTH, { proof: authProof(key, 'app', info.challenge), challenge })), 60_000).catch(() => undefined);
      if (answer?.type === MessageType.ERROR) {
        session.#socket.destroy();
        throw helperError(parseJson<ErrorInfo>(answer.payload), device);
      }
      if (answer?.type !== MessageType.AUTHED || !proofMatches(key, 'helper', challenge, parseJson<Partial<AuthedInfo>>(answer.payload).proof)) {
        session.#socket.destroy();
        throw new DiskError('IO_ERROR', `Another program answered in place of the administrator helper for ${device}, so ${device} was not opened. Close programs you do not trust and try again.`);
      }
      return session;
    } catch (error) {
      helper?.stop();
      throw error;
    } finally {
      clearTimeout(timer);
      server.close();
      await rm(folder, { recursive: true, force: true });
    }
  }

  get alive(): boolean {
    return !this.#closed;
  }

  /** Send a request and wait for its answer (without a request: wait for the next frame). */
  async request(frame?: Buffer): Promise<Frame> {
    if (this.#closed) throw new DiskError('IO_ERROR', `The administrator helper for ${this.device} is no longer running`);
    return await new Promise<Frame>((resolve, reject) => {
      this.#pending.push({ resolve, reject });
      if (frame) this.#socket.write(frame);
    });
  }

  /** Disconnect; the helper closes the device and exits. */
  async end(): Promise<void> {
    if (!this.#closed) this.#socket.end();
    const exited = await Promise.race([this.#process.exited.then(() => true), new Promise<false>((resolve) => setTimeout(() => resolve(false), 5000).unref())]);
    if (!exited) this.#process.stop();
  }

  #onData(chunk: Buffer): void {
    let frames: Frame[];
    try {
      frames = this.#reader.push(chunk);
    } catch {
      this.#socket.destroy();
      return;
    }
    for (const frame of frames) this.#pending.shift()?.resolve(frame);
  }

  #onClose(): void {
    if (this.#closed) return;
    this.#closed = true;
    const error = new DiskError('IO_ERROR', `The administrator helper for ${this.device} stopped`);
    for (const pending of this.#pending.splice(0)) pending.reject(error);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** An ERROR frame from the helper as a DiskError (the same codes BlockDevice gives). */
function helperError(info: ErrorInfo, path: string): DiskError {
  if (info.code === 'DEVICE_GONE') return new DiskError('DEVICE_GONE', `${path} was removed`);
  if (info.code === 'REFUSED') return new DiskError('PERMISSION_DENIED', `The administrator helper refused ${path}: ${info.message}`);
  if (info.code === 'PROTOCOL') return new DiskError('IO_ERROR', `The administrator helper for ${path} did not understand a request`);
  return toDiskError({ code: info.code, message: info.message }, path, true);
}

/** A raw device opened through the administrator helper; behaves like BlockDevice. */
export class ElevatedDevice extends Disk implements RawDisk {
  readonly path: string;
  readonly isRawDevice = true;
  readonly #session: HelperSession;
  readonly #capacity: number;
  readonly #onClose: () => void;
  #fat: Fat32Tables | undefined;
  #closed = false;

  private constructor(session: HelperSession, path: string, capacity: number, writable: boolean, onClose: () => void) {
    super(!writable, false, false, false);
    this.path = path;
    this.#session = session;
    this.#capacity = capacity;
    this.#onClose = onClose;
  }

  static async open(session: HelperSession, path: string, options: OpenBlockDeviceOptions, onClose: () => void): Promise<ElevatedDevice> {
    const answer = await session.request(encodeFrame(MessageType.OPEN, Buffer.from([options.writable ? 1 : 0])));
    if (answer.type === MessageType.ERROR) throw helperError(parseJson<ErrorInfo>(answer.payload), path);
    if (answer.type !== MessageType.OPENED) throw new DiskError('IO_ERROR', `The administrator helper for ${path} answered unexpectedly`);
    const opened = parseJson<OpenedInfo>(answer.payload);
    // The helper must have opened the device this path names for us too.
    const ours = process.platform === 'win32' ? undefined : await stat(path).catch(() => undefined);
    if (ours && ours.rdev !== opened.rdev) {
      await session.request(encodeFrame(MessageType.CLOSE)).catch(() => undefined);
      throw new DiskError('DEVICE_GONE', `${path} names another device than the one the administrator helper opened`);
    }
    const capacity = opened.capacity || (options.sizeBytes ?? 0);
    return new ElevatedDevice(session, path, capacity, options.writable, onClose);
  }

  get sizeBytes(): number {
    return this.#capacity;
  }

  /** Same as BlockDevice.protectFat32. */
  protectFat32(start: number, bytes: number, copies: number): void {
    this.#fat = { start, end: start + bytes, copies, bytes };
  }

  protected async _getCapacity(): Promise<number> {
    return this.#capacity;
  }

  async readSome(buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    return (await this._read(buffer, offset, length, position)).bytesRead;
  }

  protected async _read(buffer: Buffer, bufferOffset: number, length: number, fileOffset: number): Promise<ReadResult> {
    let done = 0;
    while (done < length) {
      const want = Math.min(MAX_CHUNK, length - done);
      const data = await this.#ask(readRequest(fileOffset + done, want), MessageType.DATA);
      data.payload.copy(buffer, bufferOffset + done);
      done += data.payload.length;
      if (data.payload.length < want) break;
    }
    return { bytesRead: done, buffer };
  }

  protected async _write(buffer: Buffer, bufferOffset: number, length: number, fileOffset: number): Promise<WriteResult> {
    let bytesWritten = 0;
    const writes = fat32Writes(this.#fat, buffer, bufferOffset, length, fileOffset);
    for (const [index, write] of writes.entries()) {
      for (let done = 0; done < write.data.length; ) {
        const chunk = write.data.subarray(done, done + MAX_CHUNK);
        const answer = await this.#ask(writeRequest(write.position + done, chunk), MessageType.WRITTEN);
        const count = answer.payload.readUInt32BE(0);
        if (count === 0) throw new DiskError('IO_ERROR', `Writing ${this.path} made no progress`);
        done += count;
        if (index === 0) bytesWritten += count;
      }
    }
    return { bytesWritten, buffer };
  }

  protected async _flush(): Promise<void> {
    await this.#ask(encodeFrame(MessageType.FLUSH), MessageType.DONE);
  }

  /** Closes the device in the helper; the helper stays connected a little longer (see the file comment). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      if (this.#session.alive) await this.#session.request(encodeFrame(MessageType.CLOSE));
    } catch {
      // The helper is gone: the device is closed with it.
    } finally {
      this.#onClose();
    }
  }

  async #ask(request: Buffer, expected: number): Promise<Frame> {
    if (this.#closed) throw new DiskError('IO_ERROR', `${this.path} is already closed`);
    const answer = await this.#session.request(request);
    if (answer.type === MessageType.ERROR) throw helperError(parseJson<ErrorInfo>(answer.payload), this.path);
    if (answer.type !== expected) throw new DiskError('IO_ERROR', `The administrator helper for ${this.path} answered unexpectedly`);
    return answer;
  }
}
