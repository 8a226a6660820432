/**
 * What the shell needs from the machine it runs on. The virtual Pi (main/lab/pi/) implements
 * it; the shell and its commands only read and change the machine through this interface.
 */
import type { LabClock } from '../lab-clock';
import type { VirtualFs } from './virtual-fs';
import type { CommandFn } from './shell';

export interface UserAccount {
  name: string;
  uid: number;
  home: string;
  /** Supplementary groups as listed in /etc/group now. */
  groups: string[];
  /** `sudo` without a password (cloud-init's default user), with the user's password, or not at all. */
  sudo: 'nopasswd' | 'password' | 'none';
}

export interface ReleaseFacts {
  version: '24.04' | '22.04';
  osRelease: string;
  kernelRelease: string;
  kernelBuild: string; // e.g. "#13-Ubuntu SMP PREEMPT_DYNAMIC Fri Aug  9 12:33:59 UTC 2024"
  /** Kernel modules available (vxlan is missing on 22.04 until linux-modules-extra-raspi is installed). */
  hasVxlan: boolean;
}

export interface NetworkFacts {
  iface: string; // eth0 or wlan0
  address: string;
  prefix: number;
  gateway: string;
  dhcp: boolean;
  mac: string;
}

export interface SnapInfo {
  name: string;
  version: string;
  rev: string;
  tracking: string;
  publisher: string;
  notes: string;
}

export interface ShellMachine {
  readonly fs: VirtualFs;
  readonly clock: LabClock;
  readonly release: ReleaseFacts;
  readonly model: string;
  readonly memoryBytes: number;
  readonly diskBytes: number;
  readonly diskUsedBytes: number;
  readonly bootedAt: number;
  readonly network: NetworkFacts;
  hostname: string;
  setHostname(name: string): void;
  ntpSynchronized(): boolean;
  /** systemd-timesyncd on (NTP=yes). */
  ntpEnabled(): boolean;
  /** `timedatectl set-ntp`: turning it on synchronises the clock shortly after. */
  setNtp(enabled: boolean): void;
  user(name: string): UserAccount | undefined;
  checkPassword(user: string, password: string): boolean;
  setPassword(user: string, password: string): void;
  addToGroup(user: string, group: string): void;
  /** Installed snaps by name (core snaps included). */
  snaps(): SnapInfo[];
  /** Install a snap; resolves when done; rejects when the power goes in between. */
  installSnap(name: string, channel: string | undefined, signal: AbortSignal): Promise<SnapInfo>;
  debInstalled(name: string): boolean;
  installDeb(name: string, signal: AbortSignal): Promise<void>;
  /** What a TCP connect to `host:port` from this machine meets (host: a LAN address or a hostname). */
  tcpProbe(host: string, port: number): 'open' | 'refused' | 'timeout' | 'unresolved';
  /** Lab epoch ms as this machine's clock shows it (wrong when NTP never synchronised). */
  localTime(): number;
  /** cloud-init: resolves when the first-boot modules are done. */
  cloudInitDone(): Promise<void>;
  cloudInitStatus(): 'running' | 'done';
  serviceActive(name: string): boolean;
  /** Reboot (or power off): drops every session. */
  reboot(kind: 'reboot' | 'poweroff'): void;
  /** Commands provided by installed software (e.g. microk8s). */
  extraCommand(name: string): CommandFn | undefined;
  /** Aborted when the machine goes down. */
  readonly powerSignal: AbortSignal;
}
