/**
 * A virtual Raspberry Pi 4: power, boot from its card (as Ubuntu's first boot reads the
 * system-boot seed), a loopback address of its own, persistent host keys, and sshd.
 * Host keys follow cloud-init's cc_ssh on every new instance: `ssh_deletekeys` (default true)
 * removes the old ones, `ssh_keys` writes the ones the card gives (a card prepared by the app
 * gives its ed25519 key, so the Pi answers with exactly the key the app pinned), otherwise the
 * `ssh_genkeytypes` (default rsa, ecdsa, ed25519) are generated. The key files sit in the Pi's
 * data folder (its /etc/ssh); sshd offers every key present.
 *
 *   const pi = new VirtualPi({ id: 'pi-1', clock, card: imageCard(path), dataDir, loopback: '127.0.0.11', network });
 *   await pi.powerOn(); await pi.whenReady();   // ~75 s lab time
 *   pi.address  // the LAN address the card asked for (or its DHCP lease); pi.sshPort
 */
import { EventEmitter } from 'node:events';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import ssh2 from 'ssh2';
import { join } from 'node:path';
import type { LabClock, LabTimer } from '../lab-clock';
import { PiFaults, UNSYNCHRONISED_CLOCK } from '../faults';
import type { CommandFn } from '../shell/shell';
import type { ShellMachine, SnapInfo } from '../shell/machine';
import type { BootCard } from './card-reader';
import { HOST_KEY_TYPES, parseInstanceId, parseNetworkConfig, parseUserData } from './cloud-init';
import type { HostKeyType, SshHostKeysConfig } from './cloud-init';
import { PiOs } from './pi-os';
import type { PI_BOOT_ERROR_CODES } from '../../../preload/contract/practice';
import { PiSshServer } from './ssh-server';
import { generateEd25519, isUsableKey } from '../../ssh/keygen';
import { DURATIONS, RELEASES } from './ubuntu-releases';
import type { UbuntuRelease } from './ubuntu-releases';

export type PiPowerState = 'off' | 'booting' | 'running' | 'shutting-down' | 'no-boot';

/** The lab LAN the Pi is plugged into. */
export interface LabNetwork {
  dhcpLease(mac: string): { address: string; prefix: number; gateway: string };
  tcpProbe(from: VirtualPi, host: string, port: number): ReturnType<ShellMachine['tcpProbe']>;
}

/** Software that installs into the Pi (MicroK8s): its commands and its reaction to installs. */
export interface PiSoftware {
  command(pi: VirtualPi, name: string): CommandFn | undefined;
  snapInstalled(pi: VirtualPi, info: SnapInfo): void;
  /** The Pi finished booting, or went down. */
  powerChanged(pi: VirtualPi): void;
}

export interface VirtualPiOptions {
  id: string;
  clock: LabClock;
  card: BootCard | null;
  dataDir: string;
  /** The 127.x address its sshd binds. */
  loopback: string;
  /** 22 by default; falls back to an ephemeral port when 22 cannot be bound. 0: ephemeral. */
  sshPort?: number;
  network: LabNetwork;
  mac: string;
  /** The rootfs release when the card does not tell (default: from cmdline.txt, 24.04 has multipath=off). */
  release?: UbuntuRelease;
  memoryBytes?: number;
  model?: string;
  software?: PiSoftware;
  faults?: PiFaults;
}

const FIRMWARE_PREFIX =
  'coherent_pool=1M 8250.nr_uarts=1 snd_bcm2835.enable_headphones=0 cgroup_disable=memory numa_policy=interleave snd_bcm2835.enable_hdmi=1 snd_bcm2835.enable_headphones=0 bcm2708_fb.fbwidth=0 bcm2708_fb.fbheight=0 bcm2708_fb.fbswap=1';

/**
 * A new host key pair as `ssh-keygen -t <type>` makes on first boot. RSA is 2048 bits here (not
 * ssh-keygen's 3072) and made off the main thread, to keep the lab light: every client the app or
 * a user runs negotiates ed25519 first anyway.
 */
async function generateHostKeyPair(type: HostKeyType): Promise<{ private: string; public: string }> {
  if (type === 'ed25519') return generateEd25519('root@localhost');
  const options = type === 'rsa' ? { bits: 2048, comment: 'root@localhost' } : { bits: 256, comment: 'root@localhost' };
  return await new Promise((resolve, reject) =>
    ssh2.utils.generateKeyPair(type, options, (err, pair) => (err ? reject(err) : resolve({ private: pair.private, public: pair.public }))),
  );
}

export class VirtualPi extends EventEmitter {
  readonly id: string;
  readonly clock: LabClock;
  readonly faults: PiFaults;
  readonly loopback: string;
  readonly mac: string;
  card: BootCard | null;
  #state: PiPowerState = 'off';
  #os: PiOs | undefined;
  #ssh: PiSshServer | undefined;
  #timers: LabTimer[] = [];
  #bootError: string | undefined;
  #bootErrorCode: (typeof PI_BOOT_ERROR_CODES)[number] | undefined;
  #bootErrorDetail: string | undefined;
  #cardWrites: Promise<void> = Promise.resolve();
  #address = '';
  #ntpOff = false;

  constructor(private readonly options: VirtualPiOptions) {
    super();
    this.id = options.id;
    this.clock = options.clock;
    this.card = options.card;
    this.loopback = options.loopback;
    this.mac = options.mac;
    this.faults = options.faults ?? new PiFaults();
    mkdirSync(options.dataDir, { recursive: true });
    this.faults.on('change', (name: string, value: unknown) => this.#faultChanged(name, value));
  }

  get state(): PiPowerState {
    return this.#state;
  }

  /** Why the last power-on did not boot (no card, no boot partition). */
  get bootError(): string | undefined {
    return this.#bootError;
  }

  /** The same as a code (and the underlying error's words), for the window. */
  get bootErrorCode(): { code: (typeof PI_BOOT_ERROR_CODES)[number]; detail?: string } | undefined {
    return this.#bootErrorCode ? { code: this.#bootErrorCode, ...(this.#bootErrorDetail ? { detail: this.#bootErrorDetail } : {}) } : undefined;
  }

  /** The running OS, while booted. */
  get os(): PiOs | undefined {
    return this.#state === 'running' ? this.#os : undefined;
  }

  get hostname(): string | undefined {
    return this.os?.hostname;
  }

  /** The LAN address the Pi uses (static from network-config, or its DHCP lease). */
  get address(): string {
    return this.#address;
  }

  get sshPort(): number {
    return this.#ssh?.port ?? 0;
  }

  get release(): UbuntuRelease | undefined {
    return this.#os?.state.release;
  }

  /** Memory cgroup on, as the kernel was booted. */
  memoryCgroupEnabled(): boolean {
    return this.os?.memoryCgroupEnabled() ?? false;
  }

  #setState(state: PiPowerState): void {
    this.#state = state;
    this.emit('state', state);
    this.options.software?.powerChanged(this);
  }

  /** Resolves once sshd answers (rejects if the Pi cannot boot). */
  whenReady(): Promise<void> {
    if (this.#state === 'running') return Promise.resolve();
    if (this.#state === 'no-boot') return Promise.reject(new Error(this.#bootError));
    return new Promise((resolve, reject) => {
      const onState = (s: PiPowerState) => {
        if (s === 'running') resolve();
        else if (s === 'no-boot') reject(new Error(this.#bootError));
        else return;
        this.off('state', onState);
      };
      this.on('state', onState);
    });
  }

  async powerOn(): Promise<void> {
    if (this.#state !== 'off' && this.#state !== 'no-boot') return;
    this.#bootError = undefined;
    this.#bootErrorCode = undefined;
    this.#bootErrorDetail = undefined;
    this.#setState('booting');
    let files: Map<string, Buffer>;
    try {
      if (!this.card) {
        this.#bootErrorCode = 'no-card';
        throw new Error('no SD card inserted');
      }
      files = await this.card.readAll();
    } catch (e) {
      this.#bootError = `The Pi did not boot: ${(e as Error).message}`;
      if (!this.#bootErrorCode) {
        this.#bootErrorCode = 'card-unreadable';
        this.#bootErrorDetail = (e as Error).message;
      }
      this.#setState('no-boot');
      return;
    }
    if ((this.#state as PiPowerState) !== 'booting') return; // switched off while the card was read
    const text = (name: string) => files.get(name)?.toString('utf8');
    const cmdline = text('cmdline.txt') ?? '';
    const bootedAt = this.clock.now();
    const os: PiOs = new PiOs({
      clock: this.clock,
      dataDir: this.options.dataDir,
      release: this.options.release ?? (cmdline.includes('multipath=off') ? '24.04' : '22.04'),
      model: this.options.model ?? 'Raspberry Pi 4 Model B Rev 1.5',
      memoryBytes: this.options.memoryBytes ?? 4 * 1024 ** 3,
      diskBytes: 31_002_341_376,
      mac: this.mac,
      hooks: {
        tcpProbe: (host, port) => this.options.network.tcpProbe(this, host, port),
        reboot: (kind) => this.#shutdown(kind),
        ntpSynchronized: () => !this.faults.settings.clockUnsynchronised,
        ntpEnabled: () => !this.faults.settings.clockUnsynchronised && !this.#ntpOff,
        setNtp: (enabled) => this.#setNtp(enabled),
        clockOffsetMs: () => (this.faults.settings.clockUnsynchronised ? UNSYNCHRONISED_CLOCK - bootedAt : 0),
        extraCommand: (name) => this.options.software?.command(this, name),
        snapInstalled: (info) => this.options.software?.snapInstalled(this, info),
        installStarted: () => this.#installStarted(),
        kernelCmdline: (cardLine) => this.#kernelCmdline(cardLine),
      },
    });
    this.#os = os;
    for (const [name, data] of files) {
      if (/\.(txt|cfg)$|^(user-data|meta-data|network-config|README)$/.test(name)) os.fs.write(`/boot/firmware/${name}`, data.toString('utf8'));
    }
    os.bootCmdline = cmdline.split('\n')[0] ?? '';
    os.fs.onWrite((path, content) => {
      if (!path.startsWith('/boot/firmware/') || !this.card) return;
      const card = this.card;
      this.#cardWrites = this.#cardWrites.then(() => card.writeFile(path.slice('/boot/firmware/'.length), content)).catch(() => undefined);
    });
    const instanceId = parseInstanceId(text('meta-data'));
    const firstBoot = os.state.instanceId !== instanceId;
    const userData = parseUserData(text('user-data'));
    if (firstBoot) {
      // cloud-init's ssh module on a new instance: a re-prepared card gives the Pi a new SSH identity.
      try {
        await this.#applySshHostKeys(userData.sshHostKeys);
      } catch (e) {
        this.#bootError = `The Pi did not boot: cloud-init could not set up its SSH host keys (${(e as Error).message})`;
        this.#bootErrorCode = 'host-keys-failed';
        this.#bootErrorDetail = (e as Error).message;
        this.#setState('no-boot');
        return;
      }
      if (this.#os !== os || (this.#state as PiPowerState) !== 'booting') return; // switched off meanwhile
      os.applyUserData(userData);
      os.state.network = parseNetworkConfig(text('network-config'));
      os.state.instanceId = instanceId;
      os.save();
    }
    this.#configureNetwork(os);
    const bootMs = DURATIONS.boot + (firstBoot ? DURATIONS.firstBootExtra : 0);
    this.#timers.push(this.clock.after(bootMs, () => void this.#bootComplete(os, firstBoot ? userData.runcmd : null)));
  }

  #configureNetwork(os: PiOs): void {
    const cfg = os.state.network ?? { iface: 'eth0', dhcp: true };
    if (cfg.dhcp || !cfg.address) {
      const lease = this.options.network.dhcpLease(this.mac);
      os.network = { iface: cfg.iface, dhcp: true, mac: this.mac, ...lease };
    } else {
      const gateway = cfg.gateway ?? cfg.address.split('.').slice(0, 3).join('.') + '.1';
      os.network = { iface: cfg.iface, dhcp: false, mac: this.mac, address: cfg.address, prefix: cfg.prefix ?? 24, gateway };
    }
    this.#address = os.network.address;
  }

  /** sshd is up; on a first boot cloud-init finishes (runcmd included) a little later. */
  async #bootComplete(os: PiOs, runcmd: string[] | null): Promise<void> {
    if (this.#os !== os || this.#state !== 'booting') return;
    const forced = this.faults.settings.duplicateHostname;
    if (forced) os.setHostname(forced);
    os.refreshEtcHosts();
    let ssh: PiSshServer;
    const hostKeys = this.#hostKeys();
    if (hostKeys.length === 0) {
      this.#bootError = 'The Pi booted but sshd did not start: "sshd: no hostkeys available -- exiting." (the card removed the host keys and gave none).';
      this.#bootErrorCode = 'no-host-keys';
      this.#bootErrorDetail = 'sshd: no hostkeys available -- exiting.';
      this.#setState('no-boot');
      return;
    }
    try {
      ssh = new PiSshServer({
        clock: this.clock,
        host: this.loopback,
        port: this.options.sshPort ?? 22,
        hostKeys,
        ident: RELEASES[os.state.release].sshIdent,
        os,
        faults: () => ({ delayMs: this.faults.settings.sshSlowMs, drop: this.faults.settings.sshDropped }),
      });
      await ssh.listen();
    } catch (e) {
      this.#bootError = `sshd could not listen on ${this.loopback}: ${(e as Error).message}`;
      this.#bootErrorCode = 'sshd-failed';
      this.#bootErrorDetail = (e as Error).message;
      this.#setState('no-boot');
      return;
    }
    if (this.#os !== os) return void ssh.close();
    this.#ssh = ssh;
    this.#setState('running');
    if (runcmd) this.#timers.push(this.clock.after(DURATIONS.cloudInit, () => void os.runCommands(runcmd).then(() => os.markCloudInitDone())));
    else os.markCloudInitDone();
  }

  #keyFile(type: HostKeyType): string {
    return join(this.options.dataDir, `ssh_host_${type}_key`);
  }

  /** cc_ssh (cloudinit/config/cc_ssh.py) on a new instance, with the Pi's data folder as /etc/ssh. */
  async #applySshHostKeys(config: SshHostKeysConfig): Promise<void> {
    const dir = this.options.dataDir;
    if (config.deleteKeys) for (const name of readdirSync(dir)) if (/^ssh_host_.*key/.test(name)) rmSync(join(dir, name), { force: true });
    const write = (type: HostKeyType, half: 'private' | 'public', text: string) => {
      const path = `${this.#keyFile(type)}${half === 'public' ? '.pub' : ''}`;
      writeFileSync(path, text);
      chmodSync(path, half === 'public' ? 0o644 : 0o600);
    };
    if (config.keys) {
      for (const type of HOST_KEY_TYPES) {
        const priv = config.keys[`${type}_private`];
        const pub = config.keys[`${type}_public`];
        if (priv !== undefined) write(type, 'private', priv);
        if (pub !== undefined) write(type, 'public', pub);
        // A private key without its public half: cc_ssh derives it with `ssh-keygen -yf`.
        const parsed = priv !== undefined && pub === undefined ? ssh2.utils.parseKey(priv) : undefined;
        if (parsed && !(parsed instanceof Error)) {
          const key = Array.isArray(parsed) ? parsed[0]! : parsed;
          write(type, 'public', `${key.type} ${key.getPublicSSH().toString('base64')} root@localhost\n`);
        }
      }
      return; // with ssh_keys, cc_ssh generates nothing
    }
    for (const type of config.genKeyTypes) {
      // ssh-keygen refuses types it does not know ("unknown key type"); cc_ssh logs that and goes on.
      if (!(HOST_KEY_TYPES as readonly string[]).includes(type) || existsSync(this.#keyFile(type as HostKeyType))) continue;
      const pair = await generateHostKeyPair(type as HostKeyType);
      write(type as HostKeyType, 'private', pair.private);
      write(type as HostKeyType, 'public', pair.public);
    }
  }

  /** The host keys sshd loads: every usable ssh_host_<type>_key (OpenSSH skips missing default keys). */
  #hostKeys(): string[] {
    // An ed25519 key saved by an older lab that ssh2 cannot read (see ssh/keygen.ts) is replaced,
    // as `ssh-keygen -A` would on a Pi whose key file was damaged.
    const ed25519 = this.#keyFile('ed25519');
    if (existsSync(ed25519) && !isUsableKey(readFileSync(ed25519, 'utf8'))) writeFileSync(ed25519, generateEd25519().private, { mode: 0o600 });
    return (['ed25519', 'ecdsa', 'rsa'] as const).flatMap((type) => {
      const path = this.#keyFile(type);
      if (!existsSync(path)) return [];
      const text = readFileSync(path, 'utf8');
      return isUsableKey(text) ? [text] : [];
    });
  }

  #kernelCmdline(cardLine: string): string {
    let line = cardLine.replace('console=serial0,115200', 'console=ttyS0,115200').trim();
    if (this.faults.settings.cgroupFlagsMissing) line = line.replace(/\s*\bcgroup_(enable=memory|memory=1)\b/g, '').trim();
    return `${FIRMWARE_PREFIX} smsc95xx.macaddr=${this.mac.toUpperCase()} vc_mem.mem_base=0x3ec00000 vc_mem.mem_size=0x40000000  ${line}`;
  }

  /** `timedatectl set-ntp`: with NTP on, timesyncd reaches the lab's time server and the clock is right 10 s later. */
  #setNtp(enabled: boolean): void {
    this.#ntpOff = !enabled;
    if (enabled && this.faults.settings.clockUnsynchronised) {
      this.#timers.push(this.clock.after(10_000, () => this.faults.set('clockUnsynchronised', false)));
    }
  }

  #installStarted(): void {
    if (!this.faults.settings.powerLossDuringInstall) return;
    this.faults.set('powerLossDuringInstall', false);
    this.#timers.push(
      this.clock.after(DURATIONS.snapInstall / 2, () => {
        void this.powerOff({ abrupt: true }).then(() => {
          this.#timers.push(this.clock.after(10_000, () => void this.powerOn()));
        });
      }),
    );
  }

  #faultChanged(name: string, value: unknown): void {
    if (name === 'sshDropped' && value) this.#ssh?.blackHole();
    if (name === 'duplicateHostname' && typeof value === 'string' && this.os) this.os.setHostname(value);
    this.options.software?.powerChanged(this);
  }

  /** `reboot`/`shutdown` from the shell: sessions end, the Pi goes down (and comes back). */
  #shutdown(kind: 'reboot' | 'poweroff'): void {
    if (this.#state !== 'running') return;
    this.#state = 'shutting-down';
    this.emit('state', this.#state);
    this.#timers.push(
      this.clock.after(500, () => {
        void this.powerOff({ abrupt: false }).then(() => {
          if (kind === 'reboot') this.#timers.push(this.clock.after(DURATIONS.shutdown, () => void this.powerOn()));
        });
      }),
    );
  }

  /** Cut the power (abrupt: connections hang instead of closing) or shut down cleanly. */
  async powerOff(options: { abrupt?: boolean } = {}): Promise<void> {
    for (const t of this.#timers.splice(0)) t.cancel();
    const os = this.#os;
    const ssh = this.#ssh;
    this.#os = undefined;
    this.#ssh = undefined;
    if (this.#state === 'off') return;
    os?.powerDown(new Error('power off'));
    if (ssh) {
      if (options.abrupt) ssh.blackHole();
      await ssh.close();
    }
    await this.#cardWrites;
    this.#setState('off');
  }

  /** Forget the root filesystem (the card was written with a fresh image). */
  wipeRootfs(): void {
    if (this.#state !== 'off') throw new Error('Power the Pi off before wiping its root filesystem.');
    const state = join(this.options.dataDir, 'state.json');
    if (existsSync(state)) writeFileSync(state, JSON.stringify(PiOs.freshImage(this.options.release ?? '24.04')));
  }
}
