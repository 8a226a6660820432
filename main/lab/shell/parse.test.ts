import { describe, expect, it } from 'vitest';
import { parseCommandLine, ShellSyntaxError } from './parse';
import type { Word } from './parse';

const text = (w: Word) => w.parts.map((p) => (p.kind === 'text' ? p.text : p.kind === 'var' ? `$${p.name}` : `$(${p.source})`)).join('');

describe('parseCommandLine', () => {
  it('splits words with quotes and escapes like bash', () => {
    const [item] = parseCommandLine(`echo 'a b' "c \\"d\\" $HOME" e\\ f`);
    expect(item!.pipeline.commands[0]!.words.map(text)).toEqual(['echo', 'a b', 'c "d" $HOME', 'e f']);
  });

  it('parses && || ; and pipes', () => {
    const list = parseCommandLine('a && b || c; d | grep x | head -n1');
    expect(list.map((i) => i.op)).toEqual([';', '&&', '||', ';']);
    expect(list[3]!.pipeline.commands.map((c) => text(c.words[0]!))).toEqual(['d', 'grep', 'head']);
  });

  it('parses redirections', () => {
    const [item] = parseCommandLine('cmd > /dev/null 2>&1');
    expect(item!.pipeline.commands[0]!.redirects).toEqual([
      { fd: 1, op: '>', target: { parts: [{ kind: 'text', text: '/dev/null', quoted: false }] } },
      { fd: 2, op: '>&', target: 1 },
    ]);
  });

  it('keeps command substitutions and assignments', () => {
    const [item] = parseCommandLine('X=1 echo "$(hostname)"');
    const cmd = item!.pipeline.commands[0]!;
    expect(cmd.assignments[0]!.name).toBe('X');
    expect(text(cmd.words[1]!)).toBe('$(hostname)');
  });

  it('rejects unterminated quotes and dangling operators', () => {
    expect(() => parseCommandLine("echo 'oops")).toThrow(ShellSyntaxError);
    expect(() => parseCommandLine('a &&')).toThrow(ShellSyntaxError);
    expect(() => parseCommandLine('| a')).toThrow(/unexpected token `\|'/);
  });
});
