/**
 * Discovery end to end on loopback: in-process SSH servers act as Pis on 127.a.b.8/29, a neighbour
 * table supplies MACs, and counting listeners around the subnet prove nothing outside it is contacted.
 */
import { randomInt } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KnownHostsStore } from '../ssh/known-hosts';
import { Ssh2TestServer } from '../ssh/ssh2-test-server';
import { discoverOnce, discoverUntilAllFound, type DiscoveredHost } from './discovery';
import { sshIdentifier } from './ssh-identify';

const prefix = `127.${randomInt(1, 255)}.${randomInt(0, 256)}`;
const PORT = 2200 + randomInt(0, 5000);
const SUBNET = `${prefix}.8/29`; // .9 - .14
const outsideOctets = [1, 7, 15, 16, 100];
const outsideContacts = new Map<number, number>();
const servers: Ssh2TestServer[] = [];
const listeners: Server[] = [];
let dir: string;

const neighbourTable = () =>
  Promise.resolve(
    [
      'IP address       HW type     Flags       HW address            Mask     Device',
      `${prefix}.9      0x1         0x2         dc:a6:32:00:00:09     *        eth0`,
      `${prefix}.10     0x1         0x2         d8:3a:dd:00:00:0a     *        eth0`,
      `${prefix}.14     0x1         0x2         2c:cf:67:00:00:0e     *        eth0`, // booting Pi, no SSH yet
      `${prefix}.100    0x1         0x2         b8:27:eb:00:00:64     *        eth0`, // Pi outside the chosen subnet
      '',
    ].join('\n'),
  );

async function fakePi(octet: number, hostname: string) {
  const s = await Ssh2TestServer.start({ address: `${prefix}.${octet}`, port: PORT, password: 'ubuntu', onExec: (cmd) => (cmd === 'hostname' ? { stdout: `${hostname}\n` } : undefined) });
  servers.push(s);
  return s;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pcw-discovery-'));
  await fakePi(9, 'pi-1');
  await fakePi(10, 'pi-2');
  // a Debian box with SSH (not Ubuntu, not a Pi)
  const debian = createServer((s) => s.end('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n').on('error', () => undefined).setTimeout(1000, () => s.destroy()));
  await new Promise<void>((r) => debian.listen(PORT, `${prefix}.12`, r));
  listeners.push(debian);
  for (const octet of outsideOctets) {
    const l = createServer((s) => {
      outsideContacts.set(octet, (outsideContacts.get(octet) ?? 0) + 1);
      s.destroy();
    });
    await new Promise<void>((r) => l.listen(PORT, `${prefix}.${octet}`, r));
    listeners.push(l);
  }
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await Promise.all(listeners.map((l) => new Promise((r) => l.close(r))));
  await rm(dir, { recursive: true, force: true });
});

describe('discovery', () => {
  it('combines neighbour table, sweep and SSH identity, ranks Pis first and matches planned nodes', async () => {
    const login = sshIdentifier({ username: 'ubuntu', password: 'ubuntu', knownHosts: new KnownHostsStore(join(dir, 'known_hosts')), connectTimeoutMs: 5_000 });
    const asked: string[] = [];
    const identify = (address: string, port: number) => (asked.push(address), login(address, port));
    const updates: DiscoveredHost[][] = [];
    const result = await discoverOnce({
      subnets: [SUBNET],
      port: PORT,
      plannedNodes: [{ hostname: 'pi-1' }, { hostname: 'pi-2' }, { hostname: 'pi-3' }],
      readNeighbourTable: neighbourTable,
      identify,
      onUpdate: (hosts) => updates.push(hosts),
    });
    const summary = result.hosts.map((h) => [h.address.split('.')[3], h.plannedNode ?? '-', h.isPi, h.sshReady, h.ssh?.os ?? '-']);
    expect(summary).toEqual([
      ['9', 'pi-1', true, true, 'ubuntu'],
      ['10', 'pi-2', true, true, 'ubuntu'],
      ['14', '-', true, false, '-'],
      ['12', '-', false, true, 'debian'],
    ]);
    expect(result.hosts[0]).toMatchObject({ hostname: 'pi-1', matchedBy: 'hostname', mac: 'dc:a6:32:00:00:09', sources: ['neighbour-table', 'sweep', 'ssh'] });
    expect(result.hosts[0]!.hostKeyFingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(result.found).toEqual({ 'pi-1': `${prefix}.9`, 'pi-2': `${prefix}.10` });
    expect(result.missing).toEqual(['pi-3']);
    // The neighbour table's Pis were reported before any SSH answer.
    expect(updates[0]!.map((h) => h.address)).toEqual([`${prefix}.9`, `${prefix}.10`, `${prefix}.14`]);
    expect(outsideContacts.size).toBe(0);
    expect(asked.sort()).toEqual([`${prefix}.10`, `${prefix}.9`]); // never the Debian box
  });

  it('keeps watching until every planned node is up, still only inside the subnet', async () => {
    let passes = 0;
    const result = await discoverUntilAllFound({
      subnets: [SUBNET],
      port: PORT,
      plannedNodes: [{ hostname: 'pi-1' }, { hostname: 'pi-3' }],
      identify: sshIdentifier({ username: 'ubuntu', password: 'ubuntu', knownHosts: new KnownHostsStore(join(dir, 'known_hosts2')) }),
      intervalMs: 50,
      onPass: async () => {
        if (++passes === 2) await fakePi(13, 'pi-3'); // pi-3 finishes booting during the watch
      },
    });
    expect(passes).toBeGreaterThanOrEqual(3);
    expect(result.found).toEqual({ 'pi-1': `${prefix}.9`, 'pi-3': `${prefix}.13` });
    expect(result.missing).toEqual([]);
    expect(outsideContacts.size).toBe(0);
  });

  it('gives hosts the neighbour table knows a second, patient probe after the sweep', async () => {
    let reads = 0;
    const late = createServer((s) => s.end('SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13.5\r\n'));
    listeners.push(late);
    const result = await discoverOnce({
      subnets: [SUBNET],
      port: PORT,
      readNeighbourTable: async () => {
        // The second read happens after the sweep: only now does .11 start answering (slow Wi-Fi).
        if (++reads === 2) await new Promise<void>((r) => late.listen(PORT, `${prefix}.11`, r));
        return `IP address  HW type  Flags  HW address  Mask  Device\n${prefix}.11  0x1  0x2  e4:5f:01:00:00:0b  *  eth0\n`;
      },
    });
    expect(reads).toBe(2);
    expect(result.hosts[0]).toMatchObject({ address: `${prefix}.11`, isPi: true, sshReady: true, ssh: { ubuntuRelease: '24.04' }, sources: ['neighbour-table', 'sweep'] });
    expect(outsideContacts.size).toBe(0);
  });

  it('probes hosts the user added by name or address, and nothing else', async () => {
    const result = await discoverOnce({
      subnets: [],
      extraHosts: ['vm-node-1', `${prefix}.10`, 'no-such-vm'],
      port: PORT,
      resolveName: async (name) => {
        if (name === 'vm-node-1') return [`${prefix}.9`];
        throw new Error('ENOTFOUND');
      },
    });
    expect(result.hosts.map((h) => h.address)).toEqual([`${prefix}.9`, `${prefix}.10`]);
    expect(outsideContacts.size).toBe(0);
  });

  it('matches a node by its pinned host key when the hostname is not readable', async () => {
    const pi2 = servers[1]!;
    const known = new KnownHostsStore(join(dir, 'known_hosts3'));
    const id = await sshIdentifier({ username: 'ubuntu', password: 'ubuntu', knownHosts: known })(pi2.address, PORT);
    const result = await discoverOnce({
      subnets: [`${pi2.address}/32`],
      port: PORT,
      plannedNodes: [{ hostname: 'pi-2-renamed', hostKeyFingerprint: id!.hostKeyFingerprint }],
      identify: async () => id,
    });
    expect(result.hosts[0]).toMatchObject({ plannedNode: 'pi-2-renamed', matchedBy: 'host-key' });
  });
});
