import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { command, quote, sh } from './shell-quote';

/** Runs a built command line through the real /bin/sh and returns the argv the program received. */
function argvSeenBySh(line: string): string[] {
  const out = execFileSync('/bin/sh', ['-c', line], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}
const PRINT_ARGV = `printf '%s\\0'`; // prints each argument NUL-terminated

const hostile = [
  "it's",
  "''",
  '$(touch /tmp/pcw-pwned)',
  '`touch /tmp/pcw-pwned`',
  'a; rm -rf /tmp/pcw-nothing',
  'line1\nline2\n',
  '-rf',
  '--help',
  '   spaces   ',
  '*',
  '~root',
  '$HOME ${PATH} $1',
  'a\\b\\\\c',
  '"double" \'single\'',
  '你好，世界 🍓',
  '|&<>(){}[]!#',
  '\t\r',
  '',
];

describe('shell quoting', () => {
  it('round-trips hostile arguments through /bin/sh unchanged', () => {
    const line = `${PRINT_ARGV} ${hostile.map(quote).join(' ')}`;
    expect(argvSeenBySh(line)).toEqual(hostile);
  });

  it('builds commands whose argv survives the shell', () => {
    const argv = ['printf', '%s\\0', 'sudo', 'tee', '-a', '/etc/hosts', "x'; echo injected #"];
    expect(argvSeenBySh(command(argv))).toEqual(argv.slice(2));
  });

  it('quotes each interpolated value in the sh template, arrays as several words', () => {
    const name = 'pi-1; reboot';
    const extra = ['$(id)', 'b c'];
    const line = sh`printf '%s\\0' ${name} ${extra}`;
    expect(argvSeenBySh(line)).toEqual([name, ...extra]);
  });

  it('leaves plain words readable and rejects NUL bytes and empty commands', () => {
    expect(command(['sudo', 'snap', 'install', 'microk8s', '--classic', '--channel=1.32/stable'])).toBe(
      'sudo snap install microk8s --classic --channel=1.32/stable',
    );
    expect(quote("it's")).toBe(`'it'\\''s'`);
    expect(() => quote('a\0b')).toThrow(/NUL/);
    expect(() => command([])).toThrow(/empty/);
  });
});
