/**
 * Imaging onto real block devices: loop devices (root only; skipped elsewhere). A read-only loop
 * device stands for a write-protected card; removing the device node the writer opened, mid-write,
 * stands for a card pulled out of its reader (the node vanishes, as /dev/sdb does).
 */
import { execFile } from 'node:child_process';
import { closeSync, createReadStream, openSync, readSync, writeSync } from 'node:fs';
import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlockDevice } from '../disk/block-device';
import { makeTempDir } from '../disk/testing/fat-test-tools';
import type { PracticeImage } from '../lab/imaging/practice-image';
import { practiceImages, sharedPracticeImageDir } from '../lab/imaging/practice-images';
import { decompress } from './image-source';
import { writeImage } from './write-image';

const run = promisify(execFile);
const MIB = 1024 * 1024;
const isRoot = process.getuid?.() === 0;
const hasLosetup = isRoot && (await run('losetup', ['--version']).then(() => true, () => false));

let dir: string;
let cleanup: () => Promise<void>;
let image: PracticeImage;
const loops: string[] = [];

async function loopDevice(bytes: number, options: { readOnly?: boolean } = {}): Promise<{ loop: string; file: string }> {
  const file = join(dir, `loop-${loops.length}.img`);
  const handle = await open(file, 'w');
  await handle.write(Buffer.alloc(MIB, 0x5a), 0, MIB, 0); // an old partition table's place, not zero
  await handle.truncate(bytes);
  await handle.close();
  const { stdout } = await run('losetup', [...(options.readOnly ? ['-r'] : []), '-f', '--show', file]);
  const loop = stdout.trim();
  loops.push(loop);
  return { loop, file };
}

/** A private device node for `loop` (so removing it does not touch /dev). */
async function privateNode(loop: string, name: string): Promise<string> {
  const { stdout } = await run('stat', ['-c', '%t %T', loop]);
  const [major, minor] = stdout.trim().split(' ').map((h) => parseInt(h, 16));
  const node = join(dir, name);
  await run('mknod', [node, 'b', String(major), String(minor)]);
  return node;
}

const source = () => decompress('xz', createReadStream(image.path) as AsyncIterable<Buffer>);

beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir('imaging-loop-'));
  image = (await practiceImages(sharedPracticeImageDir())).find((i) => i.release === '24.04')!;
}, 180_000);
afterAll(async () => {
  for (const loop of loops) await run('losetup', ['-d', loop]).catch(() => undefined);
  await cleanup?.();
});

describe.skipIf(!hasLosetup)('imaging loop devices', { timeout: 120_000 }, () => {
  it('writes and verifies a block device; a write-protected one fails CARD_READ_ONLY without stopping the other', async () => {
    const good = await loopDevice(96 * MIB);
    const locked = await loopDevice(96 * MIB, { readOnly: true });
    const result = await writeImage({
      image: source(),
      extractSize: image.extractSize,
      extractSha256: image.extractSha256,
      targets: [good.loop, locked.loop].map((device) => ({ drive: { device, raw: device, size: 96 * MIB, mountpoints: [] } })),
      openDevice: (path, o) => BlockDevice.open(path, o),
    });
    expect(result.cards[0]).toMatchObject({ ok: true, sha256: image.extractSha256 });
    expect(result.cards[1]).toMatchObject({ ok: false, error: { code: 'CARD_READ_ONLY', values: { device: locked.loop } } });
    const written = await readFile(good.file);
    expect(written.subarray(510, 512)).toEqual(Buffer.from([0x55, 0xaa]));
  });

  it('a card that reads back other bytes than were written fails CARD_VERIFY_FAILED, is not reported good, and keeps no partition table', async () => {
    const failing = await loopDevice(96 * MIB);
    const other = await loopDevice(96 * MIB);
    const at = Math.floor(image.extractSize / 2);
    let changed: number | undefined;
    const result = await writeImage({
      image: source(),
      extractSize: image.extractSize,
      extractSha256: image.extractSha256,
      targets: [failing.loop, other.loop].map((device) => ({ drive: { device, raw: device, size: 96 * MIB, mountpoints: [] } })),
      openDevice: (path, o) => BlockDevice.open(path, o),
      onCard: ({ device, phase }) => {
        // A failing (or fake) card: once written and closed, one byte in the middle is no longer what was written.
        if (changed === undefined && device === failing.loop && phase === 'verifying') {
          const fd = openSync(failing.file, 'r+');
          try {
            const byte = Buffer.alloc(1);
            readSync(fd, byte, 0, 1, at);
            changed = byte[0]!;
            writeSync(fd, Buffer.from([byte[0]! ^ 0xff]), 0, 1, at);
          } finally {
            closeSync(fd);
          }
        }
      },
    });
    expect(changed).toBeDefined();
    expect(result.image).toMatchObject({ size: image.extractSize, sha256: image.extractSha256 });
    expect(result.cards[0]).toMatchObject({ ok: false, stage: 'verify', error: { code: 'CARD_VERIFY_FAILED', values: { device: failing.loop } } });
    expect(result.cards[1]).toMatchObject({ ok: true, sha256: image.extractSha256 });
    await run('blockdev', ['--flushbufs', failing.loop]).catch(() => undefined);
    const left = await readFile(failing.file);
    expect(left.subarray(0, MIB).every((b) => b === 0)).toBe(true);
  });

  it('a card pulled out mid-write ends CARD_GONE; the card left behind has no partition table', async () => {
    const pulled = await loopDevice(96 * MIB);
    const node = await privateNode(pulled.loop, 'sdz');
    const other = await loopDevice(96 * MIB);
    let removed = false;
    const result = await writeImage({
      image: source(),
      extractSize: image.extractSize,
      targets: [node, other.loop].map((device) => ({ drive: { device, raw: device, size: 96 * MIB, mountpoints: [] } })),
      openDevice: (path, o) => BlockDevice.open(path, o),
      onCard: ({ device, phase, bytes }) => {
        if (!removed && device === node && phase === 'writing' && bytes > 8 * MIB) {
          removed = true;
          void rm(node);
        }
      },
    });
    expect(removed).toBe(true);
    expect(result.cards[0]).toMatchObject({ ok: false, stage: 'write', error: { code: 'CARD_GONE', values: { device: node } } });
    expect(result.cards[1]).toMatchObject({ ok: true, sha256: image.extractSha256 });
    await run('blockdev', ['--flushbufs', pulled.loop]).catch(() => undefined);
    const left = await readFile(pulled.file);
    expect(left.subarray(0, MIB).every((b) => b === 0)).toBe(true);
  });
});
