/**
 * The drive list, kept current: drivelist is asked again every second (a card inserted or
 * pulled shows up at once) and, in Practice mode, merged with the practice lab's virtual card
 * readers. `change` is emitted only when the list really changed.
 */
import { EventEmitter } from 'node:events';
import { list as drivelistList } from 'drivelist';
import type { DriveInfo } from './drive-info';

/** A source of extra drives (the practice lab's card readers). */
export interface PracticeDriveSource {
  list(): Promise<DriveInfo[]>;
  isVirtualDevice(device: string): boolean;
}

export interface DriveScannerOptions {
  /** Real drive enumeration; drivelist by default. */
  listDrives?: () => Promise<DriveInfo[]>;
  intervalMs?: number;
}

export class DriveScanner extends EventEmitter<{ change: [DriveInfo[]]; error: [Error] }> {
  readonly #listDrives: () => Promise<DriveInfo[]>;
  readonly #intervalMs: number;
  #practice: PracticeDriveSource | undefined;
  #timer: NodeJS.Timeout | undefined;
  #drives: DriveInfo[] = [];
  #signature = '';
  #scanning: Promise<DriveInfo[]> | undefined;

  constructor(options: DriveScannerOptions = {}) {
    super();
    this.#listDrives = options.listDrives ?? (async () => (await drivelistList()) as DriveInfo[]);
    this.#intervalMs = options.intervalMs ?? 1000;
  }

  /** Switch Practice mode on (with the lab's readers) or off (undefined). */
  setPractice(source: PracticeDriveSource | undefined): void {
    this.#practice = source;
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
    const [real, practice] = await Promise.all([this.#listDrives(), this.#practice?.list() ?? Promise.resolve([])]);
    const drives = [...real, ...practice].sort((a, b) => a.device.localeCompare(b.device));
    const signature = JSON.stringify(drives);
    if (signature !== this.#signature) {
      this.#signature = signature;
      this.#drives = drives;
      this.emit('change', drives);
    }
    return drives;
  }
}
