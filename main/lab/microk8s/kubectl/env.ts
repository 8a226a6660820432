/** What every `microk8s kubectl` subcommand works with: the API client, flags, stdio and the Pi's files. */
import { parseAllDocuments } from 'yaml';
import type { LabClock } from '../../lab-clock';
import type { KubeObject } from '../../kube/api/types';
import type { CommandContext } from '../../shell/shell';
import { FsError, normalizePath } from '../../shell/virtual-fs';
import type { ParsedArgs } from './args';
import type { KubeClient } from './client';
import { KubectlError } from './client';

export interface Env {
  client: KubeClient;
  args: ParsedArgs;
  /** -n, else the kubeconfig's (default). */
  namespace: string;
  explicitNamespace: boolean;
  allNamespaces: boolean;
  out(text: string): void;
  err(text: string): void;
  ctx: CommandContext;
  /** The Pi's clock: kubectl's own waits (retry after 5s, rollout status) run in lab time. */
  clock: LabClock;
  /** Wall-clock time, for ages (the API reports real time). */
  now(): number;
  signal: AbortSignal;
}

export function flag(env: Env, name: string): string | undefined {
  return env.args.values.get(name);
}

export function bool(env: Env, name: string): boolean {
  return env.args.bools.get(name) === true;
}

/** The manifests of `-f` paths (files, folders of .yaml/.yml/.json, or - for stdin), with the file each came from. */
export async function readManifests(env: Env, paths: string[]): Promise<{ source: string; object: KubeObject }[]> {
  const out: { source: string; object: KubeObject }[] = [];
  const fs = env.ctx.machine.fs;
  for (const p of paths) {
    const files: { source: string; text: string }[] = [];
    if (p === '-') files.push({ source: 'STDIN', text: await env.ctx.stdin.readAll() });
    else if (/^https?:\/\//.test(p)) {
      throw new KubectlError(`error: unable to read URL "${p}", server reported 404 Not Found, status code=404`);
    } else {
      const abs = normalizePath(p, env.ctx.session.cwd);
      if (!fs.exists(abs)) throw new KubectlError(`error: the path "${p}" does not exist`);
      const names = fs.isDir(abs) ? fs.list(abs).filter((n) => /\.(ya?ml|json)$/.test(n)).map((n) => `${abs}/${n}`) : [abs];
      for (const name of names) {
        try {
          files.push({ source: name === abs ? p : `${p.replace(/\/$/, '')}/${name.slice(abs.length + 1)}`, text: fs.read(name, env.ctx.user) });
        } catch (e) {
          if (e instanceof FsError) throw new KubectlError(`error: open ${p}: ${e.code === 'EACCES' ? 'permission denied' : 'no such file or directory'}`);
          throw e;
        }
      }
    }
    for (const f of files) {
      const docs = parseAllDocuments(f.text);
      for (const doc of Array.isArray(docs) ? docs : [docs]) {
        if (doc.errors.length) {
          const e = doc.errors[0]!;
          throw new KubectlError(`error: error parsing ${f.source}: error converting YAML to JSON: yaml: line ${e.linePos?.[0]?.line ?? 1}: ${e.message.split('\n')[0]}`);
        }
        const o = doc.toJS() as KubeObject | null;
        if (!o) continue;
        if (typeof o !== 'object' || Array.isArray(o)) throw new KubectlError(`error: error validating "${f.source}": error validating data: invalid object to validate; if you choose to ignore these errors, turn validation off with --validate=false`);
        if (o.kind === 'List' && Array.isArray((o as { items?: unknown }).items)) for (const item of (o as unknown as { items: KubeObject[] }).items) out.push({ source: f.source, object: item });
        else {
          if (!o.kind) throw new KubectlError(`error: error validating "${f.source}": error validating data: kind not set; if you choose to ignore these errors, turn validation off with --validate=false`);
          if (!o.apiVersion) throw new KubectlError(`error: error validating "${f.source}": error validating data: apiVersion not set; if you choose to ignore these errors, turn validation off with --validate=false`);
          out.push({ source: f.source, object: o });
        }
      }
    }
  }
  return out;
}

/** RFC1123Z in UTC, as describe prints times. */
export function rfc1123z(ts: string | undefined | null): string {
  if (!ts) return '<unknown>';
  const d = new Date(ts);
  const day = d.toLocaleString('en-US', { weekday: 'short', timeZone: 'UTC' });
  const mon = d.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  const p = (n: number) => String(n).padStart(2, '0');
  return `${day}, ${p(d.getUTCDate())} ${mon} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}
