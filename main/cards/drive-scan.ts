/**
 * The drive list, kept current: the environment's drive source (drivelist on real hardware, the
 * lab's card readers in practice) is asked again every second, so a card inserted or pulled
 * shows up at once. `change` is emitted only when the list really changed.
 */
import { EventEmitter } from 'node:events';
import type { DriveInfo } from './drive-info';

export interface DriveScannerOptions {
  listDrives: () => Promise<DriveInfo[]>;
  intervalMs?: number;
}

export class DriveScanner extends EventEmitter<{ change: [DriveInfo[]]; error: [Error] }> {
  readonly #listDrives: () => Promise<DriveInfo[]>;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  #drives: DriveInfo[] = [];
  #signature = '';
  #scanning: Promise<DriveInfo[]> | undefined;

  constructor(options: DriveScannerOptions) {
    super();
    this.#listDrives = options.listDrives;
    this.#intervalMs = options.intervalMs ?? 1000;
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
    const drives = [...(await this.#listDrives())].sort((a, b) => a.device.localeCompare(b.device));
    const signature = JSON.stringify(drives);
    if (signature !== this.#signature) {
      this.#signature = signature;
      this.#drives = drives;
      this.emit('change', drives);
    }
    return drives;
  }
}
