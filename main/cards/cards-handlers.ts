/**
 * The "Prepare SD cards" step in main: keeps the drive list current (drive-scan + safety +
 * identification) and pushes it to the window, runs card preparation as jobs, ejects, and keeps
 * the last report of every node's card in its slice of the state. The drives come from the
 * world's environment (drivelist, or the practice lab's readers). feature.ts wires it in.
 */
import { z } from 'zod';
import { cardReport } from '../../preload/contract/cards';
import type { cardsMethods } from '../../preload/contract/cards';
import type { CardContent, CardDrive, CardReport } from '../../preload/contract/cards';
import type { StoredPlan } from '../../preload/contract/plan';
import type { DriveSource } from '../environment/environment';
import type { JobPhase } from '../jobs/job-codes';
import type { JobManager } from '../jobs/job-manager';
import { AppError } from '../router/app-error';
import type { Slice, SliceDef } from '../state/state-store';
import type { EjectResult } from './card-eject';
import { identifyCard } from './card-identify';
import { prepareCard } from './card-writer';
import type { PreparePhase } from './card-writer';
import type { DriveInfo } from './drive-info';
import { assessDrives } from './drive-safety';
import type { SafetyContext } from './drive-safety';
import { DriveScanner } from './drive-scan';

type CardsMethods = typeof cardsMethods;
export type CardsHandlers = {
  [M in keyof CardsMethods]: (params: z.output<CardsMethods[M]['params']>) => Promise<z.output<CardsMethods[M]['result']>>;
};

type Reports = Record<string, CardReport>;

/** The cards step's slice: the last report of each node's card, by hostname. */
export const cardsSlice: SliceDef<{ reports: Reports }> = {
  id: 'cards',
  version: 1,
  schema: z.object({ reports: z.record(z.string(), cardReport) }),
  initial: () => ({ reports: {} }),
};

export interface CardsServiceOptions {
  slice: Slice<{ reports: Reports }>;
  jobs: JobManager;
  /** The stored plan with its derived secrets (PlanService.stored). */
  plan: () => StoredPlan | null;
  /** The world's drives: this computer's, or the practice lab's readers. */
  drives: DriveSource;
  /** Paths inside the running app, so its own drive is never offered. */
  appPaths: readonly string[];
  /** Called with the new list whenever it changes (the host forwards it as `cards.drives`). */
  onDrives: (drives: CardDrive[]) => void;
  /** Called after a report was saved. */
  onReports?: () => void;
  scanIntervalMs?: number;
  /**
   * Pins the SSH host key written to a node's card (an OpenSSH public key line) as soon as the
   * card is verified, so step 3 knows the node's key before it answers (FindNodesService.pinPreparedKey).
   */
  pinHostKey?: (hostname: string, publicKey: string) => Promise<void>;
}

/** A card that vanished while being identified is looked at again after this long. */
const RETRY_IDENTIFY_MS = 500;
const JOB_PHASE: Record<PreparePhase, JobPhase> = { checking: 'checking-card', writing: 'writing', verifying: 'verifying', ejecting: 'ejecting' };

export class CardsService {
  readonly scanner: DriveScanner;
  readonly #options: CardsServiceOptions;
  /** Identification per device, valid while the same card is in it (see #signature). */
  readonly #contents = new Map<string, { signature: string; content: CardContent }>();
  /** Devices a job is writing now: one job per card at a time. */
  readonly #busy = new Set<string>();
  #view: CardDrive[] = [];
  #refreshing: Promise<void> = Promise.resolve();
  #unsubscribe: (() => void) | undefined;
  #retryTimer: NodeJS.Timeout | undefined;

  constructor(options: CardsServiceOptions) {
    this.#options = options;
    this.scanner = new DriveScanner({ listDrives: () => options.drives.list(), ...(options.scanIntervalMs ? { intervalMs: options.scanIntervalMs } : {}) });
    this.scanner.on('change', (drives) => void this.#queueRefresh(drives));
    this.scanner.on('error', () => undefined); // a failed scan is retried on the next tick
  }

  /** Start watching drives (call when the app starts; cheap: one drivelist call a second). */
  start(): void {
    this.scanner.start();
    this.#unsubscribe = this.#options.drives.onChange(() => void this.scanner.rescan().catch(() => undefined));
  }

  stop(): void {
    this.scanner.stop();
    this.#unsubscribe?.();
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
  }

  handlers(): CardsHandlers {
    return {
      'cards.listDrives': async () => {
        await this.#queueRefresh(await this.scanner.rescan());
        return { drives: this.#view };
      },
      'cards.prepare': async ({ hostname, device, confirmDevice, confirmLargeDrive }) => ({ jobId: this.prepare(hostname, device, confirmDevice, confirmLargeDrive) }),
      'cards.eject': async ({ device }) => this.eject(device),
      'cards.reports': async () => ({ reports: this.reports() }),
    };
  }

  /** Start preparing `device` for `hostname`; returns the job id. `confirmLargeDrive`: see cards.prepare. */
  prepare(hostname: string, device: string, confirmDevice: string, confirmLargeDrive?: number): string {
    const plan = this.#options.plan();
    if (!plan) throw new AppError('UNAVAILABLE', 'Save the cluster plan first: the cards are written from it.', { key: 'cards.noPlan' });
    if (!plan.nodes.some((n) => n.hostname === hostname)) throw new AppError('NOT_FOUND', `${hostname} is not a node of the saved plan.`, { key: 'cards.notInPlan', values: { host: hostname } });
    if (this.#busy.has(device)) throw new AppError('CONFLICT', `${device} is being written already; wait for that job to finish.`, { key: 'cards.deviceBusy', values: { device } });
    this.#busy.add(device);
    const job = this.#options.jobs.start({
      kind: 'prepare-card',
      title: `Prepare the SD card for ${hostname}`,
      subject: hostname,
      run: async (ctx) => {
        let phase: PreparePhase | undefined;
        const drives = await this.scanner.rescan();
        const report = await prepareCard({
          plan,
          hostname,
          device,
          confirmDevice,
          ...(confirmLargeDrive !== undefined ? { confirmLargeDrive } : {}),
          drives,
          safety: this.#safety(drives),
          eject: (drive) => this.#eject(drive),
          signal: ctx.signal,
          onProgress: (p) => {
            if (p.phase !== phase) {
              phase = p.phase;
              ctx.phase(JOB_PHASE[p.phase], p.fraction);
            }
            if (p.file && p.phase !== 'checking') ctx.log(`${p.phase === 'writing' ? 'Wrote' : 'Verified'} ${p.file}`);
            ctx.progress(p.fraction, p.bytesPerSecond);
          },
        });
        this.#contents.delete(device);
        ctx.log(`${report.files.length} files written and verified by SHA-256 on ${report.drive.description || report.drive.device} (Ubuntu ${report.release}). ${report.eject.message}`);
        if (this.#options.pinHostKey) {
          await this.#options.pinHostKey(hostname, report.hostKey.publicKey).catch((error: unknown) => {
            throw new AppError('FAILED', `The card for ${hostname} was written and verified, but the app could not remember its SSH host key (${error instanceof Error ? error.message : String(error)}), so it would not recognise ${hostname}. Free some space in the app's data folder and prepare the card again.`);
          });
        }
        ctx.log(`${hostname}'s SSH host key is ${report.hostKey.fingerprint} (${report.hostKey.keyType}): the app made it for this card and will recognise ${hostname} by it; the private key is only on the card.`);
        await this.#saveReport(report);
        return report;
      },
    });
    void this.#options.jobs.settled(job.id).finally(() => this.#busy.delete(device));
    return job.id;
  }

  async eject(device: string): Promise<EjectResult> {
    const drive = (await this.scanner.rescan()).find((d) => d.device === device);
    if (!drive) throw new AppError('NOT_FOUND', `${device} is not connected any more.`, { key: 'cards.deviceGone', values: { device } });
    return await this.#eject(drive);
  }

  /** The last report of every node of the plan that has one, in plan order. */
  reports(): CardReport[] {
    const byHost = this.#options.slice.get().reports;
    const order = this.#options.plan()?.nodes.map((n) => n.hostname) ?? Object.keys(byHost);
    return order.flatMap((host) => (byHost[host] ? [byHost[host]] : []));
  }

  /** The drive-safety context of this step for a drive list (imaging applies the same rules to its targets). */
  safetyContext(list: readonly DriveInfo[]): SafetyContext {
    return this.#safety(list);
  }

  /**
   * Mark devices as being written by another job (imaging) so this step does not prepare them
   * meanwhile; throws CONFLICT when one is busy. Returns the release.
   */
  reserve(devices: readonly string[]): () => void {
    const busy = devices.find((d) => this.#busy.has(d));
    if (busy) throw new AppError('CONFLICT', `${busy} is being written already; wait for that job to finish.`);
    for (const d of devices) this.#busy.add(d);
    return () => {
      for (const d of devices) this.#busy.delete(d);
    };
  }

  /**
   * Keep a card report as this step's own (imaging configures cards with step 2's code), and pin
   * the host key written to the card for its node, as `prepare` does: step 3 recognises the node
   * by it and refuses any other key for it.
   */
  async saveReport(report: CardReport): Promise<void> {
    this.#contents.delete(report.drive.device);
    if (report.hostKey && this.#options.pinHostKey) {
      await this.#options.pinHostKey(report.hostname, report.hostKey.publicKey).catch((error: unknown) => {
        throw new AppError('FAILED', `The card for ${report.hostname} was written and verified, but the app could not remember its SSH host key (${error instanceof Error ? error.message : String(error)}), so it would not recognise ${report.hostname}. Free some space in the app's data folder and write the card again.`);
      });
    }
    await this.#saveReport(report);
  }

  /** The last report of the card prepared for `hostname`, if any (whatever the plan says now). */
  reportFor(hostname: string): CardReport | undefined {
    return this.#options.slice.get().reports[hostname];
  }

  #safety(list: readonly DriveInfo[]): SafetyContext {
    const drives = this.#options.drives;
    const knownCardReaders = new Set(list.filter((d) => drives.isLabReader(d.device)).map((d) => d.device));
    return { appPaths: [...this.#options.appPaths], knownCardReaders, systemDrive: process.env.SystemDrive };
  }

  async #eject(drive: DriveInfo): Promise<EjectResult> {
    return await this.#options.drives.eject(drive);
  }

  async #saveReport(report: CardReport): Promise<void> {
    await this.#options.slice.update((s) => ({ reports: { ...s.reports, [report.hostname]: report } }));
    this.#options.onReports?.();
  }

  /** Refreshes run one after another, so an older list never overwrites a newer one. */
  #queueRefresh(drives: DriveInfo[]): Promise<void> {
    this.#refreshing = this.#refreshing.then(() => this.#refresh(drives)).catch(() => undefined);
    return this.#refreshing;
  }

  /** Assess, identify what changed, publish. */
  async #refresh(drives: DriveInfo[]): Promise<void> {
    const assessments = assessDrives(drives, this.#safety(drives));
    const source = this.#options.drives;
    for (const device of this.#contents.keys()) if (!drives.some((d) => d.device === device)) this.#contents.delete(device);
    const view = (): CardDrive[] =>
      assessments.map((a) => ({
        device: a.drive.device,
        description: a.drive.description,
        size: a.drive.size,
        busType: a.drive.busType,
        mountpoints: a.drive.mountpoints,
        practice: source.isLabReader(a.drive.device),
        isCard: a.isCard,
        offered: a.offered,
        writable: a.writable,
        problems: a.problems,
        warnings: a.warnings,
        largeDriveConfirmation: a.needsLargeConfirmation,
        content: this.#contents.get(a.drive.device)?.content ?? null,
      }));
    this.#publish(view());
    let identified = false;
    for (const a of assessments) {
      if (!a.offered) continue;
      const signature = this.#signature(a.drive);
      if (this.#contents.get(a.drive.device)?.signature === signature) continue;
      const content = await identifyCard(a.drive);
      // Keep it only if that very card is still there and could be read. A card pulled (and perhaps
      // put back) meanwhile can leave the drive list looking the same, so no scan would notice: look again shortly.
      const unchanged = this.scanner.current().some((d) => d.device === a.drive.device && this.#signature(d) === signature);
      if (!unchanged || (content.kind === 'unreadable' && content.diskError === 'DEVICE_GONE')) {
        this.#retryLater();
        continue;
      }
      this.#contents.set(a.drive.device, { signature, content });
      identified = true;
    }
    if (identified) this.#publish(view());
  }

  #retryLater(): void {
    if (this.#retryTimer) return;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      void this.#queueRefresh(this.scanner.current());
    }, RETRY_IDENTIFY_MS);
    this.#retryTimer.unref?.();
  }

  /** Identifies the card in a drive: the drive as listed, plus which card the source says is in it. */
  #signature(drive: DriveInfo): string {
    return JSON.stringify([drive, this.#options.drives.cardIdentity(drive.device)]);
  }

  #publish(view: CardDrive[]): void {
    this.#view = view;
    this.#options.onDrives(view);
  }
}
