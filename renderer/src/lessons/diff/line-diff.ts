/**
 * A line diff of two manifests (longest common subsequence), so a lesson can show what applying
 * would change as `-` / `+` lines before the user agrees, the way `kubectl diff` does.
 */

export interface DiffLine {
  kind: 'same' | 'del' | 'add';
  text: string;
  /** Index of the line in its own text (before for `del`, after for `same` and `add`). */
  index: number;
}

export function lineDiff(before: string, after: string): DiffLine[] {
  const a = before.replace(/\n$/, '').split('\n');
  const b = after.replace(/\n$/, '').split('\n');
  const n = a.length;
  const m = b.length;
  // lcs[i][j]: length of the longest common subsequence of a[i..] and b[j..].
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  }
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      out.push({ kind: 'same', text: b[j]!, index: j });
      i++;
      j++;
    } else if (j < m && (i === n || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) {
      out.push({ kind: 'add', text: b[j]!, index: j });
      j++;
    } else {
      out.push({ kind: 'del', text: a[i]!, index: i });
      i++;
    }
  }
  // Removed lines first within each change, as diff tools print them.
  for (let k = 0; k < out.length; k++) {
    if (out[k]!.kind !== 'add') continue;
    let end = k;
    while (end < out.length && out[end]!.kind !== 'same') end++;
    const block = out.slice(k, end);
    out.splice(k, block.length, ...block.filter((l) => l.kind === 'del'), ...block.filter((l) => l.kind === 'add'));
    k = end - 1;
  }
  return out;
}
