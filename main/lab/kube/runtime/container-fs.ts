/**
 * A container's filesystem: the image's files, the files the kubelet manages (/etc/hosts,
 * /etc/hostname, /etc/resolv.conf, the service-account token), volume mounts laid out as the
 * kubelet's AtomicWriter does for ConfigMaps and Secrets (`..data` -> `..<timestamp>`, each key
 * a symlink into it), emptyDirs, subPath mounts, and whatever the container writes.
 */
import type { FileNode } from './images';

export type FsError = 'ENOENT' | 'ENOTDIR' | 'EISDIR' | 'EACCES' | 'EROFS' | 'ELOOP';

export const FS_ERROR_TEXT: Record<FsError, string> = {
  ENOENT: 'No such file or directory',
  ENOTDIR: 'Not a directory',
  EISDIR: 'Is a directory',
  EACCES: 'Permission denied',
  EROFS: 'Read-only file system',
  ELOOP: 'Too many levels of symbolic links',
};

export function normalize(path: string, cwd = '/'): string {
  const parts: string[] = [];
  for (const p of (path.startsWith('/') ? path : `${cwd}/${path}`).split('/')) {
    if (!p || p === '.') continue;
    if (p === '..') parts.pop();
    else parts.push(p);
  }
  return '/' + parts.join('/');
}

const parentOf = (p: string) => (p === '/' ? '/' : p.slice(0, p.lastIndexOf('/')) || '/');
const baseOf = (p: string) => p.slice(p.lastIndexOf('/') + 1);

/** AtomicWriter's timestamped directory name, e.g. `..2026_12_06_22_50_00.123456789`. */
function atomicDirName(wall: number): string {
  const d = new Date(wall);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `..${d.getUTCFullYear()}_${pad(d.getUTCMonth() + 1)}_${pad(d.getUTCDate())}_${pad(d.getUTCHours())}_${pad(d.getUTCMinutes())}_${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}${pad(Math.floor(Math.random() * 1e6), 6)}`;
}

export interface Mount {
  path: string;
  readOnly: boolean;
}

export class ContainerFs {
  #nodes: Map<string, FileNode>;
  #mounts: Mount[] = [];

  constructor(base: Map<string, FileNode>) {
    this.#nodes = new Map(base);
  }

  /** The mount whose path contains `path` (longest match). */
  mountOf(path: string): Mount | undefined {
    let best: Mount | undefined;
    for (const m of this.#mounts) if ((path === m.path || path.startsWith(m.path + '/')) && (!best || m.path.length > best.path.length)) best = m;
    return best;
  }

  #clearUnder(path: string): void {
    for (const k of [...this.#nodes.keys()]) if (k === path || k.startsWith(path + '/')) this.#nodes.delete(k);
  }

  #ensureDirs(path: string, mtime: number): void {
    const parts = path.split('/').filter(Boolean);
    for (let i = 0; i < parts.length; i++) {
      const d = '/' + parts.slice(0, i + 1).join('/');
      if (!this.#nodes.has(d)) this.#nodes.set(d, { type: 'dir', mode: 0o755, mtime });
    }
  }

  /** Put a file the kubelet manages (hosts, hostname, resolv.conf). */
  putFile(path: string, content: string, mtime: number, mode = 0o644): void {
    this.#ensureDirs(parentOf(path), mtime);
    this.#nodes.set(path, { type: 'file', content, mode, mtime });
  }

  /**
   * Mount a ConfigMap/Secret/projected volume at `path`: the keys as symlinks into `..data`,
   * which points at a timestamped directory holding the files (replaced as a whole on update).
   */
  mountProjected(path: string, files: Map<string, string>, wall: number, mode = 0o644, readOnly = true): void {
    this.#clearUnder(path);
    this.#mounts = this.#mounts.filter((m) => m.path !== path);
    this.#mounts.push({ path, readOnly });
    this.#ensureDirs(path, wall);
    this.#nodes.set(path, { type: 'dir', mode: 0o777, mtime: wall });
    const stamp = atomicDirName(wall);
    this.#nodes.set(`${path}/${stamp}`, { type: 'dir', mode: 0o755, mtime: wall });
    this.#nodes.set(`${path}/..data`, { type: 'symlink', target: stamp, mtime: wall });
    for (const [rel, content] of files) {
      const top = rel.split('/')[0]!;
      this.#ensureDirs(`${path}/${stamp}/${parentOf('/' + rel).slice(1)}`, wall);
      this.#nodes.set(`${path}/${stamp}/${rel}`, { type: 'file', content, mode, mtime: wall });
      if (!this.#nodes.has(`${path}/${top}`)) this.#nodes.set(`${path}/${top}`, { type: 'symlink', target: `..data/${top}`, mtime: wall });
    }
  }

  /** An emptyDir (or hostPath) volume: an empty writable directory. */
  mountEmpty(path: string, wall: number, readOnly = false): void {
    this.#clearUnder(path);
    this.#mounts.push({ path, readOnly });
    this.#ensureDirs(path, wall);
    this.#nodes.set(path, { type: 'dir', mode: 0o777, mtime: wall });
  }

  /** A subPath mount of one file (never updated after start, as upstream). */
  mountFile(path: string, content: string, wall: number, mode = 0o644, readOnly = true): void {
    this.#clearUnder(path);
    this.#mounts.push({ path, readOnly });
    this.putFile(path, content, wall, mode);
  }

  /** Resolve symlinks in `path` (all of them, or all but the last component). */
  resolve(path: string, followLast = true, depth = 0): string | FsError {
    if (depth > 40) return 'ELOOP';
    const parts = normalize(path).split('/').filter(Boolean);
    let cur = '';
    for (let i = 0; i < parts.length; i++) {
      const next = `${cur}/${parts[i]}`;
      const node = this.#nodes.get(next);
      const last = i === parts.length - 1;
      if (node?.type === 'symlink' && (!last || followLast)) {
        const target = normalize(node.target, cur || '/');
        const resolved = this.resolve(target, true, depth + 1);
        if (typeof resolved !== 'string' || resolved.startsWith('E')) return resolved;
        cur = resolved === '/' ? '' : resolved;
        continue;
      }
      if (!last && node && node.type !== 'dir') return 'ENOTDIR';
      cur = next;
    }
    return cur || '/';
  }

  /** The node at `path` (following symlinks unless `lstat`). */
  stat(path: string, lstat = false): { path: string; node: FileNode } | FsError {
    const p = this.resolve(path, !lstat);
    if (p.startsWith('E')) return p as FsError;
    if (p === '/dev/stdout' || p === '/dev/stderr' || p === '/dev/null') return { path: p, node: { type: 'file', content: '', mode: 0o666, mtime: 0 } };
    const node = this.#nodes.get(p);
    return node ? { path: p, node } : 'ENOENT';
  }

  readFile(path: string): { content: string } | { error: FsError } {
    const s = this.stat(path);
    if (typeof s === 'string') return { error: s };
    if (s.node.type === 'dir') return { error: 'EISDIR' };
    return s.node.type === 'file' ? { content: s.node.content } : { error: 'ENOENT' };
  }

  /** Names in a directory (sorted as `ls` sorts in the C locale), or an error. */
  readdir(path: string): string[] | FsError {
    const s = this.stat(path);
    if (typeof s === 'string') return s;
    if (s.node.type !== 'dir') return 'ENOTDIR';
    const prefix = s.path === '/' ? '/' : s.path + '/';
    const out: string[] = [];
    for (const k of this.#nodes.keys()) if (k.startsWith(prefix) && k !== s.path && !k.slice(prefix.length).includes('/')) out.push(baseOf(k));
    return out.sort();
  }

  writeFile(path: string, content: string, append: boolean, wall: number): FsError | undefined {
    const p = this.resolve(path);
    if (p.startsWith('E')) return p as FsError;
    if (p === '/dev/null' || p === '/dev/stdout' || p === '/dev/stderr') return undefined;
    if (this.mountOf(p)?.readOnly) return 'EROFS';
    const parent = this.#nodes.get(parentOf(p));
    if (!parent) return 'ENOENT';
    if (parent.type !== 'dir') return 'ENOTDIR';
    const existing = this.#nodes.get(p);
    if (existing?.type === 'dir') return 'EISDIR';
    const before = append && existing?.type === 'file' ? existing.content : '';
    this.#nodes.set(p, { type: 'file', content: before + content, mode: existing?.type === 'file' ? existing.mode : 0o644, mtime: wall });
    return undefined;
  }

  mkdir(path: string, wall: number): FsError | undefined {
    const p = normalize(path);
    if (this.#nodes.has(p)) return undefined;
    if (this.mountOf(p)?.readOnly) return 'EROFS';
    if (this.#nodes.get(parentOf(p))?.type !== 'dir') return 'ENOENT';
    this.#nodes.set(p, { type: 'dir', mode: 0o755, mtime: wall });
    return undefined;
  }

  remove(path: string): FsError | undefined {
    const p = normalize(path);
    if (!this.#nodes.has(p)) return 'ENOENT';
    if (this.mountOf(p)?.readOnly) return 'EROFS';
    this.#nodes.delete(p);
    return undefined;
  }
}
