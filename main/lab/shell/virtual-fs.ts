/**
 * The in-memory filesystem of one virtual Pi. Regular files carry an owner and a mode; files
 * under /proc (and similar) are computed on every read. Writes can be observed (the Pi flushes
 * /boot/firmware back to its card) and the persistent part can be saved and restored.
 */

export interface FileNode {
  kind: 'file';
  content: string;
  owner: string;
  mode: number;
}

interface DirNode {
  kind: 'dir';
  owner: string;
  mode: number;
}

type Node = FileNode | DirNode;

export type FsErrorCode = 'ENOENT' | 'EACCES' | 'EISDIR' | 'ENOTDIR';

export class FsError extends Error {
  constructor(
    readonly code: FsErrorCode,
    readonly path: string,
  ) {
    super(FsError.text(code));
  }

  static text(code: FsErrorCode): string {
    switch (code) {
      case 'ENOENT':
        return 'No such file or directory';
      case 'EACCES':
        return 'Permission denied';
      case 'EISDIR':
        return 'Is a directory';
      case 'ENOTDIR':
        return 'Not a directory';
    }
  }
}

/** Files that are never saved: computed or volatile trees. */
const VOLATILE = ['/proc/', '/sys/', '/tmp/', '/run/', '/boot/firmware/'];

export function normalizePath(path: string, cwd = '/'): string {
  const abs = path.startsWith('/') ? path : `${cwd.replace(/\/$/, '')}/${path}`;
  const out: string[] = [];
  for (const seg of abs.split('/')) {
    if (!seg || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return '/' + out.join('/');
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

export class VirtualFs {
  #nodes = new Map<string, Node>([['/', { kind: 'dir', owner: 'root', mode: 0o755 }]]);
  #dynamic = new Map<string, () => string>();
  #writeListeners: ((path: string, content: string) => void)[] = [];

  /** Observe every successful write (path is absolute and normalized); returns how to stop. */
  onWrite(listener: (path: string, content: string) => void): () => void {
    this.#writeListeners.push(listener);
    return () => {
      this.#writeListeners = this.#writeListeners.filter((l) => l !== listener);
    };
  }

  /** A file whose contents are computed on every read (e.g. /proc/meminfo). */
  defineDynamic(path: string, read: () => string): void {
    const p = normalizePath(path);
    this.mkdirp(parentOf(p));
    this.#dynamic.set(p, read);
  }

  mkdirp(path: string, owner = 'root', mode = 0o755): void {
    const p = normalizePath(path);
    if (p === '/') return;
    this.mkdirp(parentOf(p));
    const existing = this.#nodes.get(p);
    if (!existing) this.#nodes.set(p, { kind: 'dir', owner, mode });
  }

  exists(path: string): boolean {
    const p = normalizePath(path);
    return this.#nodes.has(p) || this.#dynamic.has(p);
  }

  isDir(path: string): boolean {
    return this.#nodes.get(normalizePath(path))?.kind === 'dir';
  }

  isFile(path: string): boolean {
    const p = normalizePath(path);
    return this.#dynamic.has(p) || this.#nodes.get(p)?.kind === 'file';
  }

  stat(path: string): Node | undefined {
    const p = normalizePath(path);
    if (this.#dynamic.has(p)) return { kind: 'file', content: '', owner: 'root', mode: 0o444 };
    return this.#nodes.get(p);
  }

  /** Read as `user` (root reads everything; others need the read bit for "other" unless owner). */
  read(path: string, user = 'root'): string {
    const p = normalizePath(path);
    const dyn = this.#dynamic.get(p);
    if (dyn) return dyn();
    const node = this.#nodes.get(p);
    if (!node) throw new FsError('ENOENT', p);
    if (node.kind === 'dir') throw new FsError('EISDIR', p);
    if (user !== 'root' && node.owner !== user && (node.mode & 0o004) === 0) throw new FsError('EACCES', p);
    return node.content;
  }

  /** Write (or append to) a file as `user`, creating it if its directory exists. */
  write(path: string, content: string, options: { user?: string; append?: boolean; mode?: number } = {}): void {
    const user = options.user ?? 'root';
    const p = normalizePath(path);
    if (this.#dynamic.has(p)) throw new FsError('EACCES', p);
    const node = this.#nodes.get(p);
    if (node?.kind === 'dir') throw new FsError('EISDIR', p);
    if (node) {
      if (user !== 'root' && node.owner !== user) throw new FsError('EACCES', p);
      node.content = options.append ? node.content + content : content;
      if (options.mode !== undefined) node.mode = options.mode;
    } else {
      const dir = this.#nodes.get(parentOf(p));
      if (!dir) throw new FsError('ENOENT', p);
      if (dir.kind !== 'dir') throw new FsError('ENOTDIR', p);
      if (user !== 'root' && dir.owner !== user) throw new FsError('EACCES', p);
      this.#nodes.set(p, { kind: 'file', content, owner: user, mode: options.mode ?? 0o644 });
    }
    const written = this.#nodes.get(p) as FileNode;
    for (const l of this.#writeListeners) l(p, written.content);
  }

  chown(path: string, owner: string): void {
    const node = this.#nodes.get(normalizePath(path));
    if (!node) throw new FsError('ENOENT', normalizePath(path));
    node.owner = owner;
  }

  remove(path: string): void {
    this.#nodes.delete(normalizePath(path));
  }

  list(dir: string): string[] {
    const p = normalizePath(dir);
    const prefix = p === '/' ? '/' : p + '/';
    const names = new Set<string>();
    for (const key of [...this.#nodes.keys(), ...this.#dynamic.keys()]) {
      if (key.startsWith(prefix) && key !== p) names.add(key.slice(prefix.length).split('/')[0]!);
    }
    return [...names].sort();
  }

  /** The persistent part (what survives a reboot: the root filesystem). */
  save(): Record<string, Omit<FileNode, 'kind'> | { dir: true; owner: string; mode: number }> {
    const out: ReturnType<VirtualFs['save']> = {};
    for (const [path, node] of this.#nodes) {
      if (VOLATILE.some((v) => (path + '/').startsWith(v))) continue;
      out[path] = node.kind === 'dir' ? { dir: true, owner: node.owner, mode: node.mode } : { content: node.content, owner: node.owner, mode: node.mode };
    }
    return out;
  }

  restore(saved: ReturnType<VirtualFs['save']>): void {
    for (const [path, entry] of Object.entries(saved)) {
      if ('dir' in entry) this.#nodes.set(path, { kind: 'dir', owner: entry.owner, mode: entry.mode });
      else this.#nodes.set(path, { kind: 'file', ...entry });
    }
  }
}
