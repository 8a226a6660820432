/**
 * Formats the window needs beyond ICU messages, built on the platform's Intl for the user's
 * language: a length of time as a person says it ("1 min 12 sec", "2 yrs 100 days", "1分钟12秒"),
 * never as a count of seconds, and never negative (the sentence around it says ahead or behind).
 */
import type { IntlShape } from 'react-intl';

type Unit = 'year' | 'day' | 'hour' | 'minute' | 'second';

const SIZES: [Unit, number][] = [
  ['year', 365 * 86_400],
  ['day', 86_400],
  ['hour', 3_600],
  ['minute', 60],
  ['second', 1],
];

/** The two largest units of `seconds` (its sign ignored), e.g. 72 -> "1 min 12 sec"; 0 -> "0 sec". */
export function formatDuration(intl: Pick<IntlShape, 'locale'>, seconds: number): string {
  let rest = Math.round(Math.abs(seconds));
  const parts: [number, Unit][] = [];
  for (const [unit, size] of SIZES) {
    if (parts.length === 2) break;
    const n = Math.floor(rest / size);
    if (n > 0 || (parts.length > 0 && unit !== 'second')) parts.push([n, unit]);
    rest -= n * size;
  }
  const shown = parts.filter(([n], i) => n > 0 || i === 0);
  if (shown.length === 0) shown.push([0, 'second']);
  const words = shown.map(([n, unit]) => new Intl.NumberFormat(intl.locale, { style: 'unit', unit, unitDisplay: 'short' }).format(n));
  return new Intl.ListFormat(intl.locale, { type: 'unit', style: 'narrow' }).format(words);
}
