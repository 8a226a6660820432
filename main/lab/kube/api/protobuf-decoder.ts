/**
 * Decoder for `application/vnd.kubernetes.protobuf` request bodies. kubectl's typed clients
 * (`kubectl create configmap|secret|deployment|quota|job|cronjob|role|...`, `kubectl autoscale`,
 * drain's evictions) send objects in protobuf. This turns the `k8s\0` envelope (runtime.Unknown)
 * into the JSON object the apiserver would see, for every kind of the API groups in
 * proto-schema.generated.ts: field numbers, JSON names and Go's JSON emptiness rules
 * (pointer / omitempty) come from upstream's struct tags, so no kind needs its own decoder.
 */
import type { ProtoField, ProtoFieldType } from './proto-schema.generated';
import { PROTO_KINDS, PROTO_MESSAGES } from './proto-schema.generated';
import { badRequest, unsupportedBody } from './status-errors';

const REPEATED = 1;
const POINTER = 2;
const OMITEMPTY = 4;
const INLINE = 8;

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  get done(): boolean {
    return this.pos >= this.buf.length;
  }
  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.buf[this.pos++];
      if (b === undefined) throw badRequest('error decoding protobuf body: truncated varint');
      result |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return result;
      shift += 7n;
    }
  }
  bytes(): Buffer {
    const n = Number(this.varint());
    if (this.pos + n > this.buf.length) throw badRequest('error decoding protobuf body: truncated field');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  fixed64(): number {
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }
  fixed32(): number {
    const v = this.buf.readFloatLE(this.pos);
    this.pos += 4;
    return v;
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.pos += 4;
    else throw badRequest(`error decoding protobuf body: unsupported wire type ${wire}`);
  }
}

/** Fields of a tiny fixed message (Time, Quantity, IntOrString...) by number. */
function fields(buf: Buffer): Map<number, bigint | Buffer> {
  const r = new Reader(buf);
  const out = new Map<number, bigint | Buffer>();
  while (!r.done) {
    const tag = Number(r.varint());
    const wire = tag & 7;
    if (wire === 0) out.set(tag >>> 3, r.varint());
    else if (wire === 2) out.set(tag >>> 3, r.bytes());
    else r.skip(wire);
  }
  return out;
}

const int = (v: bigint | Buffer | undefined) => (typeof v === 'bigint' ? Number(BigInt.asIntN(64, v)) : 0);
const str = (v: bigint | Buffer | undefined) => (Buffer.isBuffer(v) ? v.toString('utf8') : '');

/** metav1.Time (seconds) / MicroTime (microseconds) as RFC 3339, or null for the zero time. */
function timeText(buf: Buffer, micro: boolean): string | null {
  const f = fields(buf);
  const seconds = int(f.get(1));
  const nanos = int(f.get(2));
  if (!seconds && !nanos) return null;
  const iso = new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, '');
  return micro ? `${iso}.${String(Math.floor(nanos / 1000)).padStart(6, '0')}Z` : `${iso}Z`;
}

/** Go's time.Duration.String() for metav1.Duration. */
function durationText(ns: number): string {
  if (ns === 0) return '0s';
  const sign = ns < 0 ? '-' : '';
  let rest = Math.abs(ns);
  if (rest < 1e9) {
    if (rest < 1e3) return `${sign}${rest}ns`;
    if (rest < 1e6) return `${sign}${rest / 1e3}µs`;
    return `${sign}${rest / 1e6}ms`;
  }
  const h = Math.floor(rest / 3.6e12);
  rest -= h * 3.6e12;
  const m = Math.floor(rest / 6e10);
  rest -= m * 6e10;
  const s = rest / 1e9;
  return `${sign}${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${s}s`;
}

function isZero(v: unknown): boolean {
  if (v === '' || v === 0 || v === false || v === null || v === undefined) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.keys(v).length === 0;
  return false;
}

function value(type: ProtoFieldType, wire: number, r: Reader): unknown {
  if (typeof type === 'object') {
    const buf = r.bytes();
    if ('list' in type) {
      const items: unknown[] = [];
      const inner = new Reader(buf);
      while (!inner.done) {
        const tag = Number(inner.varint());
        if (tag >>> 3 === 1) items.push(value(type.list, tag & 7, inner));
        else inner.skip(tag & 7);
      }
      return items;
    }
    throw badRequest('error decoding protobuf body: nested map');
  }
  switch (type) {
    case 'string':
      return r.bytes().toString('utf8');
    case 'bytes':
      return r.bytes().toString('base64');
    case 'int':
      return Number(BigInt.asIntN(64, r.varint()));
    case 'bool':
      return r.varint() !== 0n;
    case 'float':
      return wire === 1 ? r.fixed64() : wire === 5 ? r.fixed32() : Number(r.varint());
    case 'time':
      return timeText(r.bytes(), false);
    case 'microtime':
      return timeText(r.bytes(), true);
    case 'duration':
      return durationText(int(fields(r.bytes()).get(1)));
    case 'quantity':
      return str(fields(r.bytes()).get(1)) || '0';
    case 'intOrString': {
      const f = fields(r.bytes());
      return int(f.get(1)) === 1 ? str(f.get(3)) : int(f.get(2));
    }
    case 'raw': {
      const raw = fields(r.bytes()).get(1);
      if (!Buffer.isBuffer(raw) || !raw.length) return {};
      try {
        return JSON.parse(raw.toString('utf8'));
      } catch {
        throw badRequest('error decoding protobuf body: embedded object is not JSON');
      }
    }
  }
  if (type.startsWith('m:')) return message(type.slice(2), r.bytes());
  throw badRequest(`error decoding protobuf body: unknown field type ${type}`);
}

function message(id: string, buf: Buffer): Record<string, unknown> {
  const spec = PROTO_MESSAGES[id];
  if (!spec) throw badRequest(`error decoding protobuf body: unknown message ${id}`);
  const byNumber = new Map<number, ProtoField>();
  for (const f of spec) byNumber.set(f[0], f);
  const r = new Reader(buf);
  const out: Record<string, unknown> = {};
  const inline: Record<string, unknown>[] = [];
  while (!r.done) {
    const tag = Number(r.varint());
    const wire = tag & 7;
    const f = byNumber.get(tag >>> 3);
    if (!f) {
      r.skip(wire);
      continue;
    }
    const [, name, type, flags] = f;
    if (typeof type === 'object' && 'map' in type) {
      const entry = new Reader(r.bytes());
      let key: unknown = '';
      let val: unknown;
      while (!entry.done) {
        const t = Number(entry.varint());
        if (t >>> 3 === 1) key = value(type.map[0], t & 7, entry);
        else if (t >>> 3 === 2) val = value(type.map[1], t & 7, entry);
        else entry.skip(t & 7);
      }
      const map = (out[name] ??= {}) as Record<string, unknown>;
      map[String(key)] = val ?? (type.map[1] === 'string' || type.map[1] === 'bytes' ? '' : type.map[1] === 'quantity' ? '0' : null);
      continue;
    }
    if (flags & REPEATED && wire === 2 && (type === 'int' || type === 'bool' || type === 'float')) {
      // packed scalars
      const packed = new Reader(r.bytes());
      const list = (out[name] ??= []) as unknown[];
      while (!packed.done) list.push(value(type, type === 'float' ? 1 : 0, packed));
      continue;
    }
    const v = value(type, wire, r);
    if (flags & INLINE) inline.push(v as Record<string, unknown>);
    else if (flags & REPEATED) ((out[name] ??= []) as unknown[]).push(v);
    else out[name] = v;
  }
  // Go's encoding/json: non-pointer omitempty fields are left out when zero (empty structs too, here).
  for (const [, name, , flags] of spec) {
    if (!(name in out)) continue;
    if (!(flags & POINTER) && flags & OMITEMPTY && isZero(out[name])) delete out[name];
    else if (out[name] === null && !(flags & POINTER)) delete out[name];
  }
  for (const part of inline) Object.assign(out, part);
  return out;
}

/** The JSON form of a `k8s\0`-prefixed protobuf body (runtime.Unknown with its TypeMeta). */
export function decodeKubernetesProtobuf(body: Buffer): unknown {
  if (body.length < 4 || body.subarray(0, 4).toString('latin1') !== 'k8s\0') throw badRequest('error decoding protobuf body: missing k8s envelope');
  const envelope = fields(body.subarray(4));
  const typeMeta = envelope.get(1);
  const meta = Buffer.isBuffer(typeMeta) ? fields(typeMeta) : new Map<number, bigint | Buffer>();
  const apiVersion = str(meta.get(1));
  const kind = str(meta.get(2));
  const raw = envelope.get(2);
  const id = PROTO_KINDS[`${apiVersion}/${kind}`];
  if (!id) throw unsupportedBody(`application/vnd.kubernetes.protobuf (${apiVersion} ${kind})`);
  return { apiVersion, kind, ...message(id, Buffer.isBuffer(raw) ? raw : Buffer.alloc(0)) };
}
