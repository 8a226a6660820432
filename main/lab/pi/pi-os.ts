/**
 * Ubuntu running on one virtual Pi: the root filesystem, accounts, software and services, as
 * the shell sees them (it implements ShellMachine). State that lives on the card's `writable`
 * partition is saved as JSON in the Pi's data dir and survives reboots and lab restarts.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { encrypt, verify } from 'unixcrypt';
import type { LabClock } from '../lab-clock';
import { Shell, stringStdin } from '../shell/shell';
import type { CommandFn } from '../shell/shell';
import { SHELL_COMMANDS } from '../shell/commands';
import type { NetworkFacts, ShellMachine, SnapInfo, UserAccount } from '../shell/machine';
import { VirtualFs } from '../shell/virtual-fs';
import { GROUP_IDS, memInfo } from '../shell/commands/system-commands';
import type { NetworkConfig, UserData } from './cloud-init';
import { DURATIONS, MICROK8S_LATEST, MICROK8S_VERSIONS, RELEASES } from './ubuntu-releases';
import type { ReleaseProfile, UbuntuRelease } from './ubuntu-releases';

export interface StoredUser extends UserAccount {
  passwordHash?: string;
  expired: boolean;
  locked: boolean;
}

export interface PersistedState {
  release: UbuntuRelease;
  instanceId: string | null;
  users: StoredUser[];
  sshPwauth: boolean;
  manageEtcHosts: boolean;
  network: NetworkConfig | null;
  debs: string[];
  snaps: SnapInfo[];
  files: ReturnType<VirtualFs['save']>;
  /** Saved state of installed software (e.g. MicroK8s), by name. */
  software: Record<string, unknown>;
}

const UBUNTU_HOSTS = `127.0.0.1 localhost

# The following lines are desirable for IPv6 capable hosts
::1 ip6-localhost ip6-loopback
fe00::0 ip6-localnet
ff00::0 ip6-mcastprefix
ff02::1 ip6-allnodes
ff02::2 ip6-allrouters
ff02::3 ip6-allhosts
`;

export function cloudInitHosts(hostname: string, fqdn: string): string {
  return `# Your system has configured 'manage_etc_hosts' as True.
# As a result, if you wish for changes to this file to persist
# then you will need to either
# a.) make changes to the master file in /etc/cloud/templates/hosts.debian.tmpl
# b.) change or remove the value of 'manage_etc_hosts' in
#     /etc/cloud/cloud.cfg or cloud-config from user-data
#
127.0.1.1 ${fqdn} ${hostname}
127.0.0.1 localhost

# The following lines are desirable for IPv6 capable hosts
::1 localhost ip6-localhost ip6-loopback
ff02::1 ip6-allnodes
ff02::2 ip6-allrouters
`;
}

/** Hooks the Pi gives its OS: the lab network, power, faults and installed software. */
export interface PiOsHooks {
  tcpProbe(host: string, port: number): ReturnType<ShellMachine['tcpProbe']>;
  reboot(kind: 'reboot' | 'poweroff'): void;
  ntpSynchronized(): boolean;
  ntpEnabled(): boolean;
  setNtp(enabled: boolean): void;
  /** Offset of this Pi's clock from lab time (negative when it never synchronised). */
  clockOffsetMs(): number;
  extraCommand(name: string): CommandFn | undefined;
  /** A snap finished installing (MicroK8s starts). */
  snapInstalled(info: SnapInfo): void;
  /** Called when an install starts, so a "power lost during install" fault can strike. */
  installStarted(what: string): void;
  /** /proc/cmdline from the first line of the card's cmdline.txt (the firmware adds its part). */
  kernelCmdline(cardLine: string): string;
}

export interface PiOsOptions {
  clock: LabClock;
  dataDir: string;
  release: UbuntuRelease;
  model: string;
  memoryBytes: number;
  diskBytes: number;
  mac: string;
  hooks: PiOsHooks;
}

export class PiOs implements ShellMachine {
  readonly fs = new VirtualFs();
  readonly clock: LabClock;
  readonly release: ReleaseProfile;
  readonly model: string;
  readonly memoryBytes: number;
  readonly diskBytes: number;
  readonly bootedAt: number;
  network: NetworkFacts;
  state: PersistedState;
  readonly #statePath: string;
  readonly #hooks: PiOsHooks;
  readonly #power = new AbortController();
  #cloudInitDone = false;
  #cloudInitWaiters: (() => void)[] = [];

  constructor(options: PiOsOptions) {
    this.clock = options.clock;
    this.model = options.model;
    this.memoryBytes = options.memoryBytes;
    this.diskBytes = options.diskBytes;
    this.#hooks = options.hooks;
    this.bootedAt = options.clock.now();
    this.#statePath = join(options.dataDir, 'state.json');
    this.state = existsSync(this.#statePath)
      ? (JSON.parse(readFileSync(this.#statePath, 'utf8')) as PersistedState)
      : PiOs.freshImage(options.release);
    this.release = RELEASES[this.state.release];
    this.network = { iface: 'eth0', address: '0.0.0.0', prefix: 24, gateway: '', dhcp: true, mac: options.mac };
    this.fs.restore(this.state.files);
    for (const d of ['/tmp', '/run', '/boot/firmware']) this.fs.mkdirp(d);
    this.fs.onWrite((path) => {
      if (!path.startsWith('/boot/firmware/')) this.save();
    });
    this.#defineProc();
  }

  /** The root filesystem of a freshly written Ubuntu image. */
  static freshImage(release: UbuntuRelease): PersistedState {
    const fs = new VirtualFs();
    for (const d of ['/etc', '/home', '/root', '/tmp', '/var/lib/cloud', '/boot/firmware', '/snap/bin']) fs.mkdirp(d);
    fs.write('/etc/hostname', 'ubuntu\n');
    fs.write('/etc/hosts', UBUNTU_HOSTS);
    fs.write('/etc/os-release', RELEASES[release].osRelease);
    return {
      release,
      instanceId: null,
      users: [],
      sshPwauth: false,
      manageEtcHosts: false,
      network: null,
      debs: [],
      snaps: RELEASES[release].snaps.map((s) => ({ ...s })),
      files: fs.save(),
      software: {},
    };
  }

  /** Write the root filesystem and machine state (atomically: a lab stopped mid-write keeps the old state). */
  save(): void {
    this.state.files = this.fs.save();
    const tmp = `${this.#statePath}.tmp-${process.pid}`;
    writeFileSync(tmp, JSON.stringify(this.state));
    renameSync(tmp, this.#statePath);
  }

  #defineProc(): void {
    this.fs.defineDynamic('/proc/device-tree/model', () => `${this.model}\0`);
    this.fs.defineDynamic('/proc/cmdline', () => this.procCmdline() + '\n');
    this.fs.defineDynamic('/proc/meminfo', () =>
      Object.entries(memInfo(this.memoryBytes))
        .map(([k, v]) => `${(k + ':').padEnd(15)}${String(v).padStart(9)} kB`)
        .join('\n') + '\n',
    );
    this.fs.defineDynamic('/proc/uptime', () => {
      const up = (this.clock.now() - this.bootedAt) / 1000;
      return `${up.toFixed(2)} ${(up * 3.7).toFixed(2)}\n`;
    });
    this.fs.defineDynamic('/etc/os-release', () => this.release.osRelease);
    const bootId = randomUUID();
    this.fs.defineDynamic('/proc/sys/kernel/random/boot_id', () => `${bootId}\n`);
    this.fs.defineDynamic('/proc/cgroups', () => {
      const memory = this.memoryCgroupEnabled() ? 1 : 0;
      const rows = ['cpuset', 'cpu', 'cpuacct', 'blkio', 'memory', 'devices', 'freezer', 'net_cls', 'perf_event', 'net_prio', 'pids', 'rdma', 'misc'];
      return '#subsys_name\thierarchy\tnum_cgroups\tenabled\n' + rows.map((r) => `${r}\t0\t97\t${r === 'memory' ? memory : 1}`).join('\n') + '\n';
    });
  }

  /** The first line of cmdline.txt as the firmware read it at power-on (edits count from the next boot). */
  bootCmdline = '';

  /** What the kernel got: the firmware's additions, then the card's line. */
  procCmdline(): string {
    return this.#hooks.kernelCmdline(this.bootCmdline);
  }

  /** The memory cgroup is on when the last cgroup_enable/cgroup_disable for memory enables it. */
  memoryCgroupEnabled(): boolean {
    let on = true;
    for (const p of this.procCmdline().split(/\s+/)) {
      if (p === 'cgroup_disable=memory') on = false;
      if (p === 'cgroup_enable=memory') on = true;
    }
    return on;
  }

  // ---- ShellMachine ----
  get diskUsedBytes(): number {
    const micro = this.state.snaps.some((s) => s.name === 'microk8s') ? 1_350_000_000 : 0;
    return (this.state.release === '24.04' ? 3_487_342_592 : 3_021_533_184) + micro;
  }

  get hostname(): string {
    return this.fs.read('/etc/hostname').trim() || 'ubuntu';
  }

  setHostname(name: string): void {
    this.fs.write('/etc/hostname', `${name}\n`);
  }

  get powerSignal(): AbortSignal {
    return this.#power.signal;
  }

  /** The machine is going down: every running command is aborted. */
  powerDown(reason: Error): void {
    this.save();
    this.#power.abort(reason);
  }

  ntpSynchronized(): boolean {
    return this.#hooks.ntpSynchronized();
  }

  ntpEnabled(): boolean {
    return this.#hooks.ntpEnabled();
  }

  setNtp(enabled: boolean): void {
    this.#hooks.setNtp(enabled);
  }

  localTime(): number {
    return this.clock.now() + this.#hooks.clockOffsetMs();
  }

  user(name: string): StoredUser | undefined {
    return this.state.users.find((u) => u.name === name);
  }

  checkPassword(name: string, password: string): boolean {
    const u = this.user(name);
    return !!u && !u.locked && !!u.passwordHash && verify(password, u.passwordHash);
  }

  setPassword(name: string, password: string): void {
    const u = this.user(name);
    if (!u) return;
    u.passwordHash = encrypt(password, `$6$rounds=5000$${randomSalt()}`);
    u.expired = false;
    u.locked = false;
    this.save();
  }

  addToGroup(name: string, group: string): void {
    const u = this.user(name);
    if (u && !u.groups.includes(group)) u.groups.push(group);
    this.save();
  }

  snaps(): SnapInfo[] {
    return this.state.snaps;
  }

  async installSnap(name: string, channel: string | undefined, signal: AbortSignal): Promise<SnapInfo> {
    const [trackRaw, risk = 'stable'] = (channel ?? 'latest/stable').split('/');
    const track = trackRaw === 'latest' || !trackRaw ? MICROK8S_LATEST : trackRaw;
    const v = MICROK8S_VERSIONS[track] ?? MICROK8S_VERSIONS[MICROK8S_LATEST]!;
    this.#hooks.installStarted(`snap:${name}`);
    await this.clock.sleep(DURATIONS.snapInstall, AbortSignal.any([signal, this.#power.signal]));
    const info: SnapInfo = {
      name,
      version: v.version,
      rev: v.rev,
      tracking: `${trackRaw || 'latest'}/${risk}`,
      publisher: 'canonical',
      notes: 'classic',
    };
    this.state.snaps.push(info);
    this.save();
    this.#hooks.snapInstalled(info);
    return info;
  }

  debInstalled(name: string): boolean {
    return this.state.debs.includes(name);
  }

  async installDeb(name: string, signal: AbortSignal): Promise<void> {
    this.#hooks.installStarted(`deb:${name}`);
    await this.clock.sleep(DURATIONS.aptInstall, AbortSignal.any([signal, this.#power.signal]));
    this.state.debs.push(name);
    this.save();
  }

  tcpProbe(host: string, port: number): ReturnType<ShellMachine['tcpProbe']> {
    return this.#hooks.tcpProbe(host, port);
  }

  cloudInitStatus(): 'running' | 'done' {
    return this.#cloudInitDone ? 'done' : 'running';
  }

  cloudInitDone(): Promise<void> {
    if (this.#cloudInitDone) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#cloudInitWaiters.push(resolve);
      this.#power.signal.addEventListener('abort', () => reject(this.#power.signal.reason), { once: true });
    });
  }

  markCloudInitDone(): void {
    this.#cloudInitDone = true;
    for (const w of this.#cloudInitWaiters.splice(0)) w();
  }

  serviceActive(name: string): boolean {
    return ['snapd', 'ssh', 'systemd-timesyncd', 'cloud-init'].includes(name) || (name === 'snap.microk8s.daemon-kubelite' && this.state.snaps.some((s) => s.name === 'microk8s'));
  }

  reboot(kind: 'reboot' | 'poweroff'): void {
    this.#hooks.reboot(kind);
  }

  extraCommand(name: string): CommandFn | undefined {
    return this.#hooks.extraCommand(name);
  }

  // ---- first boot (cloud-init) ----

  /** Apply user-data as cloud-init does for a new instance. */
  applyUserData(data: UserData): void {
    if (data.hostname) this.setHostname(data.hostname);
    for (const seed of data.users) {
      let u = this.user(seed.name);
      if (!u) {
        const uid = 1000 + this.state.users.length;
        u = { name: seed.name, uid, home: `/home/${seed.name}`, groups: [], sudo: seed.sudo, expired: false, locked: true };
        this.state.users.push(u);
      }
      u.sudo = seed.sudo;
      for (const g of seed.groups) if (GROUP_IDS[g] !== undefined && !u.groups.includes(g)) u.groups.push(g);
      if (seed.password) {
        u.passwordHash = 'hash' in seed.password ? seed.password.hash : encrypt(seed.password.text, `$6$rounds=5000$${randomSalt()}`);
        u.locked = seed.lockPassword;
        u.expired = seed.expire;
      }
      this.fs.mkdirp(u.home, u.name, 0o750);
      this.fs.mkdirp(`${u.home}/.ssh`, u.name, 0o700);
      if (seed.authorizedKeys.length) {
        this.fs.write(`${u.home}/.ssh/authorized_keys`, seed.authorizedKeys.join('\n') + '\n', { mode: 0o600 });
        this.fs.chown(`${u.home}/.ssh/authorized_keys`, u.name);
      }
    }
    if (data.sshPwauth !== undefined) this.state.sshPwauth = data.sshPwauth;
    this.state.manageEtcHosts = data.manageEtcHosts;
    for (const f of data.writeFiles) {
      const dir = f.path.slice(0, f.path.lastIndexOf('/')) || '/';
      this.fs.mkdirp(dir);
      this.fs.write(f.path, f.content, { append: f.append, mode: f.permissions });
      this.fs.chown(f.path, f.owner);
    }
    for (const p of data.packages) if (!this.state.debs.includes(p)) this.state.debs.push(p);
    this.save();
  }

  /** cloud-init's runcmd: each line through the lab shell as root, output to the (unseen) console log. */
  async runCommands(commands: string[]): Promise<void> {
    const root: StoredUser = { name: 'root', uid: 0, home: '/root', groups: [], sudo: 'nopasswd', expired: false, locked: true };
    const session = { user: root, loginGroups: [], tty: false, cwd: '/', env: { HOME: '/root', USER: 'root' }, lastStatus: 0, sudoUntil: 0 };
    const shell = new Shell(this, session, SHELL_COMMANDS, false, true);
    const discard = () => undefined;
    for (const command of commands) {
      await shell.run(command, { stdin: stringStdin(''), stdout: discard, stderr: discard, signal: this.#power.signal }).catch(() => undefined);
    }
  }

  /** Per-boot: cloud-init rewrites /etc/hosts when it manages it. */
  refreshEtcHosts(fqdn?: string): void {
    if (this.state.manageEtcHosts) this.fs.write('/etc/hosts', cloudInitHosts(this.hostname, fqdn ?? this.hostname));
  }
}

function randomSalt(): string {
  const chars = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  return Array.from({ length: 16 }, () => chars[Math.floor(Math.random() * chars.length)]).join('');
}
