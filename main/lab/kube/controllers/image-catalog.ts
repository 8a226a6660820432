/**
 * The images the lab's container runtime can pull: real nginx tags (and their -alpine / -perl
 * variants), busybox, and the images MicroK8s and its core addons run, with plausible arm64 sizes.
 * Anything else fails to pull as a missing tag does.
 */

/** nginx minor versions and their highest patch release on Docker Hub. */
const NGINX_RELEASES: [minor: number, lastPatch: number][] = [
  [13, 12], [14, 2], [15, 12], [16, 1], [17, 10], [18, 0], [19, 10], [20, 2], [21, 6],
  [22, 1], [23, 4], [24, 0], [25, 5], [26, 3], [27, 5], [28, 0], [29, 1],
];
const NGINX_ALIASES = ['latest', 'stable', 'mainline', 'alpine', 'perl', 'stable-alpine', 'mainline-alpine'];
const OTHER_IMAGES: Record<string, number> = {
  'busybox:latest': 1_929_000,
  'busybox:1.36': 1_929_000,
  'busybox:1.37': 1_935_000,
  'httpd:2.4': 58_700_000,
  'httpd:latest': 58_700_000,
  'registry.k8s.io/hpa-example:latest': 139_000_000,
  'busybox:1.28.4': 726_413,
  'registry.k8s.io/pause:3.10': 268_302,
  // What MicroK8s 1.32 and its core addons run (arm64 sizes).
  'docker.io/calico/cni:v3.28.1': 89_607_011,
  'docker.io/calico/node:v3.28.1': 117_894_210,
  'docker.io/calico/kube-controllers:v3.28.1': 31_148_066,
  'docker.io/coredns/coredns:1.10.1': 14_557_471,
  'registry.k8s.io/metrics-server/metrics-server:v0.6.3': 26_891_362,
  'quay.io/metallb/controller:v0.13.3': 24_842_106,
  'quay.io/metallb/speaker:v0.13.3': 40_171_903,
  'cdkbot/hostpath-provisioner:1.5.0': 18_221_532,
};

export interface ImageRef {
  /** Normalised reference as containerd reports it, e.g. `docker.io/library/nginx:1.14.2`. */
  full: string;
  repository: string;
  tag: string;
}

export function parseImage(image: string): ImageRef {
  const at = image.indexOf('@');
  const ref = at >= 0 ? image.slice(0, at) : image;
  const m = /^(.*?)(?::([^/:]+))?$/.exec(ref)!;
  let repository = m[1]!;
  const tag = m[2] ?? 'latest';
  if (!repository.includes('/')) repository = `docker.io/library/${repository}`;
  else if (!/^[^/]+[.:][^/]*\//.test(repository) && !repository.startsWith('localhost/')) repository = `docker.io/${repository}`;
  return { full: `${repository}:${tag}`, repository, tag };
}

/** Compressed image size in bytes, or undefined when the tag does not exist. */
export function imageSize(image: string): number | undefined {
  const ref = parseImage(image);
  if (ref.repository === 'docker.io/library/nginx') {
    const m = /^1\.(\d+)\.(\d+)(?:-(alpine|perl|alpine-perl|bookworm|bullseye|alpine-slim))?$/.exec(ref.tag);
    if (m) {
      const minor = Number(m[1]);
      const patch = Number(m[2]);
      const release = NGINX_RELEASES.find(([mi]) => mi === minor);
      if (!release || patch > release[1]) return undefined;
      const base = 44_710_204 + (minor - 14) * 2_350_000 + (patch - 2) * 40_000;
      return m[3]?.startsWith('alpine') ? Math.round(base * 0.38) : m[3] === 'perl' ? base + 17_000_000 : base;
    }
    return NGINX_ALIASES.includes(ref.tag) ? 72_400_000 : undefined;
  }
  const short = ref.repository.replace(/^docker\.io\/library\//, '') + ':' + ref.tag;
  return OTHER_IMAGES[short];
}

/** Does the image print the docker-entrypoint banner at start (nginx images from 1.19 on)? */
export function hasEntrypointBanner(image: string): boolean {
  const m = /^1\.(\d+)\./.exec(parseImage(image).tag);
  return m ? Number(m[1]) >= 19 : parseImage(image).repository.endsWith('/nginx');
}
