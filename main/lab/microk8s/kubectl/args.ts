/** kubectl's flag syntax (cobra/pflag): `--flag=value`, `--flag value`, `-n value`, `-nvalue`, `-oyaml`, booleans, `--`. */
import { KubectlError } from './client';

/** Flags that take a value (long name -> shorthand). */
const VALUE_FLAGS: Record<string, string | undefined> = {
  namespace: 'n',
  output: 'o',
  selector: 'l',
  filename: 'f',
  container: 'c',
  replicas: undefined,
  image: undefined,
  port: undefined,
  'target-port': undefined,
  type: undefined,
  name: undefined,
  protocol: undefined,
  'to-revision': undefined,
  revision: undefined,
  'grace-period': undefined,
  timeout: undefined,
  'from-literal': undefined,
  hard: undefined,
  'field-selector': undefined,
  tail: undefined,
  since: undefined,
  'since-time': undefined,
  context: undefined,
  kubeconfig: undefined,
  cluster: undefined,
  user: undefined,
  'request-timeout': undefined,
  'field-manager': undefined,
  'pod-selector': undefined,
  'skip-wait-for-delete-timeout': undefined,
  'chunk-size': undefined,
  'sort-by': undefined,
  'cascade': undefined,
  'dry-run': undefined,
  'external-ip': undefined,
  labels: undefined,
  'session-affinity': undefined,
  'cluster-ip': undefined,
  'load-balancer-ip': undefined,
  'limit-bytes': undefined,
};

/** Boolean flags (long name -> shorthand). */
const BOOL_FLAGS: Record<string, string | undefined> = {
  'all-namespaces': 'A',
  watch: 'w',
  help: 'h',
  recursive: 'R',
  follow: 'f',
  'no-headers': undefined,
  'show-labels': undefined,
  'show-kind': undefined,
  force: undefined,
  'ignore-daemonsets': undefined,
  'delete-emptydir-data': undefined,
  all: undefined,
  record: undefined,
  wait: undefined,
  'server-side': undefined,
  overwrite: undefined,
  'watch-only': undefined,
  'show-managed-fields': undefined,
  timestamps: undefined,
  previous: 'p',
  'disable-eviction': undefined,
  'ignore-not-found': undefined,
  now: undefined,
  containers: undefined,
  'use-protocol-buffers': undefined,
};

export interface ParsedArgs {
  positional: string[];
  /** Last value of each value flag, all values under `all`. */
  values: Map<string, string>;
  all: Map<string, string[]>;
  bools: Map<string, boolean>;
}

/** Parse `argv` (after `kubectl`); `logsFollow` makes `-f` mean --follow (kubectl logs) instead of --filename. */
export function parseArgs(argv: string[], command: string): ParsedArgs {
  const shortValue = new Map(Object.entries(VALUE_FLAGS).filter(([, s]) => s).map(([l, s]) => [s!, l]));
  const shortBool = new Map(Object.entries(BOOL_FLAGS).filter(([, s]) => s).map(([l, s]) => [s!, l]));
  if (command === 'logs') {
    shortValue.delete('f');
    shortBool.set('f', 'follow');
  } else shortBool.delete('f');
  const out: ParsedArgs = { positional: [], values: new Map(), all: new Map(), bools: new Map() };
  const setValue = (name: string, v: string) => {
    out.values.set(name, v);
    out.all.set(name, [...(out.all.get(name) ?? []), v]);
  };
  const usage = `See 'kubectl ${command} --help' for usage.`;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      out.positional.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      if (name in VALUE_FLAGS) {
        if (eq >= 0) setValue(name, a.slice(eq + 1));
        else if (name === 'dry-run' || name === 'cascade') setValue(name, name === 'dry-run' ? 'unchanged' : 'background');
        else {
          if (i + 1 >= argv.length) throw new KubectlError(`error: flag needs an argument: --${name}\n${usage}`);
          setValue(name, argv[++i]!);
        }
      } else if (name in BOOL_FLAGS) {
        const v = eq < 0 ? 'true' : a.slice(eq + 1);
        if (v !== 'true' && v !== 'false') throw new KubectlError(`error: invalid argument "${v}" for "--${name}" flag: strconv.ParseBool: parsing "${v}": invalid syntax\n${usage}`);
        out.bools.set(name, v === 'true');
      } else throw new KubectlError(`error: unknown flag: --${name}\n${usage}`);
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const c = a[j]!;
        const long = shortValue.get(c);
        if (long) {
          let v = a.slice(j + 1);
          if (v.startsWith('=')) v = v.slice(1);
          if (!v) {
            if (i + 1 >= argv.length) throw new KubectlError(`error: flag needs an argument: '${c}' in -${c}\n${usage}`);
            v = argv[++i]!;
          }
          setValue(long, v);
          break;
        }
        const b = shortBool.get(c);
        if (!b) throw new KubectlError(`error: unknown shorthand flag: '${c}' in ${a}\n${usage}`);
        out.bools.set(b, true);
      }
      continue;
    }
    out.positional.push(a);
  }
  return out;
}
