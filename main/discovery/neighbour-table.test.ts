import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { detectNeighbourTableFormat, parseNeighbourTable } from './neighbour-table';
import { isRaspberryPiMac } from './pi-mac';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const pis = (text: string) => parseNeighbourTable(text).filter((e) => isRaspberryPiMac(e.mac)).map((e) => e.ip);

describe('neighbour table parsers', () => {
  it('Linux /proc/net/arp: complete entries with their device, incomplete dropped', () => {
    const text = fixture('linux-proc-net-arp.txt');
    expect(detectNeighbourTableFormat(text)).toBe('linux-proc');
    const entries = parseNeighbourTable(text);
    expect(entries.map((e) => e.ip)).toEqual(['192.168.1.1', '192.168.1.23', '192.168.1.24', '192.168.1.61', '172.17.0.2']);
    expect(entries[1]).toEqual({ ip: '192.168.1.23', mac: 'dc:a6:32:4f:8a:11', interface: 'wlp2s0' });
    expect(pis(text)).toEqual(['192.168.1.23', '192.168.1.24']);
  });

  it('macOS arp -a: unpadded MACs padded, incomplete, broadcast and multicast dropped', () => {
    const text = fixture('macos-arp-a.txt');
    expect(detectNeighbourTableFormat(text)).toBe('macos-arp');
    const entries = parseNeighbourTable(text);
    expect(entries.map((e) => e.ip)).toEqual(['192.168.1.1', '192.168.1.23', '192.168.1.31', '192.168.1.61']);
    expect(entries[2]).toEqual({ ip: '192.168.1.31', mac: 'b8:27:eb:01:02:03', interface: 'en0' });
    expect(pis(text)).toEqual(['192.168.1.23', '192.168.1.31']);
  });

  it.each([
    ['windows-arp-a-en.txt', '192.168.1.10', ['192.168.1.1', '192.168.1.23'], ['192.168.1.23']],
    ['windows-arp-a-de.txt', '192.168.178.20', ['192.168.178.1', '192.168.178.33'], ['192.168.178.33']],
    ['windows-arp-a-fr.txt', '192.168.1.14', ['192.168.1.1', '192.168.1.42'], ['192.168.1.42']],
    ['windows-arp-a-zh.txt', '192.168.31.5', ['192.168.31.1', '192.168.31.88'], ['192.168.31.88']],
  ])('Windows arp -a (%s): dashed MACs under localized headers', (file, iface, ips, piIps) => {
    const text = fixture(file);
    expect(detectNeighbourTableFormat(text)).toBe('windows-arp');
    const entries = parseNeighbourTable(text);
    expect(entries.map((e) => e.ip)).toEqual(ips);
    expect(entries.every((e) => e.interface === iface && /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(e.mac))).toBe(true);
    expect(pis(text)).toEqual(piIps);
  });

  it('returns nothing for unrecognised text', () => {
    expect(parseNeighbourTable('arp: command not found\n')).toEqual([]);
  });
});
