/**
 * Which field each line of a manifest is about, so a click on a line can explain that field.
 * A small indentation reader for the block-style YAML the lessons show (the tutorial's style:
 * `key: value`, nested mappings, `- ` list items, comments); list positions are dropped
 * (`spec.template.spec.containers.image`), and the user's own keys under maps such as labels,
 * data or quota limits become `*` (`metadata.labels.*`).
 */

/** Mappings whose keys are the user's own names rather than fields. */
const FREE_KEYS = new Set(['labels', 'matchLabels', 'annotations', 'data', 'stringData', 'hard', 'limits', 'requests', 'default', 'defaultRequest', 'max', 'min', 'nodeSelector']);

export interface YamlLine {
  text: string;
  /** Dotted path of the field the line sets or opens; undefined for blank and comment lines. */
  path?: string;
  /** The field's own key (what the line shows). */
  key?: string;
}

export function yamlLines(text: string): YamlLine[] {
  const stack: Array<{ indent: number; key: string }> = [];
  /** A block scalar (`key: |`) being read: its lines are the value of that key (a file of a ConfigMap). */
  let block: { indent: number; path: string | undefined } | undefined;
  return text.replace(/\n$/, '').split('\n').map((line) => {
    const indent = line.length - line.trimStart().length;
    if (block) {
      if (line.trim() === '' || indent > block.indent) return { text: line, ...(block.path ? { path: block.path } : {}) };
      block = undefined;
    }
    let content = line.trim();
    if (content === '' || content.startsWith('#') || content === '---') {
      if (content === '---') stack.length = 0;
      return { text: line };
    }
    let keyIndent = indent;
    if (content.startsWith('- ')) {
      keyIndent = indent + 2;
      content = content.slice(2).trimStart();
    } else if (content === '-') return { text: line };
    while (stack.length > 0 && stack[stack.length - 1]!.indent >= keyIndent) stack.pop();
    const match = /^("[^"]*"|'[^']*'|[^:#\s][^:#]*?)\s*:(\s|$)/.exec(content);
    if (!match) {
      // A scalar list item (`- nginx`): it belongs to the field above.
      const path = pathOf(stack);
      return { text: line, ...(path ? { path } : {}) };
    }
    const key = match[1]!.replace(/^["']|["']$/g, '');
    const parent = stack[stack.length - 1]?.key;
    // A LimitRange's `spec.limits` is a list of fields, unlike a container's `resources.limits`.
    const free = parent !== undefined && FREE_KEYS.has(parent) && !(parent === 'limits' && stack[stack.length - 2]?.key === 'spec');
    stack.push({ indent: keyIndent, key: free ? '*' : key });
    const path = pathOf(stack);
    if (/^[|>][-+]?\d*\s*(#.*)?$/.test(content.slice(match[0].length).trim())) block = { indent: keyIndent, path };
    return { text: line, path, key };
  });
}

function pathOf(stack: Array<{ key: string }>): string | undefined {
  return stack.length ? stack.map((s) => s.key).join('.') : undefined;
}

/**
 * The explanation key for a path, most specific first: `deployment.spec.replicas` for a kind's own
 * reading, then the field in general (`spec.replicas`).
 */
export function explanationKeys(kind: string | undefined, path: string): string[] {
  const k = kind?.toLowerCase();
  // A Service's selector is a map of the user's labels: its keys read as `*`.
  const star = path.replace(/\.[^.]+$/, '.*');
  return [...new Set([...(k ? [`yaml.${k}.${path}`, `yaml.${k}.${star}`] : []), `yaml.${path}`, `yaml.${star}`])];
}

/** The `kind:` of the document a line belongs to. */
export function kindsByLine(lines: YamlLine[]): Array<string | undefined> {
  const out: Array<string | undefined> = [];
  let start = 0;
  const flush = (end: number) => {
    const kind = lines.slice(start, end).find((l) => l.path === 'kind')?.text.split(':')[1]?.trim();
    for (let i = start; i < end; i++) out[i] = kind;
  };
  lines.forEach((l, i) => {
    if (l.text.trim() === '---') {
      flush(i);
      start = i + 1;
      out[i] = undefined;
    }
  });
  flush(lines.length);
  return out;
}
