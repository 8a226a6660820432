/**
 * The complete set of files one node's card needs on system-boot, in the order they are written:
 * the cmdline.txt backup (only the first time: the original stays the original), cmdline.txt,
 * the empty `ssh` file, network-config, user-data, and meta-data last, so a card whose writing
 * was interrupted never carries a new instance-id with stale user-data.
 */
import type { StoredPlan, UbuntuRelease } from '../../preload/contract/plan';
import { patchCmdline } from './cmdline';
import { metaData, newInstanceId } from './meta-data';
import { networkConfig, regdomInNetplan } from './network-config';
import { userData } from './user-data';

export const CMDLINE = 'cmdline.txt';
export const CMDLINE_BACKUP = 'cmdline.txt.orig';

export interface BootFile {
  name: string;
  data: Buffer;
}

/** What is on the card before writing. */
export interface CardBootState {
  /** Ubuntu release found on the card (its files decide, not the plan). */
  release: UbuntuRelease;
  /** Current cmdline.txt content. */
  cmdline: string;
  /** Whether cmdline.txt.orig is already on the card. */
  hasCmdlineBackup: boolean;
}

export interface BootConfig {
  files: BootFile[];
  instanceId: string;
}

export function bootConfig(plan: StoredPlan, hostname: string, card: CardBootState, instanceId = newInstanceId(hostname)): BootConfig {
  const wifi = plan.network.kind === 'wifi' ? plan.network.wifi : undefined;
  const regdom = wifi && !regdomInNetplan(card.release) ? wifi.country : undefined;
  const files: BootFile[] = [];
  if (!card.hasCmdlineBackup) files.push({ name: CMDLINE_BACKUP, data: Buffer.from(card.cmdline, 'utf8') });
  files.push(
    { name: CMDLINE, data: Buffer.from(patchCmdline(card.cmdline, regdom ? { regdom } : {}), 'utf8') },
    { name: 'ssh', data: Buffer.alloc(0) },
    { name: 'network-config', data: Buffer.from(networkConfig(plan, hostname, card.release), 'utf8') },
    { name: 'user-data', data: Buffer.from(userData(plan, hostname, card.release), 'utf8') },
    { name: 'meta-data', data: Buffer.from(metaData(hostname, instanceId), 'utf8') },
  );
  return { files, instanceId };
}
