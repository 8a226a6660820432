/**
 * What `kubectl exec` runs inside a lab container: the image's commands (GNU coreutils texts and
 * exit codes on Debian, dash's `sh: 1: curl: not found` and 127 for what the image lacks), a small
 * POSIX shell for `sh -c '...'` and for lines read from stdin (`;`, `&&`, `||`, `|`, quotes,
 * `$VAR`, `>`/`>>`/`2>&1` redirections), and nginx's own command line (`-v`, `-t`, `-T`,
 * `-s reload|stop|quit`). A command the image does not have, run without a shell, fails to start
 * as containerd reports it.
 */
import type { ContainerFs, FsError } from './container-fs';
import { FS_ERROR_TEXT, normalize } from './container-fs';
import type { FileNode, ImageProfile } from './images';

export interface ExecIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** What the nginx master process lets `nginx -s` / `nginx -t` do. */
export interface NginxControl {
  version: string;
  /** Parse the configuration on disk: undefined when fine, else the [emerg] text. */
  test(): string | undefined;
  reload(): void;
  stop(): void;
}

export interface ExecEnv {
  fs: ContainerFs;
  profile: ImageProfile;
  env: Map<string, string>;
  hostname: string;
  kernel: string;
  wallNow(): number;
  nginx?: NginxControl;
}

/** The runtime could not start the process (no such executable): containerd's error text. */
export class ExecStartError extends Error {}

interface Shell {
  cwd: string;
  vars: Map<string, string>;
  last: number;
  /** The name `sh` reports in its errors and the script line number. */
  name: string;
  line: number;
}

const fsErr = (e: FsError) => FS_ERROR_TEXT[e];

function modeString(node: FileNode): string {
  if (node.type === 'symlink') return 'lrwxrwxrwx';
  const m = node.mode;
  const bits = ['r', 'w', 'x'];
  let s = node.type === 'dir' ? 'd' : '-';
  for (let i = 8; i >= 0; i--) s += m & (1 << i) ? bits[(8 - i) % 3] : '-';
  if (m & 0o1000) s = s.slice(0, 9) + (s[9] === 'x' ? 't' : 'T');
  return s;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `ls -l`'s date column: `Dec  6 22:50` within six months, else `Dec  4  2018`. */
function lsDate(mtime: number, now: number): string {
  const d = new Date(mtime);
  const day = String(d.getUTCDate()).padStart(2, ' ');
  const recent = now - mtime < 182 * 86_400_000 && mtime <= now + 3600_000;
  return recent ? `${MONTHS[d.getUTCMonth()]} ${day} ${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}` : `${MONTHS[d.getUTCMonth()]} ${day}  ${d.getUTCFullYear()}`;
}

function sizeOf(node: FileNode): number {
  return node.type === 'file' ? Buffer.byteLength(node.content) : node.type === 'dir' ? 4096 : Buffer.byteLength(node.target);
}

type Cmd = (args: string[], io: ExecIo, stdin: string, sh: Shell, env: ExecEnv) => number | Promise<number>;

function ls(args: string[], io: ExecIo, _stdin: string, sh: Shell, env: ExecEnv): number {
  const flags = new Set<string>();
  const paths: string[] = [];
  for (const a of args) {
    if (a.startsWith('-') && a.length > 1) for (const f of a.slice(1)) flags.add(f);
    else paths.push(a);
  }
  const long = flags.has('l');
  const all = flags.has('a');
  const almost = flags.has('A');
  if (!paths.length) paths.push('.');
  let code = 0;
  const files: string[] = [];
  const dirs: string[] = [];
  for (const p of paths) {
    const st = env.fs.stat(normalize(p, sh.cwd), false);
    if (typeof st === 'string') {
      io.stderr(`ls: cannot access '${p}': ${fsErr(st)}\n`);
      code = 2;
    } else if (st.node.type === 'dir' && !flags.has('d')) dirs.push(p);
    else files.push(p);
  }
  const line = (dir: string, name: string, shown: string) => {
    const full = normalize(name, normalize(dir, sh.cwd));
    const st = env.fs.stat(full, true);
    if (typeof st === 'string') return `${shown}\n`;
    if (!long) return `${shown}\n`;
    const n = st.node;
    const links = n.type === 'dir' ? 2 : 1;
    const target = n.type === 'symlink' ? ` -> ${n.target}` : '';
    return `${modeString(n)} ${links} root root ${String(sizeOf(n)).padStart(4, ' ')} ${lsDate(n.mtime, env.wallNow())} ${shown}${target}\n`;
  };
  for (const f of files) io.stdout(line(sh.cwd, f, f));
  dirs.forEach((d, i) => {
    if (files.length || dirs.length > 1) io.stdout(`${files.length || i ? '\n' : ''}${d}:\n`);
    const names = env.fs.readdir(normalize(d, sh.cwd));
    if (typeof names === 'string') return;
    const shown = [...(all ? ['.', '..'] : []), ...names.filter((n) => all || almost || !n.startsWith('.'))];
    if (long) {
      const blocks = shown.reduce((t, n) => {
        const st = env.fs.stat(normalize(n, normalize(d, sh.cwd)), true);
        return t + (typeof st === 'string' || st.node.type === 'symlink' ? 0 : st.node.type === 'dir' ? 4 : Math.ceil(sizeOf(st.node) / 4096) * 4);
      }, 0);
      io.stdout(`total ${blocks}\n`);
    }
    for (const n of shown) io.stdout(line(d, n, n));
  });
  return code;
}

function cat(args: string[], io: ExecIo, stdin: string, sh: Shell, env: ExecEnv): number {
  let code = 0;
  const files = args;
  if (!files.length) {
    io.stdout(stdin);
    return 0;
  }
  for (const f of files) {
    if (f === '-') {
      io.stdout(stdin);
      continue;
    }
    const r = env.fs.readFile(normalize(f, sh.cwd));
    if ('error' in r) {
      io.stderr(`cat: ${f}: ${fsErr(r.error)}\n`);
      code = 1;
    } else io.stdout(r.content);
  }
  return code;
}

function readInput(args: string[], stdin: string, sh: Shell, env: ExecEnv, name: string, io: ExecIo): { text: string; code: number } {
  if (!args.length) return { text: stdin, code: 0 };
  let text = '';
  let code = 0;
  for (const f of args) {
    const r = env.fs.readFile(normalize(f, sh.cwd));
    if ('error' in r) {
      io.stderr(`${name}: ${f}: ${fsErr(r.error)}\n`);
      code = 1;
    } else text += r.content;
  }
  return { text, code };
}

function headTail(which: 'head' | 'tail'): Cmd {
  return (args, io, stdin, sh, env) => {
    let n = 10;
    const files: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      if (a === '-n') n = Number(args[++i]);
      else if (/^-n\d+$/.test(a)) n = Number(a.slice(2));
      else if (/^-\d+$/.test(a)) n = Number(a.slice(1));
      else files.push(a);
    }
    const { text, code } = readInput(files, stdin, sh, env, which, io);
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    const picked = which === 'head' ? lines.slice(0, n) : lines.slice(Math.max(0, lines.length - n));
    io.stdout(picked.map((l) => l + '\n').join(''));
    return code;
  };
}

const COMMANDS: Record<string, Cmd> = {
  true: () => 0,
  false: () => 1,
  echo(args, io) {
    let newline = true;
    let rest = args;
    while (rest[0] === '-n' || rest[0] === '-e' || rest[0] === '-E') {
      if (rest[0] === '-n') newline = false;
      rest = rest.slice(1);
    }
    io.stdout(rest.join(' ') + (newline ? '\n' : ''));
    return 0;
  },
  cat,
  ls,
  env(_args, io, _stdin, sh) {
    for (const [k, v] of sh.vars) io.stdout(`${k}=${v}\n`);
    return 0;
  },
  printenv(args, io, _stdin, sh) {
    if (!args.length) {
      for (const [k, v] of sh.vars) io.stdout(`${k}=${v}\n`);
      return 0;
    }
    let code = 0;
    for (const a of args) {
      const v = sh.vars.get(a);
      if (v === undefined) code = 1;
      else io.stdout(v + '\n');
    }
    return code;
  },
  hostname(_args, io, _stdin, _sh, env) {
    io.stdout(env.hostname + '\n');
    return 0;
  },
  pwd(_args, io, _stdin, sh) {
    io.stdout(sh.cwd + '\n');
    return 0;
  },
  id(_args, io) {
    io.stdout('uid=0(root) gid=0(root) groups=0(root)\n');
    return 0;
  },
  whoami(_args, io) {
    io.stdout('root\n');
    return 0;
  },
  uname(args, io, _stdin, _sh, env) {
    io.stdout(args.includes('-a') ? `Linux ${env.hostname} ${env.kernel} #1 SMP PREEMPT Mon Jan 1 00:00:00 UTC 2024 aarch64 GNU/Linux\n` : args.includes('-m') ? 'aarch64\n' : args.includes('-r') ? `${env.kernel}\n` : 'Linux\n');
    return 0;
  },
  date(_args, io, _stdin, _sh, env) {
    const d = new Date(env.wallNow());
    const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
    io.stdout(`${days[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${d.toISOString().slice(11, 19)} UTC ${d.getUTCFullYear()}\n`);
    return 0;
  },
  sleep: () => 0,
  head: headTail('head'),
  tail: headTail('tail'),
  wc(args, io, stdin, sh, env) {
    const files = args.filter((a) => !a.startsWith('-'));
    const { text, code } = readInput(files, stdin, sh, env, 'wc', io);
    const lines = (text.match(/\n/g) ?? []).length;
    const words = text.split(/\s+/).filter(Boolean).length;
    const bytes = Buffer.byteLength(text);
    const flags = args.filter((a) => a.startsWith('-')).join('');
    const parts = flags ? [flags.includes('l') ? lines : undefined, flags.includes('w') ? words : undefined, flags.includes('c') ? bytes : undefined].filter((x) => x !== undefined) : [lines, words, bytes];
    io.stdout(parts.join(' ') + (files.length ? ` ${files[0]}` : '') + '\n');
    return code;
  },
  grep(args, io, stdin, sh, env) {
    const flags = new Set(args.filter((a) => a.startsWith('-')).flatMap((a) => [...a.slice(1)]));
    const rest = args.filter((a) => !a.startsWith('-'));
    const pattern = rest[0];
    if (pattern === undefined) {
      io.stderr('Usage: grep [OPTION]... PATTERNS [FILE]...\nTry \'grep --help\' for more information.\n');
      return 2;
    }
    const { text, code } = readInput(rest.slice(1), stdin, sh, env, 'grep', io);
    let re: RegExp;
    try {
      re = new RegExp(pattern, flags.has('i') ? 'i' : '');
    } catch {
      re = new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), flags.has('i') ? 'i' : '');
    }
    const lines = text.split('\n').filter((l, i, all) => i < all.length - 1 || l !== '');
    const hits = lines.filter((l) => re.test(l) !== flags.has('v'));
    if (flags.has('c')) io.stdout(`${hits.length}\n`);
    else io.stdout(hits.map((l) => l + '\n').join(''));
    return code || (hits.length ? 0 : 1);
  },
  sort(args, io, stdin, sh, env) {
    const { text, code } = readInput(args.filter((a) => !a.startsWith('-')), stdin, sh, env, 'sort', io);
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    lines.sort();
    if (args.includes('-r')) lines.reverse();
    io.stdout(lines.map((l) => l + '\n').join(''));
    return code;
  },
  mkdir(args, io, _stdin, sh, env) {
    let code = 0;
    for (const a of args.filter((x) => !x.startsWith('-'))) {
      const e = env.fs.mkdir(normalize(a, sh.cwd), env.wallNow());
      if (e) {
        io.stderr(`mkdir: cannot create directory '${a}': ${fsErr(e)}\n`);
        code = 1;
      }
    }
    return code;
  },
  touch(args, io, _stdin, sh, env) {
    let code = 0;
    for (const a of args) {
      const p = normalize(a, sh.cwd);
      const r = env.fs.readFile(p);
      const e = env.fs.writeFile(p, 'error' in r ? '' : r.content, false, env.wallNow());
      if (e) {
        io.stderr(`touch: cannot touch '${a}': ${fsErr(e)}\n`);
        code = 1;
      }
    }
    return code;
  },
  rm(args, io, _stdin, sh, env) {
    let code = 0;
    for (const a of args.filter((x) => !x.startsWith('-'))) {
      const e = env.fs.remove(normalize(a, sh.cwd));
      if (e) {
        io.stderr(`rm: cannot remove '${a}': ${fsErr(e)}\n`);
        code = 1;
      }
    }
    return code;
  },
  tee(args, io, stdin, sh, env) {
    const append = args.includes('-a');
    for (const a of args.filter((x) => !x.startsWith('-'))) env.fs.writeFile(normalize(a, sh.cwd), stdin, append, env.wallNow());
    io.stdout(stdin);
    return 0;
  },
  which(args, io, _stdin, _sh, env) {
    let code = 0;
    for (const a of args) {
      if (env.profile.commands?.has(a)) io.stdout(`${a === 'nginx' ? '/usr/sbin' : a === 'sh' || a === 'bash' || a === 'dash' || a === 'cat' || a === 'ls' || a === 'echo' ? '/bin' : '/usr/bin'}/${a}\n`);
      else code = 1;
    }
    return code;
  },
  test: (args, _io, _stdin, sh, env) => (testExpr(args, sh, env) ? 0 : 1),
  '[': (args, io, _stdin, sh, env) => {
    if (args[args.length - 1] !== ']') {
      io.stderr(`${sh.name}: ${sh.line}: [: missing ]\n`);
      return 2;
    }
    return testExpr(args.slice(0, -1), sh, env) ? 0 : 1;
  },
  nginx(args, io, _stdin, _sh, env) {
    const n = env.nginx;
    if (!n) {
      io.stderr('nginx: [alert] could not open error log file\n');
      return 1;
    }
    const flag = args[0];
    if (flag === '-v' || flag === '-V') {
      io.stderr(`nginx version: nginx/${n.version}\n`);
      return 0;
    }
    if (flag === '-t' || flag === '-T') {
      const err = n.test();
      if (err) {
        io.stderr(`nginx: [emerg] ${err}\nnginx: configuration file /etc/nginx/nginx.conf test failed\n`);
        return 1;
      }
      io.stderr('nginx: the configuration file /etc/nginx/nginx.conf syntax is ok\nnginx: configuration file /etc/nginx/nginx.conf test is successful\n');
      if (flag === '-T') {
        const conf = env.fs.readFile('/etc/nginx/nginx.conf');
        if ('content' in conf) io.stdout(`# configuration file /etc/nginx/nginx.conf:\n${conf.content}\n`);
      }
      return 0;
    }
    if (flag === '-s') {
      const signal = args[1];
      const stamp = new Date(env.wallNow()).toISOString().replace('T', ' ').slice(0, 19).replace(/-/g, '/');
      if (!['reload', 'stop', 'quit', 'reopen'].includes(signal ?? '')) {
        io.stderr(`nginx: invalid option: "-s ${signal ?? ''}"\n`);
        return 1;
      }
      io.stderr(`${stamp} [notice] 40#40: signal process started\n`);
      if (signal === 'reload') n.reload();
      if (signal === 'stop' || signal === 'quit') n.stop();
      return 0;
    }
    io.stderr(`nginx: [emerg] bind() to 0.0.0.0:80 failed (98: Address already in use)\n`);
    return 1;
  },
};

function testExpr(args: string[], sh: Shell, env: ExecEnv): boolean {
  if (args[0] === '!') return !testExpr(args.slice(1), sh, env);
  if (args.length === 2) {
    const st = env.fs.stat(normalize(args[1]!, sh.cwd));
    switch (args[0]) {
      case '-e':
        return typeof st !== 'string';
      case '-f':
        return typeof st !== 'string' && st.node.type === 'file';
      case '-d':
        return typeof st !== 'string' && st.node.type === 'dir';
      case '-n':
        return args[1] !== '';
      case '-z':
        return args[1] === '';
    }
  }
  if (args.length === 3) {
    const [a, op, b] = args as [string, string, string];
    if (op === '=' || op === '==') return a === b;
    if (op === '!=') return a !== b;
    if (op === '-eq') return Number(a) === Number(b);
    if (op === '-ne') return Number(a) !== Number(b);
    if (op === '-lt') return Number(a) < Number(b);
    if (op === '-gt') return Number(a) > Number(b);
  }
  return args.length === 1 && args[0] !== '';
}

// ---- the shell ------------------------------------------------------------------------------

interface Word {
  text: string;
  /** Unquoted operator token (`;`, `&&`, `||`, `|`, `>`, `>>`, `<`, `2>`, `2>&1`). */
  op?: string;
}

function tokenize(line: string, sh: Shell): Word[] {
  const out: Word[] = [];
  let i = 0;
  let cur = '';
  let has = false;
  const push = () => {
    if (has) out.push({ text: cur });
    cur = '';
    has = false;
  };
  const expandVar = (): string => {
    if (line[i + 1] === '{') {
      const end = line.indexOf('}', i);
      const name = line.slice(i + 2, end);
      i = end + 1;
      return sh.vars.get(name) ?? '';
    }
    if (line[i + 1] === '?') {
      i += 2;
      return String(sh.last);
    }
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(line.slice(i + 1));
    if (!m) {
      i++;
      return '$';
    }
    i += 1 + m[0].length;
    return sh.vars.get(m[0]) ?? '';
  };
  while (i < line.length) {
    const c = line[i]!;
    if (c === ' ' || c === '\t') {
      push();
      i++;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      cur += line.slice(i + 1, end < 0 ? undefined : end);
      has = true;
      i = end < 0 ? line.length : end + 1;
    } else if (c === '"') {
      i++;
      has = true;
      while (i < line.length && line[i] !== '"') {
        if (line[i] === '\\' && /["\\$`]/.test(line[i + 1] ?? '')) {
          cur += line[i + 1];
          i += 2;
        } else if (line[i] === '$') cur += expandVar();
        else cur += line[i++];
      }
      i++;
    } else if (c === '\\') {
      cur += line[i + 1] ?? '';
      has = true;
      i += 2;
    } else if (c === '$') {
      cur += expandVar();
      has = true;
    } else if (c === '#' && !has) {
      break;
    } else if (line.startsWith('2>&1', i)) {
      push();
      out.push({ text: '2>&1', op: '2>&1' });
      i += 4;
    } else if (line.startsWith('2>', i) && !has) {
      push();
      out.push({ text: '2>', op: '2>' });
      i += 2;
    } else if (line.startsWith('&&', i) || line.startsWith('||', i) || line.startsWith('>>', i)) {
      push();
      out.push({ text: line.slice(i, i + 2), op: line.slice(i, i + 2) });
      i += 2;
    } else if (c === ';' || c === '|' || c === '>' || c === '<') {
      push();
      out.push({ text: c, op: c });
      i++;
    } else {
      cur += c;
      has = true;
      i++;
    }
  }
  push();
  return out;
}

async function runSimple(words: Word[], io: ExecIo, stdin: string, sh: Shell, env: ExecEnv): Promise<number> {
  const argv: string[] = [];
  let out = io;
  let input = stdin;
  let captured: { path: string; append: boolean; text: string } | undefined;
  let errCaptured: { path: string; text: string } | undefined;
  let errToOut = false;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w.op === '>' || w.op === '>>') {
      captured = { path: normalize(words[++i]?.text ?? '', sh.cwd), append: w.op === '>>', text: '' };
    } else if (w.op === '2>') {
      errCaptured = { path: normalize(words[++i]?.text ?? '', sh.cwd), text: '' };
    } else if (w.op === '2>&1') errToOut = true;
    else if (w.op === '<') {
      const r = env.fs.readFile(normalize(words[++i]?.text ?? '', sh.cwd));
      if ('error' in r) {
        io.stderr(`${sh.name}: ${sh.line}: cannot open ${words[i]?.text}: ${r.error === 'ENOENT' ? 'No such file' : fsErr(r.error)}\n`);
        return 2;
      }
      input = r.content;
    } else argv.push(w.text);
  }
  const stdout = (t: string) => (captured ? (captured.text += t) : io.stdout(t));
  const stderr = (t: string) => (errToOut ? stdout(t) : errCaptured ? (errCaptured.text += t) : io.stderr(t));
  out = { stdout, stderr };
  let code: number;
  const assignment = argv.length && argv.every((a) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(a));
  if (!argv.length) code = 0;
  else if (assignment) {
    for (const a of argv) sh.vars.set(a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1));
    code = 0;
  } else {
    const [name, ...args] = argv as [string, ...string[]];
    code = await runCommand(name, args, out, input, sh, env);
  }
  if (captured) {
    const e = env.fs.writeFile(captured.path, captured.text, captured.append, env.wallNow());
    if (e) io.stderr(`${sh.name}: ${sh.line}: cannot create ${captured.path}: ${e === 'ENOENT' ? 'Directory nonexistent' : fsErr(e)}\n`);
  }
  if (errCaptured) env.fs.writeFile(errCaptured.path, errCaptured.text, false, env.wallNow());
  return code;
}

async function runCommand(name: string, args: string[], io: ExecIo, stdin: string, sh: Shell, env: ExecEnv): Promise<number> {
  if (name === 'cd') {
    const target = normalize(args[0] ?? '/root', sh.cwd);
    const st = env.fs.stat(target);
    if (typeof st === 'string' || st.node.type !== 'dir') {
      io.stderr(`${sh.name}: ${sh.line}: cd: can't cd to ${args[0]}\n`);
      return 2;
    }
    sh.cwd = target;
    return 0;
  }
  if (name === 'export') {
    for (const a of args) {
      const i = a.indexOf('=');
      if (i > 0) sh.vars.set(a.slice(0, i), a.slice(i + 1));
    }
    return 0;
  }
  if (name === 'exit') throw new ShellExit(Number(args[0] ?? sh.last));
  const base = name.includes('/') ? name.slice(name.lastIndexOf('/') + 1) : name;
  const impl = COMMANDS[base];
  if (!env.profile.commands?.has(base) || (name.includes('/') && typeof env.fs.stat(name) === 'string' && !['/bin/', '/usr/bin/', '/usr/sbin/', '/sbin/'].some((p) => name.startsWith(p)))) {
    io.stderr(`${sh.name}: ${sh.line}: ${name}: not found\n`);
    return 127;
  }
  if (base === 'sh' || base === 'bash' || base === 'dash' || base === 'ash') return runShell(args, io, stdin, env, sh.vars);
  if (!impl) {
    io.stderr(`${sh.name}: ${sh.line}: ${name}: not found\n`);
    return 127;
  }
  return impl(args, io, stdin, sh, env);
}

class ShellExit extends Error {
  constructor(readonly code: number) {
    super('exit');
  }
}

/** Split a line at unquoted `;`, `&&`, `||` (expansion happens later, command by command, so `$?` is current). */
function splitList(line: string): { text: string; sep?: string }[] {
  const out: { text: string; sep?: string }[] = [];
  let cur = '';
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"') cur += line[i++];
      cur += c;
      continue;
    }
    if (c === "'" || c === '"') {
      quote = c;
      cur += c;
    } else if (c === '\\') {
      cur += c + (line[i + 1] ?? '');
      i++;
    } else if (c === '#' && (!cur || /\s$/.test(cur))) break;
    else if (c === ';' || (c === '&' && line[i + 1] === '&') || (c === '|' && line[i + 1] === '|')) {
      const sep = c === ';' ? ';' : c + c;
      out.push({ text: cur, sep });
      cur = '';
      if (sep.length === 2) i++;
    } else cur += c;
  }
  out.push({ text: cur });
  return out;
}

/** Run one line of shell input (lists and pipelines). */
async function runLine(line: string, io: ExecIo, stdin: string, sh: Shell, env: ExecEnv): Promise<number> {
  let code = sh.last;
  let skip = false;
  for (const part of splitList(line)) {
    if (!skip && part.text.trim()) {
      const pipeline = tokenize(part.text, sh);
      const stages: Word[][] = [[]];
      for (const w of pipeline) {
        if (w.op === '|') stages.push([]);
        else stages[stages.length - 1]!.push(w);
      }
      let input = stdin;
      for (let s = 0; s < stages.length; s++) {
        const last = s === stages.length - 1;
        let buffered = '';
        const stageIo: ExecIo = last ? io : { stdout: (t) => (buffered += t), stderr: io.stderr };
        code = await runSimple(stages[s]!, stageIo, input, sh, env);
        input = buffered;
      }
      sh.last = code;
    }
    if (part.sep === '&&') skip = code !== 0;
    else if (part.sep === '||') skip = code === 0;
    else skip = false;
  }
  return code;
}

/** `sh [-c script]`: a script string, or the lines of stdin. */
export async function runShell(args: string[], io: ExecIo, stdin: string, env: ExecEnv, vars: Map<string, string>): Promise<number> {
  const sh: Shell = { cwd: '/', vars: new Map(vars), last: 0, name: 'sh', line: 1 };
  const c = args.indexOf('-c');
  const script = c >= 0 ? (args[c + 1] ?? '') : stdin;
  let code = 0;
  try {
    const lines = script.split('\n');
    for (let i = 0; i < lines.length; i++) {
      sh.line = i + 1;
      if (!lines[i]!.trim()) continue;
      code = await runLine(lines[i]!, io, c >= 0 ? stdin : '', sh, env);
    }
  } catch (err) {
    if (err instanceof ShellExit) return err.code;
    throw err;
  }
  return code;
}

/** An interactive shell fed line by line (`kubectl exec -i ... -- sh`): each line runs as it arrives. */
export class InteractiveShell {
  readonly #sh: Shell;
  exited: number | undefined;

  constructor(
    private readonly env: ExecEnv,
    vars: Map<string, string>,
  ) {
    this.#sh = { cwd: '/', vars: new Map(vars), last: 0, name: 'sh', line: 0 };
  }

  async line(text: string, io: ExecIo): Promise<void> {
    this.#sh.line++;
    if (this.exited !== undefined || !text.trim()) return;
    try {
      await runLine(text, io, '', this.#sh, this.env);
    } catch (err) {
      if (err instanceof ShellExit) this.exited = err.code;
      else throw err;
    }
  }

  get lastCode(): number {
    return this.exited ?? this.#sh.last;
  }
}

/** Start `argv` in the container (no shell in between), as the runtime does for `kubectl exec`. */
export async function execInContainer(argv: string[], io: ExecIo, stdin: string, env: ExecEnv): Promise<number> {
  const [name, ...args] = argv;
  const missing = !name || !env.profile.commands || !(env.profile.commands.has(name.includes('/') ? name.slice(name.lastIndexOf('/') + 1) : name));
  if (missing) {
    throw new ExecStartError(`exec: "${name ?? ''}": executable file not found in $PATH`);
  }
  const sh: Shell = { cwd: '/', vars: new Map(env.env), last: 0, name: name!, line: 1 };
  try {
    return await runCommand(name!, args, io, stdin, sh, env);
  } catch (err) {
    if (err instanceof ShellExit) return err.code;
    throw err;
  }
}

export { ShellExit };
