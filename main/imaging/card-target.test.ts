import { randomBytes } from 'node:crypto';
import { open, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BlockDevice } from '../disk/block-device';
import { makeTempDir } from '../disk/testing/fat-test-tools';
import { cardHash } from './card-hash';
import { CardTarget, HEAD_BYTES } from './card-target';

const MIB = 1024 * 1024;
let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await makeTempDir('card-target-')));
afterEach(async () => cleanup());

/** A practice card (an image file) of `bytes`, written with `image` the way write-image.ts does. */
async function written(image: Buffer, bytes: number): Promise<{ target: CardTarget; path: string; xxh3: string }> {
  const path = join(dir, 'card.img');
  const handle = await open(path, 'w');
  await handle.truncate(bytes);
  await handle.close();
  const target = await CardTarget.open({ drive: { device: path, raw: path, size: bytes, mountpoints: [] }, openDevice: (p, o) => BlockDevice.open(p, o), imageBytes: image.length });
  await target.write(image.subarray(HEAD_BYTES), HEAD_BYTES);
  await target.finish(image.subarray(0, HEAD_BYTES));
  const hash = cardHash();
  hash.update(image);
  return { target, path, xxh3: hash.digest() };
}

describe('reading a card back', () => {
  it('matches what was written', async () => {
    const image = randomBytes(9 * MIB + 4321);
    const { target, xxh3 } = await written(image, 16 * MIB);
    await expect(target.verify(image.length, xxh3)).resolves.toBe(xxh3);
  });

  it('a card that ends before the image does fails CARD_GONE at the byte where it ended, not as other bytes', async () => {
    const image = randomBytes(9 * MIB + 4321);
    const { target, path, xxh3 } = await written(image, 16 * MIB);
    await truncate(path, 6 * MIB); // the card shrank (a fake or failing card), or what is there now is shorter
    await expect(target.verify(image.length, xxh3)).rejects.toMatchObject({ code: 'CARD_GONE', message: `${path} ended at byte ${6 * MIB} while reading back` });
  });
});
