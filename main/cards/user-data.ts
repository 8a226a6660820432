/**
 * `user-data` (#cloud-config) for one node: what cloud-init applies on first boot.
 *
 *  - `hostname` (+ `preserve_hostname: false`), `timezone`.
 *  - One explicit `ubuntu` user (instead of the distro default user, so the result does not
 *    depend on the image's cloud.cfg): the cluster's SSH public key, passwordless sudo (the app
 *    runs `sudo` over SSH without a terminal), `lock_passwd: true` unless the plan has a password,
 *    then its sha512-crypt hash as `passwd`. `chpasswd: {expire: false}` so nothing forces a
 *    password change (Ubuntu's shipped user-data expires "ubuntu"). `ssh_pwauth` is true only
 *    with a password (24.04 ships false, 22.04 true).
 *  - /etc/hosts, the tutorial's "every node in every node's hosts file" done before first boot.
 *    Written whole with `write_files` plus `manage_etc_hosts: false`: write_files runs in the
 *    same cloud-init stage before update_etc_hosts, which then leaves the file alone on every
 *    boot; writing the whole file (not appending) keeps it identical when a new instance-id
 *    makes cloud-init run again. Static plans list every node's address; with DHCP the other
 *    nodes' addresses are unknown before boot, so only the node's own name (127.0.1.1, as
 *    Ubuntu does) is there and the app adds the others after discovery.
 *  - `linux-modules-extra-raspi` (vxlan for MicroK8s' Calico) only for 21.10-23.10 releases,
 *    i.e. 22.04; 24.04 ships vxlan in the base kernel package.
 *  - The node's SSH host key, made by the app for this card (see boot-config.ts), so the app knows
 *    the node's key before it ever answers and never has to trust it on first use. cloud-init's
 *    cc_ssh (per instance, before sshd starts): `ssh_deletekeys: true` removes every
 *    /etc/ssh/ssh_host_*key* the image or an earlier instance had; `ssh_keys` writes
 *    ssh_host_ed25519_key (0600) and .pub (0644). With `ssh_keys` present cc_ssh generates no
 *    other type (its `ssh_genkeytypes` branch is skipped, cloud-init 20.1 to today);
 *    `ssh_genkeytypes: []` says the same explicitly, so no RSA or ECDSA key exists that a client
 *    could negotiate instead. OpenSSH skips the missing default HostKey files silently and offers
 *    ed25519, which every client since OpenSSH 6.5 accepts. The private key is in this file in
 *    clear text: it lives only on the card (and on the Pi), never in the app's files.
 */
import type { StoredPlan, UbuntuRelease } from '../../preload/contract/plan';
import { hostnameProblem, isIPv4 } from '../../preload/contract/plan-rules';
import { isUsableKey, type KeyPair } from '../ssh/keygen';
import { BootConfigError, toYaml } from './boot-yaml';

export const DEFAULT_USER = 'ubuntu';
const USER_GROUPS = ['adm', 'dialout', 'cdrom', 'sudo', 'dip', 'plugdev', 'lxd', 'video'];

/** Whether `release` needs linux-modules-extra-raspi for vxlan (Ubuntu 21.10 to 23.10). */
export function needsModulesExtra(release: string): boolean {
  const [year, month] = release.split('.').map(Number);
  if (year === undefined || month === undefined) return false;
  const version = year * 100 + month;
  return version >= 2110 && version <= 2310;
}

/** The /etc/hosts this node gets. */
export function hostsFile(plan: StoredPlan, hostname: string): string {
  const lines = ['127.0.0.1 localhost'];
  const addressed = plan.network.mode === 'static' ? plan.nodes.filter((n) => n.address && isIPv4(n.address)) : [];
  if (!addressed.some((n) => n.hostname === hostname)) lines.push(`127.0.1.1 ${hostname}`);
  lines.push('', `# ${plan.clusterName} cluster nodes (Pi Cluster Wizard)`);
  for (const node of addressed) lines.push(`${node.address} ${node.hostname}`);
  lines.push(
    '',
    '# The following lines are desirable for IPv6 capable hosts',
    '::1 ip6-localhost ip6-loopback',
    'fe00::0 ip6-localnet',
    'ff00::0 ip6-mcastprefix',
    'ff02::1 ip6-allnodes',
    'ff02::2 ip6-allrouters',
  );
  return lines.join('\n') + '\n';
}

/** The node's host key pair as cc_ssh takes it; OpenSSH refuses a private key file without its final newline. */
function sshHostKeys(hostKey: KeyPair): Record<string, string> {
  const publicKey = hostKey.public.trim();
  if (!/^ssh-ed25519 [A-Za-z0-9+/=]+( [^\r\n]*)?$/.test(publicKey) || !isUsableKey(hostKey.private) || !isUsableKey(publicKey)) {
    throw new BootConfigError('The SSH host key made for this card is not a usable ed25519 key pair; prepare the card again.');
  }
  return { ed25519_private: hostKey.private.endsWith('\n') ? hostKey.private : `${hostKey.private}\n`, ed25519_public: `${publicKey}\n` };
}

/** `hostKey`: the node's SSH host key pair (ed25519, from ssh/keygen.ts), written for cc_ssh. */
export function userData(plan: StoredPlan, hostname: string, release: UbuntuRelease, hostKey: KeyPair): string {
  for (const node of plan.nodes) {
    const problem = hostnameProblem(node.hostname);
    if (problem) throw new BootConfigError(`Hostname ${JSON.stringify(node.hostname)}: ${problem.message}`);
  }
  if (!plan.nodes.some((n) => n.hostname === hostname)) throw new BootConfigError(`${hostname} is not a node of the plan.`);
  const key = plan.login.publicKey.trim();
  if (!/^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp\d+) [A-Za-z0-9+/=]+( [^\r\n]*)?$/.test(key)) {
    throw new BootConfigError('The cluster SSH public key is missing or malformed; save the plan again to regenerate it.');
  }
  const hash = plan.login.passwordHash;
  if (hash !== undefined && !/^\$6\$[^\s:]+$/.test(hash)) throw new BootConfigError('The stored password hash is not a sha512-crypt hash; set the password again.');
  if (!/^[A-Za-z0-9_+-]+(\/[A-Za-z0-9_+-]+)*$/.test(plan.timezone)) throw new BootConfigError(`${JSON.stringify(plan.timezone)} is not a time zone name like Asia/Shanghai.`);

  const user: Record<string, unknown> = {
    name: DEFAULT_USER,
    gecos: 'Ubuntu',
    groups: USER_GROUPS,
    shell: '/bin/bash',
    sudo: 'ALL=(ALL) NOPASSWD:ALL',
    lock_passwd: hash === undefined,
  };
  if (hash !== undefined) user['passwd'] = hash;
  user['ssh_authorized_keys'] = [key];

  const config: Record<string, unknown> = {
    hostname,
    preserve_hostname: false,
    manage_etc_hosts: false,
    timezone: plan.timezone,
    users: [user],
    chpasswd: { expire: false },
    ssh_pwauth: hash !== undefined,
    ssh_deletekeys: true,
    ssh_genkeytypes: [],
    ssh_keys: sshHostKeys(hostKey),
    write_files: [{ path: '/etc/hosts', owner: 'root:root', permissions: '0644', content: hostsFile(plan, hostname) }],
  };
  if (needsModulesExtra(release)) {
    config['package_update'] = true;
    config['packages'] = ['linux-modules-extra-raspi'];
  }
  return `#cloud-config\n# Written by Pi Cluster Wizard for ${hostname} of cluster ${plan.clusterName}.\n${toYaml(config)}`;
}
