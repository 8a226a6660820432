import { createIntl } from 'react-intl';
import { describe, expect, it } from 'vitest';
import type { CardDrive } from '../../../../../preload/contract/cards';
import { bytesText, chosenTargets, durationText, failureWords, mergeChoices, nodesChosenTwice, rateText, startTargets, suggestChoices } from './imaging-model';

const en = createIntl({ locale: 'en', messages: {} });
const zh = createIntl({ locale: 'zh-CN', messages: {} });

function drive(device: string, kind: 'blank' | 'ubuntu' | 'other' | null, more: Partial<CardDrive> = {}): CardDrive {
  return {
    device,
    description: `Reader ${device}`,
    size: 32e9,
    busType: 'USB',
    mountpoints: [],
    practice: false,
    isCard: true,
    offered: true,
    writable: true,
    problems: [],
    warnings: [],
    largeDriveConfirmation: false,
    content: kind ? { kind, summary: kind } : null,
    ...more,
  };
}

const nodes = [
  { hostname: 'pi-01', prepared: false },
  { hostname: 'pi-02', prepared: true },
  { hostname: 'pi-03', prepared: false },
];

describe('choosing cards for nodes', () => {
  it('suggests the blank cards for the nodes still without a card, in plan order; other cards stay as they are', () => {
    const drives = [drive('/dev/sdc', 'blank'), drive('/dev/sdb', 'blank'), drive('/dev/sdd', 'ubuntu'), drive('/dev/sde', 'blank', { writable: false }), drive('/dev/sdf', 'blank', { offered: false })];
    expect(suggestChoices(drives, nodes)).toEqual({ '/dev/sdb': 'pi-01', '/dev/sdc': 'pi-03' });
  });

  it('keeps the choices in step with the cards: one taken out drops out, a new blank one gets the next free node, a card the user decided on keeps its choice', () => {
    const a = drive('/dev/sdb', 'blank');
    const b = drive('/dev/sdc', 'blank');
    let choices = mergeChoices({}, new Set(), [a], nodes);
    expect(choices).toEqual({ '/dev/sdb': 'pi-01' });
    choices = mergeChoices(choices, new Set(), [a, b], nodes);
    expect(choices).toEqual({ '/dev/sdb': 'pi-01', '/dev/sdc': 'pi-03' });
    // The user chose "leave as it is" for sdc, then sdb was pulled out: sdc stays unchosen.
    choices = mergeChoices({ ...choices, '/dev/sdc': '' }, new Set(['/dev/sdc']), [b], nodes);
    expect(choices).toEqual({ '/dev/sdc': '' });
    expect(chosenTargets(choices, [b])).toEqual([]);
  });

  it('finds a node chosen for two cards', () => {
    const drives = [drive('/dev/sdb', 'blank'), drive('/dev/sdc', 'other')];
    const targets = chosenTargets({ '/dev/sdb': 'pi-01', '/dev/sdc': 'pi-01' }, drives);
    expect(targets.map((t) => t.hostname)).toEqual(['pi-01', 'pi-01']);
    expect(nodesChosenTwice(targets)).toEqual(['pi-01']);
    expect(nodesChosenTwice(chosenTargets({ '/dev/sdb': 'pi-01', '/dev/sdc': 'pi-03' }, drives))).toEqual([]);
  });

  it("confirms each device by name, and a huge drive's size only when the second box was ticked", () => {
    const huge = drive('/dev/sdd', 'other', { size: 500e9, largeDriveConfirmation: true });
    const targets = chosenTargets({ '/dev/sdb': 'pi-01', '/dev/sdd': 'pi-03' }, [drive('/dev/sdb', 'blank'), huge]);
    expect(startTargets(targets, false)).toEqual([
      { device: '/dev/sdb', hostname: 'pi-01', confirmDevice: '/dev/sdb' },
      { device: '/dev/sdd', hostname: 'pi-03', confirmDevice: '/dev/sdd' },
    ]);
    expect(startTargets(targets, true)[1]).toEqual({ device: '/dev/sdd', hostname: 'pi-03', confirmDevice: '/dev/sdd', confirmLargeDrive: 500e9 });
  });
});

describe('sizes, rates and times in the user’s language', () => {
  it('words sizes in decimal units as cards are sold', () => {
    expect(bytesText(en, 4_683_988_992)).toBe('4.7 GB');
    expect(bytesText(en, 1_038_926_560)).toBe('1 GB');
    expect(bytesText(en, 64 * 1024 * 1024)).toBe('67 MB');
    expect(bytesText(en, 0)).toBe('0 MB');
    expect(bytesText(en, null)).toBe('—');
    expect(bytesText(zh, 4_683_988_992)).toBe('4.7 GB');
  });

  it('words rates and times left', () => {
    expect(rateText(en, 12_345_678)).toBe('12 MB/s');
    expect(rateText(en, 2_500_000)).toBe('2.5 MB/s');
    expect(rateText(zh, 2_500_000)).toBe('2.5 MB/秒');
    expect(durationText(en, 200)).toBe('3 min 20 sec');
    expect(durationText(en, 3600 + 5 * 60 + 9)).toBe('1 hr 5 min');
    expect(durationText(en, 0.2)).toBe('1 sec');
    expect(durationText(en, 120)).toBe('2 min');
    expect(durationText(zh, 200)).toBe('3分钟20秒');
  });
});

describe('failures as keys with values', () => {
  it('words sizes of size mismatches, and keeps hashes as they are', () => {
    expect(failureWords(en, { code: 'IMAGE_SIZE_MISMATCH', message: '', values: { expected: 4_683_988_992, actual: 4_000_000_000 } })).toMatchObject({
      key: 'imaging.error.IMAGE_SIZE_MISMATCH',
      values: { expected: '4.7 GB', actual: '4 GB' },
    });
    const hash = 'a'.repeat(64);
    expect(failureWords(en, { code: 'IMAGE_CHECKSUM_MISMATCH', message: '', values: { expected: hash, actual: 'b'.repeat(64) } }).values).toMatchObject({ expected: hash });
  });

  it('says a card too small with both sizes, or that it ended when main knows no sizes', () => {
    expect(failureWords(en, { code: 'CARD_TOO_SMALL', message: '', values: { device: '/dev/sdb', cardBytes: 2e9, imageBytes: 4.7e9 } })).toMatchObject({
      key: 'imaging.error.CARD_TOO_SMALL',
      values: { device: '/dev/sdb', cardBytes: '2 GB', imageBytes: '4.7 GB' },
    });
    expect(failureWords(en, { code: 'CARD_TOO_SMALL', message: '', values: { device: '/dev/sdb', cardBytes: 0, imageBytes: 0 } }).key).toBe('imaging.error.CARD_TOO_SMALL_ENDED');
  });

  it('gives why a local file was refused as a select key', () => {
    expect(failureWords(en, { code: 'LOCAL_FILE_INVALID', message: '', values: { path: '/x', reason: 'not-a-file' } }).values.reason).toBe('not_a_file');
    expect(failureWords(en, { code: 'LOCAL_FILE_INVALID', message: '' }).values.reason).toBe('');
  });

  it("fills what a call's error does not carry from what the user typed", () => {
    const words = failureWords(en, { code: 'CATALOGUE_UNREACHABLE', message: 'GET failed' }, { url: 'https://mirror.example/os_list.json' });
    expect(words).toMatchObject({ key: 'imaging.error.CATALOGUE_UNREACHABLE', values: { url: 'https://mirror.example/os_list.json' } });
    // Main's values win over the context.
    expect(failureWords(en, { code: 'LOCAL_FILE_INVALID', message: '', values: { path: '/home/me/u.img.xz' } }, { path: '~/u.img.xz' }).values.path).toBe('/home/me/u.img.xz');
  });
});
