/**
 * The drive list, kept current: the environment's drive source (drivelist on real hardware, the
 * lab's card readers in practice) is asked again every second, so a card inserted or pulled
 * shows up at once. `change` is emitted only when the list really changed. On Linux each mmcblk
 * device gets the kernel's card type (`mmcType`: "MMC" is built-in eMMC, "SD" a card), which
 * drivelist does not report and the safety rules need.
 */
import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import type { DriveInfo } from './drive-info';

export interface DriveScannerOptions {
  listDrives: () => Promise<DriveInfo[]>;
  intervalMs?: number;
  /** Where sysfs is (tests); /sys by default. */
  sysfsRoot?: string;
}

/**
 * Adds the kernel's MMC card type to Linux mmcblk devices (/sys/class/block/<name>/device/type,
 * drivers/mmc/core/bus.c type_show: "MMC", "SD", "SDIO", "SDcombo"); null where it cannot be read.
 */
export async function withMmcTypes(drives: DriveInfo[], sysfsRoot = '/sys'): Promise<DriveInfo[]> {
  return await Promise.all(
    drives.map(async (drive) => {
      const name = /^\/dev\/(mmcblk\d+)$/.exec(drive.device)?.[1];
      if (!name) return drive;
      const type = await readFile(`${sysfsRoot}/class/block/${name}/device/type`, 'utf8').then((t) => t.trim(), () => null);
      return { ...drive, mmcType: type };
    }),
  );
}

export class DriveScanner extends EventEmitter<{ change: [DriveInfo[]]; error: [Error] }> {
  readonly #listDrives: () => Promise<DriveInfo[]>;
  readonly #intervalMs: number;
  readonly #sysfsRoot: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #drives: DriveInfo[] = [];
  #signature = '';
  #scanning: Promise<DriveInfo[]> | undefined;

  constructor(options: DriveScannerOptions) {
    super();
    this.#listDrives = options.listDrives;
    this.#intervalMs = options.intervalMs ?? 1000;
    this.#sysfsRoot = options.sysfsRoot;
  }

  /** The last list seen. */
  current(): DriveInfo[] {
    return this.#drives;
  }

  start(): void {
    if (this.#timer) return;
    const tick = () => {
      this.rescan()
        .catch((error: unknown) => this.emit('error', error instanceof Error ? error : new Error(String(error))))
        .finally(() => {
          if (this.#timer) this.#timer = setTimeout(tick, this.#intervalMs);
        });
    };
    this.#timer = setTimeout(tick, 0);
  }

  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Enumerate now; emits `change` if the list differs from the last one. Concurrent calls share one scan. */
  rescan(): Promise<DriveInfo[]> {
    this.#scanning ??= this.#scan().finally(() => {
      this.#scanning = undefined;
    });
    return this.#scanning;
  }

  async #scan(): Promise<DriveInfo[]> {
    const drives = [...(await withMmcTypes(await this.#listDrives(), this.#sysfsRoot))].sort((a, b) => a.device.localeCompare(b.device));
    const signature = JSON.stringify(drives);
    if (signature !== this.#signature) {
      this.#signature = signature;
      this.#drives = drives;
      this.emit('change', drives);
    }
    return drives;
  }
}
