/**
 * The practice lab's DNS server, as a home router's dnsmasq runs it: the names DHCP clients sent
 * (`<hostname>` and `<hostname>.lan`) answer with an A record, their addresses answer PTR with
 * `<hostname>.lan`, anything else is NXDOMAIN. Real DNS wire format over UDP.
 *
 * It listens on a lab loopback address (the router's, `<base>.1`) on the first port it can bind:
 * 53, then 5353, then 15353, then an ephemeral one (53 needs root; 5353 is often avahi's).
 * The A records hold the addresses discovery can reach in the lab (the Pis' loopback addresses,
 * which stand in for their 192.168.1.x LAN addresses); the lab decides that in `records`.
 * The lab Pis run Ubuntu Server, which has no avahi: nothing in the lab answers mDNS.
 */
import dgram from 'node:dgram';
import dnsPacket from 'dns-packet';
import type { Answer, DecodedPacket, Question } from 'dns-packet';

export interface LabDnsRecord {
  /** Names answered with `address`, e.g. ["pi-01", "pi-01.lan"]; the last one is the PTR answer. */
  names: readonly string[];
  address: string;
}

export interface LabDnsOptions {
  host: string;
  /** Ports tried in order; 0 means any free port. Default 53, 5353, 15353, 0. */
  ports?: readonly number[];
  /** The current records (read on every query, so powered-off Pis disappear at once). */
  records: () => readonly LabDnsRecord[];
  ttl?: number;
}

export const LAB_DNS_PORTS: readonly number[] = [53, 5353, 15353, 0];

const RCODE_NXDOMAIN = 3;
const RCODE_FORMERR = 1;
const RCODE_NOTIMP = 4;

function normalise(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/** `11.1.77.127.in-addr.arpa` -> `127.77.1.11` (undefined for other names). */
export function ptrNameToAddress(name: string): string | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.in-addr\.arpa$/.exec(normalise(name));
  return m ? [m[4], m[3], m[2], m[1]].join('.') : undefined;
}

export function addressToPtrName(address: string): string {
  return `${address.split('.').reverse().join('.')}.in-addr.arpa`;
}

/** The answer to one query packet (exported for tests); undefined for packets that are not queries. */
export function answerQuery(query: Buffer, records: readonly LabDnsRecord[], ttl = 0): Buffer | undefined {
  let packet: DecodedPacket;
  try {
    packet = dnsPacket.decode(query);
  } catch {
    // Too short to hold a header, or garbled: answer FORMERR when at least the id is readable.
    if (query.length < 2) return undefined;
    return dnsPacket.encode({ type: 'response', id: query.readUInt16BE(0), flags: dnsPacket.RECURSION_AVAILABLE | RCODE_FORMERR });
  }
  if (packet.type !== 'query') return undefined;
  const rd = packet.flag_rd ? dnsPacket.RECURSION_DESIRED : 0;
  const questions: Question[] = packet.questions ?? [];
  const opcode = (query.readUInt16BE(2) >> 11) & 0xf;
  if (opcode !== 0 || questions.length !== 1) {
    return dnsPacket.encode({ type: 'response', id: packet.id ?? 0, flags: rd | dnsPacket.RECURSION_AVAILABLE | (opcode !== 0 ? RCODE_NOTIMP : RCODE_FORMERR), questions });
  }
  const q = questions[0]!;
  const name = normalise(q.name);
  const answers: Answer[] = [];
  let known = false;
  const reverse = ptrNameToAddress(name);
  if (reverse) {
    const r = records.find((rec) => rec.address === reverse);
    if (r && r.names.length) {
      known = true;
      if (q.type === 'PTR' || (q.type as string) === 'ANY') answers.push({ type: 'PTR', name: q.name, ttl, data: r.names[r.names.length - 1]! });
    }
  } else {
    const r = records.find((rec) => rec.names.some((n) => normalise(n) === name));
    if (r) {
      known = true;
      if (q.type === 'A' || (q.type as string) === 'ANY') answers.push({ type: 'A', name: q.name, ttl, data: r.address });
    }
  }
  // A known name asked for another type (AAAA, MX, ...) gets NOERROR with no answer (NODATA), as dnsmasq does.
  return dnsPacket.encode({
    type: 'response',
    id: packet.id ?? 0,
    flags: dnsPacket.AUTHORITATIVE_ANSWER | rd | dnsPacket.RECURSION_AVAILABLE | (known ? 0 : RCODE_NXDOMAIN),
    questions: [q],
    answers,
  });
}

export class LabDns {
  #socket: dgram.Socket;
  #port: number;

  private constructor(
    socket: dgram.Socket,
    readonly host: string,
  ) {
    this.#socket = socket;
    this.#port = socket.address().port;
  }

  /** Where to send queries, e.g. for dns.Resolver#setServers(`${host}:${port}`). */
  get port(): number {
    return this.#port;
  }

  get server(): string {
    return `${this.host}:${this.#port}`;
  }

  static async start(options: LabDnsOptions): Promise<LabDns> {
    let lastError: unknown;
    for (const port of options.ports ?? LAB_DNS_PORTS) {
      const socket = dgram.createSocket({ type: 'udp4', reuseAddr: false });
      try {
        await new Promise<void>((resolve, reject) => {
          socket.once('error', reject);
          socket.bind({ port, address: options.host, exclusive: true }, () => {
            socket.off('error', reject);
            resolve();
          });
        });
      } catch (e) {
        lastError = e;
        socket.close();
        continue;
      }
      socket.unref();
      socket.on('error', () => undefined);
      socket.on('message', (msg, rinfo) => {
        const reply = answerQuery(msg, options.records(), options.ttl ?? 0);
        if (reply) socket.send(reply, rinfo.port, rinfo.address);
      });
      return new LabDns(socket, options.host);
    }
    throw lastError instanceof Error ? lastError : new Error(`The lab DNS server could not listen on ${options.host}.`);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      try {
        this.#socket.close(() => resolve());
      } catch {
        resolve(); // already closed
      }
    });
  }
}
