/**
 * End to end: a card prepared by the card writer boots a virtual Pi that comes up with the
 * planned hostname, static address, key login (and the planned password), hosts entries for
 * every node and the cgroup flags, as Ubuntu's first boot would apply them, and answers SSH with
 * exactly the host key the report names.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { createVirtualCard } from '../lab/cards/virtual-card-image';
import { VirtualCardReaders } from '../lab/cards/virtual-card-readers';
import { Lab } from '../lab/lab';
import { imageCard } from '../lab/pi/card-reader';
import { clientKey, connect, exec, randomLoopbackBase, tempDir } from '../lab/pi/testing/pi-fixtures';
import { fingerprintOf, publicKeyBlob } from '../ssh/known-hosts';
import { prepareCard } from './card-writer';
import { TEST_PASSWORD_HASH, testPlan } from './testing/plan-fixtures';

const MIB = 1024 * 1024;
const labs: Lab[] = [];
afterAll(async () => {
  await Promise.all(labs.map((l) => l.stop()));
});

describe('a prepared card in a virtual Pi', () => {
  it.each(['24.04', '22.04'] as const)('%s: boots with the planned hostname, address, logins, hosts and cgroup flags', async (release) => {
    const key = clientKey();
    const plan = testPlan({ ubuntuRelease: release, login: { publicKey: key.publicKey, passwordHash: TEST_PASSWORD_HASH } });
    const dir = tempDir('prepared-card');
    const image = join(dir, 'card.img');
    await createVirtualCard(image, { os: 'ubuntu', release }, { sizeBytes: 300 * MIB, bootBytes: 40 * MIB });
    const readers = new VirtualCardReaders({ dir: join(dir, 'readers') });
    const device = await readers.insert(1, image);
    const report = await prepareCard({
      plan,
      hostname: 'pi-02',
      device,
      confirmDevice: device,
      drives: await readers.list(),
      safety: { appPaths: [dir], knownCardReaders: new Set([device]) },
      eject: async (drive) => ({ ejected: await readers.ejectDevice(drive.device), code: 'practice-ejected', message: 'ejected' }),
    });

    const lab = new Lab({ dataDir: tempDir('lab'), speed: 2000, loopbackBase: randomLoopbackBase(), sshPort: 0 });
    labs.push(lab);
    const pi = lab.addPi({ card: imageCard(image) });
    await pi.powerOn();
    await pi.whenReady();
    expect(pi.hostname).toBe('pi-02');
    expect(pi.address).toBe('192.168.1.102');

    // The only host key it offers (OpenSSH's ssh-keyscan asks for every type) is the one in the report.
    const { stdout: scanned } = await promisify(execFile)('ssh-keyscan', ['-T', '20', '-p', String(pi.sshPort), '-t', 'rsa,ecdsa,ed25519', pi.loopback], { encoding: 'utf8' });
    const offered = scanned.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(' ').slice(1, 3).join(' '));
    expect(offered).toEqual([report.hostKey.publicKey.split(' ').slice(0, 2).join(' ')]);
    expect(fingerprintOf(publicKeyBlob(offered[0]!))).toBe(report.hostKey.fingerprint);

    const byKey = await connect({ host: pi.loopback, port: pi.sshPort, username: 'ubuntu', privateKey: key.privateKey });
    const facts = await exec(byKey, 'hostname; grep -c cgroup_enable=memory /proc/cmdline; sudo -n true && echo sudo-ok');
    expect(facts).toEqual({ stdout: 'pi-02\n1\nsudo-ok\n', stderr: '', code: 0 });
    const hosts = (await exec(byKey, 'cat /etc/hosts')).stdout;
    expect(hosts).toContain('192.168.1.101 pi-01\n');
    expect(hosts).toContain('192.168.1.102 pi-02\n');
    byKey.end();

    // The planned password works over SSH and is not expired.
    const byPassword = await connect({ host: pi.loopback, port: pi.sshPort, username: 'ubuntu', password: 'raspberry' });
    expect(await exec(byPassword, 'hostname')).toEqual({ stdout: 'pi-02\n', stderr: '', code: 0 });
    byPassword.end();
  });
});
