/**
 * What the "Prepare SD cards" step shows, computed from the plan, the drive list and the stored
 * reports: each node's status, the cards that can be written, and which card to suggest next.
 */
import type { CardDrive, CardReport } from '../../../../preload/contract/cards';

export interface NodeRow {
  hostname: string;
  role: string;
  report?: CardReport;
}

/** Nodes in plan order with their last card report. */
export function nodeRows(nodes: readonly { hostname: string; role: string }[], reports: readonly CardReport[]): NodeRow[] {
  return nodes.map((n) => {
    const report = reports.find((r) => r.hostname === n.hostname);
    return { hostname: n.hostname, role: n.role, ...(report ? { report } : {}) };
  });
}

/** The next node without a prepared card (the batch goes in plan order). */
export function nextNode(rows: readonly NodeRow[]): NodeRow | undefined {
  return rows.find((r) => !r.report);
}

/** Drives that are offered as targets, writable ones first. */
export function targetDrives(drives: readonly CardDrive[]): CardDrive[] {
  return drives.filter((d) => d.offered).sort((a, b) => Number(b.writable) - Number(a.writable) || a.device.localeCompare(b.device));
}

/** The card to suggest for a node: a writable Ubuntu card not already prepared for another node. */
export function suggestedDrive(drives: readonly CardDrive[], hostname: string): CardDrive | undefined {
  const usable = targetDrives(drives).filter((d) => d.writable && d.content?.kind === 'ubuntu' && d.content.release);
  return usable.find((d) => d.content?.preparedFor === hostname) ?? usable.find((d) => !d.content?.preparedFor) ?? usable[0];
}

export interface Assignment {
  hostname: string;
  drive: CardDrive;
}

/**
 * "Prepare all" with several readers: the nodes still without a card, in plan order, paired with
 * the writable Ubuntu cards inserted now (a card already prepared for one of them stays with it).
 */
export function batchAssignments(rows: readonly NodeRow[], drives: readonly CardDrive[]): Assignment[] {
  const pending = rows.filter((r) => !r.report).map((r) => r.hostname);
  const usable = targetDrives(drives).filter((d) => d.writable && d.content?.kind === 'ubuntu' && d.content.release);
  const assignments: Assignment[] = [];
  const taken = new Set<string>();
  for (const hostname of pending) {
    const own = usable.find((d) => d.content?.preparedFor === hostname && !taken.has(d.device));
    const free = own ?? usable.find((d) => !taken.has(d.device) && !pending.includes(d.content?.preparedFor ?? ''));
    if (!free) break;
    taken.add(free.device);
    assignments.push({ hostname, drive: free });
  }
  return assignments;
}

/** The drives of a confirmation that need the second one (over 256 GB). */
export function largeDrives(assignments: readonly Assignment[]): CardDrive[] {
  return assignments.filter((a) => a.drive.largeDriveConfirmation).map((a) => a.drive);
}

/** cards.prepare's params for one assignment; the size goes along only when the user confirmed it a second time. */
export function prepareParams(assignment: Assignment, largeConfirmed: boolean): { hostname: string; device: string; confirmDevice: string; confirmLargeDrive?: number } {
  const { hostname, drive } = assignment;
  const large = largeConfirmed && drive.largeDriveConfirmation && drive.size ? { confirmLargeDrive: drive.size } : {};
  return { hostname, device: drive.device, confirmDevice: drive.device, ...large };
}

export function formatBytes(bytes: number | null): string {
  if (!bytes) return '—';
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(bytes >= 1e11 ? 0 : 1)} GB`;
  return `${Math.round(bytes / 1e6)} MB`;
}

/** The report as a file the user can keep (JSON, one entry per card). */
export function reportsExport(clusterName: string, reports: readonly CardReport[]): { filename: string; text: string } {
  return { filename: `${clusterName}-sd-cards.json`, text: JSON.stringify({ cluster: clusterName, cards: reports }, null, 2) + '\n' };
}
