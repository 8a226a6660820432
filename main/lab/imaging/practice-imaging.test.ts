/**
 * Practice mode end to end below the window: the lab's generated image is laid out like Ubuntu's
 * (MBR, FAT32 system-boot with the shipped files, ext4 writable), and a blank practice card imaged
 * from the lab's catalogue boots a virtual Pi exactly like a pre-imaged, prepared card.
 */
import { execFile } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImagingResult } from '../../../preload/contract/imaging';
import { ubuntuBootFiles } from '../../cards/ubuntu-boot-assets';
import { openBootPartition } from '../../disk/boot-partition';
import { parseMbr } from '../../disk/mbr';
import { decompress } from '../../imaging/image-source';
import { startImagingBench } from '../../imaging/testing/imaging-bench-fixture';
import type { ImagingBench } from '../../imaging/testing/imaging-bench-fixture';
import { Lab } from '../lab';
import { imageCard } from '../pi/card-reader';
import { randomLoopbackBase, tempDir } from '../pi/testing/pi-fixtures';

const run = promisify(execFile);
let bench: ImagingBench;
const labs: Lab[] = [];

beforeAll(async () => {
  bench = await startImagingBench();
}, 180_000);
afterAll(async () => {
  await Promise.all(labs.map((l) => l.stop()));
  await bench?.close();
});

describe('the practice image', () => {
  it.each(['24.04', '22.04'] as const)('%s: MBR, FAT32 system-boot with the files Ubuntu ships, ext4 writable', async (release) => {
    const image = bench.server.images.find((i) => i.release === release)!;
    const raw = join(bench.dir, `practice-${release}.img`);
    await pipeline(decompress('xz', createReadStream(image.path) as AsyncIterable<Buffer>), createWriteStream(raw));
    const table = parseMbr((await readFile(raw)).subarray(0, 512));
    expect(table.kind).toBe('mbr');
    const partitions = table.kind === 'mbr' ? table.partitions : [];
    expect(partitions.map((p) => [p.index, p.type, p.bootable])).toEqual([
      [1, 0x0c, true],
      [2, 0x83, false],
    ]);
    const boot = await openBootPartition(raw);
    try {
      expect(boot.label).toBe('system-boot');
      for (const [name, data] of await ubuntuBootFiles(release)) expect((await boot.readFile(name)).equals(data)).toBe(true);
    } finally {
      await boot.close();
    }
    if (image.rootFormatted) {
      const root = join(bench.dir, `root-${release}.img`);
      const p2 = partitions[1]!;
      await run('dd', [`if=${raw}`, `of=${root}`, 'bs=1M', `skip=${p2.offset}`, `count=${p2.size}`, 'iflag=skip_bytes,count_bytes', 'status=none']);
      const { stdout } = await run('e2fsck', ['-n', '-f', root]);
      expect(stdout).toMatch(/writable|clean|files/);
      const label = await run('e2label', [root]).then((r) => r.stdout.trim(), () => 'writable');
      expect(label).toBe('writable');
    }
  });
});

describe('a blank practice card imaged from the lab catalogue', { timeout: 180_000 }, () => {
  it('boots a virtual Pi with the planned hostname and address', async () => {
    const card = await bench.insertCard(1, { os: 'blank' }, 256 * 1024 * 1024);
    const catalogue = await bench.service.catalogue(true);
    const jobId = await bench.service.start(catalogue.defaultId!, [{ device: card.device, hostname: 'pi-02', confirmDevice: card.device }]);
    const snapshot = await bench.jobs.settled(jobId);
    expect(snapshot.state).toBe('succeeded');
    expect((snapshot.result as ImagingResult).cards[0]).toMatchObject({ ok: true, report: { hostname: 'pi-02', release: '24.04', via: 'raw' } });

    const lab = new Lab({ dataDir: tempDir('lab'), speed: 2000, loopbackBase: randomLoopbackBase(), sshPort: 0 });
    labs.push(lab);
    const pi = lab.addPi({ card: imageCard(card.image) });
    await pi.powerOn();
    await pi.whenReady();
    expect(pi.hostname).toBe('pi-02');
    expect(pi.address).toBe('192.168.1.102');
  });
});
