/**
 * Practice-mode SD card readers. Each reader can hold one virtual card (an image file); a card
 * in a reader is exposed as a device file `<dir>/practice-reader-N.img` (a hard link to the
 * image, or a symlink where hard links are impossible) and reported exactly in drivelist's
 * `list()` shape, so card preparation opens, writes and verifies it through the same raw-device
 * path as a real card. Ejecting removes the device file: a handle still writing notices the
 * card is gone (main/disk checks the device path after each write), like a card pulled out.
 */
import { EventEmitter } from 'node:events';
import { link, mkdir, open, rm, stat, symlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { DriveInfo } from '../../cards/drive-info';
import { parseMbr, SECTOR_SIZE } from '../../disk/mbr';

export interface VirtualCardSlot {
  /** 1-based reader number. */
  reader: number;
  /** The card in the reader, if any. */
  /** The card in the reader, if any; `insertion` counts every insert, so a card pulled and put back is a new insertion. */
  card?: { imagePath: string; device: string; locked: boolean; insertion: number };
}

export interface VirtualCardReadersOptions {
  /** Folder for the readers' device files (created if missing). */
  dir: string;
  /** How many readers (default 1). */
  readers?: number;
}

export const VIRTUAL_READER_DESCRIPTION = 'Practice SD card reader';

export class VirtualCardReaders extends EventEmitter<{ change: [] }> {
  readonly dir: string;
  readonly #slots: VirtualCardSlot[];
  #insertions = 0;

  constructor(options: VirtualCardReadersOptions) {
    super();
    const count = options.readers ?? 1;
    if (!Number.isInteger(count) || count < 1 || count > 16) throw new RangeError('Between 1 and 16 practice card readers');
    this.dir = resolve(options.dir);
    this.#slots = Array.from({ length: count }, (_, i) => ({ reader: i + 1 }));
  }

  slots(): VirtualCardSlot[] {
    return this.#slots.map((s) => ({ reader: s.reader, ...(s.card ? { card: { ...s.card } } : {}) }));
  }

  /** Put a card image into a reader; returns the device path it appears under. */
  async insert(reader: number, imagePath: string, options: { locked?: boolean } = {}): Promise<string> {
    const slot = this.#slot(reader);
    if (slot.card) throw new Error(`Practice reader ${reader} already holds a card; eject it first`);
    if (this.#slots.some((s) => s.card?.imagePath === resolve(imagePath))) throw new Error(`${imagePath} is already in another reader`);
    await mkdir(this.dir, { recursive: true });
    const device = join(this.dir, `practice-reader-${reader}.img`);
    await rm(device, { force: true });
    try {
      await link(imagePath, device);
    } catch {
      await symlink(resolve(imagePath), device);
    }
    slot.card = { imagePath: resolve(imagePath), device, locked: options.locked ?? false, insertion: ++this.#insertions };
    this.emit('change');
    return device;
  }

  /** Take the card out of a reader (no-op when empty). */
  async eject(reader: number): Promise<void> {
    const slot = this.#slot(reader);
    if (!slot.card) return;
    await rm(slot.card.device, { force: true });
    delete slot.card;
    this.emit('change');
  }

  /** Eject by device path; false when the device is not a practice card. */
  async ejectDevice(device: string): Promise<boolean> {
    const slot = this.#slots.find((s) => s.card?.device === device);
    if (!slot) return false;
    await this.eject(slot.reader);
    return true;
  }

  /** Slide the card's write-protect switch. */
  lock(reader: number, locked = true): void {
    const card = this.#slot(reader).card;
    if (!card) throw new Error(`Practice reader ${reader} is empty`);
    card.locked = locked;
    this.emit('change');
  }

  isVirtualDevice(device: string): boolean {
    return this.#slots.some((s) => s.card?.device === device);
  }

  /** The inserted cards, as drivelist reports drives. */
  async list(): Promise<DriveInfo[]> {
    const drives: DriveInfo[] = [];
    for (const slot of this.#slots) {
      if (!slot.card) continue;
      const { device, locked } = slot.card;
      let size: number;
      let partitionTableType: DriveInfo['partitionTableType'] = null;
      try {
        size = (await stat(device)).size;
        const handle = await open(device, 'r');
        try {
          const sector = Buffer.alloc(SECTOR_SIZE);
          await handle.read(sector, 0, SECTOR_SIZE, 0);
          const table = parseMbr(sector);
          partitionTableType = table.kind === 'none' ? null : table.kind;
        } finally {
          await handle.close();
        }
      } catch {
        continue; // image deleted behind our back: the card is gone
      }
      drives.push({
        enumerator: 'practice-lab',
        busType: 'SD',
        busVersion: null,
        device,
        devicePath: null,
        raw: device,
        description: `${VIRTUAL_READER_DESCRIPTION} ${slot.reader}`,
        error: null,
        size,
        blockSize: SECTOR_SIZE,
        logicalBlockSize: SECTOR_SIZE,
        mountpoints: [],
        isReadOnly: locked,
        isSystem: false,
        isVirtual: false,
        isRemovable: true,
        isCard: true,
        isSCSI: false,
        isUSB: false,
        isUAS: null,
        partitionTableType,
      });
    }
    return drives;
  }

  #slot(reader: number): VirtualCardSlot {
    const slot = this.#slots[reader - 1];
    if (!slot) throw new RangeError(`There is no practice reader ${reader} (readers 1-${this.#slots.length})`);
    return slot;
  }
}
