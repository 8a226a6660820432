/** Small formatting helpers shared by the commands (dates, sizes, aligned tables). */

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad2 = (n: number) => String(n).padStart(2, '0');

/** `date`'s default format in UTC: `Thu Nov 26 15:14:18 UTC 2026`. */
export function dateText(ms: number): string {
  const d = new Date(ms);
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`;
}

/** timedatectl's format: `Thu 2026-11-26 15:14:18 UTC`. */
export function timedatectlText(ms: number): string {
  const d = new Date(ms);
  return `${DAYS[d.getUTCDay()]} ${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 19)} UTC`;
}

/** coreutils/procps human-readable size (`3.7G`, `152M`, `0`). */
export function humanSize(bytes: number, suffix = ''): string {
  const units = ['', 'K', 'M', 'G', 'T'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  if (u === 0) return `${bytes}${suffix ? 'B' : ''}`;
  const text = v < 10 ? (Math.ceil(v * 10) / 10).toFixed(1) : String(Math.ceil(v));
  return `${text}${units[u]}${suffix}`;
}

/** Align columns: `align[i]` is 'l' or 'r'; the last column is never padded. */
export function table(rows: string[][], align: ('l' | 'r')[], minWidths: number[] = [], gap = ' '): string {
  const widths = rows[0]!.map((_, c) => Math.max(minWidths[c] ?? 0, ...rows.map((r) => (r[c] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => {
          if (c === r.length - 1 && align[c] === 'l') return cell;
          return align[c] === 'r' ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!);
        })
        .join(gap),
    )
    .join('\n') + '\n';
}
