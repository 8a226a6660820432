/**
 * Test helper: a scriptable in-process SSH server (ssh2) on a loopback address, for fast unit tests
 * of the client (keyboard-interactive logins, reboots, pooling, dropped connections).
 */
import { randomUUID } from 'node:crypto';
import ssh2 from 'ssh2';
import type { Connection, ParsedKey, Server, ServerChannel } from 'ssh2';
import { generateEd25519 } from './keygen';

export interface ExecReply {
  stdout?: string;
  stderr?: string;
  code?: number;
}

export interface TestServerOptions {
  address: string;
  /** Default: any free port. */
  port?: number;
  /** Software part of the banner. Default: Ubuntu 24.04's OpenSSH, as a real Pi would send. */
  ident?: string;
  /** Accepted password for "password" auth; omit to refuse that method. */
  password?: string;
  /** Keyboard-interactive prompts (answers are recorded); omit to refuse that method. */
  kbdPrompts?: string[];
  /** Accept keyboard-interactive only when the answers satisfy this. */
  kbdAccept?: (answers: string[]) => boolean;
  /** Replies to exec requests (undefined: the command never ends); `true`, `reboot` and the boot id are built in. */
  onExec?: (command: string, channel: ServerChannel) => ExecReply | undefined;
  /** Its host key (OpenSSH private key); a new ed25519 key by default. */
  hostKey?: string;
  /** Public keys (OpenSSH lines) accepted for "publickey" auth; omit to refuse that method. */
  authorizedKeys?: string[];
}

export class Ssh2TestServer {
  private server!: Server;
  private readonly clients = new Set<Connection>();
  private readonly hostKey: string;
  port = 0;
  bootId = randomUUID();
  connections = 0;
  readonly kbdAnswers: string[][] = [];

  private constructor(private readonly options: TestServerOptions) {
    this.port = options.port ?? 0;
    this.hostKey = options.hostKey ?? generateEd25519().private;
  }

  /** The public key blob of its host key (what a client pins). */
  get hostKeyBlob(): Buffer {
    return parsePublicKey(this.hostKey)!.getPublicSSH();
  }

  get address(): string {
    return this.options.address;
  }

  static async start(options: TestServerOptions): Promise<Ssh2TestServer> {
    const s = new Ssh2TestServer(options);
    await s.listen();
    return s;
  }

  private listen(): Promise<void> {
    const ident = this.options.ident ?? 'OpenSSH_9.6p1 Ubuntu-3ubuntu13.5';
    this.server = new ssh2.Server({ hostKeys: [this.hostKey], ident }, (client) => this.accept(client));

    return new Promise((resolve) => this.server.listen(this.port, this.options.address, () => {
      this.port = (this.server.address() as { port: number }).port;
      resolve();
    }));
  }

  private accept(client: Connection): void {
    this.connections++;
    this.clients.add(client);
    client.on('close', () => this.clients.delete(client));
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => {
      const o = this.options;
      if (ctx.method === 'password' && o.password !== undefined && ctx.password === o.password) return ctx.accept();
      if (ctx.method === 'publickey' && o.authorizedKeys) {
        const key = o.authorizedKeys.map(parsePublicKey).find((k) => k?.getPublicSSH().equals(ctx.key.data));
        if (!key) return ctx.reject();
        if (!ctx.signature) return ctx.accept(); // the client asks whether the key would do
        return key.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) ? ctx.accept() : ctx.reject();
      }
      if (ctx.method === 'keyboard-interactive' && o.kbdPrompts) {
        return ctx.prompt(o.kbdPrompts.map((prompt) => ({ prompt, echo: false })), (answers) => {
          this.kbdAnswers.push(answers);
          if (o.kbdAccept?.(answers) ?? true) ctx.accept();
          else ctx.reject();
        });
      }
      const methods = [o.authorizedKeys ? 'publickey' : undefined, o.password !== undefined ? 'password' : undefined, o.kbdPrompts ? 'keyboard-interactive' : undefined].filter((m): m is 'password' => !!m);
      ctx.reject(methods);
    });
    client.on('ready', () => {
      client.on('session', (acceptSession) => {
        const session = acceptSession();
        session.on('exec', (acceptExec, _reject, info) => {
          const ch = acceptExec();
          if (info.command.includes('reboot')) return void this.reboot();
          if (info.command.includes('boot_id')) return reply(ch, { stdout: `${this.bootId}\n` });
          if (info.command === 'true') return reply(ch, {});
          const r = this.options.onExec?.(info.command, ch);
          if (r) reply(ch, r);
        });
      });
    });
  }

  /** Simulates a reboot: every connection drops, nothing listens for `downMs`, then a new boot id. */
  async reboot(downMs = 300): Promise<void> {
    await this.close();
    await new Promise((r) => setTimeout(r, downMs));
    this.bootId = randomUUID();
    await this.listen();
  }

  /** Drops every client connection without closing the server. */
  dropClients(): void {
    for (const c of this.clients) c.end();
  }

  stop(): Promise<void> {
    return this.close();
  }

  private close(): Promise<void> {
    const closed = new Promise<void>((r) => this.server.close(() => r()));
    for (const c of this.clients) c.end();
    return closed;
  }
}

function parsePublicKey(line: string): ParsedKey | undefined {
  const key = ssh2.utils.parseKey(line);
  return key instanceof Error ? undefined : Array.isArray(key) ? key[0] : key;
}

function reply(ch: ServerChannel, r: ExecReply): void {
  if (r.stdout) ch.write(r.stdout);
  if (r.stderr) ch.stderr.write(r.stderr);
  ch.exit(r.code ?? 0);
  ch.end();
}
