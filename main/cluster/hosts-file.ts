/**
 * Every node's hostname in every node's /etc/hosts (the tutorial's step before joining),
 * computed here and written whole with `sudo tee`. Idempotent: our names are taken out of every
 * other line and listed once under the marker line the wizard's cards already carry (or a new
 * one at the end); the node's own `127.0.1.1 <hostname>` line, as Ubuntu writes it, stays.
 */
import { command } from '../ssh/shell-quote';
import type { NodeSession } from './node-session';

export interface HostEntry {
  hostname: string;
  address: string;
}

/** The marker line of the wizard's hosts block (same text as main/cards/user-data.ts writes). */
export function hostsMarker(clusterName: string): string {
  return `# ${clusterName} cluster nodes (Pi Cluster Wizard)`;
}

/** The address `name` resolves to by this hosts file (first match wins, as glibc does). */
export function resolveInHosts(text: string, name: string): string | undefined {
  for (const line of text.split('\n')) {
    const [ip, ...names] = line.replace(/#.*/, '').trim().split(/\s+/);
    if (ip && names.includes(name)) return ip;
  }
  return undefined;
}

/** The hosts file with `entries` listed under the marker; `ownHostname` keeps its 127.0.1.1 line. */
export function withClusterHosts(text: string, entries: readonly HostEntry[], clusterName: string, ownHostname: string): string {
  const ours = new Set(entries.map((e) => e.hostname));
  const marker = hostsMarker(clusterName);
  const out: string[] = [];
  let markerAt = -1;
  for (const line of text.replace(/\n$/, '').split('\n')) {
    if (line.trim() === marker) {
      markerAt = out.length;
      out.push(marker);
      continue;
    }
    const body = line.replace(/#.*/, '').trim();
    if (!body) {
      out.push(line);
      continue;
    }
    const [ip, ...names] = body.split(/\s+/);
    const kept = names.filter((n) => !ours.has(n) || (ip === '127.0.1.1' && n === ownHostname));
    if (kept.length === names.length) out.push(line);
    else if (kept.length > 0) out.push([ip, ...kept].join(' '));
  }
  const block = entries.map((e) => `${e.address} ${e.hostname}`);
  if (markerAt >= 0) out.splice(markerAt + 1, 0, ...block);
  else out.push('', marker, ...block);
  return out.join('\n') + '\n';
}

/** Writes the entries into the node's /etc/hosts when they are not there yet; true if it changed. */
export async function ensureHostsEntries(node: NodeSession, entries: readonly HostEntry[], clusterName: string): Promise<boolean> {
  const current = (await node.expect('cat /etc/hosts', 'Reading /etc/hosts', { quiet: true })).stdout;
  const wanted = withClusterHosts(current, entries, clusterName, node.name);
  if (wanted === current) return false;
  await node.expect(`${command(['tee', '/etc/hosts'])} >/dev/null`, 'Writing /etc/hosts', { sudo: true, stdin: wanted });
  node.log(`hosts entries: ${entries.map((e) => `${e.hostname}=${e.address}`).join(', ')}`);
  return true;
}
