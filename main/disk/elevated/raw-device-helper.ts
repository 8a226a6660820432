/**
 * The administrator helper: a tiny program the app starts through the platform's password prompt
 * (elevation-prompt.ts) when a card's raw device needs admin rights. It runs with administrator
 * rights as the app binary with a flag (helper-cli.ts; electron-main.ts hands over before anything
 * else), as the .deb's root-owned wrapper of that, or, under plain Node (browser host), as
 * dist/main/raw-device-helper.mjs (raw-device-helper-main.ts):
 *
 *   ... --device /dev/sdb --socket /tmp/pcw-raw-XXXX/s --key-file /tmp/pcw-raw-XXXX/key [--size <bytes>]
 *
 * It opens ONLY that device, and only if it is a block device (Linux; macOS also its /dev/rdiskN
 * character device; Windows \\.\PhysicalDriveN) that is not a system or boot disk by the platform's
 * own facts (system-disk.ts: sysfs, `diskutil`, `Get-Disk`) and not built-in eMMC. It connects back
 * to the app's socket (in a folder only the app's user can enter; a named pipe on Windows) and serves
 * the protocol in protocol.ts until the connection closes. It never logs card data.
 *
 * Threat model. The helper trusts nothing it is given: its arguments and the socket are chosen by
 * a process of the logged-in user. Other users' processes cannot enter the 0700 folder (Unix), and
 * on Windows cannot open the user's pipe for writing (the default pipe DACL) nor read the user's
 * temp folder. Before the helper answers anything but HELLO, each side proves it holds the session
 * key from --key-file (protocol.ts): a process that saw the command line (the same user's processes,
 * administrators) and raced to the pipe or socket learns nothing usable, so neither an impostor app
 * can drive the helper nor an impostor helper can take the app's writes. A process running as the
 * same user can read the key file, but it can already write to everything the user can and drive
 * the app itself: the helper's guarantee to the system is only "never a system disk, never more than
 * the one device named", and that holds whoever the peer is.
 */
import { lstat, readFile, stat, open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { basename, dirname } from 'node:path';
import { authProof, encodeFrame, FrameReader, HelperExit, jsonFrame, MAX_CHUNK, MessageType, newChallenge, parseJson, parseKey, PROTOCOL_VERSION, proofMatches } from './protocol';
import type { AuthInfo, ErrorInfo, Frame, OpenedInfo } from './protocol';
import { HelperRefusal, majorMinor, realPlatformFacts, refuseSystemDisk } from './system-disk';

interface HelperArgs {
  device: string;
  socket: string;
  keyFile: string;
  size: number | undefined;
}

const WINDOWS_DRIVE = /^\\\\\.\\PhysicalDrive\d{1,3}$/i;
const ARGUMENTS = ['--device', '--socket', '--key-file', '--size'];

function parseArgs(argv: readonly string[]): HelperArgs | undefined {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i];
    const value = argv[i + 1];
    if (!name || value === undefined || !ARGUMENTS.includes(name) || values.has(name)) return undefined;
    values.set(name, value);
  }
  const device = values.get('--device');
  const socket = values.get('--socket');
  const keyFile = values.get('--key-file');
  const sizeText = values.get('--size');
  const size = sizeText === undefined ? undefined : Number(sizeText);
  if (!device || !socket || !keyFile || (size !== undefined && (!Number.isSafeInteger(size) || size < 0))) return undefined;
  return { device, socket, keyFile, size };
}

/** The app's socket must sit in a folder no other user can enter (created 0700 by the app), the key file beside it. */
async function checkSocketFolder(socketPath: string, keyFile: string): Promise<void> {
  if (process.platform === 'win32') {
    if (!/^\\\\\.\\pipe\\pcw-raw-[0-9a-f]{16,64}$/i.test(socketPath)) throw new HelperRefusal('Not a Pi Cluster Wizard pipe');
    return;
  }
  const folder = await stat(dirname(socketPath));
  if (!folder.isDirectory() || (folder.mode & 0o077) !== 0) throw new HelperRefusal('The socket folder is open to other users');
  if (!(await stat(socketPath)).isSocket()) throw new HelperRefusal('Not a socket');
  if (dirname(keyFile) !== dirname(socketPath)) throw new HelperRefusal('The key file is not beside the socket');
}

/** The session key: a regular file (not a link) of 64 hex digits, owned by the socket folder's owner. */
async function readKey(keyFile: string, socketPath: string): Promise<Buffer> {
  const info = await lstat(keyFile);
  if (!info.isFile() || info.size > 256) throw new HelperRefusal('The key file is not a regular file');
  if (process.platform !== 'win32') {
    const folder = await stat(dirname(socketPath));
    if (info.uid !== folder.uid || (info.mode & 0o077) !== 0) throw new HelperRefusal('The key file is open to other users');
  }
  return parseKey(await readFile(keyFile, 'utf8'));
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

function isAllowedDevice(path: string, info: { isBlockDevice(): boolean; isCharacterDevice(): boolean }): boolean {
  return info.isBlockDevice() || (process.platform === 'darwin' && info.isCharacterDevice() && /^\/dev\/rdisk\d+$/.test(path));
}

/** Before opening: only a physical drive that is not Windows' system or boot disk (Windows), or a block device (elsewhere). */
async function checkPath(path: string): Promise<void> {
  if (process.platform === 'win32') {
    if (!WINDOWS_DRIVE.test(path)) throw new HelperRefusal(`${path} is not a physical drive`);
    await refuseSystemDisk('win32', path, { rdev: 0, rootDev: 0 }, await realPlatformFacts());
    return;
  }
  if (!isAllowedDevice(path, await stat(path))) throw new HelperRefusal(`${path} is not a block device`);
}

/** After opening (Linux, macOS): the handle is a block device that is not a system disk. */
async function checkDevice(path: string, handle: FileHandle): Promise<{ rdev: number; ino: number }> {
  if (process.platform === 'win32') return { rdev: 0, ino: 0 };
  const info = await handle.stat();
  if (!isAllowedDevice(path, info)) throw new HelperRefusal(`${path} is not a block device`);
  const root = await stat('/');
  await refuseSystemDisk(process.platform, path, { rdev: info.rdev, rootDev: root.dev }, await realPlatformFacts());
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

/** Runs the helper with its own arguments; resolves with the exit code (HelperExit). */
export async function runRawDeviceHelper(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv);
  if (!args) {
    process.stderr.write('usage: raw-device-helper --device <path> --socket <path> --key-file <path> [--size <bytes>]\n');
    return HelperExit.USAGE;
  }
  let socket: Socket;
  let key: Buffer;
  try {
    await checkSocketFolder(args.socket, args.keyFile);
    key = await readKey(args.keyFile, args.socket);
    socket = await connectTo(args.socket);
  } catch (error) {
    process.stderr.write(`raw-device-helper: cannot reach the app (${errorInfo(error).code}: ${error instanceof Error ? error.message : String(error)})\n`);
    return HelperExit.NO_CONNECTION;
  }
  const server = new DeviceServer(args, socket);
  const reader = new FrameReader();
  const challenge = newChallenge();
  let authenticated = false;
  let queue = Promise.resolve();
  socket.write(jsonFrame(MessageType.HELLO, { version: PROTOCOL_VERSION, pid: process.pid, challenge }));
  return await new Promise<number>((resolve) => {
    let exitCode: number = HelperExit.OK;
    const finish = () => {
      void server.close().then(() => resolve(exitCode));
    };
    /** The first request must be AUTH with the app's proof; then the device is checked before anything is opened. */
    const authenticate = async (frame: Frame): Promise<Buffer | undefined> => {
      const auth = frame.type === MessageType.AUTH ? parseJson<Partial<AuthInfo>>(frame.payload) : undefined;
      if (!auth || !proofMatches(key, 'app', challenge, auth.proof) || typeof auth.challenge !== 'string' || !/^[0-9a-f]{64}$/.test(auth.challenge)) {
        exitCode = HelperExit.REFUSED;
        socket.end(jsonFrame(MessageType.ERROR, { code: 'REFUSED', message: 'The peer did not prove it is the app that started this helper' }));
        return undefined;
      }
      try {
        await checkPath(args.device);
      } catch (error) {
        // Refused before anything was opened: say why, then stop.
        exitCode = HelperExit.REFUSED;
        socket.end(jsonFrame(MessageType.ERROR, errorInfo(error)));
        return undefined;
      }
      authenticated = true;
      return jsonFrame(MessageType.AUTHED, { proof: authProof(key, 'helper', auth.challenge) });
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
          if (socket.destroyed || socket.writableEnded) return;
          const answer = authenticated
            ? await server.handle(frame)
            : await authenticate(frame).catch(() => {
                exitCode = HelperExit.REFUSED;
                return undefined;
              });
          if (answer && !socket.destroyed && !socket.writableEnded) socket.write(answer);
          else if (!answer && !socket.writableEnded) socket.destroy();
        });
      }
    });
    socket.on('error', () => finish());
    socket.on('close', () => {
      void queue.then(() => finish());
    });
  });
}
