/**
 * Faults users really meet, switchable per virtual Pi. Each shows up the way it does on real
 * hardware: the lab changes the Pi's state and the normal code paths produce the symptoms.
 *
 * - cgroupFlagsMissing: the kernel never sees `cgroup_enable=memory cgroup_memory=1` (they are
 *   missing from /proc/cmdline); MicroK8s nodes stay NotReady, `microk8s inspect` warns.
 * - duplicateHostname: the Pi keeps (or is given) another Pi's hostname, e.g. Ubuntu's `ubuntu`;
 *   both kubelets register the same Node.
 * - clockUnsynchronised: no RTC and NTP off: the clock sits at the image's build time, timedatectl
 *   says `System clock synchronized: no` / `NTP service: inactive`, a join fails with x509
 *   "certificate has expired or is not yet valid". `sudo timedatectl set-ntp true` repairs it
 *   (synchronised 10 s later), as on a Pi with network access.
 * - port25000Blocked: a firewall drops the cluster agent's port: `nc -z` times out, joins to this
 *   Pi end in a TimeoutError traceback.
 * - sshSlowMs / sshDropped: every new SSH connection waits that long / is reset, and open ones
 *   stop answering.
 * - powerLossDuringInstall: the next snap/apt install loses power half-way (one shot); the Pi
 *   comes back on shortly after, without the software.
 */
import { EventEmitter } from 'node:events';

export interface PiFaultSettings {
  cgroupFlagsMissing: boolean;
  /** The hostname the Pi is forced to share, or null. */
  duplicateHostname: string | null;
  clockUnsynchronised: boolean;
  port25000Blocked: boolean;
  sshSlowMs: number;
  sshDropped: boolean;
  powerLossDuringInstall: boolean;
}

export type PiFaultName = keyof PiFaultSettings;

export const NO_FAULTS: Readonly<PiFaultSettings> = Object.freeze({
  cgroupFlagsMissing: false,
  duplicateHostname: null,
  clockUnsynchronised: false,
  port25000Blocked: false,
  sshSlowMs: 0,
  sshDropped: false,
  powerLossDuringInstall: false,
});

/** Where a Pi's clock stands when it never synchronised (fixrtc: the image's last write). */
export const UNSYNCHRONISED_CLOCK = Date.UTC(2024, 7, 27, 9, 12, 0);

/** One Pi's fault switches; emits 'change' (name, value) on every switch. */
export class PiFaults extends EventEmitter {
  #settings: PiFaultSettings = { ...NO_FAULTS };

  get settings(): Readonly<PiFaultSettings> {
    return this.#settings;
  }

  set<K extends PiFaultName>(name: K, value: PiFaultSettings[K]): void {
    this.#settings = { ...this.#settings, [name]: value };
    this.emit('change', name, value);
  }

  clearAll(): void {
    for (const [name, value] of Object.entries(NO_FAULTS)) this.set(name as PiFaultName, value as never);
  }
}
