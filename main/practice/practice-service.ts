/**
 * Practice mode in the app: the shelf of virtual SD cards (image files under the data
 * directory), the practice card readers they go into, and — as the lab grows — the virtual Pis
 * they boot. State survives restarts; the window hears about every change.
 */
import { access, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { ErrorCode } from '../../preload/contract/errors';
import { practiceCard } from '../../preload/contract/practice';
import type { PracticeCard, PracticeCardContent, PracticeView } from '../../preload/contract/practice';
import { createVirtualCard } from '../lab/cards/virtual-card-image';
import type { VirtualCardContent } from '../lab/cards/virtual-card-image';
import { VirtualCardReaders } from '../lab/cards/virtual-card-readers';
import { AppError } from '../router/app-error';
import type { StateStore } from '../state/state-store';

export const PRACTICE_READERS = 2;
const GB = 1_000_000_000;

const savedCards = z.array(practiceCard.omit({ reader: true, device: true }).extend({ reader: z.number().int().optional() }));
type SavedCard = z.infer<typeof savedCards>[number];

function toContent(content: PracticeCardContent): VirtualCardContent {
  switch (content) {
    case 'ubuntu-24.04':
      return { os: 'ubuntu', release: '24.04' };
    case 'ubuntu-22.04':
      return { os: 'ubuntu', release: '22.04' };
    case 'raspios':
      return { os: 'raspios' };
    case 'blank':
      return { os: 'blank' };
  }
}

export class PracticeService {
  readonly readers: VirtualCardReaders;
  readonly #cardsDir: string;
  #cards: SavedCard[] = [];

  constructor(
    private readonly store: StateStore,
    private readonly onChange: (view: PracticeView) => void,
  ) {
    const labDir = path.join(store.dataDir, 'lab');
    this.#cardsDir = path.join(labDir, 'cards');
    this.readers = new VirtualCardReaders({ dir: path.join(labDir, 'readers'), readers: PRACTICE_READERS });
    // Card preparation ejects cards itself: whatever left a reader is back on the shelf.
    this.readers.on('change', () => {
      const held = new Map(this.readers.slots().flatMap((s) => (s.card ? [[s.card.imagePath, s.reader] as const] : [])));
      let moved = false;
      for (const card of this.#cards) {
        const reader = held.get(this.#imagePath(card.id));
        if (card.reader !== reader) {
          moved = true;
          if (reader === undefined) delete card.reader;
          else card.reader = reader;
        }
      }
      if (moved) void this.#persist();
      this.onChange(this.view());
    });
  }

  get enabled(): boolean {
    return this.store.state.records.practice === true;
  }

  view(): PracticeView {
    const devices = new Map(this.readers.slots().flatMap((s) => (s.card ? [[s.reader, s.card.device] as const] : [])));
    return {
      enabled: this.enabled,
      readers: PRACTICE_READERS,
      cards: this.#cards.map((c): PracticeCard => {
        const device = c.reader === undefined ? undefined : devices.get(c.reader);
        return { ...c, ...(device ? { device } : {}) };
      }),
    };
  }

  /** Load the shelf and put back the cards that were in readers when the app closed. */
  async restore(): Promise<void> {
    const saved = savedCards.safeParse(this.store.state.records.practiceCards ?? []);
    if (!saved.success) return;
    for (const card of saved.data) {
      try {
        await access(this.#imagePath(card.id));
      } catch {
        continue; // the image is gone, so is the card
      }
      const { reader, ...rest } = card;
      this.#cards.push(rest);
      if (this.enabled && reader !== undefined && reader <= PRACTICE_READERS) {
        await this.readers.insert(reader, this.#imagePath(card.id), { locked: card.locked });
      }
    }
  }

  async setEnabled(enabled: boolean): Promise<PracticeView> {
    await this.store.update((s) => ({ ...s, records: { ...s.records, practice: enabled } }));
    if (!enabled) for (const slot of this.readers.slots()) if (slot.card) await this.readers.eject(slot.reader);
    const view = this.view();
    this.onChange(view);
    return view;
  }

  async newCard(content: PracticeCardContent, sizeGB: number): Promise<PracticeView> {
    this.#requireEnabled();
    if (this.#cards.length >= 40) throw new AppError(ErrorCode.CONFLICT, 'The shelf holds 40 practice cards: throw some away first.');
    await mkdir(this.#cardsDir, { recursive: true });
    const id = `card-${Date.now().toString(36)}-${this.#cards.length + 1}`;
    const sizeBytes = Math.floor((sizeGB * GB) / 512) * 512;
    await createVirtualCard(this.#imagePath(id), toContent(content), { sizeBytes });
    this.#cards.push({ id, content, sizeBytes, locked: false, createdAt: Date.now() });
    await this.#persist();
    return this.#changed();
  }

  async insertCard(id: string, reader: number): Promise<PracticeView> {
    this.#requireEnabled();
    const card = this.#card(id);
    if (reader > PRACTICE_READERS) throw new AppError(ErrorCode.NOT_FOUND, `There is no practice reader ${reader}: the lab has readers 1-${PRACTICE_READERS}.`);
    if (card.reader !== undefined) throw new AppError(ErrorCode.CONFLICT, `This card is already in reader ${card.reader}.`);
    if (this.readers.slots()[reader - 1]?.card) throw new AppError(ErrorCode.CONFLICT, `Practice reader ${reader} already holds a card: eject it first.`);
    await this.readers.insert(reader, this.#imagePath(id), { locked: card.locked });
    await this.#persist();
    return this.view();
  }

  async ejectCard(id: string): Promise<PracticeView> {
    const card = this.#card(id);
    if (card.reader !== undefined) await this.readers.eject(card.reader);
    await this.#persist();
    return this.view();
  }

  async lockCard(id: string, locked: boolean): Promise<PracticeView> {
    const card = this.#card(id);
    card.locked = locked;
    if (card.reader !== undefined) this.readers.lock(card.reader, locked);
    await this.#persist();
    return this.#changed();
  }

  async deleteCard(id: string): Promise<PracticeView> {
    const card = this.#card(id);
    if (card.reader !== undefined) throw new AppError(ErrorCode.CONFLICT, `Take the card out of reader ${card.reader} before throwing it away.`);
    this.#cards = this.#cards.filter((c) => c.id !== id);
    await rm(this.#imagePath(id), { force: true });
    await this.#persist();
    return this.#changed();
  }

  /** The image file of a card (for the virtual Pis that boot from it). */
  imagePathOf(id: string): string {
    return this.#imagePath(this.#card(id).id);
  }

  #imagePath(id: string): string {
    return path.join(this.#cardsDir, `${id}.img`);
  }

  #card(id: string): SavedCard {
    const card = this.#cards.find((c) => c.id === id);
    if (!card) throw new AppError(ErrorCode.NOT_FOUND, `There is no practice card ${id}: it may have been thrown away.`);
    return card;
  }

  #requireEnabled(): void {
    if (!this.enabled) throw new AppError(ErrorCode.UNAVAILABLE, 'Turn on practice mode first (top bar): the practice lab is off.');
  }

  #changed(): PracticeView {
    const view = this.view();
    this.onChange(view);
    return view;
  }

  async #persist(): Promise<void> {
    const cards = this.#cards.map((c) => ({ ...c }));
    await this.store.update((s) => ({ ...s, records: { ...s.records, practiceCards: cards } }));
  }
}
