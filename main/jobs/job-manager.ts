/**
 * Jobs: long work with an id, a phase, progress, streamed log lines, cancel and a final
 * result or error. The manager keeps every job of this run so a reloaded window can re-attach
 * (list + log from an offset) and emits updates that the hosts forward to the window.
 */
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { JobSnapshot } from '../../preload/contract/jobs';
import type { MessageValues } from '../../preload/contract/errors';
import { ErrorCode } from '../../preload/contract/errors';
import { AppError, errorBodyOf } from '../router/app-error';
import type { JobKind, JobPhase } from './job-codes';

export interface JobContext {
  readonly id: string;
  readonly signal: AbortSignal;
  /** A line of the job's log: commands' output as they printed it, and main's own summary lines (English). */
  log(line: string): void;
  /** Where the job is, as a code the window words (`jobs.phase.<phase>`, with `values`). */
  phase(phase: JobPhase, progress?: number | null, values?: MessageValues): void;
  progress(fraction: number | null, bytesPerSecond?: number): void;
}

export interface JobSpec<T> {
  /** What the job is; the window words it as `jobs.title.<kind>` with `subject`. */
  kind: JobKind;
  /** English title, for logs and clients without the window's catalogues. */
  title: string;
  subject?: string;
  run(job: JobContext): Promise<T>;
}

interface JobRecord {
  snapshot: JobSnapshot;
  log: string[];
  controller: AbortController;
  done: Promise<void>;
}

const MAX_LOG_LINES = 20_000;
/** Progress events are coalesced to at most one per this many ms per job. */
const PROGRESS_INTERVAL_MS = 100;

export interface JobEvents {
  update: [JobSnapshot];
  log: [{ id: string; from: number; lines: string[] }];
}

export class JobManager extends EventEmitter<JobEvents> {
  readonly #jobs = new Map<string, JobRecord>();
  readonly #lastEmit = new Map<string, number>();

  start<T>(spec: JobSpec<T>): JobSnapshot {
    const id = randomUUID();
    const controller = new AbortController();
    const record: JobRecord = {
      snapshot: { id, kind: spec.kind, title: spec.title, ...(spec.subject ? { subject: spec.subject } : {}), state: 'running', phase: 'starting', progress: null, startedAt: Date.now(), logLines: 0 },
      log: [],
      controller,
      done: Promise.resolve(),
    };
    this.#jobs.set(id, record);
    const ctx: JobContext = {
      id,
      signal: controller.signal,
      log: (line) => this.#appendLog(record, line),
      phase: (phase, progress, values) => {
        const { phaseValues: _old, ...rest } = record.snapshot;
        record.snapshot = { ...rest, phase, ...(values ? { phaseValues: values } : {}), ...(progress !== undefined ? { progress } : {}) };
        this.#emitUpdate(record, true);
      },
      progress: (fraction, bytesPerSecond) => {
        const progress = fraction === null ? null : Math.min(1, Math.max(0, fraction));
        record.snapshot = { ...record.snapshot, progress, ...(bytesPerSecond !== undefined ? { bytesPerSecond } : {}) };
        this.#emitUpdate(record, false);
      },
    };
    this.#emitUpdate(record, true);
    record.done = (async () => {
      try {
        const result = await spec.run(ctx);
        if (controller.signal.aborted) throw controller.signal.reason;
        const { phaseValues: _none, ...rest } = record.snapshot;
        record.snapshot = { ...rest, state: 'succeeded', phase: 'done', progress: 1, result, finishedAt: Date.now() };
      } catch (error) {
        const cancelled = controller.signal.aborted;
        const body =
          error instanceof AppError
            ? error.body()
            : cancelled
              ? { code: ErrorCode.CANCELLED, message: 'Cancelled.', key: 'jobs.cancelled' }
              : errorBodyOf(error, { key: 'jobs.internal' });
        // The phase says how it ended, so nothing reads "starting" (or "installing") after a failure, also after a reload.
        const { phaseValues: _none, ...rest } = record.snapshot;
        record.snapshot = { ...rest, state: cancelled ? 'cancelled' : 'failed', phase: cancelled ? 'cancelled' : 'failed', error: body, finishedAt: Date.now() };
        this.#appendLog(record, cancelled ? 'Cancelled.' : `Error: ${body.message}`);
      }
      this.#emitUpdate(record, true);
    })();
    return record.snapshot;
  }

  list(): JobSnapshot[] {
    return [...this.#jobs.values()].map((r) => r.snapshot).sort((a, b) => b.startedAt - a.startedAt);
  }

  get(id: string): JobSnapshot {
    return this.#record(id).snapshot;
  }

  log(id: string, from = 0): { lines: string[]; next: number } {
    const record = this.#record(id);
    return { lines: record.log.slice(from), next: record.log.length };
  }

  cancel(id: string): JobSnapshot {
    const record = this.#record(id);
    if (record.snapshot.state === 'running') {
      record.controller.abort(new AppError(ErrorCode.CANCELLED, 'Cancelled by the user.', { key: 'jobs.cancelled' }));
      record.snapshot = { ...record.snapshot, phase: 'cancelling' };
      this.#emitUpdate(record, true);
    }
    return record.snapshot;
  }

  /** Resolves when the job has finished (whatever the outcome). */
  async settled(id: string): Promise<JobSnapshot> {
    const record = this.#record(id);
    await record.done;
    return record.snapshot;
  }

  /** Cancel everything still running (app quit). */
  async shutdown(): Promise<void> {
    for (const record of this.#jobs.values()) if (record.snapshot.state === 'running') record.controller.abort(new AppError(ErrorCode.CANCELLED, 'The app is closing.', { key: 'jobs.closing' }));
    await Promise.all([...this.#jobs.values()].map((r) => r.done));
  }

  #record(id: string): JobRecord {
    const record = this.#jobs.get(id);
    if (!record) throw new AppError(ErrorCode.NOT_FOUND, `There is no job ${id}: it may belong to an earlier run of the app.`, { key: 'jobs.notFound' });
    return record;
  }

  #appendLog(record: JobRecord, text: string): void {
    const lines = text.split(/\r?\n/);
    const from = record.log.length;
    record.log.push(...lines);
    if (record.log.length > MAX_LOG_LINES) record.log.splice(0, record.log.length - MAX_LOG_LINES);
    record.snapshot = { ...record.snapshot, logLines: record.log.length };
    this.emit('log', { id: record.snapshot.id, from, lines });
  }

  #emitUpdate(record: JobRecord, force: boolean): void {
    const now = Date.now();
    const last = this.#lastEmit.get(record.snapshot.id) ?? 0;
    if (!force && now - last < PROGRESS_INTERVAL_MS) return;
    this.#lastEmit.set(record.snapshot.id, now);
    this.emit('update', record.snapshot);
  }
}
