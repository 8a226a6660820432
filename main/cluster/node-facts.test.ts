import { describe, expect, it } from 'vitest';
import { FACTS_SCRIPT, memoryCgroupEnabled, parseDfAvailable, parseFacts, parseOsRelease, parseSnapList } from './node-facts';

// Recorded on Ubuntu 22.04 (cgroup v2: the memory row is listed, enabled 1) and a Pi without the flags.
const PROC_CGROUPS_ON = '#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpuset\t0\t89\t1\ncpu\t0\t89\t1\nmemory\t0\t89\t1\npids\t0\t89\t1\n';
const PROC_CGROUPS_OFF = '#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpuset\t0\t71\t1\nmemory\t0\t71\t0\n';
const PI_CMDLINE =
  'coherent_pool=1M 8250.nr_uarts=1 snd_bcm2835.enable_headphones=0 cgroup_disable=memory numa_policy=interleave bcm2708_fb.fbwidth=0 vc_mem.mem_size=0x40000000  console=ttyS0,115200 multipath=off dwc_otg.lpm_enable=0 console=tty1 root=LABEL=writable rootfstype=ext4 rootwait fixrtc';

describe('node facts parsers', () => {
  it('reads the memory cgroup from /proc/cgroups, else from the last cgroup flag on the command line', () => {
    expect(memoryCgroupEnabled(PI_CMDLINE, PROC_CGROUPS_ON)).toBe(true);
    expect(memoryCgroupEnabled('cgroup_enable=memory', PROC_CGROUPS_OFF)).toBe(false);
    expect(memoryCgroupEnabled(PI_CMDLINE, '')).toBe(false);
    expect(memoryCgroupEnabled(`${PI_CMDLINE.replace('console=ttyS0', 'cgroup_enable=memory cgroup_memory=1 console=ttyS0')}`, '')).toBe(true);
  });

  it('parses os-release, df and snap list as Ubuntu prints them', () => {
    expect(parseOsRelease('PRETTY_NAME="Ubuntu 22.04.5 LTS"\nNAME="Ubuntu"\nVERSION_ID="22.04"\nID=ubuntu\n')).toEqual({ id: 'ubuntu', versionId: '22.04', prettyName: 'Ubuntu 22.04.5 LTS' });
    expect(parseDfAvailable('Filesystem       1B-blocks       Used   Available Use% Mounted on\n/dev/mmcblk0p2 31002341376 3487342592 25964881716  12% /\n')).toBe(25964881716);
    expect(parseSnapList('error: no matching snaps installed\n')).toEqual({ installed: false });
    expect(parseSnapList('Name      Version  Rev   Tracking     Publisher   Notes\nmicrok8s  v1.32.3  7964  1.32/stable  canonical✓  classic\n')).toEqual({ installed: true, version: 'v1.32.3', tracking: '1.32/stable' });
  });

  it('splits the one-round-trip facts script and prefers the planned address', () => {
    expect(FACTS_SCRIPT).toContain("echo '@@vxlan'; modinfo vxlan >/dev/null 2>&1 && echo yes || echo no");
    const out = [
      '@@hostname', 'pi-02', '@@addresses', '10.1.0.5 192.168.1.22 ', '@@machine', 'armv7l', '@@ntp', 'no', '@@epoch', '1724750000',
      '@@route', 'default via 192.168.1.1 dev eth0 proto static', '@@groups', 'ubuntu adm sudo', '@@snap', '',
    ].join('\n');
    const facts = parseFacts(out, Date.UTC(2026, 0, 1), '192.168.1.22');
    expect(facts).toMatchObject({ hostname: 'pi-02', address: '192.168.1.22', machine: 'armv7l', ntpSynchronized: false, defaultRoute: 'default via 192.168.1.1 dev eth0 proto static', groups: ['ubuntu', 'adm', 'sudo'], microk8s: { installed: false } });
    expect(facts.clockSkewMs).toBeLessThan(-365 * 86_400_000);
    expect(parseFacts(out, Date.UTC(2026, 0, 1)).address).toBe('10.1.0.5');
  });
});
