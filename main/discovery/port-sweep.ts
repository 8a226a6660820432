/**
 * A bounded TCP sweep of the SSH port over explicitly given subnets/addresses, reading each open
 * port's SSH banner. Bounds: at most 128 sockets at once, at most 250 new connections per second,
 * at most 1024 addresses per subnet unless the caller widens it. Nothing outside the given targets
 * is ever contacted. Supports AbortSignal and progress callbacks.
 */
import { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { deadline } from '../timing/deadline';
import { parseSshBanner, type SshBannerInfo } from './ssh-banner';
import { hostAddresses, hostCount, isIpv4, parseCidr } from './subnet';

export interface SweepOptions {
  /** CIDR subnets ("192.168.1.0/24") and/or single IPv4 addresses. */
  targets: readonly string[];
  /** TCP port to probe. Default 22 (the practice lab uses its own port). */
  port?: number;
  /** Addresses never to contact (e.g. the laptop itself). */
  exclude?: readonly string[];
  /** Default 128. */
  maxConcurrent?: number;
  /** Default 250. */
  maxNewConnectionsPerSecond?: number;
  /** Default 1024; a bigger subnet is refused unless this is widened. */
  maxAddressesPerSubnet?: number;
  /**
   * How long one connection attempt may take. Default 500 ms: LAN round trips are a few ms, and with
   * 128 sockets a 500 ms timeout keeps the sweep at its 250/s rate instead of waiting on absent hosts.
   * Discovery re-probes slow hosts the neighbour table shows to exist with a longer timeout.
   */
  connectTimeoutMs?: number;
  /** How long to wait for the banner once connected. Default 3000 ms. */
  bannerTimeoutMs?: number;
  signal?: AbortSignal;
  onProgress?: (progress: SweepProgress) => void;
  onFound?: (host: SweptHost) => void;
}

export interface SweepProgress {
  probed: number;
  total: number;
  found: number;
}

export interface SweptHost {
  address: string;
  port: number;
  /** Present when the server sent an SSH identification line. */
  ssh?: SshBannerInfo;
}

export class SweepError extends Error {
  constructor(readonly code: 'SUBNET_TOO_LARGE' | 'INVALID_TARGET' | 'ABORTED', message: string) {
    super(message);
  }
}

export const SWEEP_DEFAULTS = {
  port: 22,
  maxConcurrent: 128,
  maxNewConnectionsPerSecond: 250,
  maxAddressesPerSubnet: 1024,
  connectTimeoutMs: 500,
  bannerTimeoutMs: 3000,
} as const;

/**
 * Spaces connection starts: each start is at least 1000/perSecond ms after the previous one, so no
 * one-second window ever holds more than `perSecond` starts (an idle spell does not allow a burst).
 * Returns, for a start requested at `now`, how long to wait before starting.
 */
export function connectionSpacer(perSecond: number): (now: number) => number {
  const spacingMs = 1000 / perSecond;
  let nextSlot = -Infinity;
  return (now) => {
    const at = Math.max(now, nextSlot);
    nextSlot = at + spacingMs;
    return at - now;
  };
}

/** Expands targets into the exact, de-duplicated list of addresses to probe. */
export function sweepAddresses(targets: readonly string[], exclude: readonly string[] = [], maxAddressesPerSubnet: number = SWEEP_DEFAULTS.maxAddressesPerSubnet): string[] {
  const out = new Set<string>();
  for (const t of targets) {
    const [ip] = t.split('/');
    if (!isIpv4(ip ?? '')) throw new SweepError('INVALID_TARGET', `"${t}" is not an IPv4 address or subnet (for example 192.168.1.0/24).`);
    let subnet;
    try {
      subnet = parseCidr(t);
    } catch {
      throw new SweepError('INVALID_TARGET', `"${t}" is not an IPv4 address or subnet (for example 192.168.1.0/24).`);
    }
    if (hostCount(subnet) > maxAddressesPerSubnet) {
      throw new SweepError('SUBNET_TOO_LARGE', `${subnet.cidr} has ${hostCount(subnet)} addresses; the search is limited to ${maxAddressesPerSubnet} per subnet so it stays quick and polite. Pick a smaller subnet (for example the /24 your laptop is on) or widen the limit.`);
    }
    for (const a of hostAddresses(subnet)) out.add(a);
  }
  for (const e of exclude) out.delete(e);
  return [...out];
}

/** Probes one address: resolves with the host when the port is open, undefined otherwise. */
function probe(address: string, port: number, connectTimeoutMs: number, bannerTimeoutMs: number, signal: AbortSignal | undefined): Promise<SweptHost | undefined> {
  return new Promise((resolve) => {
    const socket = new Socket();
    let connected = false;
    let received = '';
    let done = false;
    const finish = (host: SweptHost | undefined) => {
      if (done) return;
      done = true;
      timer.cancel();
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(host);
    };
    const openHost = (): SweptHost => {
      const line = received.split('\n').find((l) => l.startsWith('SSH-'));
      const ssh = line ? parseSshBanner(line) : undefined;
      return ssh ? { address, port, ssh } : { address, port };
    };
    const onAbort = () => finish(connected ? openHost() : undefined);
    signal?.addEventListener('abort', onAbort, { once: true });
    // Deadlines that fire late, after the event loop was busy, do not beat a connection or a
    // banner that arrived meanwhile (timing/deadline.ts).
    let timer = deadline(connectTimeoutMs, () => finish(undefined));
    socket.once('connect', () => {
      connected = true;
      timer.cancel();
      timer = deadline(bannerTimeoutMs, () => finish(openHost()));
    });
    socket.on('data', (d: Buffer) => {
      received += d.toString('latin1');
      // Servers may send other lines before the identification line (RFC 4253 4.2).
      if (/^SSH-[^\n]*\n/m.test(received) || received.length > 8192) finish(openHost());
    });
    socket.once('error', () => finish(connected ? openHost() : undefined));
    socket.once('close', () => finish(connected ? openHost() : undefined));
    socket.connect({ host: address, port });
  });
}

/** Sweeps the targets; resolves with every open host in address order. Rejects with ABORTED when aborted. */
export async function sweepSsh(options: SweepOptions): Promise<SweptHost[]> {
  const cfg = { ...SWEEP_DEFAULTS, ...definedOnly(options) };
  const addresses = sweepAddresses(options.targets, options.exclude, cfg.maxAddressesPerSubnet);
  const found: SweptHost[] = [];
  const nextStart = connectionSpacer(cfg.maxNewConnectionsPerSecond);
  let probed = 0;
  let next = 0;
  const { signal } = options;
  const waitForSlot = async () => {
    const wait = nextStart(performance.now());
    if (wait > 0) await sleep(wait, undefined, { signal }).catch(() => undefined); // abort ends the wait
  };

  const worker = async () => {
    while (next < addresses.length && !signal?.aborted) {
      const address = addresses[next++]!;
      await waitForSlot();
      if (signal?.aborted) return;
      const host = await probe(address, cfg.port, cfg.connectTimeoutMs, cfg.bannerTimeoutMs, signal);
      probed++;
      if (host) {
        found.push(host);
        options.onFound?.(host);
      }
      options.onProgress?.({ probed, total: addresses.length, found: found.length });
    }
  };
  await Promise.all(Array.from({ length: Math.min(cfg.maxConcurrent, addresses.length) }, worker));
  if (signal?.aborted) throw new SweepError('ABORTED', 'The network search was cancelled.');
  const order = new Map(addresses.map((a, i) => [a, i]));
  return found.sort((a, b) => order.get(a.address)! - order.get(b.address)!);
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
