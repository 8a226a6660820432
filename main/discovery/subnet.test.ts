import { describe, expect, it } from 'vitest';
import { hostAddresses, hostCount, isLoopback, parseCidr, subnetContains } from './subnet';

describe('subnet arithmetic', () => {
  it('canonicalises CIDRs and lists host addresses without network and broadcast', () => {
    const s = parseCidr('192.168.1.77/30');
    expect(s.cidr).toBe('192.168.1.76/30');
    expect(hostAddresses(s)).toEqual(['192.168.1.77', '192.168.1.78']);
    expect(hostCount(parseCidr('10.0.0.0/22'))).toBe(1022);
    expect(hostAddresses(parseCidr('127.0.0.5'))).toEqual(['127.0.0.5']);
  });

  it('tests membership and rejects malformed input', () => {
    const s = parseCidr('10.250.3.0/24');
    expect(subnetContains(s, '10.250.3.200')).toBe(true);
    expect(subnetContains(s, '10.250.4.1')).toBe(false);
    expect(subnetContains(s, 'pi-1.local')).toBe(false);
    expect(() => parseCidr('10.0.0.0/33')).toThrow();
    expect(() => parseCidr('300.1.1.1/24')).toThrow();
  });
});

describe('loopback addresses', () => {
  it('are 127.0.0.0/8 and nothing else (names and malformed addresses are not)', () => {
    expect(['127.0.0.1', '127.255.255.254', '127.1.2.3'].every(isLoopback)).toBe(true);
    expect(['128.0.0.1', '192.168.1.21', '10.127.0.1', 'localhost', '127.0.0', '127.0.0.256'].some(isLoopback)).toBe(false);
  });
});
