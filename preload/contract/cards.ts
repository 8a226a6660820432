/**
 * "Prepare SD cards": the drive list (real readers, plus practice readers in Practice mode)
 * with what is on each card and whether it may be written, preparing one card for one node as a
 * job, ejecting, and the per-card reports kept for the plan.
 */
import { z } from 'zod';
import { event, method } from './define';
import { ubuntuRelease } from './plan';

export const cardContent = z.object({
  kind: z.enum(['blank', 'ubuntu', 'other', 'unreadable']),
  /** Ubuntu release found on the card; null for an Ubuntu release the app does not support. */
  release: ubuntuRelease.nullable().optional(),
  summary: z.string(),
  /** What is on the card as a code the window words (`blank`, `ubuntu`, `raspios`, …), with values. */
  code: z.string().optional(),
  values: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
  /** The node this app last prepared the card for. */
  preparedFor: z.string().optional(),
});
export type CardContent = z.infer<typeof cardContent>;

/** A problem or warning: a stable code the window words, values for its text, and main's English as a fallback. */
const notice = z.object({ code: z.string(), message: z.string(), values: z.record(z.string(), z.union([z.string(), z.number()])).optional() });

export const cardDrive = z.object({
  device: z.string(),
  description: z.string(),
  /** Bytes; null when the reader is empty. */
  size: z.number().nullable(),
  busType: z.string(),
  mountpoints: z.array(z.object({ path: z.string(), label: z.string().nullable() })),
  /** A practice-lab reader (simulated). */
  practice: z.boolean(),
  isCard: z.boolean(),
  /** Shown as a target. */
  offered: z.boolean(),
  writable: z.boolean(),
  /** Why it is not offered or not writable, first reason first. */
  problems: z.array(notice),
  warnings: z.array(notice),
  /** Over 256 GB: writing needs a second confirmation (cards.prepare's `confirmLargeDrive`). */
  largeDriveConfirmation: z.boolean(),
  /** What is on the card; null until it has been looked at (or when it is not offered). */
  content: cardContent.nullable(),
});
export type CardDrive = z.infer<typeof cardDrive>;

export const cardReport = z.object({
  hostname: z.string(),
  drive: z.object({ device: z.string(), description: z.string(), size: z.number().nullable() }),
  release: ubuntuRelease,
  via: z.enum(['mount', 'raw']),
  instanceId: z.string(),
  /** The SSH host key written to the card (public half only; the private half is only on the card). Absent in reports of older versions. */
  hostKey: z.object({ keyType: z.string(), fingerprint: z.string(), publicKey: z.string() }).optional(),
  files: z.array(z.object({ name: z.string(), bytes: z.number().int(), sha256: z.string() })),
  startedAt: z.string(),
  finishedAt: z.string(),
  eject: z.object({ ejected: z.boolean(), message: z.string(), code: z.string().optional(), values: z.record(z.string(), z.union([z.string(), z.number()])).optional() }),
});
export type CardReport = z.infer<typeof cardReport>;

const device = z.string().min(1).max(512);

export const cardsMethods = {
  'cards.listDrives': method(z.object({}).strict(), z.object({ drives: z.array(cardDrive) }), 'Drives now connected (rescanned every second while the step is open).'),
  'cards.prepare': method(
    z
      .object({
        hostname: z.string().min(1).max(63),
        device,
        /** The device the user confirmed in the dialog; must equal `device`. */
        confirmDevice: device,
        /**
         * For a drive with `largeDriveConfirmation`: its size in bytes, which the user confirmed a
         * second time (a separate check box naming the size); must equal the drive's size.
         */
        confirmLargeDrive: z.number().int().positive().optional(),
      })
      .strict(),
    z.object({ jobId: z.string() }),
    "Write, verify and eject one node's card; runs as a job whose result is the card report.",
  ),
  'cards.eject': method(z.object({ device }).strict(), cardReport.shape.eject, 'Eject a card (best effort).'),
  'cards.reports': method(z.object({}).strict(), z.object({ reports: z.array(cardReport) }), 'The last report of every prepared card, in plan order.'),
};

export const cardsEvents = {
  'cards.drives': event(z.object({ drives: z.array(cardDrive) }), 'The drive list changed (card inserted, removed, locked, identified).'),
};
