/**
 * The Pi's sshd: an ssh2 server with Ubuntu's version banner that authenticates as the card
 * configured (authorized keys; passwords only with ssh_pwauth), forces the change of an expired
 * password the way OpenSSH + PAM do, and serves `exec` and interactive `shell` channels through
 * the lab shell. Sockets are accepted by a plain net.Server so faults can delay, drop or
 * black-hole them.
 */
import { createServer } from 'node:net';
import type { Server as NetServer, Socket } from 'node:net';
import ssh2 from 'ssh2';
import type { AuthContext, Connection, ServerChannel } from 'ssh2';
import type { LabClock } from '../lab-clock';
import { Shell, ShellExit } from '../shell/shell';
import { needsMoreInput } from '../shell/parse';
import type { RunIo, Session } from '../shell/shell';
import { SHELL_COMMANDS } from '../shell/commands';
import type { PiOs } from './pi-os';
import { StreamInput, TerminalInput } from './terminal';

const { Server, utils } = ssh2;

export interface SshFaults {
  /** Lab ms added before the server answers a new connection. */
  delayMs: number;
  /** New connections are reset and open ones stop answering. */
  drop: boolean;
}

export interface PiSshServerOptions {
  clock: LabClock;
  host: string;
  port: number;
  /** OpenSSH private keys, one per type (the client picks the type it prefers). */
  hostKeys: string[];
  ident: string;
  os: PiOs;
  faults: () => SshFaults;
}

export class PiSshServer {
  #net: NetServer | undefined;
  #ssh: InstanceType<typeof Server>;
  #sockets = new Set<Socket>();
  #port = 0;

  constructor(private readonly options: PiSshServerOptions) {
    this.#ssh = new Server({ hostKeys: options.hostKeys, ident: options.ident }, (client) => this.#accept(client));
  }

  get port(): number {
    return this.#port;
  }

  async listen(): Promise<void> {
    const net = createServer((socket) => this.#incoming(socket));
    this.#net = net;
    const tryPort = (port: number) =>
      new Promise<number>((resolve, reject) => {
        net.once('error', reject);
        net.listen(port, this.options.host, () => {
          net.off('error', reject);
          resolve((net.address() as { port: number }).port);
        });
      });
    try {
      this.#port = await tryPort(this.options.port);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (this.options.port !== 22 || (code !== 'EACCES' && code !== 'EADDRINUSE')) throw e;
      this.#port = await tryPort(0);
    }
  }

  #incoming(socket: Socket): void {
    socket.setNoDelay(true);
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
    socket.on('error', () => undefined);
    const f = this.options.faults();
    if (f.drop) {
      socket.resetAndDestroy();
      return;
    }
    if (f.delayMs > 0) this.options.clock.after(f.delayMs, () => !socket.destroyed && this.#ssh.injectSocket(socket));
    else this.#ssh.injectSocket(socket);
  }

  /** Open connections stop answering, as when the network or the power goes. */
  blackHole(): void {
    for (const s of this.#sockets) s.pause();
  }

  /** Close the listener and every connection (sshd stopping at shutdown). */
  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    this.#sockets.clear();
    const net = this.#net;
    this.#net = undefined;
    if (net) await new Promise<void>((r) => net.close(() => r()));
  }

  #methods(): ('publickey' | 'password')[] {
    return this.options.os.state.sshPwauth ? ['publickey', 'password'] : ['publickey'];
  }

  #authorizedKeys(user: string): ReturnType<typeof utils.parseKey>[] {
    const os = this.options.os;
    const u = os.user(user);
    if (!u) return [];
    const path = `${u.home}/.ssh/authorized_keys`;
    if (!os.fs.isFile(path)) return [];
    return os.fs
      .read(path)
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => utils.parseKey(l.slice(l.search(/(ssh-|ecdsa-|sk-)/))))
      .filter((k) => !(k instanceof Error));
  }

  #authenticate(ctx: AuthContext): boolean {
    const os = this.options.os;
    if (ctx.method === 'publickey') {
      const match = this.#authorizedKeys(ctx.username).find((k) => {
        const key = k as Exclude<typeof k, Error | Error[]> & { type: string; getPublicSSH(): Buffer };
        return key.type === ctx.key.algo && key.getPublicSSH().equals(ctx.key.data);
      }) as { verify(data: Buffer, sig: Buffer, hash?: string): boolean | Error } | undefined;
      if (!match) return false;
      if (!ctx.signature) return true;
      return match.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) === true;
    }
    if (ctx.method === 'password') return os.state.sshPwauth && os.checkPassword(ctx.username, ctx.password);
    return false;
  }

  #accept(client: Connection): void {
    let user = '';
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => {
      if (ctx.method !== 'none' && this.#authenticate(ctx)) {
        user = ctx.username;
        return ctx.accept();
      }
      ctx.reject(this.#methods());
    });
    client.on('ready', () => {
      client.on('session', (acceptSession) => {
        const session = acceptSession();
        let pty = false;
        session.on('pty', (accept) => {
          pty = true;
          accept?.();
        });
        session.on('env', (accept) => accept?.());
        session.on('window-change', (accept) => accept?.());
        session.on('exec', (accept, _reject, info) => {
          const ch = accept();
          void this.#runExec(ch, user, info.command, pty);
        });
        session.on('shell', (accept) => {
          const ch = accept();
          void this.#runShell(client, ch, user, pty);
        });
        session.on('subsystem', (_accept, reject) => reject());
      });
    });
  }

  #session(userName: string, tty: boolean): Session | undefined {
    const u = this.options.os.user(userName);
    if (!u) return undefined;
    return {
      user: u,
      loginGroups: [...u.groups],
      tty,
      cwd: u.home,
      env: { HOME: u.home, USER: u.name, LOGNAME: u.name, SHELL: '/bin/bash', PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/games:/usr/local/games:/snap/bin', LANG: 'C.UTF-8' },
      lastStatus: 0,
      sudoUntil: 0,
    };
  }

  #expired(user: string): boolean {
    return this.options.os.user(user)?.expired === true;
  }

  async #runExec(ch: ServerChannel, user: string, command: string, tty: boolean): Promise<void> {
    const session = this.#session(user, tty);
    if (!session) return finish(ch, 1);
    if (this.#expired(user)) {
      ch.stderr.write('WARNING: Your password has expired.\nPassword change required but no TTY available.\n');
      return finish(ch, 1);
    }
    const nl = (s: string) => (tty ? s.replace(/\r?\n/g, '\r\n') : s);
    const stdin = tty ? new TerminalInput((s) => ch.write(s), () => undefined) : new StreamInput();
    ch.on('data', (d: Buffer) => stdin.feed(d.toString('utf8')));
    ch.on('end', () => (stdin instanceof TerminalInput ? stdin.close() : stdin.end()));
    const shell = new Shell(this.options.os, session, SHELL_COMMANDS, false);
    // The client hanging up ends what runs (tail -f, kubectl get -w), as SIGHUP does.
    const hangup = new AbortController();
    ch.on('close', () => hangup.abort(new Error('hangup')));
    const io: RunIo = {
      stdin,
      stdout: (s) => ch.write(nl(s)),
      stderr: (s) => (tty ? ch.write(nl(s)) : ch.stderr.write(s)),
      signal: AbortSignal.any([this.options.os.powerSignal, hangup.signal]),
    };
    let code: number;
    try {
      code = await shell.run(command, io);
    } catch (e) {
      if (e instanceof ShellExit) code = e.code;
      else if (this.options.os.powerSignal.aborted || hangup.signal.aborted) return;
      else {
        io.stderr(`bash: ${(e as Error).message}\n`);
        code = 1;
      }
    }
    finish(ch, code);
  }

  async #runShell(client: Connection, ch: ServerChannel, user: string, pty: boolean): Promise<void> {
    const os = this.options.os;
    const session = this.#session(user, pty);
    if (!session) return finish(ch, 1);
    const out = (s: string) => ch.write(pty ? s.replace(/\r?\n/g, '\r\n') : s);
    let running: AbortController | undefined;
    const stdin = pty
      ? new TerminalInput(out, () => running?.abort(new Error('interrupted')))
      : new StreamInput();
    ch.on('data', (d: Buffer) => stdin.feed(d.toString('utf8')));
    ch.on('end', () => (stdin instanceof TerminalInput ? stdin.close() : stdin.end()));
    ch.on('close', () => running?.abort(new Error('hangup')));
    if (this.#expired(user)) {
      if (!pty) {
        ch.stderr.write('WARNING: Your password has expired.\nPassword change required but no TTY available.\n');
        return finish(ch, 1);
      }
      out('You are required to change your password immediately (administrator enforced).\n');
      out(motd(os));
      out('WARNING: Your password has expired.\nYou must change your password now and login again!\n');
      const shell = new Shell(os, session, SHELL_COMMANDS, true);
      const code = await shell.exec(['passwd'], false, { stdin, stdout: out, stderr: out, signal: os.powerSignal }).catch(() => 1);
      finish(ch, code);
      client.end();
      return;
    }
    if (pty) out(motd(os));
    const shell = new Shell(os, session, SHELL_COMMANDS, true);
    for (;;) {
      const cwd = session.cwd === session.user.home ? '~' : session.cwd;
      if (pty) out(`${session.user.name}@${os.hostname}:${cwd}$ `);
      let line = await stdin.readLine();
      if (line === null) {
        if (pty) out('logout\n');
        return finish(ch, session.lastStatus);
      }
      if (!line.trim()) continue;
      // An open here-document (`cat > f <<EOF`): bash reads more lines, prompting `> `.
      while (needsMoreInput(line)) {
        if (pty) out('> ');
        const more = await stdin.readLine();
        if (more === null) break;
        line += '\n' + more;
      }
      running = new AbortController();
      try {
        await shell.run(line, {
          stdin,
          stdout: out,
          stderr: pty ? out : (s) => ch.stderr.write(s),
          signal: AbortSignal.any([running.signal, os.powerSignal]),
        });
      } catch (e) {
        if (e instanceof ShellExit) {
          if (pty) out('logout\n');
          return finish(ch, e.code);
        }
        if (os.powerSignal.aborted) return;
        if (running.signal.aborted) session.lastStatus = 130;
        else throw e;
      }
    }
  }
}

function finish(ch: ServerChannel, code: number): void {
  if (ch.destroyed) return;
  ch.exit(code);
  ch.end();
}

function motd(os: PiOs): string {
  const pretty = /PRETTY_NAME="([^"]+)"/.exec(os.release.osRelease)![1]!;
  return `Welcome to ${pretty} (GNU/Linux ${os.release.kernelRelease} aarch64)

 * Documentation:  https://help.ubuntu.com
 * Management:     https://landscape.canonical.com
 * Support:        https://ubuntu.com/pro

`;
}
