/**
 * coreutils/grep/sed as the app and a learner use them on a Pi: cat, tee, echo, printf, grep
 * (-E -F -i -v -c -n -o -w -x -q -l -h -H -r), sed, head/tail (-n, -c, +N, -N, tail -f until Ctrl-C
 * or the session ends), wc (-l -w -c, GNU's column widths), sort (-n -r -u -k -t -f), uniq
 * (-c -d -u -i), cut (-d -f -c), less/more (as cat: no terminal paging), test, true, false.
 */
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

const GREP_LONG: Record<string, string> = {
  '--ignore-case': 'i',
  '--invert-match': 'v',
  '--count': 'c',
  '--extended-regexp': 'E',
  '--fixed-strings': 'F',
  '--word-regexp': 'w',
  '--line-regexp': 'x',
  '--line-number': 'n',
  '--only-matching': 'o',
  '--quiet': 'q',
  '--silent': 'q',
  '--recursive': 'r',
  '--files-with-matches': 'l',
  '--no-filename': 'h',
  '--with-filename': 'H',
};

/** Files under `dir` (recursive), as grep -r walks them. */
function walk(ctx: CommandContext, dir: string, shown: string): { abs: string; shown: string }[] {
  const fs = ctx.machine.fs;
  const out: { abs: string; shown: string }[] = [];
  for (const name of fs.list(dir).sort()) {
    const abs = `${dir === '/' ? '' : dir}/${name}`;
    const label = shown === '.' ? name : `${shown.replace(/\/$/, '')}/${name}`;
    if (fs.isDir(abs)) out.push(...walk(ctx, abs, label));
    else out.push({ abs, shown: label });
  }
  return out;
}

const grep: CommandFn = async (ctx) => {
  const args = ctx.argv.slice(1).filter((a) => !a.startsWith('--color') && a !== '--colour');
  const mapped = args.map((a) => GREP_LONG[a] ? `-${GREP_LONG[a]}` : a);
  const bad = mapped.find((a) => a.startsWith('--') && a !== '--');
  if (bad) {
    ctx.stderr(`grep: unrecognized option '${bad}'\nUsage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.\n`);
    return 2;
  }
  const { flags, values, rest } = parseFlags(mapped, 'qivcEFwxhHnsolrR', 'e');
  const pattern = values.get('e') ?? rest.shift();
  if (pattern === undefined) {
    ctx.stderr("Usage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.\n");
    return 2;
  }
  let source = flags.has('F') ? pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : breToJs(pattern, flags.has('E'));
  if (flags.has('w')) source = `(?<![A-Za-z0-9_])(?:${source})(?![A-Za-z0-9_])`;
  if (flags.has('x')) source = `^(?:${source})$`;
  let re: RegExp;
  try {
    re = new RegExp(source, flags.has('i') ? 'i' : '');
  } catch {
    ctx.stderr(`grep: Unmatched ( or \\(\n`);
    return 2;
  }
  const recursive = flags.has('r') || flags.has('R');
  let inputs: { text: string; file?: string }[] | number;
  let failed = false;
  if (recursive) {
    const fs = ctx.machine.fs;
    const targets = rest.length ? rest : ['.'];
    inputs = [];
    for (const t of targets) {
      const abs = path(ctx, t);
      if (!fs.exists(abs)) {
        ctx.stderr(`grep: ${t}: No such file or directory\n`);
        failed = true;
        continue;
      }
      for (const f of fs.isDir(abs) ? walk(ctx, abs, t) : [{ abs, shown: t }]) {
        try {
          inputs.push({ text: fs.read(f.abs, ctx.user), file: f.shown });
        } catch (e) {
          if (!(e instanceof FsError)) throw e;
          ctx.stderr(`grep: ${f.shown}: ${e.message}\n`);
          failed = true;
        }
      }
    }
  } else {
    const dirs = rest.filter((f) => f !== '-' && ctx.machine.fs.isDir(path(ctx, f)));
    for (const d of dirs) ctx.stderr(`grep: ${d}: Is a directory\n`);
    inputs = await readInputs(ctx, 'grep', rest.filter((f) => !dirs.includes(f)));
    if (typeof inputs === 'number') return 2;
    failed = dirs.length > 0;
  }
  const withName = flags.has('H') || (!flags.has('h') && (inputs.length > 1 || recursive));
  let matched = 0;
  for (const input of inputs) {
    const lines = input.text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    let count = 0;
    for (const [n, line] of lines.entries()) {
      if (re.test(line) === flags.has('v')) continue;
      count++;
      if (flags.has('q') || flags.has('c') || flags.has('l')) continue;
      const prefix = (withName ? `${input.file ?? '(standard input)'}:` : '') + (flags.has('n') ? `${n + 1}:` : '');
      if (flags.has('o') && !flags.has('v')) {
        for (const m of line.matchAll(new RegExp(re.source, re.flags + 'g'))) if (m[0]) ctx.stdout(prefix + m[0] + '\n');
      } else ctx.stdout(prefix + line + '\n');
    }
    if (flags.has('l') && count && !flags.has('q')) ctx.stdout(`${input.file ?? '(standard input)'}\n`);
    else if (flags.has('c') && !flags.has('q')) ctx.stdout((withName ? `${input.file ?? '(standard input)'}:` : '') + count + '\n');
    matched += count;
  }
  if (flags.has('q') && matched > 0) return 0;
  return failed ? 2 : matched > 0 ? 0 : 1;
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

interface HeadTailArgs {
  /** Line count (or byte count with `bytes`); `fromStart`: tail +N / `allBut`: head -n -N. */
  n: number;
  bytes: boolean;
  fromStart: boolean;
  allBut: boolean;
  follow: boolean;
  quiet: boolean;
  files: string[];
  error?: string;
}

function headTailArgs(name: 'head' | 'tail', args: string[]): HeadTailArgs {
  const o: HeadTailArgs = { n: 10, bytes: false, fromStart: false, allBut: false, follow: false, quiet: false, files: [] };
  const count = (v: string | undefined, bytes: boolean) => {
    if (v === undefined || !/^[+-]?\d+$/.test(v)) {
      o.error = `${name}: invalid number of ${bytes ? 'bytes' : 'lines'}: ‘${v ?? ''}’\n`;
      return;
    }
    o.bytes = bytes;
    o.fromStart = name === 'tail' && v.startsWith('+');
    o.allBut = name === 'head' && v.startsWith('-');
    o.n = Math.abs(Number(v));
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-n' || a === '--lines') count(args[++i], false);
    else if (a.startsWith('--lines=')) count(a.slice(8), false);
    else if (/^-n[+-]?\d+$/.test(a)) count(a.slice(2), false);
    else if (a === '-c' || a === '--bytes') count(args[++i], true);
    else if (a.startsWith('--bytes=')) count(a.slice(8), true);
    else if (/^-c[+-]?\d+$/.test(a)) count(a.slice(2), true);
    else if (/^-\d+$/.test(a)) count(a.slice(1), false);
    else if (name === 'tail' && /^\+\d+$/.test(a)) count(a, false);
    else if (name === 'tail' && (a === '-f' || a === '-F' || a === '--follow')) o.follow = true;
    else if (a === '-q' || a === '--quiet' || a === '--silent') o.quiet = true;
    else if (a.startsWith('-') && a !== '-') o.error = `${name}: invalid option -- '${a.replace(/^-+/, '')}'\nTry '${name} --help' for more information.\n`;
    else o.files.push(a);
  }
  return o;
}

function headOf(text: string, o: HeadTailArgs): string {
  if (o.bytes) {
    const buf = Buffer.from(text);
    return buf.subarray(0, o.allBut ? Math.max(0, buf.length - o.n) : o.n).toString();
  }
  const lines = text.split('\n');
  const complete = text.endsWith('\n') ? lines.slice(0, -1) : lines;
  const keep = o.allBut ? complete.slice(0, Math.max(0, complete.length - o.n)) : complete.slice(0, o.n);
  const partialLast = !text.endsWith('\n') && keep.length === complete.length && keep.length > 0;
  return keep.join('\n') + (keep.length && !partialLast ? '\n' : '');
}

function tailOf(text: string, o: HeadTailArgs): string {
  if (o.bytes) {
    const buf = Buffer.from(text);
    return buf.subarray(o.fromStart ? Math.max(0, o.n - 1) : Math.max(0, buf.length - o.n)).toString();
  }
  const lines = text.split('\n');
  const complete = text.endsWith('\n') ? lines.slice(0, -1) : lines;
  const keep = o.fromStart ? complete.slice(Math.max(0, o.n - 1)) : o.n === 0 ? [] : complete.slice(-o.n);
  const last = keep.length && keep.length <= complete.length && complete.length && keep[keep.length - 1] === complete[complete.length - 1];
  return keep.join('\n') + (keep.length && !(last && !text.endsWith('\n')) ? '\n' : '');
}

const head: CommandFn = async (ctx) => {
  const o = headTailArgs('head', ctx.argv.slice(1));
  if (o.error) {
    ctx.stderr(o.error);
    return 1;
  }
  const inputs = await readInputs(ctx, 'head', o.files);
  if (typeof inputs === 'number') return 1;
  inputs.forEach((input, i) => {
    if (inputs.length > 1 && !o.quiet) ctx.stdout(`${i ? '\n' : ''}==> ${input.file} <==\n`);
    ctx.stdout(headOf(input.text, o));
  });
  return inputs.length < o.files.length ? 1 : 0;
};

const tail: CommandFn = async (ctx) => {
  const o = headTailArgs('tail', ctx.argv.slice(1));
  if (o.error) {
    ctx.stderr(o.error);
    return 1;
  }
  const inputs = await readInputs(ctx, 'tail', o.files);
  if (typeof inputs === 'number') return 1;
  inputs.forEach((input, i) => {
    if (inputs.length > 1 && !o.quiet) ctx.stdout(`${i ? '\n' : ''}==> ${input.file} <==\n`);
    ctx.stdout(tailOf(input.text, o));
  });
  if (!o.follow || !o.files.filter((f) => f !== '-').length) return inputs.length < o.files.length ? 1 : 0;
  // -f: print what is appended until Ctrl-C or the end of the session.
  const fs = ctx.machine.fs;
  const watched = new Map(o.files.filter((f) => f !== '-').map((f) => [path(ctx, f), { name: f, size: inputs.find((x) => x.file === f)?.text.length ?? 0 }]));
  let lastShown = o.files[o.files.length - 1];
  await new Promise<void>((resolve) => {
    const stop = fs.onWrite((p, content) => {
      const w = watched.get(p);
      if (!w) return;
      if (content.length < w.size) {
        ctx.stderr(`tail: ${w.name}: file truncated\n`);
        w.size = 0;
      }
      const added = content.slice(w.size);
      w.size = content.length;
      if (!added) return;
      if (watched.size > 1 && lastShown !== w.name) ctx.stdout(`\n==> ${w.name} <==\n`);
      lastShown = w.name;
      ctx.stdout(added);
    });
    const done = () => {
      stop();
      resolve();
    };
    if (ctx.signal.aborted) done();
    else ctx.signal.addEventListener('abort', done, { once: true });
  });
  return 130;
};

const wc: CommandFn = async (ctx) => {
  const { flags, rest } = parseFlags(ctx.argv.slice(1).map((a) => ({ '--lines': '-l', '--words': '-w', '--bytes': '-c', '--chars': '-m' })[a] ?? a), 'lwcm');
  const inputs = await readInputs(ctx, 'wc', rest);
  if (typeof inputs === 'number') return 1;
  const which = (['l', 'w', 'm', 'c'] as const).filter((f) => (flags.size === 0 ? f !== 'm' : flags.has(f)));
  const countsOf = (text: string) => ({ l: (text.match(/\n/g) ?? []).length, w: text.split(/\s+/).filter(Boolean).length, m: [...text].length, c: Buffer.byteLength(text) });
  const rows = inputs.map((i) => ({ counts: countsOf(i.text), name: i.file }));
  if (rows.length > 1) {
    const total = { l: 0, w: 0, m: 0, c: 0 };
    for (const r of rows) for (const k of ['l', 'w', 'm', 'c'] as const) total[k] += r.counts[k];
    rows.push({ counts: total, name: 'total' });
  }
  // GNU wc: one number for one input alone; else a common width (7 when reading a pipe).
  const fromStdin = rest.length === 0 || rest.includes('-');
  const width = which.length === 1 && rows.length === 1 ? 1 : fromStdin ? 7 : Math.max(1, ...rows.map((r) => String(r.counts.c).length));
  for (const r of rows) ctx.stdout(which.map((k) => String(r.counts[k]).padStart(width)).join(' ') + (r.name && rest.length ? ` ${r.name}` : '') + '\n');
  return inputs.length < rest.length ? 1 : 0;
};

/**
 * Field `from` (1-based) to the end of the line, or of field `to`, as GNU sort cuts keys: without
 * `-t` a field is a run of non-blanks with the blanks before it (they count unless -b); with `-t`,
 * the text between separators.
 */
function sortKey(line: string, key: { from: number; to?: number } | undefined, sep: string | undefined): string {
  if (!key) return line;
  const starts: number[] = [];
  const ends: number[] = [];
  if (sep !== undefined) {
    let at = 0;
    for (const f of line.split(sep)) {
      starts.push(at);
      ends.push(at + f.length);
      at += f.length + sep.length;
    }
  } else {
    const re = /\s*\S+/g;
    for (let m = re.exec(line); m; m = re.exec(line)) {
      starts.push(m.index);
      ends.push(m.index + m[0].length);
    }
  }
  const from = starts[key.from - 1];
  if (from === undefined) return '';
  const to = key.to !== undefined ? (ends[key.to - 1] ?? line.length) : line.length;
  return line.slice(from, to);
}

const sort: CommandFn = async (ctx) => {
  const args = ctx.argv.slice(1).map((a) => ({ '--numeric-sort': '-n', '--reverse': '-r', '--unique': '-u', '--ignore-case': '-f' })[a] ?? a);
  const { flags, values, rest } = parseFlags(args, 'nrufhb', 'kt');
  let key: { from: number; to?: number } | undefined;
  const k = values.get('k');
  if (k !== undefined) {
    const m = /^(\d+)(?:\.\d+)?[a-z]*(?:,(\d+)(?:\.\d+)?[a-z]*)?$/.exec(k);
    if (!m) {
      ctx.stderr(`sort: invalid number at field start: invalid count at start of ‘${k}’\n`);
      return 2;
    }
    key = { from: Number(m[1]), to: m[2] ? Number(m[2]) : undefined };
    if (/n/.test(k)) flags.add('n');
  }
  const inputs = await readInputs(ctx, 'sort', rest);
  if (typeof inputs === 'number') return 2;
  const lines = inputs.map((i) => i.text).join('').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const sep = values.get('t');
  const num = (s: string) => {
    const m = /^\s*(-?\d+(?:\.\d+)?)/.exec(s);
    return m ? Number(m[1]) : 0;
  };
  const cmp = (a: string, b: string): number => {
    const ka = sortKey(a, key, sep);
    const kb = sortKey(b, key, sep);
    let c = flags.has('n') ? num(ka) - num(kb) : 0;
    if (!flags.has('n')) {
      const x = flags.has('f') ? ka.toUpperCase() : ka;
      const y = flags.has('f') ? kb.toUpperCase() : kb;
      c = x < y ? -1 : x > y ? 1 : 0;
    }
    if (c === 0 && !flags.has('u')) c = a < b ? -1 : a > b ? 1 : 0;
    return flags.has('r') ? -c : c;
  };
  let sorted = [...lines].sort(cmp);
  if (flags.has('u')) sorted = sorted.filter((l, i) => i === 0 || cmp(sorted[i - 1]!, l) !== 0);
  ctx.stdout(sorted.map((l) => l + '\n').join(''));
  return 0;
};

const uniq: CommandFn = async (ctx) => {
  const args = ctx.argv.slice(1).map((a) => ({ '--count': '-c', '--repeated': '-d', '--unique': '-u', '--ignore-case': '-i' })[a] ?? a);
  const { flags, rest } = parseFlags(args, 'cdui');
  const inputs = await readInputs(ctx, 'uniq', rest.slice(0, 1));
  if (typeof inputs === 'number') return 1;
  const lines = inputs.map((i) => i.text).join('').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const same = (a: string, b: string) => (flags.has('i') ? a.toLowerCase() === b.toLowerCase() : a === b);
  const groups: { line: string; count: number }[] = [];
  for (const l of lines) {
    const last = groups[groups.length - 1];
    if (last && same(last.line, l)) last.count++;
    else groups.push({ line: l, count: 1 });
  }
  let out = '';
  for (const g of groups) {
    if (flags.has('d') && g.count < 2) continue;
    if (flags.has('u') && g.count > 1) continue;
    out += (flags.has('c') ? `${String(g.count).padStart(7)} ` : '') + g.line + '\n';
  }
  if (rest[1]) ctx.machine.fs.write(path(ctx, rest[1]), out, { user: ctx.user });
  else ctx.stdout(out);
  return 0;
};

/** `1,3`, `2-`, `-3`, `1-2,5` as 1-based positions. */
function parseList(list: string): ((i: number) => boolean) | undefined {
  const parts = list.split(',').map((p) => /^(\d*)-?(\d*)$/.exec(p) && { from: p.startsWith('-') ? 1 : Number(p.split('-')[0]), to: p.includes('-') ? (p.endsWith('-') ? Infinity : Number(p.split('-')[1])) : Number(p) });
  if (parts.some((p) => !p || !(p.from >= 1))) return undefined;
  return (i) => parts.some((p) => i >= p!.from && i <= p!.to);
}

const cut: CommandFn = async (ctx) => {
  const { values, rest, flags } = parseFlags(ctx.argv.slice(1), 's', 'dfc');
  const fieldList = values.get('f');
  const charList = values.get('c');
  if (!fieldList && !charList) {
    ctx.stderr("cut: you must specify a list of bytes, characters, or fields\nTry 'cut --help' for more information.\n");
    return 1;
  }
  const pick = parseList(fieldList ?? charList!);
  if (!pick) {
    ctx.stderr(`cut: invalid field value ‘${fieldList ?? charList}’\nTry 'cut --help' for more information.\n`);
    return 1;
  }
  const delim = values.get('d') ?? '\t';
  if (delim.length !== 1) {
    ctx.stderr("cut: the delimiter must be a single character\nTry 'cut --help' for more information.\n");
    return 1;
  }
  const inputs = await readInputs(ctx, 'cut', rest);
  if (typeof inputs === 'number') return 1;
  for (const input of inputs) {
    const lines = input.text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    for (const line of lines) {
      if (charList) ctx.stdout([...line].filter((_, i) => pick(i + 1)).join('') + '\n');
      else if (!line.includes(delim)) {
        if (!flags.has('s')) ctx.stdout(line + '\n');
      } else ctx.stdout(line.split(delim).filter((_, i) => pick(i + 1)).join(delim) + '\n');
    }
  }
  return 0;
};

/** less and more without a terminal to page on: they print the files, as they do into a pipe. */
const pager: CommandFn = async (ctx) => {
  const files = ctx.argv.slice(1).filter((a) => !a.startsWith('-') && !a.startsWith('+'));
  const inputs = await readInputs(ctx, ctx.argv[0]!, files);
  if (typeof inputs === 'number') return 1;
  // util-linux more, writing into a pipe, heads every file with its name.
  for (const input of inputs) {
    if (ctx.argv[0] === 'more' && input.file && !ctx.session.tty) ctx.stdout(`::::::::::::::\n${input.file}\n::::::::::::::\n`);
    ctx.stdout(input.text);
  }
  return inputs.length < files.length ? 1 : 0;
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
  sort,
  uniq,
  cut,
  less: pager,
  more: pager,
  test,
  '[': test,
  true: () => 0,
  false: () => 1,
};
