/**
 * The quoting helper every remote command is built with (POSIX `sh` single-quote style).
 * `quote('it's')` -> `'it'\''s'`; `command(['sudo', 'tee', '-a', '/etc/hosts'])` joins quoted words;
 * `` sh`echo ${value}` `` quotes each interpolated value (arrays become several words).
 * NUL bytes cannot be passed through a command line and are rejected.
 */

/** Words made only of these characters are left bare, so logged commands stay readable. */
const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

export class ShellQuoteError extends Error {
  readonly code = 'UNQUOTABLE_ARGUMENT';
}

/** Quotes one argument so the remote POSIX shell passes it through byte for byte as one word. */
export function quote(arg: string | number): string {
  const s = String(arg);
  if (s.includes('\0')) throw new ShellQuoteError('A command argument contains a NUL byte, which no shell command can carry.');
  if (s === '') return "''";
  if (SAFE_WORD.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Builds a command line from argv words, each quoted. */
export function command(argv: readonly (string | number)[]): string {
  if (argv.length === 0) throw new ShellQuoteError('An empty command cannot be run.');
  return argv.map(quote).join(' ');
}

/** Tagged template: literal parts are trusted shell text, every interpolated value is quoted. */
export function sh(strings: TemplateStringsArray, ...values: (string | number | readonly (string | number)[])[]): string {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += Array.isArray(v) ? v.map(quote).join(' ') : quote(v as string | number);
    out += strings[i + 1] ?? '';
  });
  return out;
}
