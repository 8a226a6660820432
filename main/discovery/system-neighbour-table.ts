/**
 * Reads this computer's neighbour (ARP) table as text for parseNeighbourTable: /proc/net/arp on
 * Linux, `arp -an` (macOS) or `arp -a` (Windows). Local only: no packets are sent. Windows prints in the console code
 * page; only addresses and MACs are parsed, so the text is decoded as latin1.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';

export async function readSystemNeighbourTable(): Promise<string> {
  if (process.platform === 'linux') return readFile('/proc/net/arp', 'utf8');
  return new Promise((resolve) => {
    // -n on macOS/BSD: no reverse lookups (no DNS traffic); Windows `arp -a` never resolves names.
    const args = process.platform === 'win32' ? ['-a'] : ['-an'];
    execFile('arp', args, { encoding: 'latin1', timeout: 10_000, windowsHide: true }, (_err, stdout) => resolve(stdout ?? ''));
  });
}
