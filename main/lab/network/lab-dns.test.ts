/**
 * The lab router's DNS server, asked with Node's own resolver (c-ares) over real UDP on loopback:
 * A and PTR for a booted virtual Pi, NXDOMAIN for everything else, gone when the Pi is off.
 */
import dgram from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import dnsPacket from 'dns-packet';
import { afterEach, describe, expect, it } from 'vitest';
import { Lab } from '../lab';
import { folderCard } from '../pi/card-reader';
import { randomLoopbackBase, seedFolder, tempDir } from '../pi/testing/pi-fixtures';
import { addressToPtrName, answerQuery, LabDns, ptrNameToAddress } from './lab-dns';

const cmdline = 'cgroup_enable=memory cgroup_memory=1 console=serial0,115200 multipath=off dwc_otg.lpm_enable=0 console=tty1 root=LABEL=writable rootfstype=ext4 rootwait fixrtc\n';
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanup.splice(0).map((c) => c()));
});

function resolverFor(server: string): Resolver {
  const r = new Resolver({ timeout: 1000, tries: 1 });
  r.setServers([server]);
  return r;
}

describe('lab DNS server', () => {
  it('answers A for <hostname> and <hostname>.lan and PTR for the address of a booted Pi, NXDOMAIN otherwise', async () => {
    const base = randomLoopbackBase();
    const lab = new Lab({ dataDir: tempDir('lab'), speed: 2000, loopbackBase: base, sshPort: 0 });
    cleanup.push(() => lab.stop());
    const card = await seedFolder('24.04', { 'user-data': '#cloud-config\nhostname: pi-01\n', 'cmdline.txt': cmdline });
    const pi = lab.addPi({ card: folderCard(card) });
    const dns = await lab.dns();
    expect(dns?.host).toBe(`${base}.1`);
    const resolver = resolverFor(`${dns!.host}:${dns!.port}`);

    // Off: nobody is known yet.
    await expect(resolver.resolve4('pi-01')).rejects.toMatchObject({ code: 'ENOTFOUND' });

    await pi.powerOn();
    await pi.whenReady();
    expect(pi.address).toMatch(/^192\.168\.1\./); // what the Pi reports; the lab DNS answers with where discovery reaches it
    expect(await resolver.resolve4('pi-01')).toEqual([pi.loopback]);
    expect(await resolver.resolve4('PI-01.lan')).toEqual([pi.loopback]);
    expect(await resolver.reverse(pi.loopback)).toEqual(['pi-01.lan']);
    await expect(resolver.resolve6('pi-01')).rejects.toMatchObject({ code: 'ENODATA' }); // known name, no AAAA
    await expect(resolver.resolve4('pi-02.lan')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    await expect(resolver.resolve4('pi-01.home')).rejects.toMatchObject({ code: 'ENOTFOUND' }); // this router's domain is .lan
    await expect(resolver.reverse(`${base}.99`)).rejects.toMatchObject({ code: 'ENOTFOUND' });

    await pi.powerOff();
    await expect(resolver.resolve4('pi-01')).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });

  it('falls back to the next port when one is taken, and stops', async () => {
    const taken = dgram.createSocket('udp4');
    await new Promise<void>((r) => taken.bind(0, '127.0.0.1', () => r()));
    const busy = taken.address().port;
    cleanup.push(() => new Promise((r) => taken.close(() => r())));
    const dns = await LabDns.start({ host: '127.0.0.1', ports: [busy, 0], records: () => [{ names: ['pi-01', 'pi-01.lan'], address: '127.0.0.1' }] });
    expect(dns.port).not.toBe(busy);
    expect(dns.server).toBe(`127.0.0.1:${dns.port}`);
    expect(await resolverFor(dns.server).resolve4('pi-01')).toEqual(['127.0.0.1']);
    await dns.stop();
    await dns.stop(); // twice is fine
  });

  it('speaks the wire format: id, RD copied, AA + RA set, question repeated; garbage gets FORMERR or nothing', () => {
    const records = [{ names: ['pi-01', 'pi-01.lan'], address: '127.0.0.11' }];
    const reply = dnsPacket.decode(answerQuery(dnsPacket.encode({ type: 'query', id: 4242, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name: 'pi-01.lan' }] }), records)!);
    expect(reply).toMatchObject({ id: 4242, type: 'response', flag_aa: true, flag_rd: true, flag_ra: true, questions: [{ name: 'pi-01.lan', type: 'A' }], answers: [{ type: 'A', name: 'pi-01.lan', data: '127.0.0.11' }] });
    const nx = dnsPacket.decode(answerQuery(dnsPacket.encode({ type: 'query', id: 7, questions: [{ type: 'A', name: 'other' }] }), records)!);
    expect(nx.flags! & 0xf).toBe(3);
    expect(nx.answers).toEqual([]);
    expect(dnsPacket.decode(answerQuery(Buffer.from([0, 9, 1]), records)!).flags! & 0xf).toBe(1);
    expect(answerQuery(Buffer.from([1]), records)).toBeUndefined();
    expect(answerQuery(dnsPacket.encode({ type: 'response', id: 1, questions: [{ type: 'A', name: 'pi-01' }] }), records)).toBeUndefined(); // never answers answers
    expect(ptrNameToAddress(addressToPtrName('127.77.3.11'))).toBe('127.77.3.11');
    expect(ptrNameToAddress('pi-01.lan')).toBeUndefined();
  });
});
