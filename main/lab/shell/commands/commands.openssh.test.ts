/** Ubuntu's answers to the commands the app sends, asked through OpenSSH's own client. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { Lab } from '../../lab';
import { folderCard } from '../../pi/card-reader';
import type { VirtualPi } from '../../pi/virtual-pi';
import { clientKey, randomLoopbackBase, seedFolder, tempDir } from '../../pi/testing/pi-fixtures';

const key = clientKey();
let lab: Lab;
let noble: VirtualPi;
let jammy: VirtualPi;

/** Run `command` on a Pi with /usr/bin/ssh. */
function ssh(pi: VirtualPi, command: string, stdin?: string): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) => {
    const child = execFile(
      '/usr/bin/ssh',
      ['-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes', '-o', 'LogLevel=ERROR', '-i', key.path, '-p', String(pi.sshPort), `ubuntu@${pi.loopback}`, command],
      (err, stdout, stderr) => resolve({ stdout, stderr, code: err ? ((err as { code?: number }).code ?? 1) : 0 }),
    );
    if (stdin !== undefined) child.stdin!.end(stdin);
    else child.stdin!.end();
  });
}

const userData = (extra: string) => `#cloud-config
hostname: lab-pi
ssh_authorized_keys:
  - ${key.publicKey}
${extra}`;

beforeAll(async () => {
  lab = new Lab({ dataDir: tempDir('lab'), speed: 2000, loopbackBase: randomLoopbackBase(), sshPort: 0 });
  // 24.04 with the default user (NOPASSWD sudo); 22.04 with a user whose sudo needs the password.
  noble = lab.addPi({ card: folderCard(await seedFolder('24.04', { 'user-data': userData('') })) });
  jammy = lab.addPi({
    card: folderCard(
      await seedFolder('22.04', {
        'user-data': userData(`users:
  - name: ubuntu
    groups: [sudo, adm]
    sudo: ALL=(ALL:ALL) ALL
    lock_passwd: false
    plain_text_passwd: pi-secret
    ssh_authorized_keys: ['${key.publicKey}']
`),
      }),
    ),
  });
  await Promise.all([noble.powerOn(), jammy.powerOn()]);
  await Promise.all([noble.whenReady(), jammy.whenReady()]);
}, 120_000);
afterAll(() => lab.stop());

describe('system facts', { timeout: 120_000 }, () => {
  it('os-release, uname, model, cmdline', async () => {
    const r = await ssh(noble, 'grep -E "^(VERSION_ID|VERSION_CODENAME)=" /etc/os-release; uname -m; uname -r; cat /proc/device-tree/model; echo; cat /proc/cmdline');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines.slice(0, 5)).toEqual(['VERSION_ID="24.04"', 'VERSION_CODENAME=noble', 'aarch64', '6.8.0-1012-raspi', 'Raspberry Pi 4 Model B Rev 1.5\0']);
    expect(lines[5]).toMatch(/^coherent_pool=1M .* console=ttyS0,115200 multipath=off dwc_otg\.lpm_enable=0 console=tty1 root=LABEL=writable rootfstype=ext4 rootwait fixrtc$/);
    expect((await ssh(jammy, 'uname -r; grep VERSION= /etc/os-release')).stdout).toBe('5.15.0-1062-raspi\nVERSION="22.04.5 LTS (Jammy Jellyfish)"\n');
  });

  it('unknown commands, exit codes, pipes and redirections', async () => {
    expect(await ssh(noble, 'kubeadm init')).toEqual({ stdout: '', stderr: 'bash: line 1: kubeadm: command not found\n', code: 127 });
    expect(await ssh(noble, 'false || echo fell-back; true && echo chained; exit 3')).toEqual({ stdout: 'fell-back\nchained\n', stderr: '', code: 3 });
    expect((await ssh(noble, 'cat /nope 2>&1 | head -n1')).stdout).toBe('cat: /nope: No such file or directory\n');
    expect(await ssh(noble, 'cat /nope > /dev/null 2>&1')).toEqual({ stdout: '', stderr: '', code: 1 });
    expect((await ssh(noble, 'command -v snap; command -v microk8s; echo $?')).stdout).toBe('/usr/bin/snap\n1\n');
  });
});

describe('sudo', { timeout: 120_000 }, () => {
  it('NOPASSWD for the cloud-init default user', async () => {
    expect((await ssh(noble, 'sudo -n whoami; whoami')).stdout).toBe('root\nubuntu\n');
  });

  it('asks for the password when the user is only in the sudo group', async () => {
    expect(await ssh(jammy, 'sudo -n true')).toEqual({ stdout: '', stderr: 'sudo: a password is required\n', code: 1 });
    expect(await ssh(jammy, 'sudo whoami')).toMatchObject({ code: 1, stderr: expect.stringContaining('sudo: a terminal is required to read the password') });
    expect(await ssh(jammy, 'sudo -S whoami', 'pi-secret\n')).toEqual({ stdout: 'root\n', stderr: '[sudo] password for ubuntu: ', code: 0 });
    // The app's form: its own prompt marker, then a ready marker on stderr.
    const app = await ssh(jammy, `sudo -S -p '[pcw-p]' -- sh -c 'printf '"'"'%s\\n'"'"' '"'"'[pcw-r]'"'"' >&2; id -u'`, 'pi-secret\n');
    expect(app).toEqual({ stdout: '0\n', stderr: '[pcw-p][pcw-r]\n', code: 0 });
    const wrong = await ssh(jammy, 'sudo -S whoami', 'nope\n');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('Sorry, try again.');
  });
});

describe('editing cmdline.txt and /etc/hosts', { timeout: 120_000 }, () => {
  it('sed -i on the card file reaches /proc/cmdline after a reboot; tee -a appends hosts', async () => {
    const edit = await ssh(noble, "sudo sed -i '1 s/^/cgroup_enable=memory cgroup_memory=1 /' /boot/firmware/cmdline.txt && grep -o 'cgroup_memory=1' /proc/cmdline | head -n1; echo '192.168.1.22 lab-pi-2' | sudo tee -a /etc/hosts > /dev/null && tail -n1 /etc/hosts");
    // The running kernel keeps the command line it booted with.
    expect(edit.stdout).toBe('192.168.1.22 lab-pi-2\n');
    expect((await ssh(noble, 'grep -o "cgroup_[a-z]*=[a-z0-9]*" /boot/firmware/cmdline.txt')).stdout).toBe('cgroup_enable=memory\ncgroup_memory=1\n');
    expect((await ssh(noble, "echo x | tee -a /etc/hosts")).stderr).toBe('tee: /etc/hosts: Permission denied\n');
    const reboot = await ssh(noble, 'sudo reboot');
    expect(reboot.code).toBe(255);
    await noble.whenReady();
    expect((await ssh(noble, 'grep -c "cgroup_enable=memory cgroup_memory=1" /proc/cmdline; tail -n1 /etc/hosts')).stdout).toBe('1\n192.168.1.22 lab-pi-2\n');
  });
});

describe('packages and modules', { timeout: 120_000 }, () => {
  it('22.04 lacks vxlan until linux-modules-extra-raspi is installed', async () => {
    expect(await ssh(jammy, 'modinfo vxlan')).toEqual({ stdout: '', stderr: 'modinfo: ERROR: Module vxlan not found.\n', code: 1 });
    expect((await ssh(jammy, 'apt-get install -y linux-modules-extra-raspi')).code).toBe(100);
    expect((await ssh(jammy, 'sudo -S apt-get install -y linux-modules-extra-raspi', 'pi-secret\n')).code).toBe(0);
    expect((await ssh(jammy, 'modinfo vxlan | grep ^name')).stdout).toBe('name:           vxlan\n');
    expect((await ssh(noble, 'modinfo vxlan >/dev/null && echo present')).stdout).toBe('present\n');
  });

  it('facts the wizard reads: cgroups, snap list NAME, snap info', async () => {
    expect((await ssh(jammy, 'grep ^memory /proc/cgroups')).stdout).toBe('memory\t0\t97\t0\n');
    expect(await ssh(noble, 'snap list microk8s')).toEqual({ stdout: '', stderr: 'error: no matching snaps installed\n', code: 1 });
    expect((await ssh(noble, 'snap info microk8s')).stdout).toMatch(/^channels:\n {2}latest\/stable: +v1\.32\.3 +\(7964\) 168MB classic$/m);
  });

  it('snap list shows the preinstalled snaps in snapd\'s table', async () => {
    expect((await ssh(noble, 'snap list')).stdout).toBe(
      'Name    Version         Rev    Tracking       Publisher    Notes\n' +
        'core22  20240823        1614   latest/stable  canonical**  base\n' +
        'lxd     5.21.2-2f4ba6b  30131  5.21/stable    canonical**  -\n' +
        'snapd   2.65.3          21761  latest/stable  canonical**  snapd\n',
    );
  });
});

describe('hostname and time', { timeout: 120_000 }, () => {
  it('hostnamectl set-hostname needs root and persists', async () => {
    expect((await ssh(noble, 'hostnamectl set-hostname pi-renamed')).code).toBe(1);
    expect((await ssh(noble, 'sudo hostnamectl set-hostname pi-renamed && hostname && hostnamectl | head -n1')).stdout).toBe('pi-renamed\n Static hostname: pi-renamed\n');
    expect((await ssh(noble, 'timedatectl show -p NTPSynchronized --value; timedatectl | grep synchronized')).stdout).toBe('yes\nSystem clock synchronized: yes\n');
  });
});
