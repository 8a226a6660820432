/**
 * A test bench for imaging: a data dir with a state file and the plan, the practice lab's image
 * server (127.0.0.1) with its generated images, practice card readers holding card image files,
 * and an ImagingService wired like the app wires it (step 2's drive safety, eject, reports),
 * opening devices directly (tests run as root: no password prompt).
 */
import { mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Agent } from 'undici';
import type { CardReport } from '../../../preload/contract/cards';
import type { ImagingProgressView } from '../../../preload/contract/imaging';
import type { StoredPlan } from '../../../preload/contract/plan';
import type { DriveInfo } from '../../cards/drive-info';
import { testPlan } from '../../cards/testing/plan-fixtures';
import { BlockDevice } from '../../disk/block-device';
import { makeTempDir } from '../../disk/testing/fat-test-tools';
import { JobManager } from '../../jobs/job-manager';
import { createVirtualCard } from '../../lab/cards/virtual-card-image';
import type { VirtualCardContent } from '../../lab/cards/virtual-card-image';
import { VirtualCardReaders } from '../../lab/cards/virtual-card-readers';
import { PracticeImageServer } from '../../lab/imaging/image-server';
import { practiceImages, sharedPracticeImageDir } from '../../lab/imaging/practice-images';
import { StateStore } from '../../state/state-store';
import { ImagingService, imagingSettingsSlice } from '../imaging-service';

const MIB = 1024 * 1024;

export interface ImagingBench {
  dir: string;
  server: PracticeImageServer;
  readers: VirtualCardReaders;
  jobs: JobManager;
  service: ImagingService;
  store: StateStore;
  reports: CardReport[];
  progress: ImagingProgressView[];
  /** Extra drives (loop devices) shown next to the practice readers. */
  extraDrives: DriveInfo[];
  /** Devices of practice readers step 2's safety rules treat as unknown card readers (so a huge one needs its size confirmed). */
  unknownReaders: Set<string>;
  /** Runs on every progress snapshot (tests cancel or pull cards from here). */
  onProgress: ((p: ImagingProgressView) => void) | undefined;
  plan: StoredPlan;
  /** A card image file of `bytes`, put into a reader; returns its device path. */
  insertCard(reader: number, content?: VirtualCardContent, bytes?: number, options?: { locked?: boolean }): Promise<{ device: string; image: string }>;
  close(): Promise<void>;
}

export async function startImagingBench(options: { readers?: number; systemProxy?: (url: string) => Promise<string> } = {}): Promise<ImagingBench> {
  const { dir, cleanup } = await makeTempDir('imaging-');
  const images = await practiceImages(sharedPracticeImageDir());
  const server = await PracticeImageServer.start(images);
  const readers = new VirtualCardReaders({ dir: join(dir, 'readers'), readers: options.readers ?? 3 });
  const store = new StateStore(join(dir, 'data'));
  await store.load();
  const jobs = new JobManager();
  const dispatcher = new Agent();
  const plan = testPlan();
  const reports: CardReport[] = [];
  const progress: ImagingProgressView[] = [];
  let cardNumber = 0;
  const bench: ImagingBench = {
    dir,
    server,
    readers,
    jobs,
    store,
    reports,
    progress,
    extraDrives: [],
    unknownReaders: new Set(),
    onProgress: undefined,
    plan,
    service: undefined as unknown as ImagingService,
    async insertCard(reader, content = { os: 'blank' }, bytes = 128 * MIB, insertOptions = {}) {
      await readers.eject(reader);
      const image = join(dir, `card-${++cardNumber}.img`);
      if (content.os === 'blank') {
        const handle = await open(image, 'w');
        await handle.truncate(bytes);
        await handle.close();
      } else {
        await createVirtualCard(image, content, { sizeBytes: bytes, bootBytes: 40 * MIB });
      }
      const device = await readers.insert(reader, image, insertOptions);
      return { device, image };
    },
    async close() {
      await jobs.shutdown();
      await server.close();
      await dispatcher.close();
      await cleanup();
    },
  };
  const practiceDevices = () => new Set(readers.slots().flatMap((s) => (s.card && !bench.unknownReaders.has(s.card.device) ? [s.card.device] : [])));
  bench.service = new ImagingService({
    dataDir: join(dir, 'data'),
    settings: store.slice(imagingSettingsSlice),
    jobs,
    plan: () => plan,
    drives: async () => [...(await readers.list()), ...bench.extraDrives],
    safety: () => ({ appPaths: [join(dir, 'app')], knownCardReaders: new Set([...practiceDevices(), ...bench.extraDrives.map((d) => d.device)]) }),
    eject: async (drive) => ({ ejected: await readers.ejectDevice(drive.device), code: 'practice-ejected', message: 'The practice card was ejected from its reader.' }),
    saveReport: async (report) => {
      reports.push(report);
    },
    practiceCatalogueUrl: async () => server.catalogueUrl,
    openDevice: (path, o) => BlockDevice.open(path, o),
    // With a desktop proxy the service picks its own dispatcher per URL (system-proxy.ts).
    ...(options.systemProxy ? { systemProxy: options.systemProxy } : { dispatcher }),
    retry: { attempts: 4, minDelayMs: 10, maxDelayMs: 50, stallTimeoutMs: 10_000 },
    onProgress: (p) => {
      progress.push(p);
      bench.onProgress?.(p);
    },
  });
  await mkdir(join(dir, 'app'), { recursive: true });
  return bench;
}

/** Poll `check` until it returns a value or the deadline passes. */
export async function waitFor<T>(check: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export async function removeQuietly(path: string): Promise<void> {
  await rm(path, { force: true, recursive: true });
}
