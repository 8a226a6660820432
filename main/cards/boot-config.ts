/**
 * The complete set of files one node's card needs on system-boot, in the order they are written:
 * the cmdline.txt backup (only the first time: the original stays the original), cmdline.txt,
 * the empty `ssh` file, network-config, user-data, and meta-data last, so a card whose writing
 * was interrupted never carries a new instance-id with stale user-data.
 * Every configuration gets a new SSH host key pair for the node (in user-data); only its public
 * half leaves here (`hostKey`). Callers wipe the file buffers once the card is verified.
 */
import type { StoredPlan, UbuntuRelease } from '../../preload/contract/plan';
import { patchCmdline } from './cmdline';
import { metaData, newInstanceId } from './meta-data';
import { networkConfig, regdomInNetplan } from './network-config';
import { generateEd25519, type KeyPair } from '../ssh/keygen';
import { fingerprintOf, keyTypeOf, publicKeyBlob } from '../ssh/known-hosts';
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

/** The public half of the node's SSH host key written to the card. */
export interface CardHostKey {
  keyType: string;
  /** `SHA256:...` as `ssh-keygen -l` prints it. */
  fingerprint: string;
  /** OpenSSH public key line. */
  publicKey: string;
}

export interface BootConfig {
  files: BootFile[];
  instanceId: string;
  hostKey: CardHostKey;
}

/** Overwrites the files' bytes (user-data holds the node's private host key). */
export function wipeBootFiles(files: readonly BootFile[]): void {
  for (const file of files) file.data.fill(0);
}

export function bootConfig(
  plan: StoredPlan,
  hostname: string,
  card: CardBootState,
  instanceId = newInstanceId(hostname),
  hostKeyPair: KeyPair = generateEd25519(`root@${hostname}`),
): BootConfig {
  const wifi = plan.network.kind === 'wifi' ? plan.network.wifi : undefined;
  const regdom = wifi && !regdomInNetplan(card.release) ? wifi.country : undefined;
  const files: BootFile[] = [];
  if (!card.hasCmdlineBackup) files.push({ name: CMDLINE_BACKUP, data: Buffer.from(card.cmdline, 'utf8') });
  files.push(
    { name: CMDLINE, data: Buffer.from(patchCmdline(card.cmdline, regdom ? { regdom } : {}), 'utf8') },
    { name: 'ssh', data: Buffer.alloc(0) },
    { name: 'network-config', data: Buffer.from(networkConfig(plan, hostname, card.release), 'utf8') },
    { name: 'user-data', data: Buffer.from(userData(plan, hostname, card.release, hostKeyPair), 'utf8') },
    { name: 'meta-data', data: Buffer.from(metaData(hostname, instanceId), 'utf8') },
  );
  const publicKey = hostKeyPair.public.trim();
  const blob = publicKeyBlob(publicKey);
  return { files, instanceId, hostKey: { keyType: keyTypeOf(blob), fingerprint: fingerprintOf(blob), publicKey } };
}
