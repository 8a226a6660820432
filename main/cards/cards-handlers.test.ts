import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { CardDrive } from '../../preload/contract/cards';
import { cardsMethods } from '../../preload/contract/cards';
import { makeTempDir } from '../disk/testing/fat-test-tools';
import { JobManager } from '../jobs/job-manager';
import { createVirtualCard } from '../lab/cards/virtual-card-image';
import { VirtualCardReaders } from '../lab/cards/virtual-card-readers';
import { readersDriveSource } from '../practice/practice-environment';
import { StateStore } from '../state/state-store';
import { CardsService, cardsSlice } from './cards-handlers';
import { testPlan } from './testing/plan-fixtures';

const GIB = 1024 * 1024 * 1024;
let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir('cards-handlers-'));
});
afterAll(async () => cleanup());

describe('CardsService', () => {
  it('lists practice cards with their content, prepares every node as a job, and keeps the reports', async () => {
    const store = new StateStore(join(dir, 'data'));
    await store.load();
    const jobs = new JobManager();
    const readers = new VirtualCardReaders({ dir: join(dir, 'readers'), readers: 2 });
    const plan = testPlan();
    const published: CardDrive[][] = [];
    const service = new CardsService({ slice: store.slice(cardsSlice, 'practice'), jobs, plan: () => plan, drives: readersDriveSource(readers), appPaths: [dir], onDrives: (d) => published.push(d) });
    const handlers = service.handlers();

    const images = [join(dir, 'a.img'), join(dir, 'b.img')];
    await createVirtualCard(images[0]!, { os: 'ubuntu', release: '24.04' }, { sizeBytes: 2 * GIB });
    await createVirtualCard(images[1]!, { os: 'ubuntu', release: '22.04' }, { sizeBytes: 2 * GIB });
    const first = await readers.insert(1, images[0]!);
    await readers.insert(2, images[1]!);

    const { drives } = cardsMethods['cards.listDrives'].result.parse(await handlers['cards.listDrives']({}));
    const practiceDrives = drives.filter((d) => d.practice);
    expect(practiceDrives.map((d) => [d.description, d.writable, d.content?.kind, d.content?.release])).toEqual([
      ['Practice SD card reader 1', true, 'ubuntu', '24.04'],
      ['Practice SD card reader 2', true, 'ubuntu', '22.04'],
    ]);
    expect(published.length).toBeGreaterThan(0);

    // An unconfirmed card fails its job with a clear code and leaves no report.
    const refused = await jobs.settled((await handlers['cards.prepare']({ hostname: 'pi-01', device: first, confirmDevice: '/dev/sda' })).jobId);
    expect(refused).toMatchObject({ state: 'failed', error: { code: 'CONFIRMATION_REQUIRED' } });
    expect(service.reports()).toEqual([]);

    // Both cards at once (two readers), but never two jobs on one card.
    const started = [];
    for (const [hostname, drive] of [['pi-01', practiceDrives[0]!], ['pi-02', practiceDrives[1]!]] as const) {
      started.push({ hostname, ...(await handlers['cards.prepare']({ hostname, device: drive.device, confirmDevice: drive.device })) });
    }
    await expect(handlers['cards.prepare']({ hostname: 'pi-02', device: practiceDrives[0]!.device, confirmDevice: practiceDrives[0]!.device })).rejects.toMatchObject({ code: 'CONFLICT' });
    for (const { jobId } of started) {
      const done = await jobs.settled(jobId);
      expect(done, JSON.stringify(done.error)).toMatchObject({ state: 'succeeded', progress: 1 });
      expect(jobs.log(jobId).lines.join('\n')).toMatch(/6 files written and verified by SHA-256/);
      expect(jobs.log(jobId).lines.join('\n')).not.toContain(plan.login.publicKey);
    }
    const { reports } = cardsMethods['cards.reports'].result.parse(await handlers['cards.reports']({}));
    expect(reports.map((r) => [r.hostname, r.release, r.eject.ejected])).toEqual([
      ['pi-01', '24.04', true],
      ['pi-02', '22.04', true],
    ]);
    expect(Object.keys(store.slice(cardsSlice, 'practice').get().reports).sort()).toEqual(['pi-01', 'pi-02']);
    expect((await handlers['cards.listDrives']({})).drives.filter((d) => d.practice)).toEqual([]); // both ejected

    await readers.insert(1, images[0]!);
    const again = (await handlers['cards.listDrives']({})).drives.find((d) => d.practice);
    expect(again?.content).toMatchObject({ kind: 'ubuntu', preparedFor: 'pi-01' });
    await expect(handlers['cards.prepare']({ hostname: 'pi-09', device: again!.device, confirmDevice: again!.device })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    service.stop();
  });

  it('a card pulled out while it is being identified and put straight back is identified again, not left "gone"', async () => {
    const store = new StateStore(join(dir, 'data-race'));
    await store.load();
    const readers = new VirtualCardReaders({ dir: join(dir, 'readers-race'), readers: 1 });
    const published: CardDrive[][] = [];
    const service = new CardsService({ slice: store.slice(cardsSlice, 'practice'), jobs: new JobManager(), plan: () => testPlan(), drives: readersDriveSource(readers), appPaths: [dir], onDrives: (d) => published.push(d) });
    const image = join(dir, 'race.img');
    await createVirtualCard(image, { os: 'ubuntu', release: '24.04' }, { sizeBytes: 2 * GIB });
    await readers.insert(1, image);
    const first = (await service.handlers()['cards.listDrives']({})).drives.find((d) => d.practice);
    expect(first?.content?.kind).toBe('ubuntu');

    // The card leaves its reader, but a refresh still works from the list seen before (no scan in between)...
    await readers.eject(1);
    const before = published.length;
    service.scanner.emit('change', service.scanner.current());
    await vi.waitFor(() => expect(published.length).toBeGreaterThan(before));
    // ...and is back before the next scan, so the drive list looks exactly as it did.
    await readers.insert(1, image);
    const back = published.length;
    await vi.waitFor(() => expect(published.slice(back).at(-1)?.find((d) => d.practice)?.content).toMatchObject({ kind: 'ubuntu', release: '24.04' }), { timeout: 5000 });
    service.stop();
  });
});
