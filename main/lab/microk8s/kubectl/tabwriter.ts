/**
 * Go's text/tabwriter, as kubectl uses it (cells end at '\t', the text after the last tab of a
 * line is not a cell; a column is as wide as its widest cell plus the padding, over the run of
 * consecutive lines that have that column). `kubectl get` pads with 3, `describe` with 2.
 */
export class TabWriter {
  #lines: string[][] = [];
  #partial = '';
  #out = '';

  constructor(private readonly padding: number) {}

  write(text: string): void {
    const all = this.#partial + text;
    const parts = all.split('\n');
    this.#partial = parts.pop()!;
    for (const line of parts) this.#lines.push(line.split('\t'));
  }

  /** Format what was written so far (later text starts new column blocks, as Writer.Flush does). */
  flush(): void {
    if (this.#partial) {
      this.#lines.push(this.#partial.split('\t'));
      this.#partial = '';
      this.#format(0, this.#lines.length, [], false);
    } else this.#format(0, this.#lines.length, [], true);
    this.#lines = [];
  }

  /** Everything formatted (flushes). */
  toString(): string {
    this.flush();
    return this.#out;
  }

  #emit(from: number, to: number, widths: number[], newlineAfterLast: boolean): void {
    for (let i = from; i < to; i++) {
      const cells = this.#lines[i]!;
      let line = '';
      for (let j = 0; j < cells.length; j++) {
        const c = cells[j]!;
        line += j < widths.length ? c.padEnd(widths[j]!) : c;
      }
      this.#out += line + (i < this.#lines.length - 1 || newlineAfterLast ? '\n' : '');
    }
  }

  /** text/tabwriter's format(): recursive over columns. */
  #format(line0: number, line1: number, widths: number[], newlineAfterLast: boolean): number {
    const column = widths.length;
    for (let t = line0; t < line1; t++) {
      if (column >= this.#lines[t]!.length - 1) continue;
      this.#emit(line0, t, widths, newlineAfterLast);
      line0 = t;
      let width = 0;
      for (; t < line1; t++) {
        const cells = this.#lines[t]!;
        if (column >= cells.length - 1) break;
        width = Math.max(width, cells[column]!.length + this.padding);
      }
      line0 = this.#format(line0, t, [...widths, width], newlineAfterLast);
      t = line0 - 1;
    }
    this.#emit(line0, line1, widths, newlineAfterLast);
    return line1;
  }
}

/** Rows of cells through a tabwriter (the last cell of each row unpadded). */
export function tabulate(rows: string[][], padding = 3): string {
  const w = new TabWriter(padding);
  for (const r of rows) w.write(r.join('\t') + '\n');
  return w.toString();
}
