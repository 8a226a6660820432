import { afterEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { promisify } from 'node:util';
import { generateEd25519 } from '../../ssh/keygen';
import { Lab } from '../lab';
import { join } from 'node:path';
import { folderCard, imageCard } from './card-reader';
import { createVirtualCard } from '../cards/virtual-card-image';
import { clientKey, connect, exec, interactive, randomLoopbackBase, seedFolder, tempDir } from './testing/pi-fixtures';

const labs: Lab[] = [];
function newLab(dataDir = tempDir('lab')): Lab {
  const lab = new Lab({ dataDir, speed: 2000, loopbackBase: randomLoopbackBase(), sshPort: 0 });
  labs.push(lab);
  return lab;
}
afterEach(async () => {
  await Promise.all(labs.splice(0).map((l) => l.stop()));
});

function firstLine(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = netConnect(port, host);
    s.on('data', (d) => {
      resolve(d.toString().split('\r\n')[0]!);
      s.destroy();
    });
    s.on('error', reject);
  });
}

describe('VirtualPi booting the card Ubuntu ships', { timeout: 120_000 }, () => {
  it('24.04 card image: hostname ubuntu, Ubuntu banner, no password SSH', async () => {
    const lab = newLab();
    const path = join(tempDir('img'), 'card.img');
    await createVirtualCard(path, { os: 'ubuntu', release: '24.04' }, { sizeBytes: 300 * 1024 * 1024, bootBytes: 40 * 1024 * 1024 });
    const pi = lab.addPi({ card: imageCard(path) });
    await pi.powerOn();
    await pi.whenReady();
    expect(pi.hostname).toBe('ubuntu');
    expect(pi.address).toMatch(/^192\.168\.1\.\d+$/);
    expect(await firstLine(pi.loopback, pi.sshPort)).toBe('SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13.5');
    await expect(connect({ host: pi.loopback, port: pi.sshPort, username: 'ubuntu', password: 'ubuntu' })).rejects.toThrow(/authentication methods failed/);
  });

  it('a card without a boot partition does not boot', async () => {
    const lab = newLab();
    const path = join(tempDir('img'), 'blank.img');
    await createVirtualCard(path, { os: 'blank' }, { sizeBytes: 64 * 1024 * 1024 });
    const pi = lab.addPi({ card: imageCard(path) });
    await pi.powerOn();
    expect(pi.state).toBe('no-boot');
    await expect(pi.whenReady()).rejects.toThrow(/did not boot/);
  });

  it('22.04: password ubuntu works, and is expired (forced change with a terminal)', async () => {
    const lab = newLab();
    const pi = lab.addPi({ card: folderCard(await seedFolder('22.04')) });
    await pi.powerOn();
    await pi.whenReady();
    expect(await firstLine(pi.loopback, pi.sshPort)).toBe('SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.10');
    const login = { host: pi.loopback, port: pi.sshPort, username: 'ubuntu' };
    const c1 = await connect({ ...login, password: 'ubuntu' });
    const r = await exec(c1, 'hostname');
    expect(r).toEqual({ stdout: '', stderr: 'WARNING: Your password has expired.\nPassword change required but no TTY available.\n', code: 1 });
    const transcript = await interactive(c1, [
      ['Current password: ', 'ubuntu\r'],
      ['New password: ', 'S3cure-pass\r'],
      ['Retype new password: ', 'S3cure-pass\r'],
    ]);
    c1.end();
    expect(transcript).toContain('WARNING: Your password has expired.\r\nYou must change your password now and login again!\r\n');
    expect(transcript).toContain('passwd: password updated successfully');
    await expect(connect({ ...login, password: 'ubuntu' })).rejects.toThrow();
    const c2 = await connect({ ...login, password: 'S3cure-pass' });
    expect(await exec(c2, 'hostname; uname -r')).toEqual({ stdout: 'ubuntu\n5.15.0-1062-raspi\n', stderr: '', code: 0 });
    c2.end();
  });
});

describe('VirtualPi first boot from prepared user-data', { timeout: 120_000 }, () => {
  const key = clientKey();
  const userData = (hostname: string) => `#cloud-config
hostname: ${hostname}
manage_etc_hosts: true
users:
  - default
chpasswd:
  expire: false
  users:
    - {name: ubuntu, password: labpass, type: text}
ssh_pwauth: true
ssh_authorized_keys:
  - ${key.publicKey}
write_files:
  - path: /etc/lab-note
    content: hello from the card
runcmd:
  - [sh, -c, 'echo ran > /etc/runcmd-done']
`;
  const network = `network:
  version: 2
  ethernets:
    eth0:
      addresses: [192.168.1.21/24]
      routes:
        - to: default
          via: 192.168.1.1
`;

  it('applies hostname, keys, files, static address and cgroup flags; a new instance-id re-applies', async () => {
    const lab = newLab();
    const dir = await seedFolder('24.04', {
      'user-data': userData('pi-one'),
      'network-config': network,
      'cmdline.txt': 'cgroup_enable=memory cgroup_memory=1 console=serial0,115200 multipath=off dwc_otg.lpm_enable=0 console=tty1 root=LABEL=writable rootfstype=ext4 rootwait fixrtc\n',
    });
    const card = folderCard(dir);
    const pi = lab.addPi({ card });
    await pi.powerOn();
    await pi.whenReady();
    expect(pi.address).toBe('192.168.1.21');
    const c = await connect({ host: pi.loopback, port: pi.sshPort, username: 'ubuntu', privateKey: key.privateKey });
    const r = await exec(c, 'hostname && cat /etc/lab-note && echo && ip -4 addr | grep "inet 192" && grep -c cgroup_enable=memory /proc/cmdline && sudo -n true && echo sudo-ok');
    expect(r.stdout).toBe('pi-one\nhello from the card\n    inet 192.168.1.21/24 brd 192.168.1.255 scope global eth0\n1\nsudo-ok\n');
    expect((await exec(c, 'grep pi-one /etc/hosts')).stdout).toBe('127.0.1.1 pi-one pi-one\n');
    expect((await exec(c, 'cloud-init status --wait > /dev/null; cloud-init status; cat /etc/runcmd-done')).stdout).toBe('status: done\nran\n');
    c.end();

    // Same instance-id: user-data is not applied again.
    await card.writeFile('user-data', userData('pi-renamed'));
    await pi.powerOff();
    await pi.powerOn();
    await pi.whenReady();
    expect(pi.hostname).toBe('pi-one');
    // New instance-id: cloud-init runs again.
    await card.writeFile('meta-data', 'instance-id: lab-2\n');
    await pi.powerOff();
    await pi.powerOn();
    await pi.whenReady();
    expect(pi.hostname).toBe('pi-renamed');
  });
});

/** The host keys a Pi's sshd offers, as OpenSSH's ssh-keyscan reads them: type -> base64 blob. */
async function offeredHostKeys(host: string, port: number): Promise<Record<string, string>> {
  const { stdout } = await promisify(execFile)('ssh-keyscan', ['-T', '20', '-p', String(port), '-t', 'rsa,ecdsa,ed25519', host], { encoding: 'utf8' });
  return Object.fromEntries(stdout.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(' ').slice(1, 3) as [string, string]));
}

describe("VirtualPi host keys (cloud-init's cc_ssh)", { timeout: 120_000 }, () => {
  const blobOf = (publicLine: string) => publicLine.split(' ')[1]!;
  const sshKeys = (pair: { private: string; public: string }, extra = '') => `#cloud-config
hostname: pi-keys
${extra}ssh_keys:
  ed25519_private: |
${pair.private.trim().split('\n').map((l) => `    ${l}`).join('\n')}
  ed25519_public: ${pair.public}
`;
  const reboot = async (pi: ReturnType<Lab['addPi']>) => {
    await pi.powerOff();
    await pi.powerOn();
    await pi.whenReady();
  };

  it('the image makes rsa, ecdsa and ed25519 keys; a card with ssh_keys and ssh_deletekeys leaves exactly its key, with 0600/0644 files', async () => {
    const labDir = tempDir('lab');
    const lab = newLab(labDir);
    const dir = await seedFolder('24.04');
    const card = folderCard(dir);
    const pi = lab.addPi({ card });
    await pi.powerOn();
    await pi.whenReady();
    const generated = await offeredHostKeys(pi.loopback, pi.sshPort);
    expect(Object.keys(generated).sort()).toEqual(['ecdsa-sha2-nistp256', 'ssh-ed25519', 'ssh-rsa']);

    const hostKey = generateEd25519('root@pi-keys');
    await card.writeFile('user-data', sshKeys(hostKey, 'ssh_deletekeys: true\nssh_genkeytypes: []\n'));
    await card.writeFile('meta-data', 'instance-id: prepared-1\n');
    await reboot(pi);
    expect(await offeredHostKeys(pi.loopback, pi.sshPort)).toEqual({ 'ssh-ed25519': blobOf(hostKey.public) });
    const keyFile = join(labDir, pi.id, 'ssh_host_ed25519_key'); // the Pi's /etc/ssh
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(statSync(`${keyFile}.pub`).mode & 0o777).toBe(0o644);

    // The same instance keeps its keys across reboots; a re-prepared card (new instance) brings its own.
    await reboot(pi);
    expect(await offeredHostKeys(pi.loopback, pi.sshPort)).toEqual({ 'ssh-ed25519': blobOf(hostKey.public) });
    const next = generateEd25519('root@pi-keys');
    await card.writeFile('user-data', sshKeys(next, 'ssh_deletekeys: true\n'));
    await card.writeFile('meta-data', 'instance-id: prepared-2\n');
    await reboot(pi);
    expect(await offeredHostKeys(pi.loopback, pi.sshPort)).toEqual({ 'ssh-ed25519': blobOf(next.public) });
  });

  it('ssh_genkeytypes chooses the types made; ssh_deletekeys: false keeps the keys the Pi had', async () => {
    const lab = newLab();
    const card = folderCard(await seedFolder('24.04', { 'user-data': '#cloud-config\nssh_genkeytypes: [ed25519]\n', 'meta-data': 'instance-id: a\n' }));
    const pi = lab.addPi({ card });
    await pi.powerOn();
    await pi.whenReady();
    const first = await offeredHostKeys(pi.loopback, pi.sshPort);
    expect(Object.keys(first)).toEqual(['ssh-ed25519']);
    await card.writeFile('user-data', '#cloud-config\nssh_deletekeys: false\nssh_genkeytypes: [ecdsa, ed25519, dsa]\n');
    await card.writeFile('meta-data', 'instance-id: b\n');
    await reboot(pi);
    const second = await offeredHostKeys(pi.loopback, pi.sshPort);
    expect(Object.keys(second).sort()).toEqual(['ecdsa-sha2-nistp256', 'ssh-ed25519']);
    expect(second['ssh-ed25519']).toBe(first['ssh-ed25519']); // kept, not made again
  });
});

describe('interactive shell', { timeout: 120_000 }, () => {
  it('prompts, echoes, asks sudo for the password without echo, and logs out', async () => {
    const key = clientKey();
    const lab = newLab();
    const pi = lab.addPi({
      card: folderCard(
        await seedFolder('24.04', {
          'user-data': `#cloud-config
hostname: pi-term
users:
  - name: ubuntu
    sudo: ALL=(ALL:ALL) ALL
    lock_passwd: false
    plain_text_passwd: term-pass
    ssh_authorized_keys: ['${key.publicKey}']
`,
        }),
      ),
    });
    await pi.powerOn();
    await pi.whenReady();
    const c = await connect({ host: pi.loopback, port: pi.sshPort, username: 'ubuntu', privateKey: key.privateKey });
    const out = await interactive(c, [
      ['ubuntu@pi-term:~$ ', 'sudo whoami\r'],
      ['[sudo] password for ubuntu: ', 'term-pass\r'],
      ['ubuntu@pi-term:~$ ', 'exit\r'],
    ]);
    c.end();
    expect(out).toContain('Welcome to Ubuntu 24.04.1 LTS (GNU/Linux 6.8.0-1012-raspi aarch64)');
    expect(out).toContain('ubuntu@pi-term:~$ sudo whoami\r\n[sudo] password for ubuntu: \r\nroot\r\nubuntu@pi-term:~$ exit\r\nlogout\r\n');
    expect(out).not.toContain('term-pass');
  });
});
