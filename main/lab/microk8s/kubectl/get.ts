/**
 * `kubectl get`: the API server's own Table printing (server-side columns and cells, exactly what
 * kubectl 1.32 shows), laid out as kubectl's human printer does (upper-case headers, a tabwriter
 * with padding 3, `-o wide`, `-A`, `--show-labels`, `kind/name` when several types are shown,
 * `-w`), or the objects as `-o yaml|json|name|jsonpath=`.
 */
import type { ResourceType } from '../../kube/api/resource-registry';
import { apiVersionOf } from '../../kube/api/resource-registry';
import type { KubeObject } from '../../kube/api/types';
import { ApiHttpError, KubectlError, TABLE_ACCEPT, serverError } from './client';
import type { Env } from './env';
import { bool, flag } from './env';
import { listOf, toJson, toYaml, withoutManagedFields } from './output';
import { collectionPath, kindPrefix, objectPath, typeAndNames } from './resources';
import { TabWriter } from './tabwriter';

interface TableColumn {
  name: string;
  priority: number;
}

interface Table {
  columnDefinitions: TableColumn[];
  rows: { cells: (string | number | boolean)[]; object?: KubeObject }[];
  metadata?: { resourceVersion?: string };
}

export const GET_USAGE = `You must specify the type of resource to get. Use "kubectl api-resources" for a complete list of supported resources.

error: Required resource not specified.
Use "kubectl explain <resource>" for a detailed description of that resource (e.g. kubectl explain pods).
See 'kubectl get -h' for help and examples
`;

function query(params: Record<string, string | undefined>): string {
  const q = Object.entries(params)
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `${k}=${encodeURIComponent(v!)}`)
    .join('&');
  return q ? `?${q}` : '';
}

function labelsText(o: KubeObject | undefined): string {
  const labels = o?.metadata?.labels ?? {};
  const keys = Object.keys(labels).sort();
  return keys.length ? keys.map((k) => `${k}=${labels[k]}`).join(',') : '<none>';
}

function cellText(c: string | number | boolean | null | undefined): string {
  if (c === null || c === undefined) return '<none>';
  return String(c);
}

/** One block of output: the rows of one type. */
interface Block {
  t: ResourceType;
  table: Table;
}

function renderBlocks(env: Env, blocks: Block[], showKind: boolean, header = true): string {
  const wide = flag(env, 'output') === 'wide';
  const showLabels = bool(env, 'show-labels');
  const noHeaders = bool(env, 'no-headers');
  let out = '';
  for (const [i, b] of blocks.entries()) {
    const cols = b.table.columnDefinitions.map((c, idx) => ({ c, idx })).filter(({ c }) => wide || c.priority === 0);
    const rows: string[][] = [];
    if (header && !noHeaders) {
      rows.push([...(env.allNamespaces && b.t.namespaced ? ['NAMESPACE'] : []), ...cols.map(({ c }) => c.name.toUpperCase()), ...(showLabels ? ['LABELS'] : [])]);
    }
    for (const r of b.table.rows) {
      const cells = cols.map(({ c, idx }) => {
        const v = cellText(r.cells[idx] as string);
        return showKind && c.name === 'Name' ? `${kindPrefix(b.t)}/${v}` : v;
      });
      rows.push([...(env.allNamespaces && b.t.namespaced ? [r.object?.metadata?.namespace ?? ''] : []), ...cells, ...(showLabels ? [labelsText(r.object)] : [])]);
    }
    const w = new TabWriter(3);
    for (const r of rows) w.write(r.join('\t') + '\n');
    if (i > 0 && header) out += '\n';
    out += w.toString();
  }
  return out;
}

export async function get(env: Env): Promise<number> {
  const positional = env.args.positional;
  if (!positional.length) throw new KubectlError(GET_USAGE.trimEnd());
  const output = flag(env, 'output');
  const groups = typeAndNames(positional);
  const showKind = groups.length > 1 || bool(env, 'show-kind') || positional[0]!.toLowerCase() === 'all' || positional[0]!.includes(',');
  const labelSelector = flag(env, 'selector');
  const fieldSelector = flag(env, 'field-selector');
  const ns = (t: ResourceType) => (t.namespaced && !env.allNamespaces ? env.namespace : undefined);
  let status = 0;
  const reportError = (err: unknown) => {
    if (err instanceof ApiHttpError) {
      env.err(serverError(err.status, err.code).message + '\n');
      status = 1;
      return;
    }
    throw err;
  };

  if (output && output !== 'wide') {
    const objects: { t: ResourceType; o: KubeObject }[] = [];
    for (const { t, names } of groups) {
      if (names.length) {
        for (const name of names) {
          try {
            objects.push({ t, o: await env.client.get(objectPath(t, ns(t) ?? env.namespace, name)) });
          } catch (err) {
            reportError(err);
          }
        }
      } else {
        try {
          const list = await env.client.get<KubeObject & { items: KubeObject[] }>(collectionPath(t, ns(t)) + query({ labelSelector, fieldSelector }));
          for (const item of list.items) objects.push({ t, o: { ...item, apiVersion: apiVersionOf(t), kind: t.kind } });
        } catch (err) {
          reportError(err);
        }
      }
    }
    const single = groups.length === 1 && groups[0]!.names.length === 1 && objects.length === 1;
    const shown = objects.map(({ o }) => (bool(env, 'show-managed-fields') ? o : withoutManagedFields(o)));
    if (output === 'name') {
      for (const { t, o } of objects) env.out(`${kindPrefix(t)}/${o.metadata.name}\n`);
    } else if (output === 'json') {
      if (single) env.out(toJson(shown[0]));
      else if (shown.length || !status) env.out(toJson(listOf(shown)));
    } else if (output === 'yaml') {
      if (single) env.out(toYaml(shown[0]));
      else if (shown.length || !status) env.out(toYaml(listOf(shown)));
    } else if (output.startsWith('jsonpath=') || output.startsWith('jsonpath-as-json=')) {
      const expr = output.slice(output.indexOf('=') + 1);
      env.out(jsonPath(single ? shown[0] : listOf(shown), expr));
    } else throw new KubectlError(`error: unable to match a printer suitable for the output format "${output}", allowed formats are: custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,wide,yaml`);
    return status;
  }

  const blocks: Block[] = [];
  for (const { t, names } of groups) {
    if (names.length) {
      const table: Table = { columnDefinitions: [], rows: [] };
      for (const name of names) {
        try {
          const one = await env.client.json<Table>('GET', objectPath(t, ns(t) ?? env.namespace, name), undefined, undefined, TABLE_ACCEPT);
          table.columnDefinitions = one.columnDefinitions;
          table.rows.push(...one.rows);
        } catch (err) {
          reportError(err);
        }
      }
      if (table.rows.length) blocks.push({ t, table });
    } else {
      try {
        const table = await env.client.json<Table>('GET', collectionPath(t, ns(t)) + query({ labelSelector, fieldSelector, limit: '500' }), undefined, undefined, TABLE_ACCEPT);
        if (table.rows.length) blocks.push({ t, table });
      } catch (err) {
        reportError(err);
      }
    }
  }
  if (!bool(env, 'watch-only')) env.out(renderBlocks(env, blocks, showKind));
  if (!blocks.length && !status && !bool(env, 'watch') && !bool(env, 'watch-only')) {
    const namespaced = groups.some((g) => g.t.namespaced);
    env.err(env.allNamespaces || !namespaced ? 'No resources found\n' : `No resources found in ${env.namespace} namespace.\n`);
  }
  if ((bool(env, 'watch') || bool(env, 'watch-only')) && groups.length === 1) await watch(env, groups[0]!.t, ns(groups[0]!.t), blocks.length === 0, showKind, labelSelector, fieldSelector);
  return status;
}

/** `-w`: the rows of every change, until Ctrl-C. */
async function watch(env: Env, t: ResourceType, namespace: string | undefined, needHeader: boolean, showKind: boolean, labelSelector?: string, fieldSelector?: string): Promise<void> {
  const list = await env.client.json<Table>('GET', collectionPath(t, namespace) + query({ labelSelector, fieldSelector, limit: '500' }), undefined, undefined, TABLE_ACCEPT);
  let header = needHeader;
  let buffer = '';
  await env.client.stream(
    collectionPath(t, namespace) + query({ labelSelector, fieldSelector, watch: 'true', resourceVersion: list.metadata?.resourceVersion }),
    (chunk) => {
      buffer += chunk;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (!line.trim()) continue;
        const ev = JSON.parse(line) as { type: string; object: Table };
        if (ev.type === 'ERROR' || ev.type === 'BOOKMARK' || !ev.object.rows) continue;
        env.out(renderBlocks(env, [{ t, table: ev.object }], showKind, header));
        header = false;
      }
    },
    TABLE_ACCEPT,
  );
}

/** A small JSONPath as kubectl's `-o jsonpath=`: `{.a.b}`, `{.items[*].metadata.name}`, `{.items[0].x}`, text between. */
export function jsonPath(root: unknown, template: string): string {
  let out = '';
  const re = /\{([^}]*)\}/g;
  let last = 0;
  for (let m = re.exec(template); m; m = re.exec(template)) {
    out += template.slice(last, m.index);
    last = m.index + m[0].length;
    const expr = m[1]!.trim();
    if (!expr.startsWith('.')) {
      out += expr.replace(/^"|"$/g, '');
      continue;
    }
    let values: unknown[] = [root];
    for (const part of expr.slice(1).match(/[^.[\]]+|\[[^\]]*\]/g) ?? []) {
      const next: unknown[] = [];
      for (const v of values) {
        if (part.startsWith('[')) {
          const idx = part.slice(1, -1);
          if (!Array.isArray(v)) continue;
          if (idx === '*') next.push(...v);
          else if (/^-?\d+$/.test(idx)) {
            const n = Number(idx);
            const x = v[n < 0 ? v.length + n : n];
            if (x !== undefined) next.push(x);
          }
        } else if (v && typeof v === 'object' && part in (v as object)) next.push((v as Record<string, unknown>)[part]);
      }
      values = next;
    }
    out += values.map((v) => (v && typeof v === 'object' ? JSON.stringify(v) : String(v))).join(' ');
  }
  return out + template.slice(last);
}
