/**
 * Standard input for SSH channels: a pseudo-terminal line discipline for `shell` sessions
 * (echo, backspace, Ctrl-C, Ctrl-D, no echo for passwords) and a plain byte stream for `exec`.
 */
import type { Stdin } from '../shell/shell';

interface Waiter {
  resolve(line: string | null): void;
  echo: boolean;
}

/** The line discipline of an interactive session. */
export class TerminalInput implements Stdin {
  #line = '';
  #lines: string[] = [];
  #waiter: Waiter | undefined;
  #eof = false;
  #lastWasCr = false;

  constructor(
    private readonly write: (text: string) => void,
    /** Ctrl-C: interrupt what runs now. */
    private readonly onInterrupt: () => void,
  ) {}

  /** Bytes the client typed. */
  feed(data: string): void {
    for (const ch of data) {
      if (ch === '\n' && this.#lastWasCr) {
        this.#lastWasCr = false;
        continue;
      }
      this.#lastWasCr = ch === '\r';
      const echo = this.#waiter?.echo ?? true;
      if (ch === '\r' || ch === '\n') {
        this.write('\r\n');
        this.#complete(this.#line);
        this.#line = '';
      } else if (ch === '\x7f' || ch === '\b') {
        if (this.#line) {
          this.#line = this.#line.slice(0, -1);
          if (echo) this.write('\b \b');
        }
      } else if (ch === '\x03') {
        this.write('^C\r\n');
        this.#line = '';
        this.onInterrupt();
      } else if (ch === '\x04') {
        if (!this.#line) this.close();
      } else if (ch === '\x15') {
        if (echo) this.write('\b \b'.repeat(this.#line.length));
        this.#line = '';
      } else if (ch >= ' ' || ch === '\t') {
        this.#line += ch;
        if (echo) this.write(ch);
      }
    }
  }

  #complete(line: string): void {
    const w = this.#waiter;
    if (w) {
      this.#waiter = undefined;
      w.resolve(line);
    } else this.#lines.push(line);
  }

  close(): void {
    this.#eof = true;
    const w = this.#waiter;
    this.#waiter = undefined;
    w?.resolve(null);
  }

  readLine(options: { echo?: boolean } = {}): Promise<string | null> {
    const queued = this.#lines.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.#eof) return Promise.resolve(null);
    return new Promise((resolve) => (this.#waiter = { resolve, echo: options.echo ?? true }));
  }

  async readAll(): Promise<string> {
    let out = '';
    for (let l = await this.readLine(); l !== null; l = await this.readLine()) out += l + '\n';
    return out;
  }
}

/** stdin of an `exec` channel: whatever the client sends until it closes its side. */
export class StreamInput implements Stdin {
  #buffer = '';
  #eof = false;
  #wake: (() => void) | undefined;

  feed(data: string): void {
    this.#buffer += data;
    this.#wake?.();
  }

  end(): void {
    this.#eof = true;
    this.#wake?.();
  }

  async #waitFor(ready: () => boolean): Promise<void> {
    while (!ready() && !this.#eof) await new Promise<void>((r) => (this.#wake = r));
  }

  async readLine(): Promise<string | null> {
    await this.#waitFor(() => this.#buffer.includes('\n'));
    if (!this.#buffer && this.#eof) return null;
    const i = this.#buffer.indexOf('\n');
    const line = i < 0 ? this.#buffer : this.#buffer.slice(0, i);
    this.#buffer = i < 0 ? '' : this.#buffer.slice(i + 1);
    return line;
  }

  async readAll(): Promise<string> {
    await this.#waitFor(() => false);
    const all = this.#buffer;
    this.#buffer = '';
    return all;
  }
}
