/**
 * Decoder for `application/vnd.kubernetes.protobuf` request bodies. kubectl's typed clients
 * (`kubectl create configmap|secret|deployment|namespace|service`, `kubectl autoscale`) send
 * objects in protobuf; this turns the `k8s\0` envelope (runtime.Unknown) into the JSON object
 * for the kinds those commands create. Field numbers are upstream's generated.proto ones.
 */
import { badRequest, unsupportedBody } from './status-errors';

/** `int0` / `bool0`: Go non-pointer fields, always on the wire but omitted from JSON when zero. */
type Scalar = 'string' | 'int' | 'int0' | 'bool' | 'bool0' | 'bytes' | 'time' | 'quantity' | 'intOrString';
type MapOf = { map: Scalar | Schema };
type FieldType = Scalar | Schema | MapOf;
interface Schema {
  [field: number]: [name: string, type: FieldType, repeated?: boolean];
}

const TIME: Schema = { 1: ['seconds', 'int'], 2: ['nanos', 'int0'] };
const OWNER_REF: Schema = { 1: ['kind', 'string'], 3: ['name', 'string'], 4: ['uid', 'string'], 5: ['apiVersion', 'string'], 6: ['controller', 'bool'], 7: ['blockOwnerDeletion', 'bool'] };
const OBJECT_META: Schema = {
  1: ['name', 'string'],
  2: ['generateName', 'string'],
  3: ['namespace', 'string'],
  5: ['uid', 'string'],
  6: ['resourceVersion', 'string'],
  7: ['generation', 'int0'],
  8: ['creationTimestamp', 'time'],
  11: ['labels', { map: 'string' }],
  12: ['annotations', { map: 'string' }],
  13: ['ownerReferences', OWNER_REF, true],
  14: ['finalizers', 'string', true],
};
const SELECTOR: Schema = {
  1: ['matchLabels', { map: 'string' }],
  2: ['matchExpressions', { 1: ['key', 'string'], 2: ['operator', 'string'], 3: ['values', 'string', true] }, true],
};
const KEY_REF: Schema = { 1: ['localObjectReference', { 1: ['name', 'string'] }], 2: ['key', 'string'], 3: ['optional', 'bool'] };
const CONTAINER: Schema = {
  1: ['name', 'string'],
  2: ['image', 'string'],
  3: ['command', 'string', true],
  4: ['args', 'string', true],
  5: ['workingDir', 'string'],
  6: ['ports', { 1: ['name', 'string'], 2: ['hostPort', 'int0'], 3: ['containerPort', 'int0'], 4: ['protocol', 'string'], 5: ['hostIP', 'string'] }, true],
  7: ['env', { 1: ['name', 'string'], 2: ['value', 'string'], 3: ['valueFrom', { 3: ['configMapKeyRef', KEY_REF], 4: ['secretKeyRef', KEY_REF] }] }, true],
  8: ['resources', { 1: ['limits', { map: 'quantity' }], 2: ['requests', { map: 'quantity' }] }],
  9: ['volumeMounts', { 1: ['name', 'string'], 2: ['readOnly', 'bool0'], 3: ['mountPath', 'string'], 4: ['subPath', 'string'] }, true],
  13: ['terminationMessagePath', 'string'],
  14: ['imagePullPolicy', 'string'],
  20: ['terminationMessagePolicy', 'string'],
};
const POD_SPEC: Schema = {
  2: ['containers', CONTAINER, true],
  3: ['restartPolicy', 'string'],
  4: ['terminationGracePeriodSeconds', 'int'],
  6: ['dnsPolicy', 'string'],
  7: ['nodeSelector', { map: 'string' }],
  8: ['serviceAccountName', 'string'],
  10: ['nodeName', 'string'],
  19: ['schedulerName', 'string'],
  20: ['initContainers', CONTAINER, true],
};
const TEMPLATE: Schema = { 1: ['metadata', OBJECT_META], 2: ['spec', POD_SPEC] };
const SERVICE_PORT: Schema = { 1: ['name', 'string'], 2: ['protocol', 'string'], 3: ['port', 'int0'], 4: ['targetPort', 'intOrString'], 5: ['nodePort', 'int0'] };

/** Top-level kinds (by `apiVersion/kind`) and their schemas. */
const KINDS: Record<string, Schema> = {
  'v1/ConfigMap': { 1: ['metadata', OBJECT_META], 2: ['data', { map: 'string' }], 3: ['binaryData', { map: 'bytes' }], 4: ['immutable', 'bool'] },
  'v1/Secret': { 1: ['metadata', OBJECT_META], 2: ['data', { map: 'bytes' }], 3: ['type', 'string'], 4: ['stringData', { map: 'string' }], 5: ['immutable', 'bool'] },
  'v1/Namespace': { 1: ['metadata', OBJECT_META], 2: ['spec', { 1: ['finalizers', 'string', true] }] },
  'v1/Service': {
    1: ['metadata', OBJECT_META],
    2: ['spec', { 1: ['ports', SERVICE_PORT, true], 2: ['selector', { map: 'string' }], 3: ['clusterIP', 'string'], 4: ['type', 'string'], 5: ['externalIPs', 'string', true], 7: ['sessionAffinity', 'string'], 11: ['externalName', 'string'] }],
  },
  'v1/Pod': { 1: ['metadata', OBJECT_META], 2: ['spec', POD_SPEC] },
  'apps/v1/Deployment': {
    1: ['metadata', OBJECT_META],
    2: [
      'spec',
      {
        1: ['replicas', 'int'],
        2: ['selector', SELECTOR],
        3: ['template', TEMPLATE],
        4: ['strategy', { 1: ['type', 'string'], 2: ['rollingUpdate', { 1: ['maxUnavailable', 'intOrString'], 2: ['maxSurge', 'intOrString'] }] }],
        5: ['minReadySeconds', 'int0'],
        6: ['revisionHistoryLimit', 'int'],
        7: ['paused', 'bool0'],
        9: ['progressDeadlineSeconds', 'int'],
      },
    ],
  },
  'autoscaling/v1/HorizontalPodAutoscaler': {
    1: ['metadata', OBJECT_META],
    2: ['spec', { 1: ['scaleTargetRef', { 1: ['kind', 'string'], 2: ['name', 'string'], 3: ['apiVersion', 'string'] }], 2: ['minReplicas', 'int'], 3: ['maxReplicas', 'int0'], 4: ['targetCPUUtilizationPercentage', 'int'] }],
  },
};

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
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.pos += 4;
    else throw badRequest(`error decoding protobuf body: wire type ${wire}`);
  }
}

function scalar(type: Scalar, r: Reader): unknown {
  switch (type) {
    case 'string':
      return r.bytes().toString('utf8');
    case 'bytes':
      return r.bytes().toString('base64');
    case 'int':
    case 'int0':
      return Number(BigInt.asIntN(64, r.varint()));
    case 'bool':
    case 'bool0':
      return r.varint() !== 0n;
    case 'quantity':
      return (decode(r.bytes(), { 1: ['string', 'string'] }) as { string?: string }).string ?? '0';
    case 'time': {
      const t = decode(r.bytes(), TIME) as { seconds?: number };
      return t.seconds ? new Date(t.seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z') : null;
    }
    case 'intOrString': {
      const v = decode(r.bytes(), { 1: ['type', 'int'], 2: ['intVal', 'int'], 3: ['strVal', 'string'] }) as { type?: number; intVal?: number; strVal?: string };
      return v.type === 1 ? (v.strVal ?? '') : (v.intVal ?? 0);
    }
  }
}

function decode(buf: Buffer, schema: Schema): Record<string, unknown> {
  const r = new Reader(buf);
  const out: Record<string, unknown> = {};
  while (!r.done) {
    const tag = Number(r.varint());
    const field = tag >>> 3;
    const wire = tag & 7;
    const spec = schema[field];
    if (!spec) {
      r.skip(wire);
      continue;
    }
    const [name, type, repeated] = spec;
    if (typeof type === 'object' && 'map' in type) {
      const entry = decode(r.bytes(), { 1: ['key', 'string'], 2: ['value', type.map as FieldType] } as Schema);
      const map = (out[name] ??= {}) as Record<string, unknown>;
      map[String(entry.key ?? '')] = entry.value ?? (type.map === 'string' ? '' : null);
      continue;
    }
    const value = typeof type === 'object' ? decode(r.bytes(), type as Schema) : scalar(type, r);
    const zero = (type === 'string' && value === '') || (type === 'int0' && value === 0) || (type === 'bool0' && value === false);
    if (zero && !repeated) continue;
    if (repeated) ((out[name] ??= []) as unknown[]).push(value);
    else out[name] = value;
  }
  // LocalObjectReference is embedded inline in JSON (configMapKeyRef.name).
  if (out.localObjectReference) {
    Object.assign(out, out.localObjectReference);
    delete out.localObjectReference;
  }
  return out;
}

/** JSON form of a `k8s\0`-prefixed protobuf body. */
export function decodeKubernetesProtobuf(body: Buffer): unknown {
  if (body.length < 4 || body.subarray(0, 4).toString('latin1') !== 'k8s\0') throw badRequest('error decoding protobuf body: missing k8s envelope');
  const unknown = decode(body.subarray(4), { 1: ['typeMeta', { 1: ['apiVersion', 'string'], 2: ['kind', 'string'] }], 2: ['raw', 'bytes'] }) as {
    typeMeta?: { apiVersion?: string; kind?: string };
    raw?: string;
  };
  const apiVersion = unknown.typeMeta?.apiVersion ?? '';
  const kind = unknown.typeMeta?.kind ?? '';
  const schema = KINDS[`${apiVersion}/${kind}`];
  if (!schema) throw unsupportedBody(`application/vnd.kubernetes.protobuf (${apiVersion} ${kind})`);
  return { apiVersion, kind, ...decode(Buffer.from(unknown.raw ?? '', 'base64'), schema) };
}
