import { describe, expect, it } from 'vitest';
import { hostsMarker, resolveInHosts, withClusterHosts } from './hosts-file';

const UBUNTU_CLOUD_INIT = `127.0.1.1 pi-01 pi-01
127.0.0.1 localhost

# The following lines are desirable for IPv6 capable hosts
::1 localhost ip6-localhost ip6-loopback
ff02::1 ip6-allnodes
ff02::2 ip6-allrouters
`;
const entries = [
  { hostname: 'pi-01', address: '192.168.1.21' },
  { hostname: 'pi-02', address: '192.168.1.22' },
];

describe('/etc/hosts entries', () => {
  it('adds every node once, keeps Ubuntu\'s own-name line, and a second pass changes nothing', () => {
    const once = withClusterHosts(UBUNTU_CLOUD_INIT, entries, 'home-lab', 'pi-01');
    expect(once).toContain(`${hostsMarker('home-lab')}\n192.168.1.21 pi-01\n192.168.1.22 pi-02\n`);
    expect(once.startsWith('127.0.1.1 pi-01 pi-01\n')).toBe(true);
    expect(resolveInHosts(once, 'pi-02')).toBe('192.168.1.22');
    expect(withClusterHosts(once, entries, 'home-lab', 'pi-01')).toBe(once);
  });

  it('replaces a stale address and a name on another line instead of adding a second one', () => {
    const stale = `127.0.0.1 localhost\n10.0.0.9 pi-02 printer\n\n${hostsMarker('home-lab')}\n192.168.1.99 pi-02\n`;
    const fixed = withClusterHosts(stale, entries, 'home-lab', 'pi-01');
    expect(fixed).toBe(`127.0.0.1 localhost\n10.0.0.9 printer\n\n${hostsMarker('home-lab')}\n192.168.1.21 pi-01\n192.168.1.22 pi-02\n`);
    expect(fixed.match(/pi-02/g)).toHaveLength(1);
  });

  it('resolves the first matching line, ignoring comments', () => {
    expect(resolveInHosts('# 1.2.3.4 pi-09\n5.6.7.8 a pi-09\n9.9.9.9 pi-09\n', 'pi-09')).toBe('5.6.7.8');
    expect(resolveInHosts('127.0.0.1 localhost\n', 'pi-09')).toBeUndefined();
  });
});
