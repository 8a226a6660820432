/**
 * Test helper: a TCP relay on 127.0.0.1 in front of a real server (the lab's Kubernetes API),
 * which a test can close (new connections refused, open ones cut), black-hole (connections
 * accepted, nothing forwarded: a powered-off machine behind a switch) and open again on the
 * same port. TLS passes through untouched, so clients see the real server's certificate.
 */
import net from 'node:net';

export type GateMode = 'open' | 'closed' | 'blackhole';

export class TcpGate {
  #server: net.Server | undefined;
  #sockets = new Set<net.Socket>();
  #mode: GateMode = 'open';
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  get mode(): GateMode {
    return this.#mode;
  }

  async start(port = 0): Promise<this> {
    const server = net.createServer((client) => this.#accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.#server = server;
    this.port = (server.address() as net.AddressInfo).port;
    this.#mode = 'open';
    return this;
  }

  #accept(client: net.Socket): void {
    this.#sockets.add(client);
    client.on('close', () => this.#sockets.delete(client));
    client.on('error', () => {});
    if (this.#mode === 'blackhole') return;
    const upstream = net.connect(this.targetPort, this.targetHost);
    this.#sockets.add(upstream);
    upstream.on('close', () => {
      this.#sockets.delete(upstream);
      client.destroy();
    });
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  }

  #cut(): void {
    for (const s of this.#sockets) s.destroy();
    this.#sockets.clear();
  }

  /** Refuse new connections and cut the open ones. */
  async close(): Promise<void> {
    this.#mode = 'closed';
    this.#cut();
    const s = this.#server;
    this.#server = undefined;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  /** Accept connections but forward nothing; open ones go silent (their bytes are dropped). */
  blackhole(): void {
    this.#mode = 'blackhole';
    for (const s of this.#sockets) {
      s.unpipe();
      s.removeAllListeners('data');
      s.on('data', () => {});
    }
  }

  /** Forward again (on the same port after `close`). */
  async open(): Promise<void> {
    if (this.#mode === 'blackhole') this.#cut();
    if (!this.#server) await this.start(this.port);
    this.#mode = 'open';
  }
}

/** A TCP server that accepts connections and never answers (a TLS handshake that never completes). */
export async function startSilentServer(): Promise<{ url: string; stop: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port on 127.0.0.1 where nothing listens (bound, then released). */
export async function unusedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
