/**
 * The nginx process of an nginx container: serves HTTP/1.x on the container's port(s) as the
 * official image's nginx does, from the container's files, with the configuration read at
 * start (or `nginx -s reload`): server and location selection, root/alias/index, try_files,
 * return, add_header (and its inheritance and `always` rules), basic auth against an htpasswd
 * file read per request, allow/deny, error_page, nginx's own error pages (exact bytes per
 * version, MSIE/Chrome padding), the Server header, ETag/Last-Modified, and the image's `main`
 * access-log line on stdout plus error-log lines on stderr.
 */
import type { ContainerFs } from '../container-fs';
import { checkPassword } from './htpasswd';
import type { LevelConf, NginxConfig, NginxLocation, NginxServer } from './nginx-config';

export interface HttpRequest {
  method: string;
  /** The request target as sent (`/index.html?x=1`). */
  target: string;
  version: string;
  /** Header names lower-cased, in arrival order. */
  headers: [string, string][];
  body: Buffer;
}

export interface HttpResponse {
  status: number;
  headers: [string, string][];
  body: Buffer;
  /** Close the connection after this response. */
  close: boolean;
}

export interface NginxLogSink {
  stdout(line: string): void;
  stderr(line: string): void;
}

const REASONS: Record<number, string> = {
  200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No Content', 206: 'Partial Content',
  301: 'Moved Permanently', 302: 'Moved Temporarily', 303: 'See Other', 304: 'Not Modified', 307: 'Temporary Redirect', 308: 'Permanent Redirect',
  400: 'Bad Request', 401: 'Unauthorized', 402: 'Payment Required', 403: 'Forbidden', 404: 'Not Found', 405: 'Not Allowed', 406: 'Not Acceptable',
  408: 'Request Time-out', 409: 'Conflict', 410: 'Gone', 411: 'Length Required', 412: 'Precondition Failed', 413: 'Request Entity Too Large',
  414: 'Request-URI Too Large', 415: 'Unsupported Media Type', 416: 'Requested Range Not Satisfiable', 421: 'Misdirected Request', 429: 'Too Many Requests',
  500: 'Internal Server Error', 501: 'Not Implemented', 502: 'Bad Gateway', 503: 'Service Temporarily Unavailable', 504: 'Gateway Time-out',
  505: 'HTTP Version Not Supported', 507: 'Insufficient Storage',
};

/** Titles of nginx's built-in error pages (ngx_http_special_response.c). */
const PAGE_TITLES: Record<number, string> = {
  ...REASONS,
  302: 'Found',
  401: 'Authorization Required',
};
const HAS_PAGE = new Set([301, 302, 303, 307, 308, 400, 401, 402, 403, 404, 405, 406, 408, 409, 410, 411, 412, 413, 414, 415, 416, 421, 429, 500, 501, 502, 503, 504, 505, 507]);
const ADD_HEADER_CODES = new Set([200, 201, 204, 206, 301, 302, 303, 304, 307, 308]);

function cmpVersion(a: string, b: string): number {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}

const pad = (n: number) => String(n).padStart(2, '0');
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `$time_local` in the container's UTC: `06/Dec/2026:22:50:00 +0000`. */
export function timeLocal(wall: number): string {
  const d = new Date(wall);
  return `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

/** The error log's timestamp: `2026/12/06 22:50:00`. */
export function errorLogTime(wall: number): string {
  const d = new Date(wall);
  return `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** Log variable escaping of ngx_http_log_module (`"` and non-printable bytes as \xHH). */
function logEscape(s: string): string {
  let out = '';
  for (const c of s) {
    const code = c.charCodeAt(0);
    out += c === '"' || c === '\\' || code < 0x20 || code >= 0x7f ? `\\x${code.toString(16).toUpperCase().padStart(2, '0')}` : c;
  }
  return out;
}

interface Ctx {
  req: HttpRequest;
  client: string;
  localPort: number;
  conn: number;
  server: NginxServer;
  requestLine: string;
  host?: string;
  user?: string;
  redirects: number;
}

interface Result {
  status: number;
  headers: [string, string][];
  body: Buffer;
  /** add_header applies (the location's conf) */
  conf: LevelConf;
  special?: boolean;
}

export class NginxServerProcess {
  #connections = 0;
  readonly workerPid: number;

  constructor(
    readonly version: string,
    private readonly fs: ContainerFs,
    public config: NginxConfig,
    private readonly log: NginxLogSink,
    private readonly wallNow: () => number,
    /** The image's libc has libxcrypt (bcrypt in crypt(3)). */
    private readonly libxcrypt: boolean,
  ) {
    this.workerPid = cmpVersion(version, '1.19.0') >= 0 ? 29 : 6;
  }

  /** Ports the configuration listens on. */
  ports(): number[] {
    return [...new Set(this.config.servers.flatMap((s) => s.listen.map((l) => l.port)))];
  }

  nextConnection(): number {
    return ++this.#connections;
  }

  #serverFor(port: number, host: string | undefined): NginxServer | undefined {
    const candidates = this.config.servers.filter((s) => s.listen.some((l) => l.port === port));
    if (!candidates.length) return undefined;
    const name = (host ?? '').replace(/:\d+$/, '').toLowerCase();
    const exact = candidates.find((s) => s.names.some((n) => n.toLowerCase() === name));
    if (exact) return exact;
    const wildcard = candidates.find((s) => s.names.some((n) => (n.startsWith('*.') && name.endsWith(n.slice(1))) || (n.startsWith('.') && (name === n.slice(1) || name.endsWith(n)))));
    if (wildcard) return wildcard;
    const regex = candidates.find((s) => s.names.some((n) => n.startsWith('~') && safeRegex(n.slice(1))?.test(name)));
    if (regex) return regex;
    return candidates.find((s) => s.listen.some((l) => l.port === port && l.defaultServer)) ?? candidates[0];
  }

  #serverHeader(conf: LevelConf): string {
    return conf.serverTokens === 'off' ? 'nginx' : `nginx/${this.version}`;
  }

  #errorLog(level: 'error' | 'crit' | 'warn', ctx: Ctx, message: string): void {
    const server = ctx.server.names[0] ?? '';
    this.log.stderr(
      `${errorLogTime(this.wallNow())} [${level}] ${this.workerPid}#${this.workerPid}: *${ctx.conn} ${message}, client: ${ctx.client}, server: ${server}, request: "${ctx.requestLine}"${ctx.host !== undefined ? `, host: "${ctx.host}"` : ''}`,
    );
  }

  /** nginx's own page for `status` (CRLF lines, version footer, MSIE/Chrome padding). */
  #specialBody(status: number, conf: LevelConf, req: HttpRequest): Buffer {
    if (!HAS_PAGE.has(status)) return Buffer.alloc(0);
    const title = `${status} ${PAGE_TITLES[status] ?? REASONS[status] ?? ''}`;
    const bodyTag = cmpVersion(this.version, '1.15.4') < 0 ? '<body bgcolor="white">' : '<body>';
    let page = `<html>\r\n<head><title>${title}</title></head>\r\n${bodyTag}\r\n<center><h1>${title}</h1></center>\r\n`;
    page += `<hr><center>${this.#serverHeader(conf)}</center>\r\n</body>\r\n</html>\r\n`;
    const ua = header(req, 'user-agent') ?? '';
    if (status >= 400 && (ua.includes('MSIE ') || ua.includes('Chrome/'))) page += '<!-- a padding to disable MSIE and Chrome friendly error page -->\r\n'.repeat(6);
    return Buffer.from(page);
  }

  #special(status: number, ctx: Ctx, conf: LevelConf, extra: [string, string][] = []): Result {
    const errorPage = conf.errorPages?.get(status);
    if (errorPage && ctx.redirects < 10 && ctx.req.method !== 'HEAD') {
      ctx.redirects++;
      if (/^https?:\/\//.test(errorPage)) return this.#redirectResult(302, errorPage, ctx, conf);
      const r = this.#process(errorPage, ctx, true);
      if (r.status === 200) return { ...r, status };
      // A missing error page: nginx's own page for the original status.
    }
    return { status, headers: [['Content-Type', 'text/html'], ...extra], body: this.#specialBody(status, conf, ctx.req), conf, special: true };
  }

  #redirectResult(status: number, location: string, ctx: Ctx, conf: LevelConf): Result {
    return { status, headers: [['Content-Type', 'text/html'], ['Location', location]], body: this.#specialBody(status, conf, ctx.req), conf, special: true };
  }

  #findLocation(server: NginxServer, uri: string): NginxLocation | undefined {
    const exact = server.locations.find((l) => l.modifier === '=' && l.pattern === uri);
    if (exact) return exact;
    let longest: NginxLocation | undefined;
    for (const l of server.locations) {
      if ((l.modifier === '' || l.modifier === '^~') && uri.startsWith(l.pattern) && (!longest || l.pattern.length > longest.pattern.length)) longest = l;
    }
    if (longest?.modifier === '^~') return longest;
    const regex = server.locations.find((l) => l.regex?.test(uri));
    return regex ?? longest;
  }

  #path(conf: LevelConf, loc: NginxLocation | undefined, uri: string): string {
    if (conf.alias !== undefined && loc) return conf.alias + uri.slice(loc.modifier.startsWith('~') ? 0 : loc.pattern.length);
    const root = conf.root ?? 'html';
    return (root.startsWith('/') ? root : `/etc/nginx/${root}`) + uri;
  }

  #contentType(conf: LevelConf, path: string): string {
    const ext = /\.([^./]+)$/.exec(path)?.[1]?.toLowerCase();
    const types = conf.types ?? this.config.types;
    return (ext && types.get(ext)) ?? conf.defaultType ?? 'text/plain';
  }

  #auth(conf: LevelConf, ctx: Ctx): Result | undefined {
    if (!conf.authBasic || conf.authBasic === 'off') return undefined;
    const realm = conf.authBasic;
    const challenge: [string, string][] = [['WWW-Authenticate', `Basic realm="${realm}"`]];
    const authz = header(ctx.req, 'authorization');
    const m = authz ? /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authz) : null;
    if (!m) {
      this.#errorLog('error', ctx, 'no user/password was provided for basic authentication');
      return this.#special(401, ctx, conf, challenge);
    }
    const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) {
      this.#errorLog('error', ctx, 'no user/password was provided for basic authentication');
      return this.#special(401, ctx, conf, challenge);
    }
    const user = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    ctx.user = user;
    const file = conf.authBasicUserFile ?? '';
    const path = file.startsWith('/') ? file : `/etc/nginx/${file}`;
    const read = this.fs.readFile(path);
    if ('error' in read) {
      const errno = read.error === 'ENOENT' ? 2 : 13;
      this.#errorLog('error', ctx, `open() "${path}" failed (${errno}: ${read.error === 'ENOENT' ? 'No such file or directory' : 'Permission denied'})`);
      return this.#special(read.error === 'ENOENT' || read.error === 'EACCES' ? 403 : 500, ctx, conf);
    }
    for (const line of read.content.split('\n')) {
      if (!line || line.startsWith('#')) continue;
      const i = line.indexOf(':');
      if (i < 0 || line.slice(0, i) !== user) continue;
      const hash = line.slice(i + 1).replace(/\r$/, '').split(':')[0]!;
      const check = checkPassword(password, hash, this.libxcrypt);
      if (check === 'match') return undefined;
      if (check === 'crypt-failed') {
        this.#errorLog('crit', ctx, 'crypt_r() failed (22: Invalid argument)');
        return this.#special(500, ctx, conf);
      }
      this.#errorLog('error', ctx, `user "${user}": password mismatch`);
      return this.#special(401, ctx, conf, challenge);
    }
    this.#errorLog('error', ctx, `user "${user}" was not found in "${path}"`);
    return this.#special(401, ctx, conf, challenge);
  }

  #access(conf: LevelConf, ctx: Ctx): Result | undefined {
    for (const rule of conf.access ?? []) {
      if (rule.who === 'all' || rule.who === ctx.client || cidrMatch(rule.who, ctx.client)) {
        if (rule.allow) return undefined;
        this.#errorLog('error', ctx, 'access forbidden by rule');
        return this.#special(403, ctx, conf);
      }
    }
    return undefined;
  }

  #file(uri: string, conf: LevelConf, loc: NginxLocation | undefined, ctx: Ctx): Result {
    const method = ctx.req.method;
    const path = this.#path(conf, loc, uri);
    if (uri.endsWith('/')) {
      for (const idx of conf.index ?? ['index.html']) {
        const candidate = path + idx;
        const st = this.fs.stat(candidate);
        if (typeof st !== 'string' && st.node.type === 'file') {
          ctx.redirects++;
          return this.#process(uri + idx, ctx, true);
        }
      }
      const dir = this.fs.stat(path);
      if (typeof dir !== 'string' && dir.node.type === 'dir') {
        if (conf.autoindex) return this.#autoindex(path, uri, conf, ctx);
        this.#errorLog('error', ctx, `directory index of "${path}" is forbidden`);
        return this.#special(403, ctx, conf);
      }
      this.#errorLog('error', ctx, `"${path}${(conf.index ?? ['index.html'])[0]}" is not found (2: No such file or directory)`);
      return this.#special(404, ctx, conf);
    }
    const st = this.fs.stat(path);
    if (typeof st === 'string') {
      const errno = st === 'ENOTDIR' ? '20: Not a directory' : '2: No such file or directory';
      this.#errorLog('error', ctx, `open() "${path}" failed (${errno})`);
      return this.#special(404, ctx, conf);
    }
    if (st.node.type === 'dir') {
      const host = (ctx.host ?? ctx.server.names[0] ?? 'localhost').replace(/:\d+$/, '');
      const port = ctx.server.listen[0]?.port ?? 80;
      return this.#redirectResult(301, `http://${host}${port === 80 ? '' : `:${port}`}${uri}/`, ctx, conf);
    }
    if (st.node.type !== 'file') return this.#special(404, ctx, conf);
    if (method !== 'GET' && method !== 'HEAD') return this.#special(405, ctx, conf);
    const body = Buffer.from(st.node.content);
    const mtime = Math.floor(st.node.mtime / 1000);
    return {
      status: 200,
      headers: [
        ['Content-Type', this.#contentType(conf, path)],
        ['Content-Length', String(body.length)],
        ['Last-Modified', new Date(mtime * 1000).toUTCString()],
        ['ETag', `"${mtime.toString(16)}-${body.length.toString(16)}"`],
        ['Accept-Ranges', 'bytes'],
      ],
      body,
      conf,
    };
  }

  #autoindex(path: string, uri: string, conf: LevelConf, _ctx: Ctx): Result {
    const names = this.fs.readdir(path);
    const list = Array.isArray(names) ? names.filter((n) => !n.startsWith('.')) : [];
    let html = `<html>\r\n<head><title>Index of ${uri}</title></head>\r\n<body>\r\n<h1>Index of ${uri}</h1><hr><pre><a href="../">../</a>\r\n`;
    for (const n of list) {
      const st = this.fs.stat(`${path}${n}`);
      const isDir = typeof st !== 'string' && st.node.type === 'dir';
      html += `<a href="${n}${isDir ? '/' : ''}">${n}${isDir ? '/' : ''}</a>\r\n`;
    }
    html += '</pre><hr></body>\r\n</html>\r\n';
    return { status: 200, headers: [['Content-Type', 'text/html']], body: Buffer.from(html), conf };
  }

  #returnResult(ret: NonNullable<LevelConf['ret']>, conf: LevelConf, ctx: Ctx): Result {
    const { code, text } = ret;
    if ([301, 302, 303, 307, 308].includes(code) && text !== undefined) return this.#redirectResult(code, expand(text, ctx), ctx, conf);
    if (text === undefined) {
      if (code >= 300 && HAS_PAGE.has(code)) return this.#special(code, ctx, conf);
      return { status: code, headers: [['Content-Type', conf.defaultType ?? 'text/plain']], body: Buffer.alloc(0), conf };
    }
    return { status: code, headers: [['Content-Type', conf.defaultType ?? 'text/plain']], body: Buffer.from(expand(text, ctx)), conf };
  }

  /** One pass through the phases for `uri` (internal redirects re-enter here). */
  #process(uri: string, ctx: Ctx, internal: boolean): Result {
    const server = ctx.server;
    if (server.conf.ret && !internal) return this.#returnResult(server.conf.ret, server.conf, ctx);
    const loc = this.#findLocation(server, uri);
    const conf = loc?.conf ?? server.conf;
    if (conf.internal && !internal) {
      this.#errorLog('error', ctx, `open() "${this.#path(conf, loc, uri)}" failed (2: No such file or directory)`);
      return this.#special(404, ctx, conf);
    }
    if (conf.ret) return this.#returnResult(conf.ret, conf, ctx);
    const denied = this.#access(conf, ctx) ?? this.#auth(conf, ctx);
    if (denied) return denied;
    if (conf.tryFiles?.length) {
      const files = conf.tryFiles;
      for (const f of files.slice(0, -1)) {
        const candidate = expand(f, { ...ctx, uri });
        const st = this.fs.stat(this.#path(conf, loc, candidate));
        if (typeof st !== 'string' && (candidate.endsWith('/') ? st.node.type === 'dir' : st.node.type === 'file')) return this.#file(candidate, conf, loc, ctx);
      }
      const last = files[files.length - 1]!;
      if (/^=\d{3}$/.test(last)) return this.#special(Number(last.slice(1)), ctx, conf);
      if (ctx.redirects++ > 10) return this.#special(500, ctx, conf);
      return this.#process(expand(last, { ...ctx, uri }), ctx, true);
    }
    if (conf.proxyPass) {
      this.#errorLog('error', ctx, `connect() failed (111: Connection refused) while connecting to upstream, upstream: "${conf.proxyPass}${uri}"`);
      return this.#special(502, ctx, conf);
    }
    return this.#file(uri, conf, loc, ctx);
  }

  /** Answer one request on a connection to `localPort` from `client` (also writes the access log line). */
  handle(req: HttpRequest, client: string, localPort: number, conn: number): HttpResponse | undefined {
    const host = header(req, 'host');
    const server = this.#serverFor(localPort, host);
    if (!server) return undefined;
    const requestLine = `${req.method} ${req.target} ${req.version}`;
    const ctx: Ctx = { req, client, localPort, conn, server, requestLine, host, redirects: 0 };
    const uri = decodeUri(req.target.split('?')[0] ?? '/');
    let result: Result;
    if (uri === undefined || !req.target.startsWith('/')) {
      result = this.#special(400, ctx, server.conf);
    } else {
      result = this.#process(uri, ctx, false);
    }
    const headers: [string, string][] = [['Server', this.#serverHeader(result.conf)], ['Date', new Date(this.wallNow()).toUTCString()]];
    const contentType = result.headers.find(([k]) => k === 'Content-Type');
    if (contentType) headers.push(contentType);
    headers.push(['Content-Length', String(result.body.length)]);
    for (const h of result.headers) if (h[0] === 'Last-Modified' || h[0] === 'Location') headers.push(h);
    const close = req.version === 'HTTP/1.0' ? header(req, 'connection')?.toLowerCase() !== 'keep-alive' : header(req, 'connection')?.toLowerCase() === 'close' || result.status === 400;
    headers.push(['Connection', close ? 'close' : 'keep-alive']);
    for (const h of result.headers) if (h[0] === 'ETag' || h[0] === 'WWW-Authenticate') headers.push(h);
    for (const h of result.conf.addHeaders ?? []) if (h.always || ADD_HEADER_CODES.has(result.status)) headers.push([h.name, expand(h.value, ctx)]);
    for (const h of result.headers) if (h[0] === 'Accept-Ranges') headers.push(h);
    const body = req.method === 'HEAD' ? Buffer.alloc(0) : result.body;
    this.log.stdout(
      `${client} - ${ctx.user !== undefined ? logEscape(ctx.user) : '-'} [${timeLocal(this.wallNow())}] "${logEscape(requestLine)}" ${result.status} ${body.length} "${logEscape(header(req, 'referer') ?? '-')}" "${logEscape(header(req, 'user-agent') ?? '-')}" "${logEscape(header(req, 'x-forwarded-for') ?? '-')}"`,
    );
    return { status: result.status, headers, body, close };
  }
}

export function reasonPhrase(status: number): string {
  return REASONS[status] ?? '';
}

function header(req: HttpRequest, name: string): string | undefined {
  return req.headers.find(([k]) => k === name)?.[1];
}

function decodeUri(path: string): string | undefined {
  try {
    const decoded = decodeURIComponent(path);
    const parts: string[] = [];
    for (const p of decoded.split('/')) {
      if (p === '..') {
        if (!parts.length) return undefined;
        parts.pop();
      } else if (p !== '.') parts.push(p);
    }
    return parts.join('/') || '/';
  } catch {
    return undefined;
  }
}

function safeRegex(s: string): RegExp | undefined {
  try {
    return new RegExp(s);
  } catch {
    return undefined;
  }
}

function cidrMatch(rule: string, ip: string): boolean {
  const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(rule);
  if (!m) return false;
  const toN = (a: string) => a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
  const bits = Number(m[2]);
  const size = 2 ** (32 - bits);
  return Math.floor(toN(m[1]!) / size) === Math.floor(toN(ip) / size);
}

/** The few variables configurations use in return/add_header/try_files. */
function expand(text: string, ctx: Ctx & { uri?: string }): string {
  return text.replace(/\$(\w+)|\$\{(\w+)\}/g, (all, a: string | undefined, b: string | undefined) => {
    const name = a ?? b!;
    const uri = ctx.uri ?? decodeUri(ctx.req.target.split('?')[0] ?? '/') ?? '/';
    switch (name) {
      case 'uri':
      case 'document_uri':
        return uri;
      case 'request_uri':
        return ctx.req.target;
      case 'host':
        return (ctx.host ?? ctx.server.names[0] ?? '').replace(/:\d+$/, '');
      case 'http_host':
        return ctx.host ?? '';
      case 'scheme':
        return 'http';
      case 'remote_addr':
        return ctx.client;
      case 'request_method':
        return ctx.req.method;
      case 'server_name':
        return ctx.server.names[0] ?? '';
      case 'server_port':
        return String(ctx.server.listen[0]?.port ?? 80);
      case 'args':
      case 'query_string':
        return ctx.req.target.split('?')[1] ?? '';
      case 'remote_user':
        return ctx.user ?? '';
      default:
        if (name.startsWith('http_')) return header(ctx.req, name.slice(5).replace(/_/g, '-')) ?? '';
        return all;
    }
  });
}
