/** The app's own SSH client (main/ssh) against a virtual Pi: first login, forced password change, sudo. */
import { afterEach, expect, it } from 'vitest';
import { join } from 'node:path';
import { connectSsh } from '../../ssh/ssh-client';
import { KnownHostsStore } from '../../ssh/known-hosts';
import { Lab } from '../lab';
import { folderCard } from './card-reader';
import { randomLoopbackBase, seedFolder, tempDir } from './testing/pi-fixtures';

const labs: Lab[] = [];
afterEach(async () => {
  await Promise.all(labs.splice(0).map((l) => l.stop()));
});

it('22.04 as Ubuntu ships it: ubuntu/ubuntu, forced change, then sudo -S with the app\'s prompt marker', async () => {
  const lab = new Lab({ dataDir: tempDir('lab'), speed: 2000, loopbackBase: randomLoopbackBase(), sshPort: 0 });
  labs.push(lab);
  const pi = lab.addPi({ card: folderCard(await seedFolder('22.04')) });
  await pi.powerOn();
  await pi.whenReady();
  const knownHosts = new KnownHostsStore(join(tempDir('kh'), 'known_hosts'));
  const target = { host: pi.loopback, port: pi.sshPort, username: 'ubuntu', knownHosts };
  const conn = await connectSsh({ ...target, password: 'ubuntu', newPassword: 'Lab-Passw0rd' });
  conn.close();
  const again = await connectSsh({ ...target, password: 'Lab-Passw0rd' });
  try {
    expect((await again.exec('cat /proc/sys/kernel/random/boot_id')).stdout).toMatch(/^[0-9a-f-]{36}\n$/);
    // cloud-init's default user has NOPASSWD sudo: the password is never asked.
    expect((await again.exec('id -u', { sudo: { password: 'Lab-Passw0rd' } })).stdout).toBe('0\n');
    expect((await again.exec('ip -4 route show default')).stdout).toBe(`default via 192.168.1.1 dev eth0 proto dhcp src ${pi.address} metric 100\n`);
  } finally {
    again.close();
  }
}, 120_000);
