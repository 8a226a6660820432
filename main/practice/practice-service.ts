/**
 * Practice mode in the app: the shelf of virtual SD cards (image files under the data
 * directory), the practice card readers they go into, the virtual Pis they boot and the lab
 * that runs them. The shelf is app-wide (it survives switching practice mode off and on and
 * restarting the app); the lab runs while the practice world is open (`enter`/`leave`).
 */
import { createHash } from 'node:crypto';
import { access, mkdir, rm } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { ErrorCode } from '../../preload/contract/errors';
import { practiceCard } from '../../preload/contract/practice';
import type { PracticeCard, PracticeCardContent, PracticeFault, PracticePi, PracticeView } from '../../preload/contract/practice';
// The lab (and its Kubernetes API with @kubernetes/client-node's models) loads only when used.
import type { Lab } from '../lab/lab';
import type { LabClock } from '../lab/lab-clock';
import { imageCard } from '../lab/pi/card-reader';
import type { VirtualPi } from '../lab/pi/virtual-pi';
import type { PracticeImageServer } from '../lab/imaging/image-server';
import { parse as parseYaml } from 'yaml';
import { openBootPartition } from '../disk/boot-partition';
import { isLoopback } from '../discovery/subnet';
import { createVirtualCard } from '../lab/cards/virtual-card-image';
import type { VirtualCardContent } from '../lab/cards/virtual-card-image';
import { VirtualCardReaders } from '../lab/cards/virtual-card-readers';
import { AppError } from '../router/app-error';
import type { Slice, SliceDef } from '../state/state-store';

/** A loopback address nothing in the lab listens on: where practice mode sends an address it does not serve. */
export const NOWHERE = '127.255.255.254';
export const PRACTICE_READERS = 2;
const GB = 1_000_000_000;

export const MAX_PRACTICE_PIS = 20;
/**
 * The practice lab's own loopback network, 127.77.N.0/24 with N taken from the data directory
 * (so two app instances, or parallel tests, never share addresses): Pis get .11, .12, …, the
 * lab's Kubernetes API .10.
 */
export function practiceLoopbackBase(dataDir: string): string {
  const n = 1 + (createHash('sha256').update(path.resolve(dataDir)).digest().readUInt16BE(0) % 250);
  return `127.77.${n}`;
}

/** SSH ports tried for the practice Pis, in order: all Pis share one so a sweep finds them all. */
const PRACTICE_SSH_PORTS = [22, 2222, 22222];

/** The first port every Pi address can listen on (22 is taken on machines that run their own sshd). */
async function choosePracticePort(base: string): Promise<number> {
  for (const port of PRACTICE_SSH_PORTS) {
    const free = await new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen(port, `${base}.11`, () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  return 0;
}
const DEFAULT_SPEED = 10;

const savedCard = practiceCard.omit({ device: true });
type SavedCard = z.infer<typeof savedCard>;
/** `on`: the Pi was powered on when last seen, so it is powered on again when the lab starts again. */
const savedPi = z.object({ id: z.string(), on: z.boolean().optional() });

const shelf = z.object({ speed: z.number().positive().optional(), cards: z.array(savedCard).default([]), pis: z.array(savedPi).default([]) });
export type PracticeShelf = z.infer<typeof shelf>;

/** The practice shelf's slice (app-wide: the same lab whichever world the journey shows). */
export const practiceSlice: SliceDef<PracticeShelf> = {
  id: 'practice',
  version: 1,
  schema: shelf,
  initial: () => ({ cards: [], pis: [] }),
};

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
  readonly #labDir: string;
  #cards: SavedCard[] = [];
  #lab: Lab | undefined;
  #sshPort = 22;
  #labStarting: Promise<Lab> | undefined;
  #imageServer: Promise<PracticeImageServer> | undefined;

  /** Set while the practice world is being left: cards leaving readers then keep their place. */
  #leaving = false;

  constructor(
    private readonly slice: Slice<PracticeShelf>,
    private readonly dataDir: string,
    /** Whether the journey shows the practice world now. */
    private readonly isOn: () => boolean,
    private readonly onChange: (view: PracticeView) => void,
  ) {
    const labDir = path.join(dataDir, 'lab');
    this.#labDir = labDir;
    this.#cardsDir = path.join(labDir, 'cards');
    this.readers = new VirtualCardReaders({ dir: path.join(labDir, 'readers'), readers: PRACTICE_READERS });
    // Card preparation ejects cards itself: whatever left a reader is back on the shelf.
    this.readers.on('change', () => {
      const held = new Map(this.readers.slots().flatMap((s) => (s.card ? [[s.card.imagePath, s.reader] as const] : [])));
      let moved = false;
      for (const card of this.#cards) {
        const reader = held.get(this.#imagePath(card.id));
        if (card.reader !== reader && !this.#leaving) {
          moved = true;
          if (reader === undefined) {
            delete card.reader;
            void this.#readLabel(card);
          } else card.reader = reader;
        }
      }
      if (moved) void this.#persist();
      this.onChange(this.view());
    });
  }

  get enabled(): boolean {
    return this.isOn();
  }

  get speed(): number {
    return this.slice.get().speed ?? DEFAULT_SPEED;
  }

  view(): PracticeView {
    const devices = new Map(this.readers.slots().flatMap((s) => (s.card ? [[s.reader, s.card.device] as const] : [])));
    return {
      enabled: this.enabled,
      speed: this.speed,
      readers: PRACTICE_READERS,
      cards: this.#cards.map((c): PracticeCard => {
        const device = c.reader === undefined ? undefined : devices.get(c.reader);
        return { ...c, ...(device ? { device } : {}) };
      }),
      pis: this.#savedPis().map((id) => this.#piView(id)),
    };
  }

  #savedPis(): string[] {
    return this.slice.get().pis.map((p) => p.id);
  }

  #piView(id: string): PracticePi {
    const pi = this.#lab?.pi(id);
    if (!pi) return { id, state: 'off', faults: [] };
    const running = pi.state === 'running';
    const f = pi.faults.settings;
    const faults: PracticeFault[] = [];
    if (f.cgroupFlagsMissing) faults.push('cgroupFlagsMissing');
    if (f.clockUnsynchronised) faults.push('clockUnsynchronised');
    if (f.port25000Blocked) faults.push('port25000Blocked');
    if (f.sshSlowMs > 0) faults.push('sshSlow');
    if (f.sshDropped) faults.push('sshDropped');
    if (f.powerLossDuringInstall) faults.push('powerLossDuringInstall');
    return {
      id,
      state: pi.state,
      faults,
      ...(pi.bootError ? { bootError: pi.bootError } : {}),
      ...(pi.bootErrorCode ? { bootErrorCode: pi.bootErrorCode.code, ...(pi.bootErrorCode.detail ? { bootErrorDetail: pi.bootErrorCode.detail } : {}) } : {}),
      ...(running && pi.hostname ? { hostname: pi.hostname } : {}),
      ...(running && pi.address ? { address: pi.address } : {}),
      ...(running && pi.sshPort ? { ssh: { host: pi.loopback, port: pi.sshPort } } : {}),
    };
  }

  /** The running practice lab (virtual Pis, cluster, Kubernetes API), started on first use. */
  async lab(): Promise<Lab> {
    if (this.#lab) return this.#lab;
    this.#labStarting ??= (async () => {
      const loopbackBase = practiceLoopbackBase(this.dataDir);
      this.#sshPort = await choosePracticePort(loopbackBase);
      const { Lab } = await import('../lab/lab');
      const lab = new Lab({ dataDir: path.join(this.#labDir, 'pis'), speed: this.speed, loopbackBase, sshPort: this.#sshPort });
      // Each control-plane Pi serves its cluster's API at its loopback address; objects, certificates
      // and the API port are kept under lab/kube, so saved kubeconfigs work after a restart.
      await lab.startKubeApi({ dataDir: path.join(this.#labDir, 'kube') });
      for (const id of this.#savedPis()) this.#attach(lab.addPi({ card: this.#cardFor(id) }));
      this.#lab = lab;
      return lab;
    })();
    try {
      return await this.#labStarting;
    } finally {
      this.#labStarting = undefined;
    }
  }

  #cardFor(piId: string) {
    const card = this.#cards.find((c) => c.pi === piId);
    return card ? imageCard(this.#imagePath(card.id)) : null;
  }

  #attach(pi: VirtualPi): void {
    pi.on('state', () => this.onChange(this.view()));
  }

  /**
   * Where this computer reaches the Kubernetes API of the practice Pi at `address` (the address the
   * app reaches it at, its LAN address or hostname) while practice mode runs: kubeconfigs point there
   * instead of the LAN address `microk8s config` prints. It answers while that Pi runs MicroK8s as a
   * control plane, and is the same after the app restarts.
   */
  kubeApiUrl(address: string): string | undefined {
    return this.enabled && this.#lab ? this.#lab.apis?.url(address) : undefined;
  }

  /** The lab clock while practice mode runs (long waits follow lab time). */
  labClock(): LabClock | undefined {
    return this.enabled ? this.#lab?.clock : undefined;
  }

  /**
   * The practice lab as a network to search: its subnet, the SSH port its Pis listen on, its
   * neighbour table (in Linux /proc/net/arp form) listing the Pis that are powered on, and its
   * router's DNS server (`host`, `port`; answers with the Pis' lab addresses in that subnet).
   */
  labNetwork(): { subnet: string; sshPort: number; neighbourTable(): string; dns(): Promise<{ host: string; port: number } | undefined> } | undefined {
    if (!this.enabled) return undefined;
    const lab = this.#lab;
    const running = () => (lab?.pis ?? []).filter((p) => p.state === 'running' || p.state === 'booting');
    return {
      subnet: `${practiceLoopbackBase(this.dataDir)}.0/24`,
      sshPort: this.#sshPort,
      neighbourTable: () =>
        [
          'IP address       HW type     Flags       HW address            Mask     Device',
          ...running().map((p) => `${p.loopback.padEnd(17)}0x1         0x2         ${p.mac}     *        practice0`),
        ].join('\n') + '\n',
      dns: async () => lab?.dns(),
    };
  }

  /**
   * Where this computer reaches a service at a lab LAN address: a Service port the lab listens on
   * (a node port, or a MetalLB address's stand-in, which may listen on another port than 80) maps
   * to where it listens; any other port of a Pi's 192.168.1.x to its loopback address; a loopback
   * address as it is. Any other address leads nowhere: practice mode never sends a packet off this
   * computer (an address the lab does not serve is refused, as an empty LAN address would not answer).
   */
  reach(host: string, port: number): { host: string; port: number } {
    const served = this.#lab?.lanEndpoint(host, port);
    if (served) return served;
    const pi = this.#lab?.pis.find((p) => p.address === host);
    // The API server a control plane serves on 16443 listens on the lab's API port (16443 when it was free).
    if (pi && port === 16443 && this.#lab?.apis) return { host: pi.loopback, port: this.#lab.apis.port };
    if (pi) return { host: pi.loopback, port };
    return isLoopback(host) || host === 'localhost' ? { host, port } : { host: NOWHERE, port };
  }

  /** Power the practice Pi that runs `hostname` (as found on the lab) off or on. */
  async powerByHostname(hostname: string, on: boolean): Promise<void> {
    const lab = await this.lab();
    // A Pi that is off has no hostname: the label on the card plugged into it says which node it is.
    const pi = lab.pis.find((p) => p.hostname === hostname) ?? lab.pis.find((p) => this.#cards.some((c) => c.pi === p.id && c.preparedFor === hostname));
    if (!pi) throw new AppError(ErrorCode.NOT_FOUND, `No practice Pi runs ${hostname}.`, { key: 'practice.noPiRuns', values: { host: hostname } });
    await this.power(pi.id, on);
  }

  async addPi(): Promise<PracticeView> {
    this.#requireEnabled();
    const ids = this.#savedPis();
    if (ids.length >= MAX_PRACTICE_PIS) throw new AppError(ErrorCode.CONFLICT, `The practice lab holds at most ${MAX_PRACTICE_PIS} Pis.`, { key: 'practice.tooManyPis', values: { max: MAX_PRACTICE_PIS } });
    const lab = await this.lab();
    const pi = lab.addPi({ card: null });
    this.#attach(pi);
    await this.slice.update((s) => ({ ...s, pis: [...s.pis, { id: pi.id }] }));
    return this.#changed();
  }

  async plugCard(id: string, piId: string): Promise<PracticeView> {
    this.#requireEnabled();
    const card = this.#card(id);
    const pi = await this.#pi(piId);
    if (card.reader !== undefined) throw new AppError(ErrorCode.CONFLICT, `This card is in practice reader ${card.reader}: eject it first.`, { key: 'practice.cardInReader', values: { reader: card.reader } });
    if (card.pi !== undefined) throw new AppError(ErrorCode.CONFLICT, `This card is already in ${card.pi}.`, { key: 'practice.cardInPi', values: { pi: card.pi.replace('pi-', '') } });
    if (pi.state !== 'off' && pi.state !== 'no-boot') throw new AppError(ErrorCode.CONFLICT, `Power ${piId} off before changing its card.`, { key: 'practice.powerOffFirst', values: { pi: piId.replace('pi-', '') } });
    if (this.#cards.some((c) => c.pi === piId)) throw new AppError(ErrorCode.CONFLICT, `${piId} already has a card: take it out first.`, { key: 'practice.piHasCard', values: { pi: piId.replace('pi-', '') } });
    card.pi = piId;
    pi.card = imageCard(this.#imagePath(id));
    await this.#persist();
    return this.#changed();
  }

  async unplugCard(piId: string): Promise<PracticeView> {
    const pi = await this.#pi(piId);
    if (pi.state !== 'off' && pi.state !== 'no-boot') throw new AppError(ErrorCode.CONFLICT, `Power ${piId} off before taking its card out.`, { key: 'practice.powerOffFirst', values: { pi: piId.replace('pi-', '') } });
    for (const card of this.#cards) if (card.pi === piId) delete card.pi;
    pi.card = null;
    await this.#persist();
    return this.#changed();
  }

  async power(piId: string, on: boolean): Promise<PracticeView> {
    this.#requireEnabled();
    const pi = await this.#pi(piId);
    if (on) await pi.powerOn();
    else await pi.powerOff({ abrupt: true });
    await this.slice.update((s) => ({ ...s, pis: s.pis.map((p) => (p.id === pi.id ? { ...p, on } : p)) }));
    return this.#changed();
  }

  async setFault(piId: string, fault: PracticeFault, on: boolean): Promise<PracticeView> {
    this.#requireEnabled();
    const faults = (await this.#pi(piId)).faults;
    if (fault === 'sshSlow') faults.set('sshSlowMs', on ? 3000 : 0);
    else faults.set(fault, on);
    return this.#changed();
  }

  async setSpeed(speed: number): Promise<PracticeView> {
    await this.slice.update((s) => ({ ...s, speed }));
    this.#lab?.clock.setSpeed(speed);
    return this.#changed();
  }

  async #pi(piId: string): Promise<VirtualPi> {
    if (!this.#savedPis().includes(piId)) throw new AppError(ErrorCode.NOT_FOUND, `There is no practice Pi ${piId}.`, { key: 'practice.noPi', values: { pi: piId.replace('pi-', '') } });
    const pi = (await this.lab()).pi(piId);
    if (!pi) throw new AppError(ErrorCode.NOT_FOUND, `There is no practice Pi ${piId}.`, { key: 'practice.noPi', values: { pi: piId.replace('pi-', '') } });
    return pi;
  }

  /**
   * The practice lab's image mirror (Raspberry Pi Imager catalogue of Ubuntu-like images on
   * 127.0.0.1) while practice mode is on, started on first use; the images are generated once
   * into <dataDir>/lab/images. Imaging uses it instead of the real catalogue in practice mode.
   */
  async imageCatalogueUrl(): Promise<string | undefined> {
    if (!this.enabled) return undefined;
    this.#imageServer ??= (async () => {
      const { practiceImages } = await import('../lab/imaging/practice-images');
      const { PracticeImageServer } = await import('../lab/imaging/image-server');
      return await PracticeImageServer.start(await practiceImages(path.join(this.#labDir, 'images')));
    })();
    this.#imageServer.catch(() => (this.#imageServer = undefined));
    return (await this.#imageServer).catalogueUrl;
  }

  /** Power every Pi off and stop the lab's servers. */
  async close(): Promise<void> {
    const lab = this.#lab;
    this.#lab = undefined;
    const images = this.#imageServer;
    this.#imageServer = undefined;
    await lab?.stop();
    await images?.then((server) => server.close(), () => undefined);
  }

  /** Load the shelf (cards whose image file is gone are dropped). */
  async restore(): Promise<void> {
    for (const card of this.slice.get().cards) {
      try {
        await access(this.#imagePath(card.id));
      } catch {
        continue; // the image is gone, so is the card
      }
      const rest = { ...card };
      if (rest.pi !== undefined && !this.#savedPis().includes(rest.pi)) delete rest.pi;
      this.#cards.push(rest);
    }
  }

  /**
   * The practice world opens: cards go back into the readers they were in, and the Pis that
   * were on are powered on again (a reboot, as after a power cut; real Pis keep running while
   * the app is closed, the lab lives in the app).
   */
  async enter(): Promise<void> {
    for (const card of this.#cards) {
      if (card.reader !== undefined && card.reader <= PRACTICE_READERS && !this.readers.slots()[card.reader - 1]?.card) {
        await this.readers.insert(card.reader, this.#imagePath(card.id), { locked: card.locked });
      }
    }
    const wereOn = this.slice.get().pis.filter((p) => p.on).map((p) => p.id);
    if (wereOn.length > 0) {
      const lab = await this.lab();
      for (const id of wereOn) await lab.pi(id)?.powerOn();
    }
    this.onChange(this.view());
  }

  /** The practice world closes: the lab stops (its Pis off, as remembered), cards stay where they were. */
  async leave(): Promise<void> {
    this.#leaving = true;
    try {
      for (const slot of this.readers.slots()) if (slot.card) await this.readers.eject(slot.reader);
      await this.close();
    } finally {
      this.#leaving = false;
    }
    this.onChange(this.view());
  }

  async newCard(content: PracticeCardContent, sizeGB: number): Promise<PracticeView> {
    this.#requireEnabled();
    if (this.#cards.length >= 40) throw new AppError(ErrorCode.CONFLICT, 'The shelf holds 40 practice cards: throw some away first.', { key: 'practice.shelfFull', values: { max: 40 } });
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
    if (reader > PRACTICE_READERS) throw new AppError(ErrorCode.NOT_FOUND, `There is no practice reader ${reader}: the lab has readers 1-${PRACTICE_READERS}.`, { key: 'practice.noReader', values: { reader, max: PRACTICE_READERS } });
    if (card.reader !== undefined) throw new AppError(ErrorCode.CONFLICT, `This card is already in reader ${card.reader}.`, { key: 'practice.cardInReader', values: { reader: card.reader } });
    if (card.pi !== undefined) throw new AppError(ErrorCode.CONFLICT, `This card is in ${card.pi}: power it off and take the card out first.`, { key: 'practice.cardInPi', values: { pi: card.pi.replace('pi-', '') } });
    if (this.readers.slots()[reader - 1]?.card) throw new AppError(ErrorCode.CONFLICT, `Practice reader ${reader} already holds a card: eject it first.`, { key: 'practice.readerFull', values: { reader } });
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
    if (card.reader !== undefined) throw new AppError(ErrorCode.CONFLICT, `Take the card out of reader ${card.reader} before throwing it away.`, { key: 'practice.cardInReader', values: { reader: card.reader } });
    if (card.pi !== undefined) throw new AppError(ErrorCode.CONFLICT, `Take the card out of ${card.pi} before throwing it away.`, { key: 'practice.cardInPi', values: { pi: card.pi.replace('pi-', '') } });
    this.#cards = this.#cards.filter((c) => c.id !== id);
    await rm(this.#imagePath(id), { force: true });
    await this.#persist();
    return this.#changed();
  }

  /** The image file of a card (for the virtual Pis that boot from it). */
  imagePathOf(id: string): string {
    return this.#imagePath(this.#card(id).id);
  }

  /** Read which node a card was prepared for (the hostname in its user-data), like a label on it. */
  async #readLabel(card: SavedCard): Promise<void> {
    let hostname: string | undefined;
    try {
      const boot = await openBootPartition(this.#imagePath(card.id));
      try {
        const doc = parseYaml((await boot.readFile('user-data')).toString('utf8')) as { hostname?: unknown } | null;
        if (typeof doc?.hostname === 'string' && doc.hostname !== 'ubuntu') hostname = doc.hostname;
      } finally {
        await boot.close();
      }
    } catch {
      hostname = undefined; // blank or foreign card, or no user-data: no label
    }
    if (hostname === card.preparedFor) return;
    if (hostname) card.preparedFor = hostname;
    else delete card.preparedFor;
    await this.#persist();
    this.onChange(this.view());
  }

  #imagePath(id: string): string {
    return path.join(this.#cardsDir, `${id}.img`);
  }

  #card(id: string): SavedCard {
    const card = this.#cards.find((c) => c.id === id);
    if (!card) throw new AppError(ErrorCode.NOT_FOUND, `There is no practice card ${id}: it may have been thrown away.`, { key: 'practice.noCard' });
    return card;
  }

  #requireEnabled(): void {
    if (!this.enabled) throw new AppError(ErrorCode.UNAVAILABLE, 'Turn on practice mode first (top bar): the practice lab is off.', { key: 'practice.off' });
  }

  #changed(): PracticeView {
    const view = this.view();
    this.onChange(view);
    return view;
  }

  async #persist(): Promise<void> {
    const cards = this.#cards.map((c) => ({ ...c }));
    await this.slice.update((s) => ({ ...s, cards }));
  }
}
