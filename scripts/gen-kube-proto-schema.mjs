/**
 * Generates main/lab/kube/api/proto-schema.generated.ts: the protobuf field numbers, JSON names,
 * Go types and JSON emptiness rules of the Kubernetes API types, read from the Go struct tags
 * (`json:"replicas,omitempty" protobuf:"varint,1,opt,name=replicas"`) of k8s.io/api and
 * k8s.io/apimachinery at one release tag. The lab's protobuf request decoder walks this table,
 * so every kind kubectl sends as protobuf decodes without a hand-written schema.
 *
 *   node scripts/gen-kube-proto-schema.mjs --api-git <k8s.io/api .git> --apimachinery-git <k8s.io/apimachinery .git> [--ref v0.32.0]
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    'api-git': { type: 'string' },
    'apimachinery-git': { type: 'string' },
    ref: { type: 'string', default: 'v0.32.0' },
    out: { type: 'string', default: 'main/lab/kube/api/proto-schema.generated.ts' },
  },
});
if (!values['api-git'] || !values['apimachinery-git']) throw new Error('--api-git and --apimachinery-git are required');

/** Package id -> [git dir, path in repo, apiVersion of its kinds (undefined: no top-level kinds)]. */
const API = values['api-git'];
const MACHINERY = values['apimachinery-git'];
const PACKAGES = {
  'core/v1': [API, 'core/v1', 'v1'],
  'apps/v1': [API, 'apps/v1', 'apps/v1'],
  'batch/v1': [API, 'batch/v1', 'batch/v1'],
  'policy/v1': [API, 'policy/v1', 'policy/v1'],
  'rbac/v1': [API, 'rbac/v1', 'rbac.authorization.k8s.io/v1'],
  'networking/v1': [API, 'networking/v1', 'networking.k8s.io/v1'],
  'autoscaling/v1': [API, 'autoscaling/v1', 'autoscaling/v1'],
  'autoscaling/v2': [API, 'autoscaling/v2', 'autoscaling/v2'],
  'scheduling/v1': [API, 'scheduling/v1', 'scheduling.k8s.io/v1'],
  'storage/v1': [API, 'storage/v1', 'storage.k8s.io/v1'],
  'discovery/v1': [API, 'discovery/v1', 'discovery.k8s.io/v1'],
  'coordination/v1': [API, 'coordination/v1', 'coordination.k8s.io/v1'],
  'events/v1': [API, 'events/v1', 'events.k8s.io/v1'],
  'authentication/v1': [API, 'authentication/v1', 'authentication.k8s.io/v1'],
  'meta/v1': [MACHINERY, 'pkg/apis/meta/v1', undefined],
};
/** Import paths -> package ids. */
const IMPORTS = {
  'k8s.io/api/core/v1': 'core/v1',
  'k8s.io/api/apps/v1': 'apps/v1',
  'k8s.io/api/batch/v1': 'batch/v1',
  'k8s.io/api/policy/v1': 'policy/v1',
  'k8s.io/api/rbac/v1': 'rbac/v1',
  'k8s.io/api/networking/v1': 'networking/v1',
  'k8s.io/api/autoscaling/v1': 'autoscaling/v1',
  'k8s.io/api/autoscaling/v2': 'autoscaling/v2',
  'k8s.io/api/scheduling/v1': 'scheduling/v1',
  'k8s.io/api/storage/v1': 'storage/v1',
  'k8s.io/api/discovery/v1': 'discovery/v1',
  'k8s.io/api/coordination/v1': 'coordination/v1',
  'k8s.io/api/events/v1': 'events/v1',
  'k8s.io/api/authentication/v1': 'authentication/v1',
  'k8s.io/apimachinery/pkg/apis/meta/v1': 'meta/v1',
  'k8s.io/apimachinery/pkg/api/resource': 'resource',
  'k8s.io/apimachinery/pkg/util/intstr': 'intstr',
  'k8s.io/apimachinery/pkg/runtime': 'runtime',
  'k8s.io/apimachinery/pkg/types': 'types',
};
/** Types with their own protobuf encoding: decoded by the runtime, not by the table. */
const SPECIAL = {
  'meta/v1.Time': 'time',
  'meta/v1.MicroTime': 'microtime',
  'meta/v1.Duration': 'duration',
  'meta/v1.FieldsV1': 'raw',
  'resource.Quantity': 'quantity',
  'intstr.IntOrString': 'intOrString',
  'runtime.RawExtension': 'raw',
  'types.UID': 'string',
  'types.NodeName': 'string',
};

function goFiles(pkg) {
  const [git, dir] = PACKAGES[pkg];
  const list = execFileSync('git', ['--git-dir', git, 'ls-tree', '--name-only', values.ref, `${dir}/`], { encoding: 'utf8' })
    .split('\n')
    .filter((f) => f.endsWith('.go') && !/_test\.go$|\.pb\.go$|zz_generated|_swagger_doc_generated/.test(f));
  return list.map((f) => execFileSync('git', ['--git-dir', git, 'show', `${values.ref}:${f}`], { encoding: 'utf8', maxBuffer: 64 << 20 }));
}

/** struct types: pkg.Name -> fields; named non-struct types: pkg.Name -> Go type text. */
const structs = new Map();
const named = new Map();

function parsePackage(pkg) {
  for (const src of goFiles(pkg)) {
    const aliases = { '': pkg };
    for (const m of src.matchAll(/^\s*(?:(\w+)\s+)?"([^"]+)"\s*$/gm)) {
      const id = IMPORTS[m[2]];
      if (id) aliases[m[1] ?? m[2].split('/').pop()] = id;
    }
    const lines = src.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      const s = /^type (\w+) struct \{\s*$/.exec(line);
      if (s) {
        const fields = [];
        for (i++; i < lines.length && lines[i] !== '}'; i++) {
          const l = lines[i].trim();
          if (!l || l.startsWith('//')) continue;
          const f = /^(?:(\w+)\s+)?([^\s`]+)\s+`([^`]*)`/.exec(l);
          if (!f) continue;
          fields.push({ goName: f[1], type: f[2], tags: f[3], aliases });
        }
        structs.set(`${pkg}.${s[1]}`, fields);
        continue;
      }
      const n = /^type (\w+) =? ?([^\s{]+)\s*(?:\/\/.*)?$/.exec(line);
      if (n) named.set(`${pkg}.${n[1]}`, { type: n[2], aliases });
    }
  }
}

for (const pkg of Object.keys(PACKAGES)) parsePackage(pkg);

function qualify(typeName, aliases) {
  const dot = typeName.indexOf('.');
  if (dot < 0) return `${aliases['']}.${typeName}`;
  const alias = typeName.slice(0, dot);
  const id = aliases[alias];
  return id ? `${id}.${typeName.slice(dot + 1)}` : undefined;
}

const SCALARS = { string: 'string', bool: 'bool', int: 'int', int32: 'int', int64: 'int', uint32: 'int', uint64: 'int', uint16: 'int', uint8: 'int', byte: 'int', float32: 'float', float64: 'float' };

/** Resolve a Go type text into a field type: scalar name, special name, `m:<id>`, or map/array forms. */
function resolve(typeText, aliases, seen = new Set()) {
  let t = typeText;
  let pointer = false;
  if (t.startsWith('*')) {
    pointer = true;
    t = t.slice(1);
  }
  if (t === '[]byte') return { type: 'bytes', pointer };
  if (t.startsWith('[]')) {
    const inner = resolve(t.slice(2), aliases, seen);
    return { ...inner, repeated: true, pointer };
  }
  const map = /^map\[([^\]]+)\](.+)$/.exec(t);
  if (map) {
    const k = resolve(map[1], aliases, seen);
    const v = resolve(map[2], aliases, seen);
    return { type: 'map', key: k.type, value: v.repeated ? { list: v.type } : v.type, pointer };
  }
  if (SCALARS[t]) return { type: SCALARS[t], pointer };
  const id = qualify(t, aliases);
  if (!id) throw new Error(`unknown type ${typeText}`);
  if (SPECIAL[id]) return { type: SPECIAL[id], pointer };
  if (structs.has(id)) return { type: `m:${id}`, pointer };
  const n = named.get(id);
  if (n && !seen.has(id)) {
    seen.add(id);
    const r = resolve(n.type, n.aliases, seen);
    return { ...r, pointer: pointer || r.pointer };
  }
  throw new Error(`cannot resolve ${typeText} (${id})`);
}

const messages = {};
const queue = [];
function want(id) {
  if (messages[id] || queue.includes(id)) return;
  queue.push(id);
}

/** Field flags. */
const REPEATED = 1;
const POINTER = 2;
const OMITEMPTY = 4;
const INLINE = 8;

function build(id) {
  const fields = [];
  for (const f of structs.get(id)) {
    const json = /json:"([^"]*)"/.exec(f.tags)?.[1];
    const proto = /protobuf:"([^"]*)"/.exec(f.tags)?.[1];
    if (!proto || json === '-') continue;
    const parts = proto.split(',');
    const num = Number(parts[1]);
    const [jsonName, ...opts] = (json ?? '').split(',');
    const inline = opts.includes('inline');
    const r = resolve(f.type, f.aliases);
    let flags = 0;
    if (r.repeated) flags |= REPEATED;
    if (r.pointer) flags |= POINTER;
    if (opts.includes('omitempty')) flags |= OMITEMPTY;
    if (inline) flags |= INLINE;
    const encodeType = (t) => {
      if (typeof t === 'object') return { list: encodeType(t.list) };
      if (typeof t === 'string' && t.startsWith('m:')) want(t.slice(2));
      return t;
    };
    const type = r.type === 'map' ? { map: [encodeType(r.key), encodeType(r.value)] } : encodeType(r.type);
    fields.push([num, inline ? '' : jsonName || f.goName, type, flags]);
  }
  fields.sort((a, b) => a[0] - b[0]);
  return fields;
}

/** Top-level kinds: structs embedding TypeMeta with an ObjectMeta (plus the few option types clients send). */
const kinds = {};
for (const [pkg, [, , apiVersion]] of Object.entries(PACKAGES)) {
  if (!apiVersion) continue;
  for (const [id, fields] of structs) {
    if (!id.startsWith(`${pkg}.`)) continue;
    const name = id.slice(pkg.length + 1);
    if (name.endsWith('List')) continue;
    const typeMeta = fields.some((f) => !f.goName && /TypeMeta$/.test(f.type));
    if (!typeMeta) continue;
    kinds[`${apiVersion}/${name}`] = id;
    want(id);
  }
}
kinds['meta.k8s.io/v1/DeleteOptions'] = 'meta/v1.DeleteOptions';
kinds['v1/DeleteOptions'] = 'meta/v1.DeleteOptions';
want('meta/v1.DeleteOptions');

while (queue.length) {
  const id = queue.shift();
  messages[id] = build(id);
}

const header = `/**
 * GENERATED by scripts/gen-kube-proto-schema.mjs from the Go struct tags of k8s.io/api and
 * k8s.io/apimachinery ${values.ref}; do not edit. Each message lists its fields as
 * [protobuf field number, JSON name ('' = inlined), type, flags]. Types: string, bool, int, float,
 * bytes (base64 in JSON), time, microtime, duration, quantity, intOrString, raw (embedded JSON),
 * 'm:<message>', {map: [key, value]}, {list: type} (a map value that is a list).
 * Flags: 1 repeated, 2 pointer (present when sent), 4 omitempty (zero values left out of JSON), 8 inline.
 */
`;
const body = `export type ProtoFieldType = string | { map: [ProtoFieldType, ProtoFieldType] } | { list: ProtoFieldType };
export type ProtoField = [number, string, ProtoFieldType, number];

export const PROTO_KINDS: Record<string, string> = ${JSON.stringify(kinds)};

export const PROTO_MESSAGES: Record<string, ProtoField[]> = ${JSON.stringify(messages)};
`;
writeFileSync(values.out, header + body);
console.log(`${Object.keys(kinds).length} kinds, ${Object.keys(messages).length} messages -> ${values.out}`);
