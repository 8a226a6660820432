/**
 * The administrator helper: a tiny program the app starts through the platform's password prompt
 * (elevation-prompt.ts) when a card's raw device needs admin rights. Built as its own file
 * (dist/main/raw-device-helper.mjs) and run with administrator rights as
 *
 *   raw-device-helper.mjs --device /dev/sdb --socket /tmp/pcw-raw-XXXX/s [--size <bytes>]
 *
 * It opens ONLY that device, and only if it is a block device (Linux; macOS also its /dev/rdiskN
 * character device; Windows \\.\PhysicalDriveN) that does not hold the running system's root file
 * system. It connects back to the app's socket (in a folder only the app's user can enter) and
 * serves the protocol in protocol.ts until the connection closes. It never logs card data.
 */
import { readdir, readFile, stat, open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { basename, dirname } from 'node:path';
import { encodeFrame, FrameReader, HelperExit, jsonFrame, MAX_CHUNK, MessageType, PROTOCOL_VERSION } from './protocol';
import type { ErrorInfo, Frame, OpenedInfo } from './protocol';

interface HelperArgs {
  device: string;
  socket: string;
  size: number | undefined;
}

class Refused extends Error {
  readonly code = 'REFUSED';
}

const WINDOWS_DRIVE = /^\\\\\.\\PhysicalDrive\d{1,3}$/i;

function parseArgs(argv: readonly string[]): HelperArgs | undefined {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i];
    const value = argv[i + 1];
    if (!name || value === undefined || !['--device', '--socket', '--size'].includes(name) || values.has(name)) return undefined;
    values.set(name, value);
  }
  const device = values.get('--device');
  const socket = values.get('--socket');
  const sizeText = values.get('--size');
  const size = sizeText === undefined ? undefined : Number(sizeText);
  if (!device || !socket || (size !== undefined && (!Number.isSafeInteger(size) || size < 0))) return undefined;
  return { device, socket, size };
}

/** The app's socket must sit in a folder no other user can enter (created 0700 by the app). */
async function checkSocketFolder(socketPath: string): Promise<void> {
  if (process.platform === 'win32') {
    if (!/^\\\\\.\\pipe\\pcw-raw-[0-9a-f]{16,64}$/i.test(socketPath)) throw new Refused('Not a Pi Cluster Wizard pipe');
    return;
  }
  const folder = await stat(dirname(socketPath));
  if (!folder.isDirectory() || (folder.mode & 0o077) !== 0) throw new Refused('The socket folder is open to other users');
  if (!(await stat(socketPath)).isSocket()) throw new Refused('Not a socket');
}

function connectTo(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** Linux dev_t (glibc encoding) -> "major:minor". */
function majorMinor(dev: number): string {
  const d = BigInt(dev);
  const major = ((d >> 8n) & 0xfffn) | ((d >> 32n) & ~0xfffn);
  const minor = (d & 0xffn) | ((d >> 12n) & ~0xffn);
  return `${major}:${minor}`;
}

/** Device numbers ("major:minor") of a Linux disk and its partitions, from sysfs. */
async function linuxDiskAndPartitions(rdev: number): Promise<Set<string>> {
  const self = majorMinor(rdev);
  const numbers = new Set([self]);
  const folder = `/sys/dev/block/${self}`;
  for (const entry of await readdir(folder).catch(() => [] as string[])) {
    const dev = await readFile(`${folder}/${entry}/dev`, 'utf8').catch(() => undefined);
    if (dev) numbers.add(dev.trim());
  }
  return numbers;
}

/** Device numbers under the root file system: its own, and (for LVM, dm-crypt, md) the devices beneath it. */
async function linuxRootDevices(rootDev: number): Promise<Set<string>> {
  const found = new Set<string>();
  const visit = async (number: string, depth: number): Promise<void> => {
    found.add(number);
    if (depth > 4) return;
    for (const slave of await readdir(`/sys/dev/block/${number}/slaves`).catch(() => [] as string[])) {
      const dev = await readFile(`/sys/class/block/${basename(slave)}/dev`, 'utf8').catch(() => undefined);
      if (dev) await visit(dev.trim(), depth + 1);
    }
  };
  await visit(majorMinor(rootDev), 0);
  return found;
}

function isAllowedDevice(path: string, info: { isBlockDevice(): boolean; isCharacterDevice(): boolean }): boolean {
  return info.isBlockDevice() || (process.platform === 'darwin' && info.isCharacterDevice() && /^\/dev\/rdisk\d+$/.test(path));
}

/** Before opening: only a physical drive (Windows) or a block device (elsewhere) is opened at all. */
async function checkPath(path: string): Promise<void> {
  if (process.platform === 'win32') {
    if (!WINDOWS_DRIVE.test(path)) throw new Refused(`${path} is not a physical drive`);
    return;
  }
  if (!isAllowedDevice(path, await stat(path))) throw new Refused(`${path} is not a block device`);
}

/** After opening: the handle is a block device that does not hold the running system's `/`. */
async function checkDevice(path: string, handle: FileHandle): Promise<{ rdev: number; ino: number }> {
  if (process.platform === 'win32') return { rdev: 0, ino: 0 };
  const info = await handle.stat();
  if (!isAllowedDevice(path, info)) throw new Refused(`${path} is not a block device`);
  const root = await stat('/');
  if (info.rdev === root.dev) throw new Refused(`${path} holds the system's root file system`);
  if (process.platform === 'linux') {
    const disk = await linuxDiskAndPartitions(info.rdev);
    for (const number of await linuxRootDevices(root.dev)) {
      if (disk.has(number)) throw new Refused(`${path} holds the system's root file system`);
    }
  }
  return { rdev: info.rdev, ino: info.ino };
}

async function deviceCapacity(path: string, handle: FileHandle, sizeArg: number | undefined): Promise<number> {
  if (sizeArg !== undefined) return sizeArg;
  if (process.platform === 'linux') {
    const sectors = Number((await readFile(`/sys/class/block/${basename(path)}/size`, 'utf8').catch(() => '')).trim());
    if (Number.isFinite(sectors) && sectors > 0) return sectors * 512;
    const info = await handle.stat();
    const rdevSize = await readFile(`/sys/dev/block/${majorMinor(info.rdev)}/size`, 'utf8').catch(() => '');
    const viaNumber = Number(rdevSize.trim());
    if (Number.isFinite(viaNumber) && viaNumber > 0) return viaNumber * 512;
  }
  return 0;
}

function errorInfo(error: unknown): ErrorInfo {
  const code = (error as { code?: unknown } | null)?.code;
  // Only the errno name and Node's message (which names the failing call and path) go back.
  return { code: typeof code === 'string' ? code : 'EIO', message: error instanceof Error ? error.message : String(error) };
}

class DeviceServer {
  #handle: FileHandle | undefined;
  #ino = 0;

  constructor(
    readonly args: HelperArgs,
    readonly socket: Socket,
  ) {}

  async handle(frame: Frame): Promise<Buffer> {
    try {
      switch (frame.type) {
        case MessageType.OPEN:
          return await this.#open(frame.payload.readUInt8(0) === 1);
        case MessageType.READ: {
          const handle = this.#opened();
          const offset = Number(frame.payload.readBigUInt64BE(0));
          const length = frame.payload.readUInt32BE(8);
          if (length > MAX_CHUNK) throw Object.assign(new Error('Read too large'), { code: 'PROTOCOL' });
          const buffer = Buffer.alloc(length);
          const { bytesRead } = await handle.read(buffer, 0, length, offset);
          return encodeFrame(MessageType.DATA, buffer.subarray(0, bytesRead));
        }
        case MessageType.WRITE: {
          const handle = this.#opened();
          const offset = Number(frame.payload.readBigUInt64BE(0));
          const data = frame.payload.subarray(8);
          const { bytesWritten } = await handle.write(data, 0, data.length, offset);
          await this.#checkPresent();
          const count = Buffer.alloc(4);
          count.writeUInt32BE(bytesWritten, 0);
          return encodeFrame(MessageType.WRITTEN, count);
        }
        case MessageType.FLUSH:
          await this.#opened().sync();
          await this.#checkPresent();
          return encodeFrame(MessageType.DONE);
        case MessageType.CLOSE:
          await this.close();
          return encodeFrame(MessageType.DONE);
        default:
          throw Object.assign(new Error(`Unknown request ${frame.type}`), { code: 'PROTOCOL' });
      }
    } catch (error) {
      return jsonFrame(MessageType.ERROR, errorInfo(error));
    }
  }

  async close(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    await handle?.close().catch(() => undefined);
  }

  async #open(writable: boolean): Promise<Buffer> {
    await this.close();
    await checkPath(this.args.device);
    const handle = await open(this.args.device, writable ? 'r+' : 'r');
    try {
      const { rdev, ino } = await checkDevice(this.args.device, handle);
      const opened: OpenedInfo = { capacity: await deviceCapacity(this.args.device, handle, this.args.size), rdev, ino };
      this.#handle = handle;
      this.#ino = ino;
      return jsonFrame(MessageType.OPENED, opened);
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw error;
    }
  }

  #opened(): FileHandle {
    if (!this.#handle) throw Object.assign(new Error('The device is not open'), { code: 'PROTOCOL' });
    return this.#handle;
  }

  /** A card pulled out: the path no longer names the device that was opened. */
  async #checkPresent(): Promise<void> {
    if (!this.#ino) return;
    const ino = await stat(this.args.device).then((s) => s.ino, () => undefined);
    if (ino !== this.#ino) throw Object.assign(new Error(`${this.args.device} was removed`), { code: 'DEVICE_GONE' });
  }
}

async function main(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv);
  if (!args) {
    process.stderr.write('usage: raw-device-helper --device <path> --socket <path> [--size <bytes>]\n');
    return HelperExit.USAGE;
  }
  let socket: Socket;
  try {
    await checkSocketFolder(args.socket);
    socket = await connectTo(args.socket);
  } catch (error) {
    process.stderr.write(`raw-device-helper: cannot reach the app (${errorInfo(error).code})\n`);
    return HelperExit.NO_CONNECTION;
  }
  try {
    await checkPath(args.device);
  } catch (error) {
    // Refused before anything was opened: say why, then stop.
    socket.end(jsonFrame(MessageType.ERROR, errorInfo(error)));
    return HelperExit.REFUSED;
  }
  const server = new DeviceServer(args, socket);
  const reader = new FrameReader();
  let queue = Promise.resolve();
  socket.write(jsonFrame(MessageType.HELLO, { version: PROTOCOL_VERSION, pid: process.pid }));
  return await new Promise<number>((resolve) => {
    const finish = (code: number) => {
      void server.close().then(() => resolve(code));
    };
    socket.on('data', (chunk: Buffer) => {
      let frames: Frame[];
      try {
        frames = reader.push(chunk);
      } catch {
        socket.destroy();
        return;
      }
      for (const frame of frames) {
        queue = queue.then(async () => {
          const answer = await server.handle(frame);
          if (!socket.destroyed) socket.write(answer);
        });
      }
    });
    socket.on('error', () => finish(HelperExit.OK));
    socket.on('close', () => {
      void queue.then(() => finish(HelperExit.OK));
    });
  });
}

// A program, not a module: nothing imports this file.
process.exitCode = await main(process.argv.slice(2));
