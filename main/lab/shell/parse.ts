/**
 * A parser for the subset of bash the app and a learner send to a Pi: words with single/double
 * quotes and backslash escapes, `$VAR`/`${VAR}`/`$?`/`$(...)`, `~`, `VAR=value` prefixes, `&&`,
 * `||`, `;`, newlines, pipes, the redirections `>`, `>>`, `<`, `2>`, `2>>`, `2>&1`, `>&2`, `&>`,
 * and here-documents (`<<EOF`, `<<-EOF`, `<<'EOF'`: `cat > deployment.yaml <<EOF`).
 * It only builds a syntax tree; nothing here runs anything.
 */

export type WordPart =
  | { kind: 'text'; text: string; quoted: boolean }
  | { kind: 'var'; name: string; quoted: boolean }
  | { kind: 'subst'; source: string; quoted: boolean };

export interface Word {
  parts: WordPart[];
}

export interface Redirect {
  fd: 0 | 1 | 2 | 'both';
  op: '>' | '>>' | '<' | '>&' | '<<';
  /** Target word, or for `>&` the fd number it duplicates (for `<<`, the delimiter). */
  target: Word | 1 | 2;
  /** A here-document's text, and whether `$VAR`s in it are expanded (unquoted delimiter). */
  heredoc?: { body: string; expand: boolean };
}

export interface SimpleCommand {
  assignments: { name: string; value: Word }[];
  words: Word[];
  redirects: Redirect[];
}

export interface Pipeline {
  commands: SimpleCommand[];
  negate: boolean;
}

export interface AndOrItem {
  op: '&&' | '||' | ';';
  pipeline: Pipeline;
}

/** A command list: the first item's op is always ';'. */
export type CommandList = AndOrItem[];

export class ShellSyntaxError extends Error {}

/** The command line needs more lines (an unfinished here-document): an interactive shell prompts `> `. */
export class IncompleteInput extends ShellSyntaxError {}

type Token =
  | { t: 'word'; word: Word; raw: string }
  | { t: 'op'; op: string }
  | { t: 'redir'; fd: Redirect['fd']; op: Redirect['op']; dupTo?: 1 | 2; heredoc?: { delimiter: string; stripTabs: boolean; body: string; expand: boolean } };

const META = new Set([' ', '\t', '\n', ';', '&', '|', '<', '>', '(', ')']);

function tokenize(src: string, options: { eofEndsHeredoc?: boolean } = {}): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = src.length;
  const pending: NonNullable<Extract<Token, { t: 'redir' }>['heredoc']>[] = [];
  /** After a newline: the bodies of the here-documents started on the line just ended. */
  const readBodies = () => {
    for (const h of pending.splice(0)) {
      const lines: string[] = [];
      for (;;) {
        if (i >= n) {
          if (!options.eofEndsHeredoc) throw new IncompleteInput(`here-document delimited by end-of-file (wanted \`${h.delimiter}')`);
          break;
        }
        const end = src.indexOf('\n', i);
        let line = end < 0 ? src.slice(i) : src.slice(i, end);
        i = end < 0 ? n : end + 1;
        if (h.stripTabs) line = line.replace(/^\t+/, '');
        if (line === h.delimiter) break;
        lines.push(line);
      }
      h.body = lines.map((l) => l + '\n').join('');
    }
  };
  while (i < n) {
    const c = src[i]!;
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    if (c === '#') {
      while (i < n && src[i] !== '\n') i++;
      continue;
    }
    if (c === '\n') {
      tokens.push({ t: 'op', op: ';' });
      i++;
      readBodies();
      continue;
    }
    if (src.startsWith('<<', i) && src[i + 2] !== '<') {
      const stripTabs = src[i + 2] === '-';
      i += stripTabs ? 3 : 2;
      while (src[i] === ' ' || src[i] === '\t') i++;
      const start = i;
      while (i < n && !META.has(src[i]!)) i++;
      const raw = src.slice(start, i);
      if (!raw) throw new ShellSyntaxError("syntax error near unexpected token `newline'");
      const delimiter = raw.replace(/['"\\]/g, '');
      const heredoc = { delimiter, stripTabs, body: '', expand: !/['"\\]/.test(raw) };
      pending.push(heredoc);
      tokens.push({ t: 'redir', fd: 0, op: '<<', heredoc });
      continue;
    }
    const two = src.slice(i, i + 2);
    const four = src.slice(i, i + 4);
    if (four === '2>&1' || four === '1>&2') {
      tokens.push({ t: 'redir', fd: four[0] === '2' ? 2 : 1, op: '>&', dupTo: four[0] === '2' ? 1 : 2 });
      i += 4;
      continue;
    }
    if (src.slice(i, i + 3) === '>&2') {
      tokens.push({ t: 'redir', fd: 1, op: '>&', dupTo: 2 });
      i += 3;
      continue;
    }
    if (two === '&&' || two === '||') {
      tokens.push({ t: 'op', op: two });
      i += 2;
      continue;
    }
    if (two === '&>') {
      tokens.push({ t: 'redir', fd: 'both', op: '>' });
      i += 2;
      continue;
    }
    if (src.slice(i, i + 3) === '2>>') {
      tokens.push({ t: 'redir', fd: 2, op: '>>' });
      i += 3;
      continue;
    }
    if (two === '2>' || two === '1>') {
      const op = src[i + 2] === '>' ? '>>' : '>';
      tokens.push({ t: 'redir', fd: two[0] === '2' ? 2 : 1, op });
      i += op.length + 1;
      continue;
    }
    if (two === '>>') {
      tokens.push({ t: 'redir', fd: 1, op: '>>' });
      i += 2;
      continue;
    }
    if (c === '>' || c === '<') {
      tokens.push({ t: 'redir', fd: c === '>' ? 1 : 0, op: c });
      i++;
      continue;
    }
    if (c === ';' || c === '|') {
      tokens.push({ t: 'op', op: c });
      i++;
      continue;
    }
    if (c === '&') throw new ShellSyntaxError('background jobs (&) are not supported');
    if (c === '(' || c === ')') throw new ShellSyntaxError(`syntax error near unexpected token \`${c}'`);
    const start = i;
    const parts: WordPart[] = [];
    const text = (s: string, quoted: boolean) => {
      const last = parts[parts.length - 1];
      if (last && last.kind === 'text' && last.quoted === quoted) last.text += s;
      else parts.push({ kind: 'text', text: s, quoted });
    };
    const dollar = (quoted: boolean): void => {
      // src[i] === '$'
      const next = src[i + 1];
      if (next === '(') {
        let depth = 1;
        let j = i + 2;
        let q: string | null = null;
        while (j < n && depth > 0) {
          const d = src[j]!;
          if (q) {
            if (d === '\\' && q === '"') j++;
            else if (d === q) q = null;
          } else if (d === "'" || d === '"') q = d;
          else if (d === '(') depth++;
          else if (d === ')') depth--;
          j++;
        }
        if (depth > 0) throw new ShellSyntaxError("unexpected EOF while looking for matching `)'");
        parts.push({ kind: 'subst', source: src.slice(i + 2, j - 1), quoted });
        i = j;
      } else if (next === '{') {
        const end = src.indexOf('}', i);
        if (end < 0) throw new ShellSyntaxError('bad substitution');
        parts.push({ kind: 'var', name: src.slice(i + 2, end), quoted });
        i = end + 1;
      } else if (next !== undefined && /[?#$0-9]/.test(next)) {
        parts.push({ kind: 'var', name: next, quoted });
        i += 2;
      } else {
        const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i + 1));
        if (m) {
          parts.push({ kind: 'var', name: m[0], quoted });
          i += 1 + m[0].length;
        } else {
          text('$', quoted);
          i++;
        }
      }
    };
    while (i < n && !META.has(src[i]!)) {
      const d = src[i]!;
      if (d === "'") {
        const end = src.indexOf("'", i + 1);
        if (end < 0) throw new ShellSyntaxError("unexpected EOF while looking for matching `''");
        text(src.slice(i + 1, end), true);
        if (end === i + 1) text('', true);
        i = end + 1;
      } else if (d === '"') {
        i++;
        text('', true);
        while (i < n && src[i] !== '"') {
          const e = src[i]!;
          if (e === '\\' && i + 1 < n && '$`"\\\n'.includes(src[i + 1]!)) {
            if (src[i + 1] !== '\n') text(src[i + 1]!, true);
            i += 2;
          } else if (e === '$') dollar(true);
          else {
            text(e, true);
            i++;
          }
        }
        if (i >= n) throw new ShellSyntaxError('unexpected EOF while looking for matching `"\'');
        i++;
      } else if (d === '\\') {
        if (i + 1 < n && src[i + 1] !== '\n') text(src[i + 1]!, true);
        i += 2;
      } else if (d === '$') dollar(false);
      else {
        text(d, false);
        i++;
      }
    }
    tokens.push({ t: 'word', word: { parts }, raw: src.slice(start, i) });
  }
  if (pending.length) readBodies();
  return tokens;
}

/** Whether an interactive shell must read more lines before it can run `src` (an open here-document). */
export function needsMoreInput(src: string): boolean {
  try {
    tokenize(src);
    return false;
  } catch (e) {
    return e instanceof IncompleteInput;
  }
}

/**
 * Parse a command line into a list of and/or-joined pipelines. With `eofEndsHeredoc` (bash -c),
 * a here-document without its delimiter ends at the end of the text, as bash does (with a warning).
 */
export function parseCommandLine(src: string, options: { eofEndsHeredoc?: boolean } = {}): CommandList {
  const tokens = tokenize(src, options);
  const list: CommandList = [];
  let pos = 0;
  let op: AndOrItem['op'] = ';';
  const peek = () => tokens[pos];

  const parseSimple = (): SimpleCommand => {
    const cmd: SimpleCommand = { assignments: [], words: [], redirects: [] };
    for (;;) {
      const tok = peek();
      if (!tok || tok.t === 'op') break;
      pos++;
      if (tok.t === 'redir') {
        if (tok.op === '<<') {
          cmd.redirects.push({ fd: 0, op: '<<', target: { parts: [{ kind: 'text', text: tok.heredoc!.delimiter, quoted: true }] }, heredoc: { body: tok.heredoc!.body, expand: tok.heredoc!.expand } });
          continue;
        }
        if (tok.op === '>&') {
          cmd.redirects.push({ fd: tok.fd, op: '>&', target: tok.dupTo! });
          continue;
        }
        const target = peek();
        if (!target || target.t !== 'word') {
          throw new ShellSyntaxError("syntax error near unexpected token `newline'");
        }
        pos++;
        cmd.redirects.push({ fd: tok.fd, op: tok.op, target: target.word });
        continue;
      }
      const m = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(tok.raw);
      if (m && cmd.words.length === 0) {
        const first = tok.word.parts[0];
        if (first && first.kind === 'text' && !first.quoted && first.text.startsWith(m[0])) {
          const rest: WordPart[] = [{ ...first, text: first.text.slice(m[0].length) }, ...tok.word.parts.slice(1)];
          cmd.assignments.push({ name: m[1]!, value: { parts: rest } });
          continue;
        }
      }
      cmd.words.push(tok.word);
    }
    if (cmd.words.length === 0 && cmd.assignments.length === 0 && cmd.redirects.length === 0) {
      const tok = peek();
      const shown = tok && tok.t === 'op' ? tok.op : 'newline';
      throw new ShellSyntaxError(`syntax error near unexpected token \`${shown}'`);
    }
    return cmd;
  };

  const parsePipeline = (): Pipeline => {
    let negate = false;
    const first = peek();
    if (first && first.t === 'word' && first.raw === '!') {
      negate = true;
      pos++;
    }
    const commands = [parseSimple()];
    while (peek()?.t === 'op' && (peek() as { op: string }).op === '|') {
      pos++;
      commands.push(parseSimple());
    }
    return { commands, negate };
  };

  while (pos < tokens.length) {
    const tok = peek()!;
    if (tok.t === 'op' && tok.op === ';') {
      pos++;
      continue;
    }
    list.push({ op, pipeline: parsePipeline() });
    const next = peek();
    if (!next) break;
    if (next.t !== 'op') throw new ShellSyntaxError('syntax error');
    pos++;
    op = next.op as AndOrItem['op'];
    if (op !== ';' && pos >= tokens.length) {
      throw new ShellSyntaxError('syntax error: unexpected end of file');
    }
  }
  return list;
}
