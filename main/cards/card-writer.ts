/**
 * Prepare one card for one node: check the drive is a confirmed, writable card; open its
 * system-boot partition (through the OS mount if there is one, else raw); check it holds Ubuntu
 * Server for Raspberry Pi and which release; write the node's boot configuration (boot-config.ts);
 * re-open the card, read every file back and compare SHA-256 digests; eject. Any failure (card
 * pulled out, partition full, permission refused, digest mismatch, cancel) ends in an AppError
 * with a clear code and message, and no report: a card is ready only when a report comes back.
 * The node's new SSH host key is in user-data: the report carries only its public half, and every
 * buffer that held the file contents (written, read back, or the card's previous files) is
 * overwritten as soon as it is no longer needed, success or not. (The JavaScript strings it was
 * built from cannot be overwritten; nothing keeps a reference to them.)
 */
import { createHash } from 'node:crypto';
import type { StoredPlan, UbuntuRelease } from '../../preload/contract/plan';
import type { BootFiles } from '../disk/boot-partition';
import { DiskError } from '../disk/disk-errors';
import { AppError } from '../router/app-error';
import { bootConfig, CMDLINE, CMDLINE_BACKUP, wipeBootFiles } from './boot-config';
import type { BootConfig, BootFile, CardHostKey } from './boot-config';
import { BootConfigError } from './boot-yaml';
import { openCardBootFiles } from './card-access';
import { ejectRealDrive } from './card-eject';
import type { EjectResult, Ejector } from './card-eject';
import { identifyBootFiles } from './card-identify';
import type { CardContentCode } from './card-identify';
import type { DriveInfo } from './drive-info';
import { assessDrives, checkWriteAllowed } from './drive-safety';
import type { SafetyContext } from './drive-safety';

export type PreparePhase = 'checking' | 'writing' | 'verifying' | 'ejecting';

export interface PrepareProgress {
  phase: PreparePhase;
  /** 0..1 over the whole preparation. */
  fraction: number;
  /** Average write or read speed of the current phase (0 when not measurable yet). */
  bytesPerSecond: number;
  file?: string;
}

export interface PrepareCardRequest {
  plan: StoredPlan;
  hostname: string;
  /** The device to write, as listed by the drive scan. */
  device: string;
  /** What the user confirmed; must equal `device`. */
  confirmDevice: string;
  /** Over 256 GB: the drive's size the user confirmed a second time; must equal its size. */
  confirmLargeDrive?: number;
  /** The current drive list (the safety rules need every drive to find the app's own). */
  drives: readonly DriveInfo[];
  safety: SafetyContext;
  /** Ejects the card at the end; the platform's tool by default. */
  eject?: Ejector;
  /** Write through the raw device even when the OS mounted the partition. */
  forceRaw?: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: PrepareProgress) => void;
}

export interface CardFileReport {
  name: string;
  bytes: number;
  sha256: string;
}

export interface CardReport {
  hostname: string;
  drive: { device: string; description: string; size: number | null };
  /** The Ubuntu release found on the card (the configuration was written for it). */
  release: UbuntuRelease;
  via: 'mount' | 'raw';
  instanceId: string;
  /** The public half of the SSH host key written to the card (the caller pins it for the node). */
  hostKey: CardHostKey;
  files: CardFileReport[];
  /** ISO 8601 times. */
  startedAt: string;
  finishedAt: string;
  eject: EjectResult;
}

export async function prepareCard(request: PrepareCardRequest): Promise<CardReport> {
  const startedAt = new Date();
  const { signal, hostname } = request;
  const report = (progress: PrepareProgress) => request.onProgress?.(progress);
  const checkAbort = () => {
    if (signal?.aborted) throw new AppError('CANCELLED', `Preparing the card for ${hostname} was cancelled; the card is not ready.`, { key: 'cards.cancelled', values: { host: hostname } });
  };

  try {
    checkAbort();
    report({ phase: 'checking', fraction: 0, bytesPerSecond: 0 });
    const assessment = assessDrives(request.drives, request.safety).find((a) => a.drive.device === request.device);
    if (!assessment) throw new AppError('DEVICE_GONE', `${request.device} is no longer connected. Put the card back in and try again.`, { key: 'cards.deviceGone', values: { device: request.device } });
    checkWriteAllowed(assessment, request.confirmDevice, request.confirmLargeDrive);
    const drive = assessment.drive;
    if (!request.plan.nodes.some((n) => n.hostname === hostname)) throw new AppError('NOT_FOUND', `${hostname} is not a node of the plan.`, { key: 'cards.notInPlan', values: { host: hostname } });

    const boot = await openCardBootFiles(drive, { writable: true, raw: request.forceRaw, ...(signal ? { signal } : {}) }).catch((error: unknown) => {
      if (error instanceof DiskError && ['NO_PARTITION_TABLE', 'NO_FAT_PARTITION', 'NOT_FAT'].includes(error.code)) {
        throw notUbuntu(drive, error.code === 'NO_PARTITION_TABLE' ? 'a blank card (no partitions)' : 'no Raspberry Pi boot partition', error.code === 'NO_PARTITION_TABLE' ? 'blank' : 'no-boot-partition');
      }
      throw error;
    });
    let config: BootConfig | undefined;
    let release: UbuntuRelease;
    let files: CardFileReport[];
    try {
      try {
        const content = await identifyBootFiles(boot);
        if (content.kind !== 'ubuntu') throw notUbuntu(drive, content.summary, content.code);
        if (!content.release) throw new AppError('UNSUPPORTED_RELEASE', `${content.summary}.`, { key: 'cards.unsupportedRelease', values: { drive: drive.description || drive.device } });
        release = content.release;
        config = bootConfig(request.plan, hostname, {
          release,
          cmdline: (await boot.readFile(CMDLINE)).toString('utf8'),
          hasCmdlineBackup: await boot.exists(CMDLINE_BACKUP),
        });
        await writeFiles(boot, drive, config.files, checkAbort, report);
      } finally {
        await boot.close();
      }
      checkAbort();
      files = await verify(drive, request.forceRaw, signal, config.files, (file, read, total, started) =>
        report({ phase: 'verifying', fraction: 0.6 + 0.3 * (read / total), bytesPerSecond: rate(read, started), file }),
      );
    } finally {
      if (config) wipeBootFiles(config.files);
    }

    report({ phase: 'ejecting', fraction: 0.9, bytesPerSecond: 0 });
    const eject = await (request.eject ?? ejectRealDrive)(drive).catch(
      (error: unknown): EjectResult => ({
        ejected: false,
        code: 'not-ejected',
        values: { detail: error instanceof Error ? error.message : String(error) },
        message: `The card is ready but could not be ejected (${error instanceof Error ? error.message : String(error)}).`,
      }),
    );
    report({ phase: 'ejecting', fraction: 1, bytesPerSecond: 0 });
    return {
      hostname,
      drive: { device: drive.device, description: drive.description, size: drive.size },
      release,
      via: (boot as BootFiles & { via: 'mount' | 'raw' }).via,
      instanceId: config.instanceId,
      hostKey: config.hostKey,
      files,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      eject,
    };
  } catch (error) {
    throw toAppError(error, hostname);
  }
}

/** Writes the files in order, after checking they fit. */
async function writeFiles(boot: BootFiles, drive: DriveInfo, files: readonly BootFile[], checkAbort: () => void, report: (progress: PrepareProgress) => void): Promise<void> {
  const total = files.reduce((sum, f) => sum + f.data.length, 0);
  const free = await boot.freeBytes();
  if (total > free + (await existingBytes(boot, files.map((f) => f.name)))) {
    throw new DiskError('PARTITION_FULL', `The boot configuration needs ${total} bytes but only ${free} are free on ${drive.device}`);
  }
  const started = performance.now();
  let written = 0;
  for (const file of files) {
    checkAbort();
    await boot.writeFile(file.name, file.data);
    written += file.data.length;
    report({ phase: 'writing', fraction: 0.1 + 0.5 * (written / total), bytesPerSecond: rate(written, started), file: file.name });
  }
}

/** Re-open the card, read every written file and compare digests. */
async function verify(
  drive: DriveInfo,
  forceRaw: boolean | undefined,
  signal: AbortSignal | undefined,
  expected: { name: string; data: Buffer }[],
  progress: (file: string, read: number, total: number, started: number) => void,
): Promise<CardFileReport[]> {
  const boot = await openCardBootFiles(drive, { writable: false, raw: forceRaw, ...(signal ? { signal } : {}) });
  try {
    const total = expected.reduce((sum, f) => sum + f.data.length, 0) || 1;
    const started = performance.now();
    let read = 0;
    const files: CardFileReport[] = [];
    for (const file of expected) {
      const want = sha256(file.data);
      const back = await boot.readFile(file.name);
      const got = sha256(back);
      back.fill(0);
      if (got !== want) {
        throw new AppError('VERIFY_FAILED', `${file.name} on ${drive.device} reads back differently from what was written (sha256 ${got.slice(0, 12)}... instead of ${want.slice(0, 12)}...). The card or reader may be faulty: try again or use another card.`, {
          key: 'cards.verifyFailed',
          values: { file: file.name, device: drive.device },
        });
      }
      read += file.data.length;
      progress(file.name, read, total, started);
      files.push({ name: file.name, bytes: file.data.length, sha256: want });
    }
    return files;
  } finally {
    await boot.close();
  }
}

/** Bytes already used by files that will be replaced (their space is reused). */
async function existingBytes(boot: BootFiles, names: string[]): Promise<number> {
  let bytes = 0;
  for (const name of names) {
    if (!(await boot.exists(name))) continue;
    const old = await boot.readFile(name);
    bytes += old.length;
    old.fill(0); // an earlier user-data holds an earlier host key

  }
  return bytes;
}

function rate(bytes: number, startedMs: number): number {
  const seconds = (performance.now() - startedMs) / 1000;
  return seconds > 0 ? Math.round(bytes / seconds) : 0;
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** `content`: what is on the card instead (a card content code, worded by the window). */
function notUbuntu(drive: DriveInfo, holds: string, content: CardContentCode): AppError {
  return new AppError(
    'NOT_UBUNTU',
    `${drive.description || drive.device} holds ${holds}. Write Ubuntu Server 24.04 or 22.04 for Raspberry Pi onto it first (for example with Raspberry Pi Imager), then prepare it here.`,
    { key: 'cards.notUbuntu', values: { drive: drive.description || drive.device, content } },
  );
}

function toAppError(error: unknown, hostname: string): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof DiskError) return new AppError(error.code, `The card for ${hostname} is not ready. ${error.message}`, { cause: error, key: `disk.${error.code}`, values: { host: hostname, detail: error.detail } });
  if (error instanceof BootConfigError) {
    return new AppError('INVALID_PLAN', `The boot configuration for ${hostname} cannot be written: ${error.message}`, { cause: error, key: 'cards.bootConfig', values: { host: hostname, detail: error.message } });
  }
  const detail = error instanceof Error ? error.message : String(error);
  return new AppError('FAILED', `Preparing the card for ${hostname} failed: ${detail}`, { cause: error, key: 'cards.failed', values: { host: hostname, detail } });
}
