/**
 * kubectl's `-o json`, `-o yaml` and `-o name` printers: objects as unstructured maps, so keys
 * come out sorted; JSON indented by 4 with Go's HTML escaping; YAML as sigs.k8s.io/yaml (go-yaml
 * v2) writes it: sequences not indented under their key, strings quoted only when they would read
 * back as something else (`"1"`, `"True"`, timestamps, `""`) or need it (`': '`), long plain and
 * single-quoted strings folded past column 80, multi-line strings as `|` blocks. managedFields are
 * left out, as kubectl does unless --show-managed-fields.
 */
type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export function withoutManagedFields<T>(o: T): T {
  const copy = structuredClone(o) as { metadata?: { managedFields?: unknown }; items?: { metadata?: { managedFields?: unknown } }[] };
  if (copy.metadata) delete copy.metadata.managedFields;
  for (const item of copy.items ?? []) if (item.metadata) delete item.metadata.managedFields;
  return copy as T;
}

function sortKeys(v: Json): Json {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    const out: { [k: string]: Json } = {};
    for (const k of Object.keys(v).sort()) if (v[k] !== undefined) out[k] = sortKeys(v[k]!);
    return out;
  }
  return v;
}

/** `-o json`: json.MarshalIndent(obj, "", "    ") of an unstructured object. */
export function toJson(o: unknown): string {
  return (
    JSON.stringify(sortKeys(o as Json), null, 4)
      .replace(/</g, '\\u003c')
      .replace(/>/g, '\\u003e')
      .replace(/&/g, '\\u0026')
      .replace(/\u2028/g, '\\u2028')
      .replace(/\u2029/g, '\\u2029') + '\n'
  );
}

const BOOL_OR_NULL = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'n', 'N', 'no', 'No', 'NO', 'true', 'True', 'TRUE', 'false', 'False', 'FALSE', 'on', 'On', 'ON', 'off', 'Off', 'OFF', '~', 'null', 'Null', 'NULL', '']);

/** Whether go-yaml v2 would read this plain scalar back as something other than a string. */
function resolvesToNonString(s: string): boolean {
  if (BOOL_OR_NULL.has(s)) return true;
  if (/^[-+]?(0|[1-9][0-9_]*)$/.test(s) || /^[-+]?0b[01_]+$/.test(s) || /^[-+]?0[0-7_]+$/.test(s) || /^[-+]?0x[0-9a-fA-F_]+$/.test(s)) return true;
  if (/^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$/.test(s)) return true; // base 60
  if (/^[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?$/.test(s)) return true;
  if (/^[-+]?\.(inf|Inf|INF)$/.test(s) || /^\.(nan|NaN|NAN)$/.test(s)) return true;
  if (/^\d{4}-\d{1,2}-\d{1,2}([Tt ]\d{1,2}:\d{1,2}:\d{1,2}(\.\d+)?(Z|[-+]\d{1,2}(:\d{2})?)?)?$/.test(s)) return true;
  return false;
}

function plainAllowed(s: string): boolean {
  if (!s || s.startsWith('---') || s.startsWith('...')) return false;
  if (/^[#,[\]{}&*!|>'"%@`]/.test(s)) return false;
  if (/^[-?:](\s|$)/.test(s)) return false;
  if (/:(\s|$)/.test(s) || /\s#/.test(s)) return false;
  if (/^\s|\s$/.test(s)) return false;
  return true;
}

/** Write `text` starting at `column`, breaking at single spaces past column 80 (go-yaml's best_width). */
function fold(text: string, column: number, indent: number): string {
  let out = '';
  let col = column;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === ' ' && col > 80 && i > 0 && i < text.length - 1 && text[i + 1] !== ' ' && text[i - 1] !== ' ') {
      out += '\n' + ' '.repeat(indent);
      col = indent;
      continue;
    }
    out += ch;
    col++;
  }
  return out;
}

/** Control characters other than tab and newline (go-yaml writes such strings double-quoted). */
function hasControl(s: string): boolean {
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a) || c === 0x7f) return true;
  }
  return false;
}

function doubleQuoted(s: string): string {
  return '"' + s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\t/g, '\\t').replace(/[^\t\n -\u{10FFFF}]/gu, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`) + '"';
}

/** A scalar after `key: ` (or `- `) at `column`; continuation lines at `indent`. */
function scalar(v: Json, column: number, indent: number): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(v);
  const s = v as string;
  if (s.includes('\n')) {
    const trailing = /\n+$/.exec(s)?.[0].length ?? 0;
    const chomp = trailing === 0 ? '-' : trailing === 1 ? '' : '+';
    const body = trailing ? s.slice(0, s.length - (trailing === 1 ? 1 : 0)) : s;
    const indicator = /^\s/.test(s) ? '2' : '';
    const lines = (trailing > 1 ? body : body).split('\n');
    if (trailing > 1) lines.pop();
    return `|${indicator}${chomp}\n` + lines.map((l) => (l ? ' '.repeat(indent) + l : '')).join('\n');
  }
  if (resolvesToNonString(s) || hasControl(s)) return doubleQuoted(s);
  if (plainAllowed(s)) return fold(s, column, indent);
  return fold(`'${s.replace(/'/g, "''")}'`, column, indent);
}

function isEmptyCollection(v: Json): string | undefined {
  if (Array.isArray(v) && v.length === 0) return '[]';
  if (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0) return '{}';
  return undefined;
}

function mapping(o: { [k: string]: Json }, indent: number, firstInline = false): string {
  const pad = ' '.repeat(indent);
  let out = '';
  let first = true;
  for (const key of Object.keys(o).sort()) {
    const v = o[key]!;
    if (v === undefined) continue;
    const k = resolvesToNonString(key) || !plainAllowed(key) ? (plainAllowed(key) ? doubleQuoted(key) : `'${key.replace(/'/g, "''")}'`) : key;
    const prefix = first && firstInline ? '' : pad;
    first = false;
    const empty = isEmptyCollection(v);
    if (empty) out += `${prefix}${k}: ${empty}\n`;
    else if (Array.isArray(v)) out += `${prefix}${k}:\n` + sequence(v, indent);
    else if (v && typeof v === 'object') out += `${prefix}${k}:\n` + mapping(v, indent + 2);
    else out += `${prefix}${k}: ${scalar(v, indent + k.length + 2, indent + 2)}\n`;
  }
  return out;
}

function sequence(items: Json[], indent: number): string {
  const pad = ' '.repeat(indent);
  let out = '';
  for (const item of items) {
    const empty = isEmptyCollection(item);
    if (empty) out += `${pad}- ${empty}\n`;
    else if (Array.isArray(item)) out += `${pad}- ` + sequence(item, indent + 2).slice(indent + 2);
    else if (item && typeof item === 'object') out += `${pad}- ` + mapping(item, indent + 2, true);
    else out += `${pad}- ${scalar(item, indent + 2, indent + 2)}\n`;
  }
  return out;
}

/** `-o yaml` of one object or a List. */
export function toYaml(o: unknown): string {
  const v = o as Json;
  const empty = isEmptyCollection(v);
  if (empty) return empty + '\n';
  if (Array.isArray(v)) return sequence(v, 0);
  if (v && typeof v === 'object') return mapping(v, 0);
  return scalar(v, 0, 0) + '\n';
}

/** What `kubectl get -o yaml|json` prints for several objects. */
export function listOf(items: unknown[]): object {
  return { apiVersion: 'v1', items, kind: 'List', metadata: { resourceVersion: '' } };
}
