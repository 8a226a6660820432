import { mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PracticeView } from '../../preload/contract/practice';
import { StateStore } from '../state/state-store';
import { NOWHERE, PracticeService, practiceSlice } from './practice-service';

/** The service as the practice feature runs it; `setEnabled` stands for entering the practice world. */
async function start(dataDir?: string, on = false) {
  const dir = dataDir ?? (await mkdtemp(path.join(tmpdir(), 'pcw-practice-')));
  const store = new StateStore(dir);
  await store.load();
  const seen: PracticeView[] = [];
  let enabled = on;
  const service = new PracticeService(store.slice(practiceSlice), dir, () => enabled, (v: PracticeView) => seen.push(v));
  await service.restore();
  if (on) await service.enter();
  const practice = Object.assign(service, {
    setEnabled: async (value: boolean) => {
      enabled = value;
      await (value ? service.enter() : service.leave());
    },
  });
  return { dir, practice, seen };
}

describe('PracticeService', () => {
  it('refuses to make cards until practice mode is on', async () => {
    const { practice } = await start();
    await expect(practice.newCard('ubuntu-24.04', 2)).rejects.toMatchObject({ code: 'UNAVAILABLE', message: expect.stringMatching(/Turn on practice mode/) });
  });

  it('makes a card, puts it in a reader where it shows up as a removable SD card, and back on the shelf', async () => {
    const { practice, seen } = await start();
    await practice.setEnabled(true);
    let view = await practice.newCard('ubuntu-24.04', 2);
    const card = view.cards[0];
    expect(card).toMatchObject({ content: 'ubuntu-24.04', sizeBytes: 2_000_000_000, locked: false });
    expect(card?.reader).toBeUndefined();
    view = await practice.insertCard(card?.id ?? '', 1);
    expect(view.cards[0]?.reader).toBe(1);
    const drives = await practice.readers.list();
    expect(drives).toHaveLength(1);
    expect(drives[0]).toMatchObject({ isRemovable: true, isCard: true, isSystem: false, isReadOnly: false, busType: 'SD', size: 2_000_000_000, partitionTableType: 'mbr' });
    expect(drives[0]?.device).toBe(view.cards[0]?.device);

    await practice.lockCard(card?.id ?? '', true);
    expect((await practice.readers.list())[0]?.isReadOnly).toBe(true);

    view = await practice.ejectCard(card?.id ?? '');
    expect(view.cards[0]?.reader).toBeUndefined();
    expect(await practice.readers.list()).toEqual([]);
    expect(seen.at(-1)?.cards[0]?.reader).toBeUndefined();
  });

  it('notices when card preparation ejects a card itself', async () => {
    const { practice } = await start();
    await practice.setEnabled(true);
    const id = (await practice.newCard('blank', 2)).cards[0]?.id ?? '';
    const device = (await practice.insertCard(id, 2)).cards[0]?.device ?? '';
    expect(await practice.readers.ejectDevice(device)).toBe(true);
    expect(practice.view().cards[0]?.reader).toBeUndefined();
  });

  it('keeps the shelf and the readers across a restart', async () => {
    const first = await start();
    await first.practice.setEnabled(true);
    const id = (await first.practice.newCard('ubuntu-22.04', 2)).cards[0]?.id ?? '';
    await first.practice.insertCard(id, 2);
    await first.practice.setEnabled(false);
    const second = await start(first.dir, true);
    expect(second.practice.view()).toMatchObject({ enabled: true, cards: [{ id, content: 'ubuntu-22.04', reader: 2 }] });
    expect(await second.practice.readers.list()).toHaveLength(1);
  });

  it('explains what to do with cards that are in use, missing or in a reader that does not exist', async () => {
    const { practice } = await start();
    await practice.setEnabled(true);
    const id = (await practice.newCard('raspios', 2)).cards[0]?.id ?? '';
    await expect(practice.insertCard(id, 3)).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/readers 1-2/) });
    await practice.insertCard(id, 1);
    await expect(practice.deleteCard(id)).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/out of reader 1/) });
    await practice.ejectCard(id);
    const image = practice.imagePathOf(id);
    await practice.deleteCard(id);
    await expect(stat(image)).rejects.toThrow();
    await expect(practice.ejectCard(id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('PracticeService reach', () => {
  it('never leads off this computer: an address the lab does not serve goes to a loopback address nobody listens on', async () => {
    const { practice } = await start();
    await practice.setEnabled(true);
    expect(practice.reach('192.168.1.77', 80)).toEqual({ host: NOWHERE, port: 80 });
    expect(practice.reach('8.8.8.8', 53)).toEqual({ host: NOWHERE, port: 53 });
    expect(practice.reach('127.0.0.1', 8080)).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(NOWHERE).toMatch(/^127\./);
  });
});

describe('PracticeService virtual Pis', () => {
  it('boots a Pi from a card on the shelf, reachable over SSH on its own loopback address', async () => {
    const { practice } = await start();
    await practice.setEnabled(true);
    await practice.setSpeed(2000);
    try {
      const id = (await practice.newCard('ubuntu-24.04', 2)).cards[0]?.id ?? '';
      let view = await practice.addPi();
      expect(view.pis).toEqual([{ id: 'pi-1', state: 'off', faults: [] }]);

      view = await practice.power('pi-1', true);
      await expect.poll(() => practice.view().pis[0]?.state).toBe('no-boot');
      expect(practice.view().pis[0]?.bootError).toMatch(/no SD card/);

      await practice.plugCard(id, 'pi-1');
      expect(practice.view().cards[0]?.pi).toBe('pi-1');
      await expect(practice.insertCard(id, 1)).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/in pi-1/) });

      await practice.power('pi-1', true);
      await expect.poll(() => practice.view().pis[0]?.state, { timeout: 20_000 }).toBe('running');
      const pi = practice.view().pis[0];
      expect(pi?.hostname).toBe('ubuntu'); // the card as imaged: Ubuntu's defaults
      expect(pi?.ssh?.host).toMatch(/^127\.77\.\d+\.11$/);
      const { connect } = await import('node:net');
      const banner = await new Promise<string>((resolve, reject) => {
        const socket = connect(pi?.ssh?.port ?? 0, pi?.ssh?.host ?? '127.0.0.1');
        socket.once('data', (d) => {
          resolve(d.toString());
          socket.destroy();
        });
        socket.once('error', reject);
      });
      expect(banner).toMatch(/^SSH-2\.0-OpenSSH_9\.6p1 Ubuntu-3ubuntu13/);

      // A fault switched on from the panel shows up on the wire: new SSH connections are reset.
      expect((await practice.setFault('pi-1', 'sshDropped', true)).pis[0]?.faults).toEqual(['sshDropped']);
      const dropped = await new Promise<string>((resolve) => {
        const socket = connect(pi?.ssh?.port ?? 0, pi?.ssh?.host ?? '127.0.0.1');
        socket.once('data', (d) => {
          resolve(d.toString());
          socket.destroy();
        });
        socket.once('error', (e) => resolve(`error: ${e.message}`));
        socket.once('close', () => resolve('closed'));
      });
      expect(dropped).not.toMatch(/^SSH-2\.0/);
      await practice.setFault('pi-1', 'sshDropped', false);

      await expect(practice.unplugCard('pi-1')).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/Power pi-1 off/) });
      await practice.power('pi-1', false);
      await practice.unplugCard('pi-1');
      expect(practice.view().cards[0]?.pi).toBeUndefined();
    } finally {
      await practice.close();
    }
  });
});
