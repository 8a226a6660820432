import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { createGzip } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../disk/testing/fat-test-tools';
import type { PracticeImage } from '../lab/imaging/practice-image';
import { practiceImages, sharedPracticeImageDir } from '../lab/imaging/practice-images';
import { FanOut } from './fan-out';
import { decompress, inspectLocalImage, xzUncompressedSize, zipImage } from './image-source';

const run = promisify(execFile);
let dir: string;
let cleanup: () => Promise<void>;
let image: PracticeImage;
let raw: string;

async function digest(stream: AsyncIterable<Buffer>): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of stream) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir('image-source-'));
  image = (await practiceImages(sharedPracticeImageDir())).find((i) => i.release === '22.04')!;
  raw = join(dir, 'ubuntu.img');
  await pipeline(decompress('xz', createReadStream(image.path) as AsyncIterable<Buffer>), createWriteStream(raw));
}, 180_000);
afterAll(async () => cleanup?.());

describe('local image files', () => {
  it('.img.xz: decompresses to the image, size from the xz index', async () => {
    const local = await inspectLocalImage(image.path);
    expect(local).toMatchObject({ format: 'xz', extractSize: image.extractSize, fileBytes: image.downloadSize });
    expect(await xzUncompressedSize(image.path)).toBe(image.extractSize);
    expect(await digest(decompress('xz', createReadStream(image.path) as AsyncIterable<Buffer>))).toEqual({ sha256: image.extractSha256, bytes: image.extractSize });
  });

  it('.img and .img.gz', async () => {
    expect(await inspectLocalImage(raw)).toMatchObject({ format: 'img', extractSize: image.extractSize });
    const gz = join(dir, 'ubuntu.img.gz');
    await pipeline(createReadStream(raw), createGzip({ level: 1 }), createWriteStream(gz));
    expect(await inspectLocalImage(gz)).toMatchObject({ format: 'gz' });
    expect((await digest(decompress('gz', createReadStream(gz) as AsyncIterable<Buffer>))).sha256).toBe(image.extractSha256);
  });

  it('.zip: the first .img inside', async () => {
    const zip = join(dir, 'ubuntu.zip');
    await writeFile(join(dir, 'README.txt'), 'read me\n');
    try {
      await run('python3', ['-c', 'import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED)\nz.write(sys.argv[2], "README.txt")\nz.write(sys.argv[3], "ubuntu.img")\nz.close()', zip, join(dir, 'README.txt'), raw]);
    } catch {
      return; // no python3 to make a zip here
    }
    const local = await inspectLocalImage(zip);
    expect(local).toMatchObject({ format: 'zip', extractSize: image.extractSize, name: 'ubuntu.zip: ubuntu.img' });
    const inner = await zipImage(zip);
    expect((await digest(inner.stream())).sha256).toBe(image.extractSha256);
  });

  it('refuses wrong types and names that lie about their content', async () => {
    await writeFile(join(dir, 'notes.txt'), 'x');
    await expect(inspectLocalImage(join(dir, 'notes.txt'))).rejects.toMatchObject({ code: 'LOCAL_FILE_INVALID', values: { reason: 'type' } });
    await expect(inspectLocalImage(join(dir, 'missing.img.xz'))).rejects.toMatchObject({ code: 'LOCAL_FILE_INVALID', values: { reason: 'missing' } });
    await copyFile(raw, join(dir, 'fake.img.xz'));
    await expect(inspectLocalImage(join(dir, 'fake.img.xz'))).rejects.toMatchObject({ code: 'LOCAL_FILE_INVALID', values: { reason: 'content' } });
  });

  it('damaged xz and truncated gzip end in IMAGE_CORRUPT', async () => {
    const bad = join(dir, 'bad.img.xz');
    await copyFile(image.path, bad);
    const handle = await open(bad, 'r+');
    const at = Math.floor(image.downloadSize / 2);
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, at);
    byte[0] = byte[0]! ^ 0xff;
    await handle.write(byte, 0, 1, at);
    await handle.close();
    await expect(digest(decompress('xz', createReadStream(bad) as AsyncIterable<Buffer>))).rejects.toMatchObject({ code: 'IMAGE_CORRUPT', values: { format: 'xz' } });
    const gz = join(dir, 'ubuntu.img.gz');
    const cut = join(dir, 'cut.img.gz');
    await copyFile(gz, cut);
    const h = await open(cut, 'r+');
    await h.truncate(Math.floor((await h.stat()).size / 2));
    await h.close();
    await expect(digest(decompress('gz', createReadStream(cut) as AsyncIterable<Buffer>))).rejects.toMatchObject({ code: 'IMAGE_CORRUPT', values: { format: 'gz' } });
  });

  it("a failing source keeps its own error (it is not the image's fault)", async () => {
    async function* broken(): AsyncGenerator<Buffer> {
      yield (await import('node:fs/promises').then((fs) => fs.readFile(image.path))).subarray(0, 100_000);
      throw Object.assign(new Error('network down'), { code: 'DOWNLOAD_FAILED' });
    }
    await expect(digest(decompress('xz', broken()))).rejects.toMatchObject({ code: 'DOWNLOAD_FAILED' });
  });
});

describe('fan-out', () => {
  it('the slowest sink paces the stream; a failing sink drops out and the others get every chunk', async () => {
    const got = { fast: [] as number[], slow: [] as number[] };
    let maxQueued = 0;
    let pushed = 0;
    const failures: string[] = [];
    const fan = new FanOut(
      [
        { id: 'fast', write: async (_c, offset) => void got.fast.push(offset) },
        { id: 'slow', write: async (_c, offset) => { maxQueued = Math.max(maxQueued, pushed - got.slow.length); await new Promise((r) => setTimeout(r, 2)); got.slow.push(offset); } },
        { id: 'bad', write: async (_c, offset) => { if (offset === 5) throw new Error('gone'); } },
      ],
      { depth: 3, onFail: (sink) => failures.push(sink.id) },
    );
    for (let i = 0; i < 40; i++) {
      pushed++;
      await fan.push(Buffer.alloc(1), i);
    }
    await fan.drain();
    expect(failures).toEqual(['bad']);
    expect(got.fast).toEqual([...Array(40).keys()]);
    expect(got.slow).toEqual([...Array(40).keys()]);
    expect(maxQueued).toBeLessThanOrEqual(4);
    expect(fan.live.map((s) => s.id)).toEqual(['fast', 'slow']);
  });
});
