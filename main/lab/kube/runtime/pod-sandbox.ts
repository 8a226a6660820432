/**
 * The containers of one running pod as the container runtime holds them: each container's files
 * (image + kubelet-managed files + volumes), environment, log, and process — nginx serving
 * HTTP from its files, a command run to completion (busybox `echo`, Job pods), or a long-running
 * daemon — plus restarts (the previous instance's log stays for `kubectl logs --previous`) and
 * `kubectl exec` into a running container.
 */
import type { KubeApi } from '../api/kube-api';
import { resourceForKind } from '../api/resource-registry';
import type { Container, Pod } from '../api/types';
import { serviceAccountToken } from '../api/service-account-token';
import { containerEnv } from './container-env';
import { ContainerFs } from './container-fs';
import { ContainerLog } from './container-logs';
import type { ExecEnv, ExecIo } from './exec-shell';
import { ExecStartError, execInContainer, runShell } from './exec-shell';
import type { ImageProfile } from './images';
import { imageProfile } from './images';
import { NginxConfigError, readNginxConfig } from './nginx/nginx-config';
import { NginxServerProcess, errorLogTime } from './nginx/nginx-server';

type Json = Record<string, unknown>;

export interface SandboxHost {
  api: KubeApi;
  wallNow(): number;
  /** Kernel release of the node (uname -r). */
  kernel: string;
}

export type StartOutcome = { running: true } | { running: false; exitCode: number; reason: 'Completed' | 'Error' };

/** Files of a ConfigMap / Secret / projected volume: relative path -> content. */
function volumeFiles(api: KubeApi, namespace: string, volume: Json, pod: Pod): Map<string, string> | undefined {
  const out = new Map<string, string>();
  const fromObject = (kind: 'ConfigMap' | 'Secret', name: string, items: { key: string; path: string }[] | undefined, optional: boolean | undefined): boolean => {
    const o = api.tryGet(resourceForKind(kind), namespace, name);
    if (!o) return !!optional;
    const data: Record<string, string> = {};
    for (const [k, v] of Object.entries((o.data as Record<string, string> | undefined) ?? {})) data[k] = kind === 'Secret' ? Buffer.from(v, 'base64').toString('utf8') : v;
    if (kind === 'ConfigMap') for (const [k, v] of Object.entries((o.binaryData as Record<string, string> | undefined) ?? {})) data[k] = Buffer.from(v, 'base64').toString('latin1');
    if (items?.length) for (const it of items) out.set(it.path, data[it.key] ?? '');
    else for (const [k, v] of Object.entries(data)) out.set(k, v);
    return true;
  };
  const cm = volume.configMap as { name: string; items?: { key: string; path: string }[]; optional?: boolean } | undefined;
  const secret = volume.secret as { secretName: string; items?: { key: string; path: string }[]; optional?: boolean } | undefined;
  const projected = volume.projected as { sources?: Json[] } | undefined;
  if (cm) return fromObject('ConfigMap', cm.name, cm.items, cm.optional) ? out : undefined;
  if (secret) return fromObject('Secret', secret.secretName, secret.items, secret.optional) ? out : undefined;
  if (projected) {
    for (const src of projected.sources ?? []) {
      const c = src.configMap as { name: string; items?: { key: string; path: string }[]; optional?: boolean } | undefined;
      const s = src.secret as { name: string; items?: { key: string; path: string }[]; optional?: boolean } | undefined;
      if (c) fromObject('ConfigMap', c.name, c.items, c.optional);
      if (s) fromObject('Secret', s.name, s.items, s.optional);
      if (src.serviceAccountToken) {
        const sa = api.tryGet(resourceForKind('ServiceAccount'), namespace, String(pod.spec.serviceAccountName ?? 'default'));
        if (sa) out.set(String((src.serviceAccountToken as Json).path ?? 'token'), String((serviceAccountToken(api, sa, undefined).status as Json).token));
      }
      if (src.downwardAPI) for (const it of ((src.downwardAPI as Json).items as { path: string; fieldRef?: { fieldPath: string } }[] | undefined) ?? []) out.set(it.path, it.fieldRef?.fieldPath === 'metadata.namespace' ? namespace : it.fieldRef?.fieldPath === 'metadata.name' ? pod.metadata.name! : '');
    }
    return out;
  }
  return undefined;
}

export class ContainerInstance {
  readonly log = new ContainerLog();
  previousLog: ContainerLog | undefined;
  fs!: ContainerFs;
  env: [string, string][] = [];
  nginx: NginxServerProcess | undefined;
  running = false;
  /** Set when the process stops by itself (nginx -s stop): the kubelet restarts the container. */
  onExit?: (code: number) => void;

  constructor(
    readonly container: Container,
    readonly profile: ImageProfile,
  ) {}
}

export class PodSandbox {
  readonly containers = new Map<string, ContainerInstance>();
  readonly #host: SandboxHost;

  constructor(
    host: SandboxHost,
    readonly podIP: string,
  ) {
    this.#host = host;
  }

  #buildFs(pod: Pod, c: Container, profile: ImageProfile): ContainerFs {
    const { api } = this.#host;
    const wall = this.#host.wallNow();
    const fs = new ContainerFs(profile.files);
    const ns = pod.metadata.namespace!;
    const name = pod.metadata.name!;
    fs.putFile('/etc/hostname', `${name}\n`, wall);
    fs.putFile(
      '/etc/hosts',
      `# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n${this.podIP}\t${name}\n`,
      wall,
    );
    fs.putFile('/etc/resolv.conf', `search ${ns}.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.152.183.10\noptions ndots:5\n`, wall);
    fs.putFile('/dev/termination-log', '', wall, 0o666);
    if (pod.spec.automountServiceAccountToken !== false) {
      const sa = api.tryGet(resourceForKind('ServiceAccount'), ns, String(pod.spec.serviceAccountName ?? 'default'));
      const ca = api.tryGet(resourceForKind('ConfigMap'), ns, 'kube-root-ca.crt');
      const files = new Map<string, string>([['namespace', ns]]);
      if (ca) files.set('ca.crt', String((ca.data as Json | undefined)?.['ca.crt'] ?? ''));
      if (sa) files.set('token', String((serviceAccountToken(api, sa, undefined).status as Json).token));
      fs.mountProjected('/var/run/secrets/kubernetes.io/serviceaccount', files, wall);
    }
    const volumes = new Map(((pod.spec.volumes ?? []) as Json[]).map((v) => [String(v.name), v]));
    for (const m of (c.volumeMounts ?? []) as { name: string; mountPath: string; subPath?: string; readOnly?: boolean }[]) {
      const v = volumes.get(m.name);
      if (!v) continue;
      const mode = Number(((v.configMap ?? v.secret ?? v.projected) as Json | undefined)?.defaultMode ?? 420);
      const files = volumeFiles(api, ns, v, pod);
      const readOnly = m.readOnly ?? !!(v.configMap || v.secret || v.projected);
      if (files) {
        if (m.subPath) fs.mountFile(m.mountPath, files.get(m.subPath) ?? '', wall, mode, readOnly);
        else fs.mountProjected(m.mountPath, files, wall, mode, readOnly);
      } else fs.mountEmpty(m.mountPath, wall, !!m.readOnly);
    }
    return fs;
  }

  /** Re-project a ConfigMap/Secret volume into every container mounting it (not subPath mounts). */
  refreshVolumes(pod: Pod, names: Set<string>): void {
    const wall = this.#host.wallNow();
    const volumes = new Map(((pod.spec.volumes ?? []) as Json[]).map((v) => [String(v.name), v]));
    for (const inst of this.containers.values()) {
      for (const m of (inst.container.volumeMounts ?? []) as { name: string; mountPath: string; subPath?: string; readOnly?: boolean }[]) {
        const v = volumes.get(m.name);
        if (!v || !names.has(m.name) || m.subPath) continue;
        const files = volumeFiles(this.#host.api, pod.metadata.namespace!, v, pod);
        const mode = Number(((v.configMap ?? v.secret ?? v.projected) as Json | undefined)?.defaultMode ?? 420);
        if (files) inst.fs.mountProjected(m.mountPath, files, wall, mode, m.readOnly ?? true);
      }
    }
  }

  /** Names of the pod's volumes that project `kind`/`name`. */
  static volumesUsing(pod: Pod, kind: 'ConfigMap' | 'Secret', name: string): Set<string> {
    const out = new Set<string>();
    for (const v of (pod.spec.volumes ?? []) as Json[]) {
      const cm = (v.configMap as Json | undefined)?.name;
      const secret = (v.secret as Json | undefined)?.secretName;
      const projected = ((v.projected as Json | undefined)?.sources as Json[] | undefined) ?? [];
      if ((kind === 'ConfigMap' && cm === name) || (kind === 'Secret' && secret === name)) out.add(String(v.name));
      if (projected.some((s) => ((kind === 'ConfigMap' ? s.configMap : s.secret) as Json | undefined)?.name === name)) out.add(String(v.name));
    }
    return out;
  }

  /** Start (or restart) a container; the previous instance's log becomes `--previous`. */
  async start(pod: Pod, c: Container): Promise<StartOutcome> {
    const profile = imageProfile(c.image);
    let inst = this.containers.get(c.name);
    if (inst) {
      inst.previousLog = inst.log;
      const fresh = new ContainerInstance(c, profile);
      fresh.previousLog = inst.log;
      fresh.onExit = inst.onExit;
      inst = fresh;
    } else inst = new ContainerInstance(c, profile);
    this.containers.set(c.name, inst);
    inst.fs = this.#buildFs(pod, c, profile);
    inst.env = containerEnv(this.#host.api, pod, c, profile, this.podIP);
    const wall = () => this.#host.wallNow();
    const out = (line: string) => inst.log.write('stdout', line, wall());
    const err = (line: string) => inst.log.write('stderr', line, wall());
    const command = [...((c.command as string[] | undefined) ?? []), ...((c.args as string[] | undefined) ?? [])];
    if (profile.kind === 'nginx' && (!command.length || command[0] === 'nginx')) {
      if (profile.nginxVersion && cmp(profile.nginxVersion, '1.19.0') >= 0) {
        for (const l of [
          '/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration',
          '/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/',
          '/docker-entrypoint.sh: Launching /docker-entrypoint.d/10-listen-on-ipv6-by-default.sh',
          '10-listen-on-ipv6-by-default.sh: info: Getting the checksum of /etc/nginx/conf.d/default.conf',
          '10-listen-on-ipv6-by-default.sh: info: Enabled listen on IPv6 in /etc/nginx/conf.d/default.conf',
          '/docker-entrypoint.sh: Launching /docker-entrypoint.d/20-envsubst-on-templates.sh',
          '/docker-entrypoint.sh: Launching /docker-entrypoint.d/30-tune-worker-processes.sh',
          '/docker-entrypoint.sh: Configuration complete; ready for start up',
        ]) out(l);
      }
      try {
        const config = readNginxConfig(inst.fs);
        inst.nginx = new NginxServerProcess(profile.nginxVersion ?? '1.29.1', inst.fs, config, { stdout: out, stderr: err }, wall, profile.debian === 'bullseye' || profile.debian === 'bookworm');
      } catch (e) {
        if (!(e instanceof NginxConfigError)) throw e;
        err(`${errorLogTime(wall())} [emerg] 1#1: ${e.message}`);
        err(`nginx: [emerg] ${e.message}`);
        inst.log.end();
        return { running: false, exitCode: 1, reason: 'Error' };
      }
      if (profile.nginxVersion && cmp(profile.nginxVersion, '1.19.0') >= 0) {
        const stamp = errorLogTime(wall());
        for (const l of [`using the "epoll" event method`, `start worker processes`]) {
          err(`${stamp} [notice] 1#1: ${l}`);
        }
      }
      inst.running = true;
      return { running: true };
    }
    if (profile.kind === 'distroless') {
      if (/coredns/.test(profile.ref)) {
        for (const l of ['.:53', 'CoreDNS-1.10.1']) out(l);
      }
      inst.running = true;
      return { running: true };
    }
    // A command image: run what it was given; long-running commands keep the container up.
    const argv = command.length ? command : ['sh'];
    const script = argv.join(' ');
    if (/sleep\s+(infinity|\d{2,})|while\s+(true|:)|tail\s+-f/.test(script)) {
      inst.running = true;
      return { running: true };
    }
    const code = await this.#runToCompletion(inst, argv, out, err);
    inst.log.end();
    return { running: false, exitCode: code, reason: code === 0 ? 'Completed' : 'Error' };
  }

  async #runToCompletion(inst: ContainerInstance, argv: string[], out: (l: string) => void, err: (l: string) => void): Promise<number> {
    let outBuf = '';
    let errBuf = '';
    const io: ExecIo = {
      stdout: (t) => {
        outBuf += t;
        const lines = outBuf.split('\n');
        outBuf = lines.pop()!;
        for (const l of lines) out(l);
      },
      stderr: (t) => {
        errBuf += t;
        const lines = errBuf.split('\n');
        errBuf = lines.pop()!;
        for (const l of lines) err(l);
      },
    };
    let code: number;
    try {
      const env = this.execEnv(inst);
      code = argv[0] === 'sh' && argv.length === 1 ? await runShell([], io, '', env, new Map(inst.env)) : await execInContainer(argv, io, '', env);
    } catch (e) {
      if (!(e instanceof ExecStartError)) throw e;
      err(e.message);
      code = 128;
    }
    if (outBuf) out(outBuf);
    if (errBuf) err(errBuf);
    return code;
  }

  /** What `kubectl exec` sees in a running container. */
  execEnv(inst: ContainerInstance, hostname = ''): ExecEnv {
    const nginx = inst.nginx;
    return {
      fs: inst.fs,
      profile: inst.profile,
      env: new Map(inst.env),
      hostname: hostname || inst.env.find(([k]) => k === 'HOSTNAME')?.[1] || '',
      kernel: this.#host.kernel,
      wallNow: () => this.#host.wallNow(),
      nginx: nginx && {
        version: nginx.version,
        test: () => {
          try {
            readNginxConfig(inst.fs);
            return undefined;
          } catch (e) {
            if (e instanceof NginxConfigError) return e.message;
            throw e;
          }
        },
        reload: () => {
          try {
            nginx.config = readNginxConfig(inst.fs);
          } catch (e) {
            if (!(e instanceof NginxConfigError)) throw e;
            inst.log.write('stderr', `${errorLogTime(this.#host.wallNow())} [emerg] 1#1: ${e.message}`, this.#host.wallNow());
          }
        },
        stop: () => {
          inst.running = false;
          inst.nginx = undefined;
          inst.log.end();
          inst.onExit?.(0);
        },
      },
    };
  }

  stop(): void {
    for (const inst of this.containers.values()) {
      inst.running = false;
      inst.nginx = undefined;
      inst.log.end();
    }
  }
}

function cmp(a: string, b: string): number {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}

