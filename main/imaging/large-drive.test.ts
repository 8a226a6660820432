/**
 * A drive over 256 GiB is imaged only with its size confirmed a second time (the check box step 2
 * shows), and that confirmation carries through to the boot configuration written in the same job.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startImagingBench } from './testing/imaging-bench-fixture';
import type { ImagingBench } from './testing/imaging-bench-fixture';

let bench: ImagingBench;
beforeAll(async () => {
  bench = await startImagingBench();
}, 180_000);
afterAll(async () => bench?.close());

describe('imaging a drive over 256 GiB', { timeout: 120_000 }, () => {
  it('is refused without the size confirmed, and images and configures the card with it', async () => {
    const huge = 300 * 2 ** 30;
    const { device } = await bench.insertCard(1, { os: 'blank' }, huge);
    bench.unknownReaders.add(device);
    const catalogue = await bench.service.catalogue(true);
    const imageId = catalogue.defaultId!;

    const confirmation = await bench.service.confirmation(imageId, [{ device, hostname: 'pi-01' }]);
    expect(confirmation.cards[0]!.warnings.map((w) => w.code)).toEqual(['VERY_LARGE_DRIVE']);

    await expect(bench.service.start(imageId, [{ device, hostname: 'pi-01', confirmDevice: device }])).rejects.toMatchObject({ code: 'LARGE_DRIVE_CONFIRMATION_REQUIRED' });
    await expect(bench.service.start(imageId, [{ device, hostname: 'pi-01', confirmDevice: device, confirmLargeDrive: huge - 512 }])).rejects.toMatchObject({
      code: 'LARGE_DRIVE_CONFIRMATION_REQUIRED',
    });

    const jobId = await bench.service.start(imageId, [{ device, hostname: 'pi-01', confirmDevice: device, confirmLargeDrive: huge }]);
    const done = await bench.jobs.settled(jobId);
    expect(done.error).toBeUndefined();
    expect(done.state).toBe('succeeded');
    expect(bench.service.job(jobId).cards.map((c) => [c.hostname, c.phase])).toEqual([['pi-01', 'done']]);
    expect(bench.reports.map((r) => [r.hostname, r.drive.device])).toContainEqual(['pi-01', device]);
  });
});
