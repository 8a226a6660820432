import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { ImagingResult } from '../../preload/contract/imaging';
import { identifyCard } from '../cards/card-identify';
import { openBootPartition } from '../disk/boot-partition';
import type { PracticeImage } from '../lab/imaging/practice-image';
import { startImagingBench, waitFor } from './testing/imaging-bench-fixture';
import type { ImagingBench } from './testing/imaging-bench-fixture';
import { defaultXzDecoder } from './xz-worker';

const MIB = 1024 * 1024;
let bench: ImagingBench;
let image24: PracticeImage;
let firstMiB24: Buffer;

async function readHead(path: string): Promise<Buffer> {
  const data = await readFile(path);
  return data.subarray(0, MIB);
}

async function decompressedHead(image: PracticeImage): Promise<Buffer> {
  const { decompress } = await import('./image-source');
  const { createReadStream } = await import('node:fs');
  const parts: Buffer[] = [];
  let length = 0;
  for await (const chunk of decompress('xz', createReadStream(image.path) as AsyncIterable<Buffer>)) {
    parts.push(chunk);
    length += chunk.length;
    if (length >= MIB) break;
  }
  return Buffer.concat(parts).subarray(0, MIB);
}

async function imageId(release: '24.04' | '22.04', refresh = false): Promise<string> {
  const catalogue = await bench.service.catalogue(refresh);
  return catalogue.entries.find((e) => e.release === release)!.id;
}

async function run(targets: { device: string; hostname: string }[], release: '24.04' | '22.04' = '24.04', refresh = false) {
  const jobId = await bench.service.start(
    await imageId(release, refresh),
    targets.map((t) => ({ ...t, confirmDevice: t.device })),
  );
  const snapshot = await bench.jobs.settled(jobId);
  const result = (snapshot.result ?? (snapshot.error ? undefined : undefined)) as ImagingResult | undefined;
  return { jobId, snapshot, result, progress: bench.service.job(jobId) };
}

const allZero = (data: Buffer) => data.every((b) => b === 0);

beforeAll(async () => {
  bench = await startImagingBench();
  image24 = bench.server.images.find((i) => i.release === '24.04')!;
  firstMiB24 = await decompressedHead(image24);
}, 180_000);
afterAll(async () => bench?.close());
beforeEach(async () => {
  bench.server.setFaults({});
  bench.onProgress = undefined;
  await bench.service.catalogue(true);
});

describe('catalogue', () => {
  it('lists the practice lab images in Imager format, the plan release picks the default', async () => {
    const view = await bench.service.catalogue(true);
    expect(view.source).toBe('practice');
    expect(view.entries.map((e) => e.release).sort()).toEqual(['22.04', '24.04']);
    const def = view.entries.find((e) => e.id === view.defaultId)!;
    expect(def.release).toBe('24.04');
    expect(def.extractSha256).toBe(image24.extractSha256);
    expect(def.downloadSha256).toBe(image24.downloadSha256);
    expect(def.initFormat).toBe('cloudinit');
  });
});

describe('imaging blank practice cards from the lab catalogue', { timeout: 120_000 }, () => {
  it('downloads once, writes two cards, verifies them and writes each node its boot configuration', async () => {
    await bench.service.clearCache();
    const a = await bench.insertCard(1);
    const b = await bench.insertCard(2);
    const before = bench.server.imageRequests().length;
    const { jobId, snapshot, result, progress } = await run([
      { device: a.device, hostname: 'pi-01' },
      { device: b.device, hostname: 'pi-02' },
    ]);
    expect(snapshot.state).toBe('succeeded');
    expect(bench.server.imageRequests().length - before).toBe(1);
    expect(progress.source).toBe('download');
    // The log says which xz decoder this machine used.
    const decoderLine = (await defaultXzDecoder()) === 'liblzma' ? 'Decompressing with C liblzma (node-liblzma) on a thread of its own.' : 'Decompressing with @napi-rs/lzma on a thread of its own (node-liblzma did not load).';
    expect(bench.jobs.log(jobId).lines).toContain(decoderLine);
    expect(progress.download?.bytes).toBe(image24.downloadSize);
    expect(result!.image).toMatchObject({ size: image24.extractSize, sha256: image24.extractSha256 });
    expect(result!.cards.map((c) => [c.hostname, c.ok])).toEqual([
      ['pi-01', true],
      ['pi-02', true],
    ]);
    for (const [card, host] of [
      [a, 'pi-01'],
      [b, 'pi-02'],
    ] as const) {
      // The partition table is the image's; the boot partition holds the node's configuration.
      expect((await readHead(card.image)).subarray(0, 512).equals(firstMiB24.subarray(0, 512))).toBe(true);
      const boot = await openBootPartition(card.image);
      try {
        expect(parse((await boot.readFile('user-data')).toString('utf8')).hostname).toBe(host);
        expect((await boot.readFile('cmdline.txt')).toString('utf8')).toContain('cgroup_enable=memory cgroup_memory=1');
        expect(await boot.exists('ssh')).toBe(true);
        expect((await boot.readFile('vmlinuz')).length).toBeGreaterThanOrEqual(MIB);
      } finally {
        await boot.close();
      }
      const content = await identifyCard({ device: card.image, raw: card.image, size: null, mountpoints: [] });
      expect(content).toMatchObject({ kind: 'ubuntu', release: '24.04', preparedFor: host });
    }
    // One report per card, kept where step 2 keeps them; the cards were ejected.
    expect(bench.reports.slice(-2).map((r) => r.hostname).sort()).toEqual(['pi-01', 'pi-02']);
    expect(bench.readers.slots().every((s) => !s.card)).toBe(true);
    const cached = await bench.service.cache.info();
    expect(cached.images.map((i) => i.sha256)).toEqual([image24.downloadSha256]);
  });

  it('reuses the cached image (checked by hash) without a second download', async () => {
    const card = await bench.insertCard(1);
    const before = bench.server.imageRequests().length;
    const { snapshot, progress } = await run([{ device: card.device, hostname: 'pi-01' }]);
    expect(snapshot.state).toBe('succeeded');
    expect(progress.source).toBe('cache');
    expect(bench.server.imageRequests().length).toBe(before);
  });

  it('resumes with Range + If-Range after the server cuts the connection mid-file', async () => {
    await bench.service.clearCache();
    bench.server.setFaults({ cutAfterBytes: Math.floor(image24.downloadSize / 3), cutTimes: 2 });
    const card = await bench.insertCard(1);
    const before = bench.server.imageRequests().length;
    const { snapshot, progress } = await run([{ device: card.device, hostname: 'pi-01' }]);
    expect(snapshot.state).toBe('succeeded');
    const requests = bench.server.imageRequests().slice(before);
    // Two cuts, so at least three requests (a busy machine may add a retry of its own).
    expect(requests.length).toBeGreaterThanOrEqual(3);
    expect(requests[0]!.range).toBeUndefined();
    // It resumes where its received bytes end: at the cut, or a little before it when the last
    // bytes in flight were lost with the connection (seen under a CPU hog: 1 MiB of 1.07 MB).
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(requests[1]!.range ?? '')?.[1]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThanOrEqual(Math.floor(image24.downloadSize / 3));
    expect(requests[1]!.ifRange).toMatch(/^"[0-9a-f]{16}"$/);
    expect(requests[1]!.status).toBe(206);
    expect(requests.every((r) => r.status === 200 || r.status === 206)).toBe(true);
    expect(progress.download?.retries).toBeGreaterThanOrEqual(2);
    expect(progress.download?.bytes).toBe(image24.downloadSize);
    expect((await readHead(card.image)).subarray(0, 512).equals(firstMiB24.subarray(0, 512))).toBe(true);
    expect((await bench.service.cache.info()).images[0]?.sha256).toBe(image24.downloadSha256);
  });

  it('a corrupt body: the card is not reported good, keeps a zeroed first MiB, and nothing is cached', async () => {
    await bench.service.clearCache();
    bench.server.setFaults({ corrupt: { at: Math.floor(image24.downloadSize / 2), length: 64 } });
    const card = await bench.insertCard(1, { os: 'ubuntu', release: '22.04' }, 512 * MIB);
    const { snapshot, progress } = await run([{ device: card.device, hostname: 'pi-01' }]);
    expect(snapshot.state).toBe('failed');
    expect(['IMAGE_CORRUPT', 'DOWNLOAD_CHECKSUM_MISMATCH']).toContain(snapshot.error?.code);
    expect(progress.cards[0]!.phase).toBe('failed');
    expect(allZero(await readHead(card.image))).toBe(true);
    const cache = await bench.service.cache.info();
    expect(cache.images).toEqual([]);
    expect(cache.partialBytes).toBe(0);
  });

  it('a wrong download checksum in the catalogue: DOWNLOAD_CHECKSUM_MISMATCH with both hashes', async () => {
    await bench.service.clearCache();
    bench.server.setFaults({ catalogue: { wrongDownloadHash: true } });
    const card = await bench.insertCard(1, { os: 'ubuntu', release: '24.04' }, 512 * MIB);
    const { snapshot, progress } = await run([{ device: card.device, hostname: 'pi-01' }], '24.04', true);
    expect(snapshot.error?.code).toBe('DOWNLOAD_CHECKSUM_MISMATCH');
    expect(progress.cards[0]!.error?.values).toMatchObject({ actual: image24.downloadSha256 });
    expect(allZero(await readHead(card.image))).toBe(true);
    expect((await bench.service.cache.info()).images).toEqual([]);
    await bench.service.catalogue(true);
  });

  it('a wrong decompressed checksum: IMAGE_CHECKSUM_MISMATCH, first MiB never written', async () => {
    bench.server.setFaults({ catalogue: { wrongExtractHash: true } });
    const card = await bench.insertCard(1, { os: 'ubuntu', release: '24.04' }, 512 * MIB);
    const { snapshot } = await run([{ device: card.device, hostname: 'pi-01' }], '24.04', true);
    expect(snapshot.error?.code).toBe('IMAGE_CHECKSUM_MISMATCH');
    expect(allZero(await readHead(card.image))).toBe(true);
    bench.server.setFaults({});
    await bench.service.catalogue(true);
  });

  it('computes and records extract_size / extract_sha256 when the catalogue lacks them', async () => {
    await bench.service.clearCache();
    bench.server.setFaults({ catalogue: { omitExtract: true } });
    let view = await bench.service.catalogue(true);
    const entry22 = view.entries.find((e) => e.release === '22.04')!;
    expect(entry22.unknown).toEqual(['extract_sha256', 'extract_size']);
    const card = await bench.insertCard(1);
    const { snapshot } = await run([{ device: card.device, hostname: 'pi-02' }], '22.04');
    expect(snapshot.state).toBe('succeeded');
    view = await bench.service.catalogue();
    const learned = view.entries.find((e) => e.release === '22.04')!;
    const image22 = bench.server.images.find((i) => i.release === '22.04')!;
    expect(learned).toMatchObject({ learned: true, unknown: [], extractSha256: image22.extractSha256, extractSize: image22.extractSize });
    await bench.service.catalogue(true);
  });
});

describe('cancel', { timeout: 120_000 }, () => {
  it('mid-download: job cancelled, the card keeps a zeroed first MiB, no cache entry', async () => {
    await bench.service.clearCache();
    bench.server.setFaults({ bytesPerSecond: 4 * MIB });
    const card = await bench.insertCard(1, { os: 'ubuntu', release: '24.04' }, 512 * MIB);
    let jobId = '';
    bench.onProgress = (p) => {
      if (p.jobId === jobId && (p.download?.bytes ?? 0) > MIB) bench.jobs.cancel(jobId);
    };
    jobId = await bench.service.start(await imageId('24.04'), [{ device: card.device, hostname: 'pi-01', confirmDevice: card.device }]);
    const snapshot = await bench.jobs.settled(jobId);
    expect(snapshot.state).toBe('cancelled');
    expect(bench.service.job(jobId).cards[0]!.error?.code).toBe('CANCELLED');
    expect(allZero(await readHead(card.image))).toBe(true);
    expect((await bench.service.cache.info()).images).toEqual([]);
  });

  it('mid-write: job cancelled, the card keeps a zeroed first MiB', async () => {
    // The download is slowed so that the card is still writing when the cancel arrives: from the
    // cache the whole write can end between two progress reports.
    await bench.service.clearCache();
    bench.server.setFaults({ bytesPerSecond: MIB });
    const card = await bench.insertCard(1, { os: 'ubuntu', release: '24.04' }, 512 * MIB);
    let jobId = '';
    let writtenWhenCancelled = 0;
    bench.onProgress = (p) => {
      const c = p.cards[0];
      if (p.jobId === jobId && !writtenWhenCancelled && c?.phase === 'writing' && c.bytes > 0 && (p.download?.bytes ?? 0) < image24.downloadSize) {
        writtenWhenCancelled = c.bytes;
        bench.jobs.cancel(jobId);
      }
    };
    jobId = await bench.service.start(await imageId('24.04'), [{ device: card.device, hostname: 'pi-01', confirmDevice: card.device }]);
    const snapshot = await bench.jobs.settled(jobId);
    expect(snapshot.state).toBe('cancelled');
    expect(writtenWhenCancelled).toBeGreaterThan(0);
    expect(allZero(await readHead(card.image))).toBe(true);
  });
});

describe('cards that fail', { timeout: 120_000 }, () => {
  it('a card pulled out mid-write ends CARD_GONE while the other card finishes and verifies', async () => {
    const pulled = await bench.insertCard(1);
    const kept = await bench.insertCard(2);
    let ejected = false;
    bench.onProgress = (p) => {
      const c = p.cards.find((x) => x.device === pulled.device);
      if (!ejected && c?.phase === 'writing' && c.bytes > 8 * MIB) {
        ejected = true;
        void bench.readers.eject(1);
      }
    };
    const { result, snapshot } = await run([
      { device: pulled.device, hostname: 'pi-01' },
      { device: kept.device, hostname: 'pi-02' },
    ]);
    expect(snapshot.state).toBe('succeeded');
    const [gone, good] = result!.cards;
    expect(gone).toMatchObject({ ok: false, stage: 'write', error: { code: 'CARD_GONE' } });
    expect(good).toMatchObject({ ok: true, hostname: 'pi-02', sha256: image24.extractSha256 });
    expect(createHash('sha256').update((await readFile(kept.image)).subarray(0, image24.extractSize)).digest('hex')).not.toBe(''); // readable
  });

  it('a write-protected (locked) practice card is refused before anything is written', async () => {
    const card = await bench.insertCard(1, { os: 'blank' }, 128 * MIB, { locked: true });
    await expect(bench.service.start(await imageId('24.04'), [{ device: card.device, hostname: 'pi-01', confirmDevice: card.device }])).rejects.toMatchObject({ code: 'CARD_READ_ONLY' });
  });

  it('a card smaller than extract_size is refused with both sizes', async () => {
    const card = await bench.insertCard(1, { os: 'blank' }, 32 * MIB);
    await expect(bench.service.start(await imageId('24.04'), [{ device: card.device, hostname: 'pi-01', confirmDevice: card.device }])).rejects.toMatchObject({
      code: 'CARD_TOO_SMALL',
      values: { cardBytes: 32 * MIB, imageBytes: image24.extractSize },
    });
  });

  it('with no extract_size known, a too-small card fails CARD_TOO_SMALL at its end while another succeeds', async () => {
    await bench.service.clearCache();
    bench.server.setFaults({ catalogue: { omitExtract: true } });
    await bench.service.catalogue(true);
    // 24.04 is never imaged from a list without extract values before this test, so nothing was learned about it.
    const small = await bench.insertCard(1, { os: 'blank' }, 32 * MIB);
    const big = await bench.insertCard(2);
    const view = await bench.service.catalogue();
    const entry = view.entries.find((e) => e.release === '24.04')!;
    const jobId = await bench.service.start(entry.id, [
      { device: small.device, hostname: 'pi-01', confirmDevice: small.device },
      { device: big.device, hostname: 'pi-02', confirmDevice: big.device },
    ]);
    const snapshot = await bench.jobs.settled(jobId);
    const result = snapshot.result as ImagingResult;
    expect(result.cards[0]).toMatchObject({ ok: false, error: { code: 'CARD_TOO_SMALL', values: { cardBytes: 32 * MIB } } });
    expect(result.cards[1]).toMatchObject({ ok: true });
    expect(allZero(await readHead(small.image))).toBe(true);
    bench.server.setFaults({});
    await bench.service.catalogue(true);
  });

  it('starting needs the confirmation of each device', async () => {
    const card = await bench.insertCard(1);
    await expect(bench.service.start(await imageId('24.04'), [{ device: card.device, hostname: 'pi-01', confirmDevice: '/dev/other' }])).rejects.toMatchObject({ code: 'CONFIRMATION_REQUIRED' });
    const confirmation = await bench.service.confirmation(await imageId('24.04'), [{ device: card.device, hostname: 'pi-01' }]);
    expect(confirmation.cards[0]).toMatchObject({ device: card.device, description: 'Practice SD card reader 1', size: 128 * MIB, allowed: true, tooSmall: false });
    expect(confirmation.image.extractSize).toBe(image24.extractSize);
  });
});

describe('waitFor helper', () => {
  it('returns the first truthy value', async () => {
    let n = 0;
    expect(await waitFor(() => (++n > 2 ? n : undefined), 'n > 2')).toBe(3);
  });
});
