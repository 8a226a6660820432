/**
 * nginx's configuration reader (ngx_conf_file.c) for the lab's nginx containers: the tokenizer,
 * `include` with globs, the directive table with contexts and argument counts, and the
 * `[emerg]` messages nginx stops with. The result is the http servers with their locations and
 * the directives the lab's request handling honours (listen, server_name, root, alias, index,
 * location, return, add_header, auth_basic(_user_file), error_page, try_files, default_type,
 * server_tokens, autoindex, allow/deny); other known directives are accepted and ignored.
 */
import type { ContainerFs } from '../container-fs';
import { FS_ERROR_TEXT } from '../container-fs';

export class NginxConfigError extends Error {}

interface Token {
  text: string;
  quoted: boolean;
  line: number;
}

interface Directive {
  name: string;
  args: string[];
  file: string;
  line: number;
  block?: Directive[];
}

/** Contexts: M main, E events, H http, S server, L location, U upstream, I if, X limit_except. */
type Ctx = 'M' | 'E' | 'H' | 'S' | 'L' | 'U' | 'I' | 'X';
interface Spec {
  ctx: string;
  /** min/max arguments (max -1: any) */
  args: [number, number];
  block?: boolean;
  /** the block holds free-form entries (types, map) */
  freeform?: boolean;
}

const HSL = 'HSLI';
const SPECS: Record<string, Spec> = {
  user: { ctx: 'M', args: [1, 2] },
  worker_processes: { ctx: 'M', args: [1, 1] },
  worker_rlimit_nofile: { ctx: 'M', args: [1, 1] },
  pid: { ctx: 'M', args: [1, 1] },
  daemon: { ctx: 'M', args: [1, 1] },
  master_process: { ctx: 'M', args: [1, 1] },
  load_module: { ctx: 'M', args: [1, 1] },
  env: { ctx: 'M', args: [1, 1] },
  pcre_jit: { ctx: 'M', args: [1, 1] },
  events: { ctx: 'M', args: [0, 0], block: true },
  worker_connections: { ctx: 'E', args: [1, 1] },
  use: { ctx: 'E', args: [1, 1] },
  multi_accept: { ctx: 'E', args: [1, 1] },
  http: { ctx: 'M', args: [0, 0], block: true },
  include: { ctx: 'MEHSLUIX', args: [1, 1] },
  error_log: { ctx: 'MHSL', args: [1, -1] },
  server: { ctx: 'HU', args: [0, -1], block: true },
  upstream: { ctx: 'H', args: [1, 1], block: true },
  map: { ctx: 'H', args: [2, 2], block: true, freeform: true },
  types: { ctx: 'HSL', args: [0, 0], block: true, freeform: true },
  listen: { ctx: 'S', args: [1, -1] },
  server_name: { ctx: 'S', args: [1, -1] },
  location: { ctx: 'SL', args: [1, 2], block: true },
  if: { ctx: 'SL', args: [1, -1], block: true },
  limit_except: { ctx: 'L', args: [1, -1], block: true },
  root: { ctx: HSL, args: [1, 1] },
  alias: { ctx: 'L', args: [1, 1] },
  index: { ctx: HSL, args: [1, -1] },
  return: { ctx: 'SLI', args: [1, 2] },
  rewrite: { ctx: 'SLI', args: [2, 3] },
  set: { ctx: 'SLI', args: [2, 2] },
  break: { ctx: 'SLI', args: [0, 0] },
  add_header: { ctx: HSL, args: [2, 3] },
  auth_basic: { ctx: 'HSLX', args: [1, 1] },
  auth_basic_user_file: { ctx: 'HSLX', args: [1, 1] },
  error_page: { ctx: HSL, args: [2, -1] },
  try_files: { ctx: 'SL', args: [2, -1] },
  access_log: { ctx: 'HSLIX', args: [1, -1] },
  log_format: { ctx: 'H', args: [2, -1] },
  default_type: { ctx: HSL, args: [1, 1] },
  sendfile: { ctx: HSL, args: [1, 1] },
  tcp_nopush: { ctx: HSL, args: [1, 1] },
  tcp_nodelay: { ctx: HSL, args: [1, 1] },
  keepalive_timeout: { ctx: HSL, args: [1, 2] },
  keepalive_requests: { ctx: HSL, args: [1, 1] },
  client_max_body_size: { ctx: HSL, args: [1, 1] },
  client_body_buffer_size: { ctx: HSL, args: [1, 1] },
  large_client_header_buffers: { ctx: 'HS', args: [2, 2] },
  server_tokens: { ctx: HSL, args: [1, 1] },
  autoindex: { ctx: HSL, args: [1, 1] },
  autoindex_exact_size: { ctx: HSL, args: [1, 1] },
  autoindex_localtime: { ctx: HSL, args: [1, 1] },
  autoindex_format: { ctx: HSL, args: [1, 1] },
  charset: { ctx: HSL, args: [1, 1] },
  source_charset: { ctx: HSL, args: [1, 1] },
  expires: { ctx: HSL, args: [1, 2] },
  etag: { ctx: HSL, args: [1, 1] },
  gzip: { ctx: HSL, args: [1, 1] },
  gzip_types: { ctx: HSL, args: [1, -1] },
  gzip_vary: { ctx: HSL, args: [1, 1] },
  gzip_proxied: { ctx: HSL, args: [1, -1] },
  gzip_comp_level: { ctx: HSL, args: [1, 1] },
  gzip_min_length: { ctx: HSL, args: [1, 1] },
  gzip_http_version: { ctx: HSL, args: [1, 1] },
  gzip_disable: { ctx: HSL, args: [1, -1] },
  allow: { ctx: 'HSLX', args: [1, 1] },
  deny: { ctx: 'HSLX', args: [1, 1] },
  internal: { ctx: 'L', args: [0, 0] },
  absolute_redirect: { ctx: HSL, args: [1, 1] },
  port_in_redirect: { ctx: HSL, args: [1, 1] },
  server_name_in_redirect: { ctx: HSL, args: [1, 1] },
  underscores_in_headers: { ctx: 'HS', args: [1, 1] },
  ignore_invalid_headers: { ctx: 'HS', args: [1, 1] },
  server_names_hash_bucket_size: { ctx: 'H', args: [1, 1] },
  types_hash_max_size: { ctx: 'H', args: [1, 1] },
  open_file_cache: { ctx: HSL, args: [1, 2] },
  resolver: { ctx: HSL, args: [1, -1] },
  resolver_timeout: { ctx: HSL, args: [1, 1] },
  proxy_pass: { ctx: 'LIX', args: [1, 1] },
  proxy_set_header: { ctx: HSL, args: [2, 2] },
  proxy_http_version: { ctx: HSL, args: [1, 1] },
  proxy_redirect: { ctx: HSL, args: [1, 2] },
  proxy_read_timeout: { ctx: HSL, args: [1, 1] },
  proxy_connect_timeout: { ctx: HSL, args: [1, 1] },
  proxy_send_timeout: { ctx: HSL, args: [1, 1] },
  proxy_buffering: { ctx: HSL, args: [1, 1] },
  proxy_hide_header: { ctx: HSL, args: [1, 1] },
  fastcgi_pass: { ctx: 'LI', args: [1, 1] },
  fastcgi_param: { ctx: HSL, args: [2, 3] },
  fastcgi_index: { ctx: HSL, args: [1, 1] },
  ssl_certificate: { ctx: 'HS', args: [1, 1] },
  ssl_certificate_key: { ctx: 'HS', args: [1, 1] },
  ssl_protocols: { ctx: 'HS', args: [1, -1] },
  ssl_ciphers: { ctx: 'HS', args: [1, 1] },
  stub_status: { ctx: 'SLI', args: [0, 1] },
  satisfy: { ctx: HSL, args: [1, 1] },
  msie_padding: { ctx: HSL, args: [1, 1] },
  client_body_timeout: { ctx: HSL, args: [1, 1] },
  client_header_timeout: { ctx: 'HS', args: [1, 1] },
  send_timeout: { ctx: HSL, args: [1, 1] },
};

type Tokens = (Token | { special: ';' | '{' | '}'; line: number })[];
const tokenized = new Map<string, Tokens>();

/** Tokens of a file's text, memoised: every pod of a Deployment reads the same nginx.conf and mime.types. */
function tokenize(text: string, file: string): Tokens {
  const key = `${file}\u0000${text}`;
  let tokens = tokenized.get(key);
  if (!tokens) {
    tokens = tokenizeText(text, file);
    if (tokenized.size > 500) tokenized.clear();
    tokenized.set(key, tokens);
  }
  return tokens;
}

function tokenizeText(text: string, file: string): Tokens {
  const out: (Token | { special: ';' | '{' | '}'; line: number })[] = [];
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\n') {
      line++;
      i++;
    } else if (c === ' ' || c === '\t' || c === '\r') i++;
    else if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === ';' || c === '{' || c === '}') {
      out.push({ special: c, line });
      i++;
    } else if (c === '"' || c === "'") {
      const start = line;
      let s = '';
      i++;
      while (i < text.length && text[i] !== c) {
        // ngx_conf_read_token: \" \' \\ \t \r \n are escapes inside quotes.
        if (text[i] === '\\' && i + 1 < text.length) {
          const e = text[i + 1]!;
          const mapped = e === 't' ? '\t' : e === 'r' ? '\r' : e === 'n' ? '\n' : e === '"' || e === "'" || e === '\\' ? e : undefined;
          if (mapped !== undefined) {
            s += mapped;
            i += 2;
            continue;
          }
        }
        if (text[i] === '\n') line++;
        s += text[i++];
      }
      if (i >= text.length) throw new NginxConfigError(`unexpected end of file, expecting ";" or "}" in ${file}:${line}`);
      i++;
      const next = text[i];
      if (next !== undefined && !/[\s;{}]/.test(next)) throw new NginxConfigError(`unexpected "${next}" in ${file}:${line}`);
      out.push({ text: s, quoted: true, line: start });
    } else {
      let s = '';
      while (i < text.length && !/[\s;{}]/.test(text[i]!)) {
        if (text[i] === '\\' && i + 1 < text.length) s += text[i++];
        s += text[i++];
      }
      out.push({ text: s, quoted: false, line });
    }
  }
  return out;
}

function glob(pattern: string, fs: ContainerFs): string[] {
  const i = pattern.lastIndexOf('/');
  const dir = pattern.slice(0, i) || '/';
  const mask = pattern.slice(i + 1);
  const names = fs.readdir(dir);
  if (typeof names === 'string') return [];
  const re = new RegExp('^' + mask.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
  return names
    .filter((n) => re.test(n) && !n.startsWith('.'))
    .map((n) => `${dir}/${n}`)
    .filter((p) => {
      const st = fs.stat(p);
      return typeof st !== 'string' && st.node.type === 'file';
    });
}

function parseFile(path: string, fs: ContainerFs, ctx: Ctx, includedFrom?: { file: string; line: number }): Directive[] {
  const read = fs.readFile(path);
  if ('error' in read) {
    const errno = read.error === 'ENOENT' ? 2 : read.error === 'EACCES' ? 13 : read.error === 'ENOTDIR' ? 20 : 21;
    throw new NginxConfigError(`open() "${path}" failed (${errno}: ${FS_ERROR_TEXT[read.error]})${includedFrom ? ` in ${includedFrom.file}:${includedFrom.line}` : ''}`);
  }
  const tokens = tokenize(read.content, path);
  let pos = 0;
  const block = (context: Ctx, freeform: boolean, depth: number): Directive[] => {
    const list: Directive[] = [];
    for (;;) {
      const t = tokens[pos];
      if (!t) {
        if (depth > 0) throw new NginxConfigError(`unexpected end of file, expecting "}" in ${path}:${(tokens[pos - 1]?.line ?? 1)}`);
        return list;
      }
      if ('special' in t) {
        if (t.special === '}') {
          if (depth === 0) throw new NginxConfigError(`unexpected "}" in ${path}:${t.line}`);
          pos++;
          return list;
        }
        throw new NginxConfigError(`unexpected "${t.special}" in ${path}:${t.line}`);
      }
      const name = t.text;
      const line = t.line;
      pos++;
      const args: string[] = [];
      let end: { special: ';' | '{' | '}'; line: number } | undefined;
      while (pos < tokens.length) {
        const a = tokens[pos]!;
        if ('special' in a) {
          end = a;
          break;
        }
        args.push(a.text);
        pos++;
      }
      if (!end) throw new NginxConfigError(`unexpected end of file, expecting ";" or "}" in ${path}:${tokens[pos - 1]?.line ?? line}`);
      if (end.special === '}') throw new NginxConfigError(`unexpected "}" in ${path}:${end.line}`);
      pos++;
      if (freeform) {
        if (end.special === '{') throw new NginxConfigError(`unexpected "{" in ${path}:${end.line}`);
        list.push({ name, args, file: path, line });
        continue;
      }
      const spec = SPECS[name];
      if (!spec) throw new NginxConfigError(`unknown directive "${name}" in ${path}:${line}`);
      if (!spec.ctx.includes(context)) throw new NginxConfigError(`"${name}" directive is not allowed here in ${path}:${line}`);
      if (spec.block && end.special === ';') throw new NginxConfigError(`directive "${name}" has no opening "{" in ${path}:${line}`);
      if (!spec.block && end.special === '{') throw new NginxConfigError(`directive "${name}" is not terminated by ";" in ${path}:${line}`);
      const [min, max] = spec.args;
      if (args.length < min || (max >= 0 && args.length > max)) throw new NginxConfigError(`invalid number of arguments in "${name}" directive in ${path}:${line}`);
      if (name === 'include') {
        const target = args[0]!.startsWith('/') ? args[0]! : `/etc/nginx/${args[0]}`;
        const files = /[*?[]/.test(target) ? glob(target, fs) : [target];
        for (const f of files) list.push(...parseFile(f, fs, context, { file: path, line }));
        continue;
      }
      const d: Directive = { name, args, file: path, line };
      if (spec.block) {
        const inner: Ctx = name === 'events' ? 'E' : name === 'http' ? 'H' : name === 'server' ? (context === 'U' ? 'U' : 'S') : name === 'upstream' ? 'U' : name === 'if' ? 'I' : name === 'limit_except' ? 'X' : 'L';
        d.block = block(inner, !!spec.freeform, depth + 1);
      }
      list.push(d);
    }
  };
  return block(ctx, false, 0);
}

export interface HeaderToAdd {
  name: string;
  value: string;
  always: boolean;
}

/** The directives of one configuration level (http, server, location) the lab acts on. */
export interface LevelConf {
  root?: string;
  alias?: string;
  index?: string[];
  ret?: { code: number; text?: string };
  addHeaders?: HeaderToAdd[];
  authBasic?: string;
  authBasicUserFile?: string;
  errorPages?: Map<number, string>;
  tryFiles?: string[];
  defaultType?: string;
  serverTokens?: 'on' | 'off' | 'build';
  autoindex?: boolean;
  access?: { allow: boolean; who: string }[];
  internal?: boolean;
  proxyPass?: string;
  types?: Map<string, string>;
}

export interface NginxLocation {
  modifier: '' | '=' | '^~' | '~' | '~*';
  pattern: string;
  regex?: RegExp;
  conf: LevelConf;
}

export interface NginxServer {
  listen: { port: number; defaultServer: boolean }[];
  names: string[];
  conf: LevelConf;
  locations: NginxLocation[];
}

export interface NginxConfig {
  servers: NginxServer[];
  types: Map<string, string>;
}

const RETURN_CODES = /^\d{3}$/;

function levelConf(list: Directive[], parent: LevelConf): LevelConf {
  const own: LevelConf = {};
  for (const d of list) {
    const a = d.args;
    switch (d.name) {
      case 'root':
        own.root = a[0];
        break;
      case 'alias':
        own.alias = a[0];
        break;
      case 'index':
        own.index = a;
        break;
      case 'return': {
        const [first, second] = a as [string, string | undefined];
        if (!RETURN_CODES.test(first)) {
          if (a.length === 1 && /^(https?:\/\/|\$scheme)/.test(first)) own.ret = { code: 302, text: first };
          else throw new NginxConfigError(`invalid return code "${first}" in ${d.file}:${d.line}`);
        } else own.ret = { code: Number(first), text: second };
        break;
      }
      case 'add_header':
        if (a.length === 3 && a[2] !== 'always') throw new NginxConfigError(`invalid parameter "${a[2]}" in ${d.file}:${d.line}`);
        (own.addHeaders ??= []).push({ name: a[0]!, value: a[1]!, always: a[2] === 'always' });
        break;
      case 'auth_basic':
        own.authBasic = a[0];
        break;
      case 'auth_basic_user_file':
        own.authBasicUserFile = a[0];
        break;
      case 'error_page': {
        const uri = a[a.length - 1]!;
        own.errorPages = new Map(parent.errorPages);
        for (const code of a.slice(0, -1)) {
          if (code.startsWith('=')) continue;
          if (!/^\d{3}$/.test(code) || Number(code) < 300 || Number(code) > 599) throw new NginxConfigError(`value "${code}" must be between 300 and 599 in ${d.file}:${d.line}`);
          own.errorPages.set(Number(code), uri);
        }
        break;
      }
      case 'try_files':
        own.tryFiles = a;
        break;
      case 'default_type':
        own.defaultType = a[0];
        break;
      case 'server_tokens':
        if (!['on', 'off', 'build'].includes(a[0]!)) throw new NginxConfigError(`invalid value "${a[0]}" in "server_tokens" directive, it must be "on", "off" or "build" in ${d.file}:${d.line}`);
        own.serverTokens = a[0] as LevelConf['serverTokens'];
        break;
      case 'autoindex':
        if (a[0] !== 'on' && a[0] !== 'off') throw new NginxConfigError(`invalid value "${a[0]}" in "autoindex" directive, it must be "on" or "off" in ${d.file}:${d.line}`);
        own.autoindex = a[0] === 'on';
        break;
      case 'allow':
      case 'deny':
        (own.access ??= [...(parent.access ?? [])]).push({ allow: d.name === 'allow', who: a[0]! });
        break;
      case 'internal':
        own.internal = true;
        break;
      case 'proxy_pass':
        own.proxyPass = a[0];
        break;
      case 'types': {
        own.types = new Map();
        for (const t of d.block ?? []) for (const ext of t.args) own.types.set(ext, t.name);
        break;
      }
    }
  }
  // Inheritance: most directives come from the enclosing level when not set here; add_header only
  // when this level has none; return and internal never.
  return {
    root: own.alias ? undefined : (own.root ?? parent.root),
    alias: own.alias,
    index: own.index ?? parent.index,
    ret: own.ret,
    addHeaders: own.addHeaders ?? parent.addHeaders,
    authBasic: own.authBasic ?? parent.authBasic,
    authBasicUserFile: own.authBasicUserFile ?? parent.authBasicUserFile,
    errorPages: own.errorPages ?? parent.errorPages,
    tryFiles: own.tryFiles,
    defaultType: own.defaultType ?? parent.defaultType,
    serverTokens: own.serverTokens ?? parent.serverTokens,
    autoindex: own.autoindex ?? parent.autoindex,
    access: own.access ?? parent.access,
    internal: own.internal,
    proxyPass: own.proxyPass,
    types: own.types ?? parent.types,
  };
}

function parseListen(d: Directive): { port: number; defaultServer: boolean } {
  const addr = d.args[0]!;
  const m = /^(?:\[[^\]]*\]:|[^:]*:)?(\d+)$/.exec(addr);
  let port: number;
  if (m) port = Number(m[1]);
  else if (/^\d+$/.test(addr)) port = Number(addr);
  else if (/^(\d+\.){3}\d+$/.test(addr) || addr === '*' || addr === 'localhost') port = 80;
  else throw new NginxConfigError(`invalid port in "${addr}" of the "listen" directive in ${d.file}:${d.line}`);
  if (port < 1 || port > 65535) throw new NginxConfigError(`invalid port in "${addr}" of the "listen" directive in ${d.file}:${d.line}`);
  return { port, defaultServer: d.args.includes('default_server') || d.args.includes('default') };
}

/** Read /etc/nginx/nginx.conf (and its includes) from the container's files: the servers, or the [emerg] text. */
export function readNginxConfig(fs: ContainerFs, path = '/etc/nginx/nginx.conf'): NginxConfig {
  return buildConfig(parseFile(path, fs, 'M'));
}

function buildConfig(main: Directive[]): NginxConfig {
  const http = main.find((d) => d.name === 'http');
  const base: LevelConf = { index: ['index.html'], root: 'html', serverTokens: 'on', autoindex: false, defaultType: 'text/plain' };
  if (!http) return { servers: [], types: new Map() };
  const httpConf = levelConf(http.block ?? [], base);
  const servers: NginxServer[] = [];
  for (const s of (http.block ?? []).filter((d) => d.name === 'server')) {
    const conf = levelConf(s.block ?? [], httpConf);
    const listens = (s.block ?? []).filter((d) => d.name === 'listen').map(parseListen);
    const names = (s.block ?? []).filter((d) => d.name === 'server_name').flatMap((d) => d.args);
    const locations: NginxLocation[] = [];
    const seen = new Set<string>();
    const addLocations = (list: Directive[], parent: LevelConf) => {
      for (const l of list.filter((d) => d.name === 'location')) {
        const [first, second] = l.args as [string, string | undefined];
        const modifier = (second !== undefined ? first : '') as NginxLocation['modifier'];
        const pattern = second ?? first;
        if (second !== undefined && !['=', '^~', '~', '~*'].includes(first)) throw new NginxConfigError(`invalid location modifier "${first}" in ${l.file}:${l.line}`);
        const key = `${modifier === '=' ? '=' : modifier.startsWith('~') ? modifier : ''}${pattern}`;
        if (seen.has(key)) throw new NginxConfigError(`duplicate location "${pattern}" in ${l.file}:${l.line}`);
        seen.add(key);
        let regex: RegExp | undefined;
        if (modifier === '~' || modifier === '~*') {
          try {
            regex = new RegExp(pattern, modifier === '~*' ? 'i' : '');
          } catch {
            throw new NginxConfigError(`pcre_compile() failed: in "${pattern}" in ${l.file}:${l.line}`);
          }
        }
        const lconf = levelConf(l.block ?? [], parent);
        locations.push({ modifier, pattern, regex, conf: lconf });
        addLocations(l.block ?? [], lconf);
      }
    };
    addLocations(s.block ?? [], conf);
    servers.push({ listen: listens.length ? listens : [{ port: 80, defaultServer: false }], names, conf, locations });
  }
  return { servers, types: httpConf.types ?? new Map() };
}
