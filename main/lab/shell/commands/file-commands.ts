/**
 * The file commands a learner types around `kubectl apply -f`: ls (-a, -1; one name per line into
 * a pipe), mkdir (-p), rm (-f, -r), pwd, touch, cp, mv, clear, with coreutils' messages.
 */
import { FsError, normalizePath } from '../virtual-fs';
import type { CommandContext, CommandFn } from '../shell';

function split(args: string[], known: string): { flags: Set<string>; rest: string[]; bad?: string } {
  const flags = new Set<string>();
  const rest: string[] = [];
  for (const a of args) {
    if (a === '--') continue;
    if (a.startsWith('-') && a.length > 1) {
      for (const f of a.slice(1)) {
        if (!known.includes(f)) return { flags, rest, bad: f };
        flags.add(f);
      }
    } else rest.push(a);
  }
  return { flags, rest };
}

const abs = (ctx: CommandContext, p: string) => normalizePath(p, ctx.session.cwd);

const ls: CommandFn = (ctx) => {
  const { flags, rest, bad } = split(ctx.argv.slice(1).map((a) => (a === '--all' ? '-a' : a)), 'aAl1hF');
  if (bad) {
    ctx.stderr(`ls: invalid option -- '${bad}'\nTry 'ls --help' for more information.\n`);
    return 2;
  }
  const fs = ctx.machine.fs;
  const targets = rest.length ? rest : ['.'];
  let status = 0;
  const show = (names: string[]) => {
    if (!names.length) return;
    if (ctx.session.tty && !flags.has('1') && !flags.has('l')) ctx.stdout(names.join('  ') + '\n');
    else ctx.stdout(names.map((n) => n + '\n').join(''));
  };
  const files = targets.filter((t) => fs.exists(abs(ctx, t)) && !fs.isDir(abs(ctx, t)));
  const dirs = targets.filter((t) => fs.isDir(abs(ctx, t)));
  for (const t of targets.filter((x) => !fs.exists(abs(ctx, x)))) {
    ctx.stderr(`ls: cannot access '${t}': No such file or directory\n`);
    status = 2;
  }
  show(files);
  dirs.forEach((d, i) => {
    if (targets.length > 1) ctx.stdout(`${files.length || i ? '\n' : ''}${d}:\n`);
    const names = fs.list(abs(ctx, d)).filter((n) => flags.has('a') || flags.has('A') || !n.startsWith('.'));
    show(flags.has('a') ? ['.', '..', ...names] : names);
  });
  return status;
};

const mkdir: CommandFn = (ctx) => {
  const { flags, rest } = split(ctx.argv.slice(1).map((a) => (a === '--parents' ? '-p' : a)), 'pv');
  if (!rest.length) {
    ctx.stderr("mkdir: missing operand\nTry 'mkdir --help' for more information.\n");
    return 1;
  }
  const fs = ctx.machine.fs;
  let status = 0;
  for (const d of rest) {
    const p = abs(ctx, d);
    const parent = p.slice(0, p.lastIndexOf('/')) || '/';
    if (fs.exists(p)) {
      if (flags.has('p') && fs.isDir(p)) continue;
      ctx.stderr(`mkdir: cannot create directory ‘${d}’: File exists\n`);
      status = 1;
    } else if (!flags.has('p') && !fs.isDir(parent)) {
      ctx.stderr(`mkdir: cannot create directory ‘${d}’: No such file or directory\n`);
      status = 1;
    } else fs.mkdirp(p, ctx.user);
  }
  return status;
};

const rm: CommandFn = (ctx) => {
  const { flags, rest } = split(ctx.argv.slice(1), 'frRiv');
  if (!rest.length) {
    if (flags.has('f')) return 0;
    ctx.stderr("rm: missing operand\nTry 'rm --help' for more information.\n");
    return 1;
  }
  const fs = ctx.machine.fs;
  let status = 0;
  for (const f of rest) {
    const p = abs(ctx, f);
    if (!fs.exists(p)) {
      if (!flags.has('f')) {
        ctx.stderr(`rm: cannot remove '${f}': No such file or directory\n`);
        status = 1;
      }
      continue;
    }
    if (fs.isDir(p) && !flags.has('r') && !flags.has('R')) {
      ctx.stderr(`rm: cannot remove '${f}': Is a directory\n`);
      status = 1;
      continue;
    }
    const stack = [p];
    const all: string[] = [];
    while (stack.length) {
      const x = stack.pop()!;
      all.push(x);
      if (fs.isDir(x)) for (const n of fs.list(x)) stack.push(`${x === '/' ? '' : x}/${n}`);
    }
    for (const x of all.reverse()) fs.remove(x);
  }
  return status;
};

const touch: CommandFn = (ctx) => {
  const fs = ctx.machine.fs;
  let status = 0;
  for (const f of ctx.argv.slice(1).filter((a) => !a.startsWith('-'))) {
    const p = abs(ctx, f);
    if (fs.exists(p)) continue;
    try {
      fs.write(p, '', { user: ctx.user });
    } catch (e) {
      if (!(e instanceof FsError)) throw e;
      ctx.stderr(`touch: cannot touch '${f}': ${e.message}\n`);
      status = 1;
    }
  }
  return status;
};

function copy(ctx: CommandContext, name: 'cp' | 'mv'): number {
  const rest = ctx.argv.slice(1).filter((a) => !a.startsWith('-'));
  if (rest.length < 2) {
    ctx.stderr(`${name}: missing ${rest.length ? `destination file operand after '${rest[0]}'` : 'file operand'}\nTry '${name} --help' for more information.\n`);
    return 1;
  }
  const fs = ctx.machine.fs;
  const dest = rest.pop()!;
  let status = 0;
  for (const src of rest) {
    const from = abs(ctx, src);
    if (!fs.exists(from)) {
      ctx.stderr(`${name}: cannot stat '${src}': No such file or directory\n`);
      status = 1;
      continue;
    }
    if (fs.isDir(from)) {
      ctx.stderr(`${name}: -r not specified; omitting directory '${src}'\n`);
      status = 1;
      continue;
    }
    const to = fs.isDir(abs(ctx, dest)) ? `${abs(ctx, dest)}/${from.slice(from.lastIndexOf('/') + 1)}` : abs(ctx, dest);
    try {
      fs.write(to, fs.read(from, ctx.user), { user: ctx.user });
      if (name === 'mv') fs.remove(from);
    } catch (e) {
      if (!(e instanceof FsError)) throw e;
      ctx.stderr(`${name}: cannot create regular file '${dest}': ${e.message}\n`);
      status = 1;
    }
  }
  return status;
}

export const fileCommands: Record<string, CommandFn> = {
  ls,
  mkdir,
  rm,
  touch,
  pwd: (ctx) => {
    ctx.stdout(ctx.session.cwd + '\n');
    return 0;
  },
  cp: (ctx) => copy(ctx, 'cp'),
  mv: (ctx) => copy(ctx, 'mv'),
  clear: (ctx) => {
    if (ctx.session.tty) ctx.stdout('\x1b[H\x1b[2J\x1b[3J');
    return 0;
  },
};
