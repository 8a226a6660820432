/**
 * The interpreter: runs a parsed command line against a virtual machine. Commands are
 * TypeScript functions over the machine's state; nothing is ever executed on the host.
 */
import { FsError, normalizePath } from './virtual-fs';
import { parseCommandLine, ShellSyntaxError } from './parse';
import type { CommandList, Redirect, SimpleCommand, Word } from './parse';
import type { ShellMachine, UserAccount } from './machine';

/** Standard input of a command: the channel, a terminal, or the previous command's output. */
export interface Stdin {
  /** Next line without its newline, or null at end of input. */
  readLine(options?: { echo?: boolean }): Promise<string | null>;
  /** Everything up to end of input. */
  readAll(): Promise<string>;
}

export function stringStdin(text: string): Stdin {
  let rest = text;
  return {
    readLine: async () => {
      if (!rest) return null;
      const i = rest.indexOf('\n');
      const line = i < 0 ? rest : rest.slice(0, i);
      rest = i < 0 ? '' : rest.slice(i + 1);
      return line;
    },
    readAll: async () => {
      const all = rest;
      rest = '';
      return all;
    },
  };
}

/** One login: who, with which groups (fixed at login, like a real process), and a TTY or not. */
export interface Session {
  user: UserAccount;
  /** Groups the login process has; a `usermod -aG` shows up only in new sessions. */
  loginGroups: string[];
  tty: boolean;
  cwd: string;
  env: Record<string, string>;
  lastStatus: number;
  /** Lab time until which sudo does not ask again (per TTY session). */
  sudoUntil: number;
}

export interface CommandContext {
  argv: string[];
  machine: ShellMachine;
  session: Session;
  /** The effective user: root under sudo. */
  user: string;
  stdin: Stdin;
  stdout(text: string): void;
  stderr(text: string): void;
  signal: AbortSignal;
  /** Run another command with the same stdio, as root or as the session user. */
  run(argv: string[], asRoot: boolean): Promise<number>;
  /** Run a command line (`bash -c`) with the same stdio. */
  script(source: string, asRoot: boolean): Promise<number>;
}

export type CommandFn = (ctx: CommandContext) => Promise<number> | number;

/** `exit N` unwinds the interpreter with this. */
export class ShellExit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

export interface RunIo {
  stdin: Stdin;
  stdout(text: string): void;
  stderr(text: string): void;
  signal: AbortSignal;
}

/** Snaps Ubuntu's command-not-found suggests for their commands. */
const SNAP_COMMANDS: Record<string, string> = { microk8s: 'microk8s', kubectl: 'kubectl', helm: 'helm' };

/** What an interactive bash on Ubuntu (with command-not-found) prints for an unknown command. */
function commandNotFound(name: string): string {
  const snap = SNAP_COMMANDS[name];
  if (snap) return `Command '${name}' not found, but can be installed with:\nsudo snap install ${snap}\n`;
  return `${name}: command not found\n`;
}

export class Shell {
  constructor(
    readonly machine: ShellMachine,
    readonly session: Session,
    private readonly commands: ReadonlyMap<string, CommandFn>,
    /** Interactive bash prints `X: command not found`, `bash -c` adds `bash: line 1:`. */
    private readonly interactive: boolean,
    /** Everything runs as root (a `sudo bash -c` child). */
    private readonly root = false,
  ) {}

  /** Run one command line; throws ShellExit on `exit`. */
  async run(line: string, io: RunIo): Promise<number> {
    let list: CommandList;
    try {
      list = parseCommandLine(line, { eofEndsHeredoc: true });
    } catch (e) {
      if (!(e instanceof ShellSyntaxError)) throw e;
      io.stderr(`${this.interactive ? '-bash' : 'bash: -c: line 1'}: ${e.message}\n`);
      this.session.lastStatus = 2;
      return 2;
    }
    let status = this.session.lastStatus;
    for (const item of list) {
      if (item.op === '&&' && status !== 0) continue;
      if (item.op === '||' && status === 0) continue;
      const cmds = item.pipeline.commands;
      let input = io.stdin;
      for (let i = 0; i < cmds.length; i++) {
        const last = i === cmds.length - 1;
        let captured = '';
        status = await this.runSimple(cmds[i]!, {
          stdin: input,
          stdout: last ? io.stdout : (s) => (captured += s),
          stderr: io.stderr,
          signal: io.signal,
        });
        if (!last) input = stringStdin(captured);
      }
      if (item.pipeline.negate) status = status === 0 ? 1 : 0;
      this.session.lastStatus = status;
    }
    return status;
  }

  private async expandWord(word: Word, io: RunIo): Promise<string[]> {
    const fields: string[] = [];
    let cur = '';
    let hasQuoted = false;
    for (const [idx, part] of word.parts.entries()) {
      let value: string;
      if (part.kind === 'text') {
        value = part.text;
        if (!part.quoted && idx === 0 && (value === '~' || value.startsWith('~/'))) {
          value = this.session.user.home + value.slice(1);
        }
        if (part.quoted) hasQuoted = true;
        cur += value;
        continue;
      }
      if (part.kind === 'var') value = this.variable(part.name);
      else {
        let out = '';
        const sub = new Shell(this.machine, { ...this.session }, this.commands, this.interactive, this.root);
        await sub.run(part.source, { ...io, stdout: (s) => (out += s) });
        value = out.replace(/\n+$/, '');
      }
      if (part.quoted) {
        hasQuoted = true;
        cur += value;
      } else {
        const pieces = value.split(/[ \t\n]+/);
        for (const [k, piece] of pieces.entries()) {
          if (k > 0) {
            if (cur || hasQuoted) fields.push(cur);
            cur = '';
            hasQuoted = false;
          }
          cur += piece;
        }
      }
    }
    if (cur || hasQuoted) fields.push(cur);
    return fields;
  }

  private variable(name: string): string {
    const s = this.session;
    switch (name) {
      case '?':
        return String(s.lastStatus);
      case '$':
        return '4242';
      case '0':
        return 'bash';
      case 'HOSTNAME':
        return this.machine.hostname;
      case 'PWD':
        return s.cwd;
      default:
        return s.env[name] ?? '';
    }
  }

  private async runSimple(cmd: SimpleCommand, io: RunIo): Promise<number> {
    const argv: string[] = [];
    for (const w of cmd.words) argv.push(...(await this.expandWord(w, io)));
    const env: Record<string, string> = {};
    for (const a of cmd.assignments) env[a.name] = (await this.expandWord(a.value, io)).join(' ');
    if (argv.length === 0) {
      Object.assign(this.session.env, env);
      return 0;
    }
    let out = io.stdout;
    let err = io.stderr;
    let stdin = io.stdin;
    for (const r of cmd.redirects) {
      const result = await this.redirect(r, io, out, err);
      if (typeof result === 'number') return result;
      if (r.op === '<' || r.op === '<<') stdin = result.stdin!;
      [out, err] = [result.out, result.err];
    }
    return this.exec(argv, this.root, { stdin, stdout: out, stderr: err, signal: io.signal });
  }

  private async redirect(
    r: Redirect,
    io: RunIo,
    out: (s: string) => void,
    err: (s: string) => void,
  ): Promise<{ out: (s: string) => void; err: (s: string) => void; stdin?: Stdin } | number> {
    if (r.op === '>&') {
      if (r.fd === 2) return { out, err: out };
      return { out: err, err };
    }
    if (r.op === '<<') {
      const body = r.heredoc!.body;
      return { out, err, stdin: stringStdin(r.heredoc!.expand ? body.replace(/\$(\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*|[?$0]))/g, (_m, _a, braced: string | undefined, plain: string | undefined) => this.variable(braced ?? plain!)) : body) };
    }
    const target = (await this.expandWord(r.target as Word, io)).join(' ');
    const path = normalizePath(target, this.session.cwd);
    const user = this.root ? 'root' : this.session.user.name;
    if (r.op === '<') {
      try {
        return { out, err, stdin: stringStdin(this.machine.fs.read(path, user)) };
      } catch (e) {
        if (!(e instanceof FsError)) throw e;
        io.stderr(`-bash: ${target}: ${e.message}\n`);
        return 1;
      }
    }
    let sink: (s: string) => void;
    if (path === '/dev/null') sink = () => {};
    else if (path === '/dev/stderr') sink = err;
    else if (path === '/dev/stdout') sink = out;
    else {
      try {
        if (r.op === '>') this.machine.fs.write(path, '', { user });
        else this.machine.fs.write(path, '', { user, append: true });
      } catch (e) {
        if (!(e instanceof FsError)) throw e;
        io.stderr(`-bash: ${target}: ${e.message}\n`);
        return 1;
      }
      sink = (s) => this.machine.fs.write(path, s, { user, append: true });
    }
    if (r.fd === 'both') return { out: sink, err: sink };
    if (r.fd === 2) return { out, err: sink };
    return { out: sink, err };
  }

  /** Run argv as a command (used by the interpreter and by `sudo`). */
  async exec(argv: string[], asRoot: boolean, io: RunIo): Promise<number> {
    const name = argv[0]!;
    const fn = this.commands.get(name) ?? this.machine.extraCommand(name);
    if (!fn) {
      io.stderr(this.interactive ? commandNotFound(name) : `bash: line 1: ${name}: command not found\n`);
      return 127;
    }
    const ctx: CommandContext = {
      argv,
      machine: this.machine,
      session: this.session,
      user: asRoot ? 'root' : this.session.user.name,
      stdin: io.stdin,
      stdout: io.stdout,
      stderr: io.stderr,
      signal: io.signal,
      run: (next, root) => this.exec(next, root || this.root, io),
      script: (source, root) =>
        new Shell(this.machine, this.session, this.commands, false, root || this.root).run(source, io),
    };
    try {
      return await fn(ctx);
    } catch (e) {
      if (e instanceof FsError) {
        io.stderr(`${name}: ${e.path}: ${e.message}\n`);
        return 1;
      }
      throw e;
    }
  }
}
