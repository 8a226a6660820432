/** Numbers as the lessons show them: ages like kubectl's (12s, 3m, 2h), CPU in cores, memory in GiB/MiB, through the user's locale. */
import type { IntlShape } from 'react-intl';

export function age(intl: IntlShape, since: string | undefined, now: number): string {
  const parts = ageParts(since, now);
  return parts ? formatAge(intl, parts) : '';
}

export interface AgeParts {
  unit: 'second' | 'minute' | 'hour' | 'day';
  n: number;
}

/** The age as kubectl rounds it, without formatting it (cheap: lists compare these and format only what changed). */
export function ageParts(since: string | number | undefined, now: number): AgeParts | undefined {
  if (since === undefined || since === '') return undefined;
  const s = Math.max(0, Math.round((now - (typeof since === 'number' ? since : Date.parse(since))) / 1000));
  if (s < 120) return { unit: 'second', n: s };
  const m = Math.floor(s / 60);
  if (m < 120) return { unit: 'minute', n: m };
  const h = Math.floor(m / 60);
  if (h < 48) return { unit: 'hour', n: h };
  return { unit: 'day', n: Math.floor(h / 24) };
}

const formattedAges = new Map<string, string>();

/** `34s`, `5m`, `2h`, `3d` in the user's locale (a few hundred distinct texts, kept once formatted). */
export function formatAge(intl: IntlShape, parts: AgeParts): string {
  const key = `${intl.locale}|${parts.unit}|${parts.n}`;
  let text = formattedAges.get(key);
  if (text === undefined) {
    text = intl.formatNumber(parts.n, { style: 'unit', unit: parts.unit, unitDisplay: 'narrow' });
    if (formattedAges.size > 2000) formattedAges.clear();
    formattedAges.set(key, text);
  }
  return text;
}

export function formatCpu(millicores: number): string {
  return millicores % 1000 === 0 ? String(millicores / 1000) : `${millicores}m`;
}

export function formatBytesShort(bytes: number): string {
  const gib = bytes / 1024 ** 3;
  if (gib >= 1) return `${gib.toFixed(gib >= 10 ? 0 : 1)} GiB`;
  return `${Math.round(bytes / 1024 ** 2)} MiB`;
}
