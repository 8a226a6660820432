/**
 * Name-based discovery signals for the planned hostnames:
 * - reverse DNS (PTR) of addresses found in the chosen subnets: home routers (dnsmasq and
 *   friends) register the hostname each DHCP client sends;
 * - forward DNS of `<name>`, `<name>.lan` and `<name>.home` through the same resolver;
 * - one-shot mDNS queries (RFC 6762 §5.1: sent from an ephemeral port, QU bit set, so answers come
 *   back by unicast) for `<name>.local`, answered where the Pi runs avahi (Raspberry Pi OS does,
 *   Ubuntu Server does not).
 * DNS goes through a dns.promises.Resolver whose servers can be set (default: the system's), with
 * a short timeout and bounded concurrency. mDNS is only sent where the caller names the local
 * addresses to send from (the chosen subnets' interfaces), to a target that tests point at 127.x.
 * This module only asks; discovery decides which answers are inside the chosen subnets and may be
 * contacted (an address outside them is reported, never probed).
 */
import dgram from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import dnsPacket from 'dns-packet';
import { deadline } from '../timing/deadline';

export type NameSource = 'dns' | 'mdns';

export interface NameHit {
  /** The planned hostname that was looked up. */
  node: string;
  /** The name that answered, e.g. `pi-01.lan` or `pi-01.local`. */
  name: string;
  address: string;
  source: NameSource;
}

export interface MdnsTarget {
  address: string;
  port: number;
}

/** The mDNS group (RFC 6762). */
export const MDNS_GROUP: MdnsTarget = { address: '224.0.0.251', port: 5353 };

export interface NameLookupOptions {
  /** DNS servers as `ip` or `ip:port`. Default: the system's configured servers. An empty list turns DNS off. */
  dnsServers?: readonly string[];
  /** Per DNS query (one try per server). Default 1500 ms. */
  dnsTimeoutMs?: number;
  /** DNS queries in flight at once. Default 8. */
  concurrency?: number;
  /** Suffixes tried with DNS after the plain name. Default `lan`, `home`. */
  dnsSuffixes?: readonly string[];
  /**
   * One-shot mDNS queries for `<name>.local`; off when absent. `interfaces`: local IPv4 addresses
   * to send the multicast from (the chosen subnets' interfaces; none = the OS default route's).
   */
  mdns?: { target?: MdnsTarget; interfaces?: readonly string[]; timeoutMs?: number };
  signal?: AbortSignal;
}

function normalise(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/** A counting semaphore: at most `n` tasks run at once. */
function limiter(n: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    if (active >= n) await new Promise<void>((r) => waiting.push(r));
    active++;
    try {
      return await task();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

/** Sets the QU (unicast-response) bit in the class of every question of an encoded query. */
function setQuBits(buf: Buffer): Buffer {
  const count = buf.readUInt16BE(4);
  let offset = 12;
  for (let i = 0; i < count; i++) {
    while (buf[offset] !== 0) {
      if ((buf[offset]! & 0xc0) === 0xc0) {
        offset += 1; // compression pointer: two bytes, no terminating zero
        break;
      }
      offset += buf[offset]! + 1;
    }
    offset += 1 + 2; // end of name, type
    buf.writeUInt16BE(buf.readUInt16BE(offset) | 0x8000, offset);
    offset += 2;
  }
  return buf;
}

/** Encodes a one-shot mDNS query (id 0, QU bit set) for the A records of `names`. */
export function encodeMdnsQuery(names: readonly string[]): Buffer {
  return setQuBits(dnsPacket.encode({ type: 'query', id: 0, flags: 0, questions: names.map((name) => ({ type: 'A', name, class: 'IN' })) }));
}

function isMulticast(address: string): boolean {
  const first = Number(address.split('.')[0]);
  return first >= 224 && first <= 239;
}

/**
 * One-shot mDNS query for the A records of `names` (RFC 6762 §5.1): one packet from an ephemeral
 * port, answers collected until every name answered or `timeoutMs` passed.
 */
export async function mdnsQuery(
  names: readonly string[],
  options: { target?: MdnsTarget; interfaces?: readonly string[]; timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<{ name: string; address: string }[]> {
  if (names.length === 0 || options.signal?.aborted) return [];
  const target = options.target ?? MDNS_GROUP;
  const wanted = new Set(names.map(normalise));
  const found = new Map<string, { name: string; address: string }>();
  const socket = dgram.createSocket({ type: 'udp4', reuseAddr: false });
  socket.on('error', () => undefined);
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, () => {
        socket.off('error', reject);
        resolve();
      });
    });
  } catch {
    socket.close();
    return [];
  }
  return new Promise((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      timer.cancel();
      options.signal?.removeEventListener('abort', finish);
      socket.close();
      resolve([...found.values()]);
    };
    // Answers that arrived while the event loop was busy are read before the window closes.
    const timer = deadline(options.timeoutMs ?? 1000, finish);
    options.signal?.addEventListener('abort', finish, { once: true });
    socket.on('message', (msg) => {
      let packet;
      try {
        packet = dnsPacket.decode(msg);
      } catch {
        return;
      }
      if (packet.type !== 'response') return;
      for (const a of [...(packet.answers ?? []), ...(packet.additionals ?? [])]) {
        if (a.type !== 'A' || !wanted.has(normalise(a.name))) continue;
        const address = a.data;
        found.set(`${normalise(a.name)}|${address}`, { name: normalise(a.name), address });
      }
      if ([...wanted].every((n) => [...found.values()].some((f) => f.name === n))) finish();
    });
    const query = encodeMdnsQuery([...wanted]);
    const send = (from?: string) =>
      new Promise<void>((r) => {
        try {
          if (from) socket.setMulticastInterface(from);
          socket.send(query, target.port, target.address, () => r());
        } catch {
          r();
        }
      });
    void (async () => {
      if (isMulticast(target.address)) {
        socket.setMulticastTTL(255);
        if (options.interfaces?.length) for (const from of options.interfaces) await send(from);
        else await send();
      } else await send();
    })();
  });
}

/** Reverse and forward name lookups with one resolver and one concurrency bound. */
export class NameLookup {
  readonly #resolver: Resolver | undefined;
  readonly #limit: <T>(task: () => Promise<T>) => Promise<T>;

  constructor(private readonly options: NameLookupOptions = {}) {
    const servers = options.dnsServers;
    if (!servers || servers.length > 0) {
      this.#resolver = new Resolver({ timeout: options.dnsTimeoutMs ?? 1500, tries: 1 });
      if (servers) this.#resolver.setServers([...servers]);
      options.signal?.addEventListener('abort', () => this.#resolver?.cancel(), { once: true });
    }
    this.#limit = limiter(options.concurrency ?? 8);
  }

  /** The DNS servers asked (for the log); empty when DNS is off. */
  get dnsServers(): string[] {
    return this.#resolver?.getServers() ?? [];
  }

  get mdnsEnabled(): boolean {
    return !!this.options.mdns;
  }

  /** PTR names of an IPv4 address (empty when none or on any error). */
  async reverse(address: string): Promise<string[]> {
    const resolver = this.#resolver;
    if (!resolver || this.options.signal?.aborted) return [];
    return this.#limit(() => resolver.reverse(address)).catch(() => []);
  }

  /** Addresses of the planned hostnames by DNS (`<name>`, `<name>.lan`, `<name>.home`) and mDNS (`<name>.local`). */
  async forward(hostnames: readonly string[]): Promise<NameHit[]> {
    const nodes = [...new Set(hostnames.map(normalise))];
    const resolver = this.#resolver;
    const dns = resolver
      ? nodes.flatMap((node) =>
          ['', ...(this.options.dnsSuffixes ?? ['lan', 'home'])].map(async (suffix): Promise<NameHit[]> => {
            const name = suffix ? `${node}.${suffix}` : node;
            if (this.options.signal?.aborted) return [];
            const addresses = await this.#limit(() => resolver.resolve4(name)).catch(() => [] as string[]);
            return addresses.map((address) => ({ node, name, address, source: 'dns' as const }));
          }),
        )
      : [];
    const mdns = this.options.mdns
      ? mdnsQuery(
          nodes.map((n) => `${n}.local`),
          { ...this.options.mdns, signal: this.options.signal },
        ).then((answers) => answers.map((a): NameHit => ({ node: a.name.replace(/\.local$/, ''), name: a.name, address: a.address, source: 'mdns' })))
      : Promise.resolve([]);
    const all = (await Promise.all([...dns, mdns])).flat();
    const seen = new Set<string>();
    return all.filter((h) => {
      const key = `${h.name}|${h.address}`;
      return !seen.has(key) && !!seen.add(key);
    });
  }
}
