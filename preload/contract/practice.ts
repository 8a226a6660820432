/**
 * Practice mode: the app's built-in lab for users without hardware. Everything it shows is
 * simulated and labelled so. Virtual SD cards live on a shelf; put into a practice reader they
 * appear in the drive list exactly like a real card in a real reader.
 */
import { z } from 'zod';
import { event, method } from './define';

export const practiceCardContent = z.enum(['ubuntu-24.04', 'ubuntu-22.04', 'raspios', 'blank']);
export type PracticeCardContent = z.infer<typeof practiceCardContent>;

export const practiceCard = z.object({
  id: z.string(),
  content: practiceCardContent,
  sizeBytes: z.number(),
  locked: z.boolean(),
  createdAt: z.number(),
  /** Where the card is: in a reader, or on the shelf. */
  reader: z.number().int().optional(),
  /** The device path while it is in a reader. */
  device: z.string().optional(),
  /** The virtual Pi it is plugged into. */
  pi: z.string().optional(),
  /** The hostname its cloud-init user-data sets (after "Prepare SD cards" wrote it). */
  preparedFor: z.string().optional(),
});
export type PracticeCard = z.infer<typeof practiceCard>;

/** Faults users really meet, switchable per practice Pi. */
export const practiceFault = z.enum(['cgroupFlagsMissing', 'clockUnsynchronised', 'port25000Blocked', 'sshSlow', 'sshDropped', 'powerLossDuringInstall']);
export type PracticeFault = z.infer<typeof practiceFault>;

/** Why a practice Pi did not boot, as codes the window words (`practice.bootError.<code>`). */
export const PI_BOOT_ERROR_CODES = ['no-card', 'card-unreadable', 'host-keys-failed', 'no-host-keys', 'sshd-failed'] as const;

export const practicePi = z.object({
  id: z.string(),
  state: z.enum(['off', 'booting', 'running', 'shutting-down', 'no-boot']),
  /** Why it did not boot (no card, no boot partition), in English for logs. */
  bootError: z.string().optional(),
  bootErrorCode: z.enum(PI_BOOT_ERROR_CODES).optional(),
  /** The system's own words about it (e.g. the card's read error), shown as they are. */
  bootErrorDetail: z.string().optional(),
  hostname: z.string().optional(),
  /** The LAN address the Pi reports (from its card's network-config or its DHCP lease). */
  address: z.string().optional(),
  /** Where this computer reaches its SSH server. */
  ssh: z.object({ host: z.string(), port: z.number().int() }).optional(),
  /** Faults switched on for this Pi. */
  faults: z.array(practiceFault).default([]),
});
export type PracticePi = z.infer<typeof practicePi>;

export const practiceView = z.object({
  enabled: z.boolean(),
  /** Lab time runs this many times faster than real time (boots, installs). */
  speed: z.number(),
  readers: z.number().int(),
  cards: z.array(practiceCard),
  pis: z.array(practicePi),
});
export type PracticeView = z.infer<typeof practiceView>;

const cardId = z.string().regex(/^card-[0-9a-z-]{1,40}$/, 'a practice card id such as card-1');
const piId = z.string().regex(/^pi-\d{1,2}$/, 'a practice Pi id such as pi-1');
export const PRACTICE_SPEEDS = [1, 10, 60] as const;

export const practiceMethods = {
  'practice.get': method(z.object({}).strict(), practiceView, 'The practice lab as it is now.'),
  'practice.setEnabled': method(z.object({ enabled: z.boolean() }).strict(), practiceView, 'Turn practice mode on or off (persisted).'),
  'practice.newCard': method(
    z.object({ content: practiceCardContent, sizeGB: z.number().int().min(2).max(512).default(32) }).strict(),
    practiceView,
    'Make a new virtual SD card, as an imager leaves it (or blank), and put it on the shelf.',
  ),
  'practice.insertCard': method(z.object({ id: cardId, reader: z.number().int().min(1).max(16) }).strict(), practiceView, 'Put a card from the shelf into a practice reader.'),
  'practice.ejectCard': method(z.object({ id: cardId }).strict(), practiceView, 'Take a card out of its reader and put it on the shelf.'),
  'practice.lockCard': method(z.object({ id: cardId, locked: z.boolean() }).strict(), practiceView, "Slide a card's write-protect switch."),
  'practice.deleteCard': method(z.object({ id: cardId }).strict(), practiceView, 'Throw away a card from the shelf.'),
  'practice.addPi': method(z.object({}).strict(), practiceView, 'Add a virtual Raspberry Pi 4 (powered off, no card) to the lab.'),
  'practice.plugCard': method(z.object({ id: cardId, pi: piId }).strict(), practiceView, "Put a card from the shelf into a powered-off Pi's slot."),
  'practice.unplugCard': method(z.object({ pi: piId }).strict(), practiceView, "Take the card out of a powered-off Pi and put it on the shelf."),
  'practice.power': method(z.object({ pi: piId, on: z.boolean() }).strict(), practiceView, 'Power a virtual Pi on, or pull its power.'),
  'practice.setFault': method(z.object({ pi: piId, fault: practiceFault, on: z.boolean() }).strict(), practiceView, 'Switch a fault on a practice Pi (simulated problems real Pis have).'),
  'practice.setSpeed': method(z.object({ speed: z.union([z.literal(1), z.literal(10), z.literal(60)]) }).strict(), practiceView, 'How fast lab time runs.'),
};

export const practiceEvents = {
  'practice.changed': event(practiceView, 'The practice lab changed (card made, inserted, ejected, mode switched).'),
};
