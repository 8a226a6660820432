/**
 * The wire protocol between the app and the administrator helper (raw-device-helper.ts).
 * Node built-ins only: the helper is built as its own small file.
 *
 * Every message is a frame: u32 big-endian body length, then the body: one type byte and its
 * payload. The app sends one request at a time per helper and the helper answers in order.
 *
 * First both sides prove they hold the session key: 32 random bytes the app wrote to a file only
 * its user (and administrators) can read, named by --key-file (the key itself never travels on a
 * command line, which other processes can read):
 *   helper -> app  HELLO   {version, pid, challenge} (JSON), once, right after connecting
 *   app -> helper  AUTH    {proof: HMAC(key, "app", helper's challenge), challenge} (JSON)
 *                          -> AUTHED {proof: HMAC(key, "helper", app's challenge)} | ERROR REFUSED
 * Nothing else is answered before AUTH succeeded; then:
 *   app -> helper  OPEN    u8 writable            -> OPENED {capacity, rdev, ino} (JSON) | ERROR
 *   app -> helper  READ    u64 offset, u32 length -> DATA bytes (shorter at the end) | ERROR
 *   app -> helper  WRITE   u64 offset, bytes      -> WRITTEN u32 count | ERROR
 *   app -> helper  FLUSH                          -> DONE | ERROR (fsync)
 *   app -> helper  CLOSE                          -> DONE (the device is closed, the helper waits)
 *   helper -> app  ERROR   {code, message} (JSON): code is an errno name (EIO, ENOSPC, ...),
 *                          DEVICE_GONE, REFUSED (not a device the helper may open) or PROTOCOL.
 * The helper exits when the connection closes.
 */

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const PROTOCOL_VERSION = 2;

export const MessageType = {
  OPEN: 0x01,
  READ: 0x02,
  WRITE: 0x03,
  FLUSH: 0x04,
  CLOSE: 0x05,
  AUTH: 0x06,
  HELLO: 0x80,
  OPENED: 0x81,
  DATA: 0x82,
  WRITTEN: 0x83,
  DONE: 0x84,
  AUTHED: 0x85,
  ERROR: 0x8f,
} as const;

/** Largest read or write in one request; bigger ones are split by the app. */
export const MAX_CHUNK = 4 * 1024 * 1024;
/** Largest frame body either side accepts (a chunk plus its header). */
export const MAX_FRAME = MAX_CHUNK + 64;

/** Exit codes of the helper (kept away from pkexec's 126/127). */
export const HelperExit = { OK: 0, USAGE: 2, REFUSED: 3, NO_CONNECTION: 4 } as const;

export interface Frame {
  type: number;
  payload: Buffer;
}

export interface HelloInfo {
  version: number;
  pid: number;
  /** 32 random bytes (hex) the app must answer with its proof. */
  challenge: string;
}

export interface AuthInfo {
  proof: string;
  /** 32 random bytes (hex) the helper must answer with its proof. */
  challenge: string;
}

export interface AuthedInfo {
  proof: string;
}

/** The session key's length in bytes (stored as hex in the key file). */
export const KEY_BYTES = 32;

export function newChallenge(): string {
  return randomBytes(32).toString('hex');
}

/** What `role` sends to prove it holds the key, for the peer's `challenge`. */
export function authProof(key: Buffer, role: 'app' | 'helper', challenge: string): string {
  return createHmac('sha256', key).update(`pcw-raw-device-helper/v${PROTOCOL_VERSION}/${role}/${challenge}`).digest('hex');
}

/** Constant-time check of a peer's proof. */
export function proofMatches(key: Buffer, role: 'app' | 'helper', challenge: string, proof: unknown): boolean {
  const expected = Buffer.from(authProof(key, role, challenge), 'hex');
  const given = typeof proof === 'string' && /^[0-9a-f]{64}$/.test(proof) ? Buffer.from(proof, 'hex') : undefined;
  return given !== undefined && timingSafeEqual(expected, given);
}

/** The key file's text -> the key; throws on anything but 64 hex digits. */
export function parseKey(text: string): Buffer {
  const hex = text.trim();
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new ProtocolError('The session key file does not hold a key');
  return Buffer.from(hex, 'hex');
}

export interface OpenedInfo {
  capacity: number;
  /** Device number (0 on Windows). */
  rdev: number;
  ino: number;
}

export interface ErrorInfo {
  code: string;
  message: string;
}

export function encodeFrame(type: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(payload.length + 1, 0);
  header.writeUInt8(type, 4);
  return Buffer.concat([header, payload]);
}

export function jsonFrame(type: number, value: unknown): Buffer {
  return encodeFrame(type, Buffer.from(JSON.stringify(value), 'utf8'));
}

export function readRequest(offset: number, length: number): Buffer {
  const payload = Buffer.alloc(12);
  payload.writeBigUInt64BE(BigInt(offset), 0);
  payload.writeUInt32BE(length, 8);
  return encodeFrame(MessageType.READ, payload);
}

export function writeRequest(offset: number, data: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeBigUInt64BE(BigInt(offset), 0);
  return encodeFrame(MessageType.WRITE, Buffer.concat([header, data]));
}

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
}

/** Splits a byte stream into frames; throws ProtocolError on an empty or oversized frame. */
export class FrameReader {
  #buffered: Buffer[] = [];
  #length = 0;

  push(chunk: Buffer): Frame[] {
    this.#buffered.push(chunk);
    this.#length += chunk.length;
    const frames: Frame[] = [];
    for (;;) {
      if (this.#length < 4) break;
      if (this.#buffered[0]!.length < 4) this.#buffered = [Buffer.concat(this.#buffered, this.#length)];
      const size = this.#buffered[0]!.readUInt32BE(0);
      if (size < 1 || size > MAX_FRAME) throw new ProtocolError(`Invalid frame length ${size}`);
      if (this.#length < 4 + size) break; // wait for the rest without copying
      const all = this.#buffered.length === 1 ? this.#buffered[0]! : Buffer.concat(this.#buffered, this.#length);
      frames.push({ type: all[4]!, payload: Buffer.from(all.subarray(5, 4 + size)) });
      const rest = all.subarray(4 + size);
      this.#buffered = rest.length > 0 ? [rest] : [];
      this.#length = rest.length;
    }
    return frames;
  }
}

export function parseJson<T>(payload: Buffer): T {
  try {
    return JSON.parse(payload.toString('utf8')) as T;
  } catch {
    throw new ProtocolError('Invalid JSON in a frame');
  }
}
