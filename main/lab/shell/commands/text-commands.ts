/** coreutils/grep/sed as the app uses them: cat, tee, echo, grep, sed, head, tail, wc, test, true, false. */
import { FsError, normalizePath } from '../virtual-fs';
import type { CommandContext, CommandFn } from '../shell';

function path(ctx: CommandContext, p: string): string {
  return normalizePath(p, ctx.session.cwd);
}

/** Read the file operands (or stdin for none or `-`); reports missing files GNU-style. */
async function readInputs(ctx: CommandContext, name: string, files: string[]): Promise<{ text: string; file?: string }[] | number> {
  if (files.length === 0) return [{ text: await ctx.stdin.readAll() }];
  const out: { text: string; file?: string }[] = [];
  let failed = false;
  for (const f of files) {
    if (f === '-') {
      out.push({ text: await ctx.stdin.readAll(), file: '(standard input)' });
      continue;
    }
    try {
      out.push({ text: ctx.machine.fs.read(path(ctx, f), ctx.user), file: f });
    } catch (e) {
      if (!(e instanceof FsError)) throw e;
      ctx.stderr(`${name}: ${f}: ${e.message}\n`);
      failed = true;
    }
  }
  return failed && out.length === 0 ? 1 : out;
}

const cat: CommandFn = async (ctx) => {
  const files = ctx.argv.slice(1).filter((a) => a !== '--');
  let status = 0;
  if (files.length === 0) {
    ctx.stdout(await ctx.stdin.readAll());
    return 0;
  }
  for (const f of files) {
    try {
      ctx.stdout(f === '-' ? await ctx.stdin.readAll() : ctx.machine.fs.read(path(ctx, f), ctx.user));
    } catch (e) {
      if (!(e instanceof FsError)) throw e;
      ctx.stderr(`cat: ${f}: ${e.message}\n`);
      status = 1;
    }
  }
  return status;
};

const tee: CommandFn = async (ctx) => {
  const args = ctx.argv.slice(1);
  const append = args.some((a) => a === '-a' || a === '--append');
  const files = args.filter((a) => !a.startsWith('-'));
  const text = await ctx.stdin.readAll();
  let status = 0;
  for (const f of files) {
    try {
      ctx.machine.fs.write(path(ctx, f), text, { user: ctx.user, append });
    } catch (e) {
      if (!(e instanceof FsError)) throw e;
      ctx.stderr(`tee: ${f}: ${e.message}\n`);
      status = 1;
    }
  }
  ctx.stdout(text);
  return status;
};

/** bash's printf: %s %d %i %x %% and backslash escapes; the format repeats for extra arguments. */
const printf: CommandFn = (ctx) => {
  const [format = '', ...args] = ctx.argv.slice(1);
  const fmt = unescapeEcho(format);
  let out = '';
  let rest = args;
  do {
    let used = 0;
    out += fmt.replace(/%([sdix%])/g, (_m, c: string) => {
      if (c === '%') return '%';
      const v = rest[used++] ?? '';
      if (c === 's') return v;
      const n = Number.parseInt(v || '0', 10);
      return c === 'x' ? n.toString(16) : String(n);
    });
    rest = rest.slice(used);
    if (used === 0) break;
  } while (rest.length > 0);
  ctx.stdout(out);
  return 0;
};

function unescapeEcho(s: string): string {
  return s.replace(/\\(n|t|\\|0[0-7]{0,3})/g, (_m, c: string) =>
    c === 'n' ? '\n' : c === 't' ? '\t' : c === '\\' ? '\\' : String.fromCharCode(parseInt(c, 8)),
  );
}

const echo: CommandFn = (ctx) => {
  let args = ctx.argv.slice(1);
  let newline = true;
  let escapes = false;
  while (args[0] && /^-[neE]+$/.test(args[0])) {
    if (args[0].includes('n')) newline = false;
    if (args[0].includes('e')) escapes = true;
    args = args.slice(1);
  }
  const text = args.join(' ');
  ctx.stdout((escapes ? unescapeEcho(text) : text) + (newline ? '\n' : ''));
  return 0;
};

/** POSIX basic regular expression to a JavaScript one (the subset scripts use). */
export function breToJs(re: string, extended: boolean): string {
  if (extended) return re;
  let out = '';
  for (let i = 0; i < re.length; i++) {
    const c = re[i]!;
    if (c === '\\' && i + 1 < re.length) {
      const d = re[++i]!;
      out += '(){}+?|'.includes(d) ? d : '\\' + d;
    } else if ('(){}+?|'.includes(c)) out += '\\' + c;
    else out += c;
  }
  return out;
}

function parseFlags(args: string[], known: string, withValue = ''): { flags: Set<string>; values: Map<string, string>; rest: string[] } {
  const flags = new Set<string>();
  const values = new Map<string, string>();
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      rest.push(...args.slice(i + 1));
      break;
    }
    if (a.startsWith('-') && a.length > 1 && !/^-\d/.test(a)) {
      for (let k = 1; k < a.length; k++) {
        const f = a[k]!;
        if (withValue.includes(f)) {
          values.set(f, a.slice(k + 1) || args[++i] || '');
          break;
        }
        if (known.includes(f)) flags.add(f);
      }
    } else rest.push(a);
  }
  return { flags, values, rest };
}

const grep: CommandFn = async (ctx) => {
  const { flags, values, rest } = parseFlags(ctx.argv.slice(1), 'qivcEFwxhnso', 'e');
  const pattern = values.get('e') ?? rest.shift();
  if (pattern === undefined) {
    ctx.stderr("Usage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.\n");
    return 2;
  }
  let source = flags.has('F') ? pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : breToJs(pattern, flags.has('E'));
  if (flags.has('w')) source = `\\b(?:${source})\\b`;
  if (flags.has('x')) source = `^(?:${source})$`;
  const re = new RegExp(source, flags.has('i') ? 'i' : '');
  const inputs = await readInputs(ctx, 'grep', rest);
  if (typeof inputs === 'number') return 2;
  let matched = 0;
  for (const input of inputs) {
    const lines = input.text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    let count = 0;
    for (const [n, line] of lines.entries()) {
      if (re.test(line) === flags.has('v')) continue;
      count++;
      if (flags.has('q') || flags.has('c')) continue;
      const prefix = (inputs.length > 1 && !flags.has('h') ? `${input.file}:` : '') + (flags.has('n') ? `${n + 1}:` : '');
      if (flags.has('o') && !flags.has('v')) {
        for (const m of line.matchAll(new RegExp(re.source, re.flags + 'g'))) if (m[0]) ctx.stdout(prefix + m[0] + '\n');
      } else ctx.stdout(prefix + line + '\n');
    }
    if (flags.has('c') && !flags.has('q')) ctx.stdout((inputs.length > 1 ? `${input.file}:` : '') + count + '\n');
    matched += count;
  }
  return matched > 0 ? 0 : 1;
};

interface SedCommand {
  address?: { line?: number; last?: boolean; re?: RegExp };
  op: 's' | 'd' | 'a' | 'i';
  re?: RegExp;
  replacement?: string;
  text?: string;
}

function parseSedScript(script: string, extended: boolean): SedCommand[] {
  const cmds: SedCommand[] = [];
  for (const raw of script.split(/;|\n/)) {
    let s = raw.trim();
    if (!s) continue;
    const cmd: Partial<SedCommand> = {};
    if (s.startsWith('$')) {
      cmd.address = { last: true };
      s = s.slice(1).trim();
    } else if (/^\d/.test(s)) {
      const m = /^\d+/.exec(s)!;
      cmd.address = { line: Number(m[0]) };
      s = s.slice(m[0].length).trim();
    } else if (s.startsWith('/')) {
      const end = s.indexOf('/', 1);
      cmd.address = { re: new RegExp(breToJs(s.slice(1, end), extended)) };
      s = s.slice(end + 1).trim();
    }
    const op = s[0];
    if (op === 's') {
      const delim = s[1]!;
      const pieces: string[] = [];
      let cur = '';
      for (let i = 2; i < s.length; i++) {
        if (s[i] === '\\' && s[i + 1] === delim) {
          cur += delim;
          i++;
        } else if (s[i] === delim) {
          pieces.push(cur);
          cur = '';
        } else cur += s[i];
      }
      pieces.push(cur);
      if (pieces.length < 3) throw new Error(`sed: -e expression #1, char ${s.length}: unterminated \`s' command`);
      const flagText = pieces[2]!;
      cmd.op = 's';
      cmd.re = new RegExp(breToJs(pieces[0]!, extended), (flagText.includes('g') ? 'g' : '') + (flagText.includes('I') ? 'i' : ''));
      cmd.replacement = pieces[1]!;
    } else if (op === 'd') cmd.op = 'd';
    else if (op === 'a' || op === 'i') {
      cmd.op = op;
      cmd.text = s.slice(1).replace(/^\\?\s*/, '');
    } else throw new Error(`sed: -e expression #1, char 1: unknown command: \`${op ?? ''}'`);
    cmds.push(cmd as SedCommand);
  }
  return cmds;
}

function sedReplace(line: string, re: RegExp, replacement: string): string {
  return line.replace(re, (...m: unknown[]) => {
    const groups = m.slice(0, -2).filter((g) => typeof g === 'string' || g === undefined) as (string | undefined)[];
    return replacement.replace(/\\(\d)|\\n|\\&|&|\\\\/g, (tok, d?: string) => {
      if (d !== undefined) return groups[Number(d)] ?? '';
      if (tok === '\\n') return '\n';
      if (tok === '\\&') return '&';
      if (tok === '\\\\') return '\\';
      return groups[0] ?? '';
    });
  });
}

export function runSed(text: string, cmds: SedCommand[]): string {
  const lines = text.split('\n');
  const trailing = lines[lines.length - 1] === '';
  if (trailing) lines.pop();
  const out: string[] = [];
  for (const [n, original] of lines.entries()) {
    let line: string | null = original;
    const after: string[] = [];
    for (const c of cmds) {
      if (line === null) break;
      const a = c.address;
      if (a && !((a.line !== undefined && a.line === n + 1) || (a.last && n === lines.length - 1) || (a.re && a.re.test(line)))) continue;
      if (c.op === 'd') line = null;
      else if (c.op === 's') line = sedReplace(line, c.re!, c.replacement!);
      else if (c.op === 'a') after.push(c.text!);
      else out.push(c.text!);
    }
    if (line !== null) out.push(line);
    out.push(...after);
  }
  return out.join('\n') + (trailing || out.length ? '\n' : '');
}

const sed: CommandFn = async (ctx) => {
  const args = ctx.argv.slice(1);
  let inPlace = false;
  let extended = false;
  const scripts: string[] = [];
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-i' || a.startsWith('-i')) inPlace = true;
    else if (a === '-E' || a === '-r') extended = true;
    else if (a === '-e') scripts.push(args[++i] ?? '');
    else if (/^-[iEr]+$/.test(a)) {
      inPlace ||= a.includes('i');
      extended ||= /[Er]/.test(a);
    } else if (scripts.length === 0 && !a.startsWith('-')) scripts.push(a);
    else files.push(a);
  }
  let cmds: SedCommand[];
  try {
    cmds = parseSedScript(scripts.join('\n'), extended);
  } catch (e) {
    ctx.stderr(`${(e as Error).message}\n`);
    return 1;
  }
  if (!inPlace) {
    const inputs = await readInputs(ctx, 'sed', files);
    if (typeof inputs === 'number') return 2;
    ctx.stdout(runSed(inputs.map((i) => i.text).join(''), cmds));
    return 0;
  }
  if (files.length === 0) {
    ctx.stderr('sed: no input files\n');
    return 1;
  }
  for (const f of files) {
    const p = path(ctx, f);
    try {
      const text = ctx.machine.fs.read(p, ctx.user);
      ctx.machine.fs.write(p, runSed(text, cmds), { user: ctx.user });
    } catch (e) {
      if (!(e instanceof FsError)) throw e;
      if (e.code === 'ENOENT') ctx.stderr(`sed: can't read ${f}: No such file or directory\n`);
      else ctx.stderr(`sed: couldn't open temporary file ${normalizePath('..', p)}/sedXXXXXX: Permission denied\n`);
      return e.code === 'ENOENT' ? 2 : 4;
    }
  }
  return 0;
};

function lineCount(args: string[]): { n: number; files: string[] } {
  let n = 10;
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-n') n = Number(args[++i]);
    else if (/^-n\d+$/.test(a)) n = Number(a.slice(2));
    else if (/^-\d+$/.test(a)) n = Number(a.slice(1));
    else files.push(a);
  }
  return { n, files };
}

const head: CommandFn = async (ctx) => {
  const { n, files } = lineCount(ctx.argv.slice(1));
  const inputs = await readInputs(ctx, 'head', files);
  if (typeof inputs === 'number') return 1;
  const lines = inputs.map((i) => i.text).join('').split('\n');
  const text = lines.slice(0, n).join('\n');
  ctx.stdout(lines.length > n ? text + '\n' : text);
  return 0;
};

const tail: CommandFn = async (ctx) => {
  const { n, files } = lineCount(ctx.argv.slice(1));
  const inputs = await readInputs(ctx, 'tail', files);
  if (typeof inputs === 'number') return 1;
  const lines = inputs.map((i) => i.text).join('').replace(/\n$/, '').split('\n');
  ctx.stdout(lines.slice(-n).join('\n') + '\n');
  return 0;
};

const wc: CommandFn = async (ctx) => {
  const { flags, rest } = parseFlags(ctx.argv.slice(1), 'lwc');
  const inputs = await readInputs(ctx, 'wc', rest);
  if (typeof inputs === 'number') return 1;
  const text = inputs.map((i) => i.text).join('');
  const counts = { l: (text.match(/\n/g) ?? []).length, w: text.split(/\s+/).filter(Boolean).length, c: Buffer.byteLength(text) };
  const shown = (['l', 'w', 'c'] as const).filter((f) => flags.size === 0 || flags.has(f)).map((f) => counts[f]);
  ctx.stdout(shown.join(' ') + (rest.length ? ` ${rest.join(' ')}` : '') + '\n');
  return 0;
};

function evalTest(ctx: CommandContext, args: string[]): boolean | 'error' {
  const fs = ctx.machine.fs;
  if (args.length === 0) return false;
  if (args[0] === '!') {
    const r = evalTest(ctx, args.slice(1));
    return r === 'error' ? r : !r;
  }
  const andAt = args.indexOf('-a');
  if (andAt > 0) {
    const l = evalTest(ctx, args.slice(0, andAt));
    const r = evalTest(ctx, args.slice(andAt + 1));
    return l === 'error' || r === 'error' ? 'error' : l && r;
  }
  if (args.length === 1) return args[0] !== '';
  if (args.length === 2) {
    const [op, v] = args as [string, string];
    const p = path(ctx, v);
    switch (op) {
      case '-z':
        return v === '';
      case '-n':
        return v !== '';
      case '-e':
        return fs.exists(p);
      case '-f':
        return fs.isFile(p);
      case '-d':
        return fs.isDir(p);
      case '-s':
        return fs.isFile(p) && fs.read(p).length > 0;
      case '-r':
      case '-w':
      case '-x':
        return fs.exists(p);
      default:
        return 'error';
    }
  }
  const [l, op, r] = args as [string, string, string];
  const num = (s: string) => Number.parseInt(s, 10);
  switch (op) {
    case '=':
    case '==':
      return l === r;
    case '!=':
      return l !== r;
    case '-eq':
      return num(l) === num(r);
    case '-ne':
      return num(l) !== num(r);
    case '-gt':
      return num(l) > num(r);
    case '-ge':
      return num(l) >= num(r);
    case '-lt':
      return num(l) < num(r);
    case '-le':
      return num(l) <= num(r);
    default:
      return 'error';
  }
}

const test: CommandFn = (ctx) => {
  let args = ctx.argv.slice(1);
  if (ctx.argv[0] === '[') {
    if (args[args.length - 1] !== ']') {
      ctx.stderr("bash: [: missing `]'\n");
      return 2;
    }
    args = args.slice(0, -1);
  }
  const r = evalTest(ctx, args);
  if (r === 'error') {
    ctx.stderr(`bash: ${ctx.argv[0]}: ${args[1] ?? args[0]}: binary operator expected\n`);
    return 2;
  }
  return r ? 0 : 1;
};

export const textCommands: Record<string, CommandFn> = {
  cat,
  tee,
  echo,
  printf,
  grep,
  sed,
  head,
  tail,
  wc,
  test,
  '[': test,
  true: () => 0,
  false: () => 1,
};
