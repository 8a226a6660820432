/**
 * What the lab knows about the inside of the images it runs: for the official nginx images (by
 * version) the Debian release they are built on, their ENV, their files and the commands their
 * Debian-slim base has (no curl before nginx 1.18, whose images added it); busybox's applets;
 * and the images without a shell (Calico, CoreDNS, MetalLB, metrics-server are distroless).
 */
import { parseImage } from '../controllers/image-catalog';
import { DEFAULT_CONF, FIFTY_X_HTML_V1, FIFTY_X_HTML_V2, FIFTY_X_HTML_V3, INDEX_HTML_V1, INDEX_HTML_V2, MIME_TYPES, NGINX_CONF } from './nginx/nginx-files';

export type FileNode =
  | { type: 'file'; content: string; mode: number; mtime: number; owner?: string }
  | { type: 'dir'; mode: number; mtime: number; owner?: string }
  | { type: 'symlink'; target: string; mtime: number };

export interface ImageProfile {
  ref: string;
  kind: 'nginx' | 'busybox' | 'distroless' | 'generic';
  /** `1.14.2` for nginx images. */
  nginxVersion?: string;
  debian?: 'stretch' | 'buster' | 'bullseye' | 'bookworm';
  /** Image ENV in Dockerfile order (PATH first). */
  env: [string, string][];
  /** The image's own files (absolute paths). */
  files: Map<string, FileNode>;
  /** Commands found in $PATH; undefined: no shell at all (distroless). */
  commands?: Set<string>;
  /** The shell `sh` is: dash on Debian, ash in busybox. */
  shell?: 'dash' | 'ash';
}

const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

const OS_RELEASE: Record<NonNullable<ImageProfile['debian']>, string> = {
  stretch: 'PRETTY_NAME="Debian GNU/Linux 9 (stretch)"\nNAME="Debian GNU/Linux"\nVERSION_ID="9"\nVERSION="9 (stretch)"\nVERSION_CODENAME=stretch\nID=debian\nHOME_URL="https://www.debian.org/"\nSUPPORT_URL="https://www.debian.org/support"\nBUG_REPORT_URL="https://bugs.debian.org/"\n',
  buster: 'PRETTY_NAME="Debian GNU/Linux 10 (buster)"\nNAME="Debian GNU/Linux"\nVERSION_ID="10"\nVERSION="10 (buster)"\nVERSION_CODENAME=buster\nID=debian\nHOME_URL="https://www.debian.org/"\nSUPPORT_URL="https://www.debian.org/support"\nBUG_REPORT_URL="https://bugs.debian.org/"\n',
  bullseye: 'PRETTY_NAME="Debian GNU/Linux 11 (bullseye)"\nNAME="Debian GNU/Linux"\nVERSION_ID="11"\nVERSION="11 (bullseye)"\nVERSION_CODENAME=bullseye\nID=debian\nHOME_URL="https://www.debian.org/"\nSUPPORT_URL="https://www.debian.org/support"\nBUG_REPORT_URL="https://bugs.debian.org/"\n',
  bookworm: 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\nHOME_URL="https://www.debian.org/"\nSUPPORT_URL="https://www.debian.org/support"\nBUG_REPORT_URL="https://bugs.debian.org/"\n',
};

/** Commands of a Debian slim image (coreutils, dash/bash, grep, sed, findutils, hostname, ...). */
const DEBIAN_COMMANDS = [
  'sh', 'bash', 'dash', 'cat', 'ls', 'echo', 'env', 'printenv', 'hostname', 'pwd', 'id', 'whoami', 'uname', 'head', 'tail', 'wc',
  'grep', 'sed', 'sort', 'true', 'false', 'sleep', 'date', 'test', '[', 'mkdir', 'touch', 'rm', 'cp', 'mv', 'find', 'tee', 'which', 'nginx',
];
const BUSYBOX_COMMANDS = [...DEBIAN_COMMANDS.filter((c) => c !== 'bash' && c !== 'dash' && c !== 'nginx'), 'ash', 'wget', 'nslookup', 'ps', 'ping', 'vi'];

/** Release dates of the nginx packages the images install (file mtimes). */
const NGINX_RELEASE_DATES: Record<string, string> = {
  '1.14.2': '2018-12-04T14:44:00Z',
  '1.16.1': '2019-08-13T12:51:00Z',
};

function cmp(version: string, other: string): number {
  const a = version.split('.').map(Number);
  const b = other.split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
}

function debianOf(version: string): NonNullable<ImageProfile['debian']> {
  if (cmp(version, '1.16.1') < 0) return 'stretch';
  if (cmp(version, '1.21.0') < 0) return 'buster';
  if (cmp(version, '1.25.0') < 0) return 'bullseye';
  return 'bookworm';
}

/** The exact nginx version an image reference runs (aliases map to the newest releases the catalog knows). */
function nginxVersionOf(tag: string): string | undefined {
  const m = /^(1\.\d+\.\d+)/.exec(tag);
  if (m) return m[1];
  if (['latest', 'mainline', 'alpine', 'perl', 'mainline-alpine'].includes(tag)) return '1.29.1';
  if (['stable', 'stable-alpine'].includes(tag)) return '1.28.0';
  return undefined;
}

function dir(mtime: number, mode = 0o755): FileNode {
  return { type: 'dir', mode, mtime };
}

function file(content: string, mtime: number, mode = 0o644): FileNode {
  return { type: 'file', content, mode, mtime };
}

function withParents(files: Map<string, FileNode>, mtime: number): Map<string, FileNode> {
  for (const p of [...files.keys()]) {
    const parts = p.split('/').filter(Boolean);
    for (let i = 0; i < parts.length - 1; i++) {
      const d = '/' + parts.slice(0, i + 1).join('/');
      if (!files.has(d)) files.set(d, dir(mtime));
    }
  }
  files.set('/', dir(mtime));
  return files;
}

const profiles = new Map<string, ImageProfile>();

export function imageProfile(image: string): ImageProfile {
  const ref = parseImage(image).full;
  let p = profiles.get(ref);
  if (!p) profiles.set(ref, (p = buildProfile(image)));
  return p;
}

function buildProfile(image: string): ImageProfile {
  const ref = parseImage(image);
  const name = ref.repository.replace(/^docker\.io\/library\//, '');
  if (name === 'nginx') {
    const version = nginxVersionOf(ref.tag) ?? '1.29.1';
    const alpine = ref.tag.includes('alpine');
    const debian = debianOf(version);
    const mtime = Date.parse(NGINX_RELEASE_DATES[version] ?? '2025-01-01T00:00:00Z');
    const env: [string, string][] = [['PATH', PATH]];
    if (cmp(version, '1.16.0') < 0) {
      env.push(['NGINX_VERSION', `${version}-1~${debian}`], ['NJS_VERSION', `${version}.0.2.6-1~${debian}`]);
    } else {
      env.push(['NGINX_VERSION', version], ['NJS_VERSION', version === '1.16.1' ? '0.3.8' : '0.8.4'], ['PKG_RELEASE', `1~${debian}`]);
    }
    const index = cmp(version, '1.21.2') < 0 ? INDEX_HTML_V1 : INDEX_HTML_V2;
    const fiftyX = cmp(version, '1.15.3') < 0 ? FIFTY_X_HTML_V1 : cmp(version, '1.21.2') < 0 ? FIFTY_X_HTML_V2 : FIFTY_X_HTML_V3;
    const mime = cmp(version, '1.15.3') < 0 ? MIME_TYPES.replace('    font/woff                                        woff;\n    font/woff2                                       woff2;\n', '    application/font-woff                            woff;\n') : MIME_TYPES;
    const defaultConf = cmp(version, '1.19.0') >= 0 ? DEFAULT_CONF.replace('    listen       80;\n', '    listen       80;\n    listen  [::]:80;\n') : DEFAULT_CONF;
    const files = new Map<string, FileNode>([
      ['/etc/nginx/nginx.conf', file(NGINX_CONF, mtime)],
      ['/etc/nginx/mime.types', file(mime, mtime)],
      ['/etc/nginx/conf.d/default.conf', file(defaultConf, mtime)],
      ['/etc/nginx/modules', { type: 'symlink', target: '/usr/lib/nginx/modules', mtime }],
      ['/usr/lib/nginx/modules', dir(mtime)],
      ['/usr/share/nginx/html/index.html', file(index, mtime)],
      ['/usr/share/nginx/html/50x.html', file(fiftyX, mtime)],
      ['/var/log/nginx/access.log', { type: 'symlink', target: '/dev/stdout', mtime }],
      ['/var/log/nginx/error.log', { type: 'symlink', target: '/dev/stderr', mtime }],
      ['/var/cache/nginx', dir(mtime)],
      ['/usr/lib/os-release', file(OS_RELEASE[debian], mtime)],
      ['/etc/os-release', { type: 'symlink', target: '../usr/lib/os-release', mtime }],
      ['/root', dir(mtime, 0o700)],
      ['/tmp', dir(mtime, 0o1777)],
      ['/dev', dir(mtime)],
      ['/proc', dir(mtime, 0o555)],
    ]);
    const commands = new Set(DEBIAN_COMMANDS);
    if (cmp(version, '1.18.0') >= 0) commands.add('curl');
    return { ref: ref.full, kind: 'nginx', nginxVersion: version, debian: alpine ? undefined : debian, env, files: withParents(files, mtime), commands, shell: alpine ? 'ash' : 'dash' };
  }
  if (name === 'busybox') {
    const mtime = Date.parse('2023-05-18T22:34:17Z');
    return {
      ref: ref.full,
      kind: 'busybox',
      env: [['PATH', '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin']],
      files: withParents(new Map([['/tmp', dir(mtime, 0o1777)], ['/root', dir(mtime, 0o700)], ['/etc/passwd', file('root:x:0:0:root:/root:/bin/sh\n', mtime)]]), mtime),
      commands: new Set(BUSYBOX_COMMANDS),
      shell: 'ash',
    };
  }
  const distroless = /calico|coredns|metallb|metrics-server|pause|hostpath-provisioner/.test(name);
  return { ref: ref.full, kind: distroless ? 'distroless' : 'generic', env: [['PATH', PATH]], files: withParents(new Map(), 0), commands: distroless ? undefined : new Set(DEBIAN_COMMANDS.filter((c) => c !== 'nginx')), shell: distroless ? undefined : 'dash' };
}

/** `nginx -v` banner of an image's nginx. */
export function nginxVersionLine(profile: ImageProfile): string {
  return `nginx version: nginx/${profile.nginxVersion}`;
}
