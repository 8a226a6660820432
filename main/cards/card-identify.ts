/**
 * What is on a card: blank, Ubuntu Server for Raspberry Pi (and which release), or something
 * else. The release is read from the card's own system-boot files, compared with what each
 * release ships (assets/lab/ubuntu-pi-system-boot): config.txt is never edited by this app, so an
 * exact match decides; otherwise the differences between the shipped files decide
 * (24.04's cmdline has `multipath=off`, 22.04's ends in `quiet splash`; 24.04's config.txt has
 * `disable_fw_kms_setup=1`). Cards this app prepared also tell for which node.
 */
import { createHash } from 'node:crypto';
import type { UbuntuRelease } from '../../preload/contract/plan';
import type { BootFiles } from '../disk/boot-partition';
import { DiskError } from '../disk/disk-errors';
import type { DiskErrorCode } from '../disk/disk-errors';
import { CMDLINE, CMDLINE_BACKUP } from './boot-config';
import { openCardBootFiles } from './card-access';
import type { CardDrive } from './card-access';
import { cmdlineArgs } from './cmdline';
import { UBUNTU_CODENAMES, UBUNTU_RELEASES, ubuntuBootFiles } from './ubuntu-boot-assets';

/** What can be on a card, as the codes the window words (`cards.content.<code>`, with `values`). */
export const CARD_CONTENT_CODES = ['blank', 'no-boot-partition', 'raspios', 'fat-labelled', 'fat', 'ubuntu', 'ubuntu-prepared', 'ubuntu-unsupported', 'unreadable'] as const;
export type CardContentCode = (typeof CARD_CONTENT_CODES)[number];

interface Described {
  code: CardContentCode;
  values?: Record<string, string | number>;
  /** The same in English, for logs. */
  summary: string;
}

export type CardContent =
  | ({ kind: 'blank' } & Described)
  | ({
      kind: 'ubuntu';
      /** null: Ubuntu for Raspberry Pi, but a release this app does not support (e.g. 20.04). */
      release: UbuntuRelease | null;
      /** Hostname this app last prepared the card for, if any. */
      preparedFor?: string;
    } & Described)
  | ({ kind: 'other' } & Described)
  | ({ kind: 'unreadable'; diskError: DiskErrorCode } & Described);

const PREPARED_MARK = /^# Written by Pi Cluster Wizard for ([a-z0-9-]+)/m;

export async function identifyCard(drive: CardDrive): Promise<CardContent> {
  let files: BootFiles;
  try {
    files = await openCardBootFiles(drive, { writable: false });
  } catch (error) {
    if (error instanceof DiskError) {
      if (error.code === 'NO_PARTITION_TABLE') return { kind: 'blank', code: 'blank', summary: 'Blank card (no partitions)' };
      if (error.code === 'NO_FAT_PARTITION') return { kind: 'other', code: 'no-boot-partition', summary: 'Not a Raspberry Pi card (no FAT boot partition)' };
      return unreadable(error);
    }
    throw error;
  }
  try {
    return await identifyBootFiles(files);
  } catch (error) {
    if (error instanceof DiskError) return unreadable(error);
    throw error;
  } finally {
    await files.close().catch(() => undefined);
  }
}

function unreadable(error: DiskError): CardContent {
  return { kind: 'unreadable', diskError: error.code, code: 'unreadable', values: { diskError: error.code, detail: error.detail }, summary: error.message };
}

export async function identifyBootFiles(files: BootFiles): Promise<CardContent> {
  // FAT is case-insensitive; a mounted copy may not be: look names up case-insensitively.
  const names = new Map((await files.listFiles()).map((n) => [n.toLowerCase(), n]));
  const read = async (name: string) => {
    const actual = names.get(name.toLowerCase());
    return actual === undefined ? undefined : (await files.readFile(actual)).toString('utf8');
  };
  const config = (await read('config.txt')) ?? '';
  const readme = (await read('readme')) ?? '';
  const cmdline = (await read(CMDLINE_BACKUP)) ?? (await read(CMDLINE)) ?? '';
  const args = cmdlineArgs(cmdline);

  const isUbuntu =
    readme.includes('Ubuntu Server for Raspberry Pi') ||
    (/^kernel=vmlinuz$/m.test(config) && args.includes('root=LABEL=writable')) ||
    (/uboot/.test(config) && names.has('user-data'));
  if (!isUbuntu) {
    if (names.has('issue.txt') || files.label.toLowerCase() === 'bootfs' || args.some((a) => a.startsWith('init=/usr/lib/raspberrypi-sys-mods'))) {
      return { kind: 'other', code: 'raspios', summary: 'Raspberry Pi OS' };
    }
    return files.label
      ? { kind: 'other', code: 'fat-labelled', values: { label: files.label }, summary: `A FAT partition labelled "${files.label}", not Ubuntu` }
      : { kind: 'other', code: 'fat', summary: 'A FAT partition without Ubuntu on it' };
  }

  const release = await ubuntuRelease(config, args);
  const prepared = PREPARED_MARK.exec((await read('user-data')) ?? '')?.[1];
  const name = release ? `Ubuntu Server ${release} LTS (${UBUNTU_CODENAMES[release]}) for Raspberry Pi` : 'Ubuntu Server for Raspberry Pi (a release this app does not support; use 24.04 or 22.04)';
  return {
    kind: 'ubuntu',
    release,
    code: !release ? 'ubuntu-unsupported' : prepared ? 'ubuntu-prepared' : 'ubuntu',
    values: { release: release ?? '', codename: release ? UBUNTU_CODENAMES[release] : '', preparedFor: prepared ?? '' },
    summary: prepared ? `${name}, prepared for ${prepared}` : name,
    ...(prepared ? { preparedFor: prepared } : {}),
  };
}

async function ubuntuRelease(config: string, args: string[]): Promise<UbuntuRelease | null> {
  const digest = sha256(config);
  for (const release of UBUNTU_RELEASES) {
    const shipped = (await ubuntuBootFiles(release)).get('config.txt');
    if (shipped && sha256(shipped.toString('utf8')) === digest) return release;
  }
  if (/uboot/.test(config)) return null; // 20.04 and older boot through u-boot
  if (args.includes('multipath=off') || /^disable_fw_kms_setup=1$/m.test(config)) return '24.04';
  if (args.includes('splash') && /^kernel=vmlinuz$/m.test(config)) return '22.04';
  return null;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
