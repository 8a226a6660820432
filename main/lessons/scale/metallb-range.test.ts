/** The MetalLB range the app proposes and accepts: in the nodes' /24, at most 64 addresses, clear of every node and the gateway. */
import { describe, expect, it } from 'vitest';
import { checkRange, proposeRange } from './metallb-range';

const nodes = ['192.168.1.101', '192.168.1.102'];

describe('MetalLB address range', () => {
  it('proposes .240-.250 of the nodes’ subnet, or a lower block when a node sits there', () => {
    expect(proposeRange(nodes)).toBe('192.168.1.240-192.168.1.250');
    expect(proposeRange(['10.0.7.245', '10.0.7.21'])).toBe('10.0.7.220-10.0.7.230');
    expect(proposeRange(['10.0.7.21', '10.0.7.225'], '10.0.7.245')).toBe('10.0.7.200-10.0.7.210');
    expect(proposeRange([])).toBeUndefined();
  });

  it('accepts a small range beside the nodes, written with or without spaces, or a single address', () => {
    expect(checkRange('192.168.1.240-192.168.1.250', nodes)).toEqual({ ok: true, range: '192.168.1.240-192.168.1.250', count: 11, subnet: '192.168.1.0/24' });
    expect(checkRange(' 192.168.1.200 - 192.168.1.263 ', nodes).problem).toBe('format');
    expect(checkRange('192.168.1.200 - 192.168.1.254', nodes)).toMatchObject({ ok: true, count: 55 });
    expect(checkRange('192.168.1.77', nodes)).toMatchObject({ ok: true, range: '192.168.1.77-192.168.1.77', count: 1 });
  });

  it('refuses what would clash on the LAN or is not a range', () => {
    expect(checkRange('192.168.1.240-192.168.1', nodes).problem).toBe('format');
    expect(checkRange('192.168.1.0/24', nodes).problem).toBe('format');
    expect(checkRange('192.168.1.250-192.168.1.240', nodes).problem).toBe('order');
    expect(checkRange('192.168.2.240-192.168.2.250', nodes)).toMatchObject({ problem: 'subnet', subnet: '192.168.1.0/24' });
    expect(checkRange('192.168.1.250-192.168.2.10', nodes).problem).toBe('subnet');
    expect(checkRange('192.168.1.100-192.168.1.200', nodes)).toMatchObject({ problem: 'tooLarge', count: 101 });
    expect(checkRange('192.168.1.0-192.168.1.10', nodes).problem).toBe('networkOrBroadcast');
    expect(checkRange('192.168.1.250-192.168.1.255', nodes).problem).toBe('networkOrBroadcast');
    expect(checkRange('192.168.1.100-192.168.1.110', nodes)).toMatchObject({ problem: 'containsNode', address: '192.168.1.101' });
    expect(checkRange('192.168.1.1-192.168.1.10', nodes, '192.168.1.1')).toMatchObject({ problem: 'containsGateway', address: '192.168.1.1' });
    expect(checkRange('192.168.1.240-192.168.1.250', []).problem).toBe('noNodes');
  });
});
