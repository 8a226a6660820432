/**
 * A container's log as the kubelet keeps it (CRI log files): lines with their stream (stdout /
 * stderr) and the time they were written, per container instance (the current one and the
 * previous one, for `kubectl logs --previous`), with followers for `kubectl logs -f`, and the
 * PodLogOptions filters (tailLines, sinceSeconds/sinceTime, timestamps, limitBytes, stream).
 */

export interface LogLine {
  /** Real time (ms) the line was written; `--timestamps` prints it in RFC 3339 with nanoseconds. */
  wall: number;
  /** Sub-millisecond order within one millisecond (for distinct nanosecond stamps). */
  seq: number;
  stream: 'stdout' | 'stderr';
  text: string;
}

export interface LogQuery {
  tailLines?: number;
  /** Only lines written at or after this real time (ms). */
  sinceWall?: number;
  timestamps?: boolean;
  limitBytes?: number;
  stream?: 'All' | 'Stdout' | 'Stderr';
}

const MAX_LINES = 10_000;

/** RFC 3339 with nanoseconds, as the CRI log format stamps lines: 2026-12-06T22:50:00.123456789Z */
export function rfc3339Nano(wall: number, seq = 0): string {
  const iso = new Date(wall).toISOString();
  return `${iso.slice(0, 23)}${String(seq % 1_000_000).padStart(6, '0')}Z`;
}

export class ContainerLog {
  lines: LogLine[] = [];
  #followers = new Set<(line: LogLine) => void>();
  #enders = new Set<() => void>();
  #lastWall = 0;
  #seq = 0;

  write(stream: 'stdout' | 'stderr', text: string, wall: number): void {
    if (wall === this.#lastWall) this.#seq++;
    else {
      this.#lastWall = wall;
      this.#seq = Math.floor(Math.random() * 1000) * 1000;
    }
    const line: LogLine = { wall, seq: this.#seq, stream, text };
    this.lines.push(line);
    if (this.lines.length > MAX_LINES) this.lines.splice(0, this.lines.length - MAX_LINES);
    for (const f of this.#followers) f(line);
  }

  /** The container instance stopped: followers' streams end. */
  end(): void {
    for (const e of [...this.#enders]) e();
    this.#followers.clear();
    this.#enders.clear();
  }

  follow(onLine: (line: LogLine) => void, onEnd: () => void): () => void {
    this.#followers.add(onLine);
    this.#enders.add(onEnd);
    return () => {
      this.#followers.delete(onLine);
      this.#enders.delete(onEnd);
    };
  }
}

export function formatLine(line: LogLine, timestamps: boolean | undefined): string {
  return (timestamps ? `${rfc3339Nano(line.wall, line.seq)} ` : '') + line.text + '\n';
}

export function selectLines(lines: readonly LogLine[], q: LogQuery): LogLine[] {
  let out = lines.filter((l) => (q.stream === 'Stdout' ? l.stream === 'stdout' : q.stream === 'Stderr' ? l.stream === 'stderr' : true) && (q.sinceWall === undefined || l.wall >= q.sinceWall));
  if (q.tailLines !== undefined && q.tailLines >= 0) out = out.slice(Math.max(0, out.length - q.tailLines));
  return out;
}

/** The text `kubectl logs` receives for these lines (limitBytes cuts the byte stream). */
export function renderLines(lines: LogLine[], q: LogQuery): string {
  let text = lines.map((l) => formatLine(l, q.timestamps)).join('');
  if (q.limitBytes !== undefined && q.limitBytes >= 0) text = Buffer.from(text).subarray(0, q.limitBytes).toString('utf8');
  return text;
}
