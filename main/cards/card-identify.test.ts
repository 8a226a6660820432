import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBootPartition } from '../disk/boot-partition';
import { makeTempDir } from '../disk/testing/fat-test-tools';
import { createVirtualCard } from '../lab/cards/virtual-card-image';
import type { VirtualCardContent } from '../lab/cards/virtual-card-image';
import { identifyCard } from './card-identify';

const MIB = 1024 * 1024;
let dir: string;
let cleanup: () => Promise<void>;
let n = 0;

beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir('card-identify-'));
});
afterAll(async () => cleanup());

async function card(content: VirtualCardContent, edit?: Record<string, string>): Promise<string> {
  const image = join(dir, `card-${++n}.img`);
  await createVirtualCard(image, content, { sizeBytes: 1024 * MIB });
  if (edit) {
    const boot = await openBootPartition(image, { writable: true });
    for (const [name, text] of Object.entries(edit)) await boot.writeFile(name, text);
    await boot.close();
  }
  return image;
}

const identify = (image: string) => identifyCard({ device: image, raw: image, size: 1024 * MIB, mountpoints: [] });

describe('identifyCard', () => {
  it('tells Ubuntu 24.04 from 22.04 by the files each release ships', async () => {
    expect(await identify(await card({ os: 'ubuntu', release: '24.04' }))).toEqual({
      kind: 'ubuntu',
      release: '24.04',
      code: 'ubuntu',
      values: { release: '24.04', codename: 'noble', preparedFor: '' },
      summary: 'Ubuntu Server 24.04 LTS (noble) for Raspberry Pi',
    });
    expect(await identify(await card({ os: 'ubuntu', release: '22.04' }))).toEqual({
      kind: 'ubuntu',
      release: '22.04',
      code: 'ubuntu',
      values: { release: '22.04', codename: 'jammy', preparedFor: '' },
      summary: 'Ubuntu Server 22.04 LTS (jammy) for Raspberry Pi',
    });
  });

  it('still knows the release when the user edited config.txt', async () => {
    const edited = '[all]\nkernel=vmlinuz\ncmdline=cmdline.txt\ninitramfs initrd.img followkernel\ndtoverlay=i2c-rtc,ds3231\n';
    expect(await identify(await card({ os: 'ubuntu', release: '24.04' }, { 'config.txt': edited }))).toMatchObject({ release: '24.04' });
    expect(await identify(await card({ os: 'ubuntu', release: '22.04' }, { 'config.txt': edited }))).toMatchObject({ release: '22.04' });
  });

  it('recognises an Ubuntu release this app does not support (u-boot era)', async () => {
    const focal = await card({ os: 'ubuntu', release: '22.04' }, { 'config.txt': '[pi4]\nkernel=uboot_rpi_4.bin\n\n[all]\narm_64bit=1\ndevice_tree_address=0x03000000\n' });
    expect(await identify(focal)).toMatchObject({ kind: 'ubuntu', release: null, code: 'ubuntu-unsupported', summary: expect.stringMatching(/does not support/) });
  });

  it('reports blank cards, Raspberry Pi OS and unreadable devices', async () => {
    expect(await identify(await card({ os: 'blank' }))).toEqual({ kind: 'blank', code: 'blank', summary: 'Blank card (no partitions)' });
    expect(await identify(await card({ os: 'raspios' }))).toEqual({ kind: 'other', code: 'raspios', summary: 'Raspberry Pi OS' });
    expect(await identify(join(dir, 'no-such-card.img'))).toMatchObject({ kind: 'unreadable', code: 'unreadable', diskError: 'DEVICE_GONE' });
  });
});
