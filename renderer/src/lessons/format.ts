/** Numbers as the lessons show them: ages like kubectl's (12s, 3m, 2h), CPU in cores, memory in GiB/MiB, through the user's locale. */
import type { IntlShape } from 'react-intl';

export function age(intl: IntlShape, since: string | undefined, now: number): string {
  if (!since) return '';
  const s = Math.max(0, Math.round((now - Date.parse(since)) / 1000));
  if (s < 120) return intl.formatNumber(s, { style: 'unit', unit: 'second', unitDisplay: 'narrow' });
  const m = Math.floor(s / 60);
  if (m < 120) return intl.formatNumber(m, { style: 'unit', unit: 'minute', unitDisplay: 'narrow' });
  const h = Math.floor(m / 60);
  if (h < 48) return intl.formatNumber(h, { style: 'unit', unit: 'hour', unitDisplay: 'narrow' });
  return intl.formatNumber(Math.floor(h / 24), { style: 'unit', unit: 'day', unitDisplay: 'narrow' });
}

export function formatCpu(millicores: number): string {
  return millicores % 1000 === 0 ? String(millicores / 1000) : `${millicores}m`;
}

export function formatBytesShort(bytes: number): string {
  const gib = bytes / 1024 ** 3;
  if (gib >= 1) return `${gib.toFixed(gib >= 10 ? 0 : 1)} GiB`;
  return `${Math.round(bytes / 1024 ** 2)} MiB`;
}
