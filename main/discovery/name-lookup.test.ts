/**
 * Name lookups over real UDP on loopback only: the lab's DNS server (dnsmasq-like) on 127.x, a
 * tiny mDNS responder on 127.0.0.1 standing in for avahi, a silent server for timeouts; then
 * discovery with these signals, where a counting listener outside the chosen subnet proves that a
 * name resolving there is reported and never contacted.
 */
import { randomInt } from 'node:crypto';
import dgram from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import dnsPacket from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabDns, type LabDnsRecord } from '../lab/network/lab-dns';
import { discoverOnce, matchPlannedNodes, type DiscoveredHost } from './discovery';
import { encodeMdnsQuery, mdnsQuery, NameLookup, type NameHit } from './name-lookup';
import { createRealEnvironment } from '../environment/real-environment';

const prefix = `127.${randomInt(1, 255)}.${randomInt(0, 256)}`;
const PORT = 2200 + randomInt(0, 5000);
const SUBNET = `${prefix}.8/29`; // .9 - .14
const records: LabDnsRecord[] = [
  { names: ['pi-01', 'pi-01.lan'], address: `${prefix}.9` }, // SSH answers, login not possible
  { names: ['pi-02', 'pi-02.lan'], address: `${prefix}.10` }, // booting: name registered, no SSH yet
  { names: ['pi-03', 'pi-03.lan'], address: `${prefix}.100` }, // outside the chosen subnet
  { names: ['pi-05', 'pi-05.lan'], address: `${prefix}.12` }, // not planned: only reverse DNS tells its name
];
let labDns: LabDns;
let mdns: { socket: dgram.Socket; port: number; queries: Buffer[]; answers: Record<string, string> };
let silent: dgram.Socket;
const listeners: Server[] = [];
let outsideContacts = 0;

function udp(): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  return new Promise((r) => s.bind(0, '127.0.0.1', () => r(s)));
}

/** An mDNS responder for legacy unicast / QU queries: answers by unicast to the asking port, echoing id and question. */
async function mdnsResponder(answers: Record<string, string>) {
  const socket = await udp();
  const queries: Buffer[] = [];
  socket.on('message', (msg, rinfo) => {
    queries.push(msg);
    const q = dnsPacket.decode(msg);
    const hits = (q.questions ?? []).filter((x) => answers[x.name.toLowerCase()]);
    if (!hits.length) return; // mDNS responders stay silent rather than say no
    const reply = dnsPacket.encode({
      type: 'response',
      id: q.id,
      flags: dnsPacket.AUTHORITATIVE_ANSWER,
      questions: q.questions,
      answers: hits.map((x) => ({ type: 'A' as const, name: x.name, ttl: 120, data: answers[x.name.toLowerCase()]! })),
      additionals: [{ type: 'A', name: 'printer.local', ttl: 120, data: '127.0.0.99' }],
    });
    socket.send(reply, rinfo.port, rinfo.address);
  });
  return { socket, port: socket.address().port, queries, answers };
}

async function tcp(address: string, onConnection: (s: Socket) => void) {
  const l = createServer((s) => {
    s.on('error', () => undefined);
    onConnection(s);
  });
  await new Promise<void>((r) => l.listen(PORT, address, r));
  listeners.push(l);
}

beforeAll(async () => {
  labDns = await LabDns.start({ host: `${prefix}.1`, ports: [0], records: () => records });
  mdns = await mdnsResponder({ 'pi-04.local': `${prefix}.11` });
  silent = await udp();
  // pi-01 (a Debian banner: no Pi MAC, not Ubuntu) and pi-04 (Ubuntu): an sshd banner, then nothing.
  await tcp(`${prefix}.9`, (s) => s.end('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n'));
  await tcp(`${prefix}.11`, (s) => s.end('SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13.5\r\n'));
  await tcp(`${prefix}.100`, (s) => {
    outsideContacts++;
    s.destroy();
  });
});
afterAll(async () => {
  await labDns.stop();
  await new Promise<void>((r) => mdns.socket.close(() => r()));
  await new Promise<void>((r) => silent.close(() => r()));
  await Promise.all(listeners.map((l) => new Promise((r) => l.close(r))));
});

describe('name lookups', () => {
  it('finds planned hostnames by DNS (<name>, <name>.lan) and addresses by reverse DNS through the given server', async () => {
    const names = new NameLookup({ dnsServers: [labDns.server] });
    expect(names.dnsServers).toEqual([labDns.server]);
    const hits = await names.forward(['pi-01', 'PI-02', 'pi-09']);
    expect(hits.sort((a, b) => a.name.localeCompare(b.name))).toEqual([
      { node: 'pi-01', name: 'pi-01', address: `${prefix}.9`, source: 'dns' },
      { node: 'pi-01', name: 'pi-01.lan', address: `${prefix}.9`, source: 'dns' },
      { node: 'pi-02', name: 'pi-02', address: `${prefix}.10`, source: 'dns' },
      { node: 'pi-02', name: 'pi-02.lan', address: `${prefix}.10`, source: 'dns' },
    ]);
    expect(await names.reverse(`${prefix}.12`)).toEqual(['pi-05.lan']);
    expect(await names.reverse(`${prefix}.13`)).toEqual([]);
  });

  it('sends a one-shot mDNS query (id 0, QU bit) for <name>.local and takes the unicast answer', async () => {
    const names = new NameLookup({ dnsServers: [], mdns: { target: { address: '127.0.0.1', port: mdns.port }, timeoutMs: 2000 } });
    expect(names.dnsServers).toEqual([]);
    const before = mdns.queries.length;
    const started = Date.now();
    expect(await names.forward(['pi-04'])).toEqual([{ node: 'pi-04', name: 'pi-04.local', address: `${prefix}.11`, source: 'mdns' }]);
    expect(Date.now() - started).toBeLessThan(1500); // every name answered: no need to wait for the timeout
    const query = mdns.queries[before]!;
    expect(query.readUInt16BE(0)).toBe(0); // id
    expect(query.readUInt16BE(4)).toBe(1); // one question
    expect(query.readUInt16BE(query.length - 2)).toBe(0x8001); // class IN with the unicast-response bit
    expect(dnsPacket.decode(query).questions?.[0]).toMatchObject({ name: 'pi-04.local', type: 'A' });
    // Several names in one packet; QU on each; no answer for a name is an empty result after the timeout.
    const two = encodeMdnsQuery(['a.local', 'b.local']);
    expect(two.readUInt16BE(12 + 9 + 2)).toBe(0x8001);
    expect(two.readUInt16BE(two.length - 2)).toBe(0x8001);
    expect(await mdnsQuery(['nobody.local'], { target: { address: '127.0.0.1', port: mdns.port }, timeoutMs: 200 })).toEqual([]);
  });

  it('bounds DNS queries in flight and gives up on a silent server after the timeout', async () => {
    let inFlight = 0;
    let most = 0;
    const slow = await udp();
    slow.on('message', (msg, rinfo) => {
      most = Math.max(most, ++inFlight);
      setTimeout(() => {
        inFlight--;
        slow.send(answerNx(msg), rinfo.port, rinfo.address);
      }, 60);
    });
    try {
      const names = new NameLookup({ dnsServers: [`127.0.0.1:${slow.address().port}`], concurrency: 2 });
      expect(await names.forward(['a', 'b', 'c'])).toEqual([]); // 9 queries
      expect(most).toBe(2);
    } finally {
      slow.close();
    }
    const quiet = new NameLookup({ dnsServers: [`127.0.0.1:${silent.address().port}`], dnsTimeoutMs: 200 });
    const started = Date.now();
    expect(await quiet.reverse(`${prefix}.13`)).toEqual([]); // (c-ares answers 127.0.0.1 from /etc/hosts without asking)
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('on real hardware asks the system DNS, and sends no mDNS without a chosen interface on this computer', async () => {
    const plan = await createRealEnvironment().nameLookup({ chosen: [{ cidr: '192.168.50.0/24', interfaceName: 'eth0', localAddress: '', practice: false }] });
    expect(plan.mdns).toEqual({ from: [], none: 'no-local-interface' });
    expect(plan.lookup.mdnsEnabled).toBe(false);
    expect(plan.dns.kind).toBe(plan.lookup.dnsServers.length ? 'system' : 'none');
  });
});

function answerNx(query: Buffer): Buffer {
  const q = dnsPacket.decode(query);
  return dnsPacket.encode({ type: 'response', id: q.id, flags: dnsPacket.RECURSION_AVAILABLE | 3, questions: q.questions });
}

describe('discovery with name signals', () => {
  it('adds in-subnet name answers as candidates, matches SSH-ready hosts by name, lists a name-only host as not ready, and never contacts an address outside', async () => {
    const names = new NameLookup({ dnsServers: [labDns.server], mdns: { target: { address: '127.0.0.1', port: mdns.port }, timeoutMs: 500 } });
    const nameHits: [NameHit, boolean][] = [];
    const identified: string[] = [];
    const result = await discoverOnce({
      subnets: [SUBNET],
      port: PORT,
      plannedNodes: [{ hostname: 'pi-01' }, { hostname: 'pi-02' }, { hostname: 'pi-03' }, { hostname: 'pi-04' }],
      readNeighbourTable: () => Promise.resolve(`IP address       HW type     Flags       HW address            Mask     Device\n${prefix}.12      0x1         0x2         00:11:22:33:44:55     *        eth0\n`),
      identify: (address) => (identified.push(address), Promise.resolve(undefined)),
      reverseDns: (a) => names.reverse(a),
      lookupNames: (h) => names.forward(h),
      onNameHit: (hit, contacted) => nameHits.push([hit, contacted]),
      sweep: { connectTimeoutMs: 300 },
    });
    expect(outsideContacts).toBe(0);
    expect(nameHits.filter(([, contacted]) => !contacted).map(([h]) => h.name).sort()).toEqual(['pi-03', 'pi-03.lan']);
    expect(result.hosts.some((h) => h.address === `${prefix}.100`)).toBe(false);

    const byAddress = new Map(result.hosts.map((h) => [h.address.split('.')[3], h]));
    expect(byAddress.get('9')).toMatchObject({ plannedNode: 'pi-01', matchedBy: 'dns', sshReady: true, hostname: 'pi-01' });
    expect(byAddress.get('9')?.names?.sort()).toEqual(['pi-01', 'pi-01.lan']);
    expect(byAddress.get('11')).toMatchObject({ plannedNode: 'pi-04', matchedBy: 'mdns', sshReady: true, names: ['pi-04.local'] });
    expect(byAddress.get('11')?.sources).toContain('mdns');
    // Found by name only, SSH not up yet: listed with its name, not counted as found.
    expect(byAddress.get('10')).toMatchObject({ hostname: 'pi-02', sshReady: false });
    expect(byAddress.get('10')?.plannedNode).toBeUndefined();
    expect(byAddress.get('10')?.sources).toContain('dns');
    // Neighbour table only: reverse DNS gives the name.
    expect(byAddress.get('12')).toMatchObject({ hostname: 'pi-05', sources: ['neighbour-table', 'reverse-dns'] });
    expect(result.found).toEqual({ 'pi-01': `${prefix}.9`, 'pi-04': `${prefix}.11` });
    expect(result.missing).toEqual(['pi-02', 'pi-03']);
    // An address a planned name pointed at is worth a login attempt even without a Pi MAC or Ubuntu banner.
    expect(identified.sort()).toEqual([`${prefix}.11`, `${prefix}.9`]);
  });
});

describe('matching by name', () => {
  const host = (octet: number, extra: Partial<DiscoveredHost>): DiscoveredHost => ({ address: `10.0.0.${octet}`, port: 22, isPi: true, sshReady: true, sources: ['sweep'], ...extra });
  const hit = (octet: number, node: string, source: NameHit['source']): [string, NameHit[]] => [`10.0.0.${octet}`, [{ node, name: source === 'mdns' ? `${node}.local` : `${node}.lan`, address: `10.0.0.${octet}`, source }]];

  it('never lets a name overrule the hostname read over SSH, waits for a running identification, and needs SSH', () => {
    const hosts = [
      host(1, { hostname: 'ubuntu', sources: ['sweep', 'ssh'] }), // SSH says "ubuntu": a stale DNS name does not make it pi-01
      host(2, {}), // identification still running
      host(3, { sshReady: false }), // SSH not up yet
      host(4, {}),
    ];
    const names = new Map([hit(1, 'pi-01', 'dns'), hit(2, 'pi-02', 'dns'), hit(3, 'pi-03', 'mdns'), hit(4, 'pi-04', 'mdns')]);
    matchPlannedNodes(hosts, ['pi-01', 'pi-02', 'pi-03', 'pi-04'].map((hostname) => ({ hostname })), new Map(), names, new Set(['10.0.0.2']));
    expect(hosts.map((h) => [h.plannedNode, h.matchedBy])).toEqual([[undefined, undefined], [undefined, undefined], [undefined, undefined], ['pi-04', 'mdns']]);
    // Once identification ended without a hostname, the name counts; reverse DNS comes after forward names.
    matchPlannedNodes(hosts, [{ hostname: 'pi-02' }], new Map([['10.0.0.2', ['pi-02.lan']]]), names);
    expect(hosts[1]).toMatchObject({ plannedNode: 'pi-02', matchedBy: 'dns' });
    matchPlannedNodes(hosts, [{ hostname: 'pi-02' }], new Map([['10.0.0.2', ['pi-02.lan']]]));
    expect(hosts[1]).toMatchObject({ plannedNode: 'pi-02', matchedBy: 'reverse-dns' });
  });
});
