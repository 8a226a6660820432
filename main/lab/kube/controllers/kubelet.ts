/**
 * The kubelets of the lab's nodes (one object serves every node). A bound pod on a Ready node
 * goes Pending/ContainerCreating (volumes mounted: ConfigMaps and Secrets must exist) -> image
 * pull (real nginx tags; unknown tags end in ErrImagePull / ImagePullBackOff) -> container
 * config (env from ConfigMaps/Secrets, else CreateContainerConfigError) -> Running and Ready.
 * Deleted pods stop their containers (Killing) and disappear within their grace period. Events,
 * reasons and messages are the kubelet's. Also the pods' logs (nginx-style lines).
 */
import { createHash } from 'node:crypto';
import type { LabClock, LabTimer } from '../../lab-clock';
import type { LabClusterView } from '../../lab-cluster';
import type { PodLogSource } from '../api/http-handler';
import type { KubeApi } from '../api/kube-api';
import { resourceForKind } from '../api/resource-registry';
import type { Condition, ContainerStatus, KubeObject, Pod } from '../api/types';
import type { EventRecorder } from './event-recorder';
import { hasEntrypointBanner, imageSize, parseImage } from './image-catalog';
import { WorkQueue, objectKey, splitKey } from './work-queue';

/** Lab durations of the pod start-up steps. */
export const KUBELET_TIMING = {
  sandboxMs: 1_000,
  pullBytesPerSecond: 21_000_000,
  startMs: 400,
  /** nginx exits on SIGQUIT within about a second; the grace period bounds it. */
  containerStopMs: 1_200,
  retryMs: 10_000,
  backoffStartMs: 10_000,
  backoffMaxMs: 300_000,
};

type Stage = 'new' | 'mounting' | 'pulling' | 'configuring' | 'running' | 'killing';

interface PodRuntime {
  uid: string;
  stage: Stage;
  timer?: LabTimer;
  backoffMs: number;
  ip?: string;
  logs: string[];
  followers: Set<(line: string) => void>;
  enders: Set<() => void>;
}

const SOURCE = (host: string) => ({ component: 'kubelet', host });

function hex(seed: string, n = 64): string {
  return createHash('sha256').update(seed).digest('hex').slice(0, n);
}

export class Kubelet implements PodLogSource {
  readonly queue: WorkQueue;
  #pods = new Map<string, PodRuntime>();
  /** Images present on each node. */
  #images = new Map<string, Set<string>>();
  #ipCounters = new Map<string, number>();
  #unsubscribe: (() => void)[] = [];
  readonly #onCluster = () => this.#resyncAll();

  constructor(
    private readonly api: KubeApi,
    private readonly clock: LabClock,
    private readonly cluster: LabClusterView,
    private readonly events: EventRecorder,
  ) {
    this.queue = new WorkQueue('kubelet', clock, (key) => this.#sync(key));
  }

  start(): void {
    this.#unsubscribe.push(
      this.api.store.subscribe('core/pods', (e) => {
        if (e.type === 'DELETED') this.#forget(e.object.metadata.uid!);
        else this.queue.add(objectKey(e.object.metadata.namespace, e.object.metadata.name!));
      }),
      this.api.store.subscribe('core/configmaps', () => this.#resyncWaiting()),
      this.api.store.subscribe('core/secrets', () => this.#resyncWaiting()),
    );
    this.cluster.on('change', this.#onCluster);
    this.#resyncAll();
  }

  stop(): void {
    for (const u of this.#unsubscribe) u();
    this.cluster.off('change', this.#onCluster);
    this.queue.stop();
    for (const rt of this.#pods.values()) {
      rt.timer?.cancel();
      for (const end of rt.enders) end();
    }
  }

  #forget(uid: string): void {
    const rt = this.#pods.get(uid);
    if (!rt) return;
    rt.timer?.cancel();
    for (const end of rt.enders) end();
    this.#pods.delete(uid);
  }

  #resyncAll(): void {
    for (const p of this.api.objects<Pod>('Pod')) this.queue.add(objectKey(p.metadata.namespace, p.metadata.name!));
  }

  #resyncWaiting(): void {
    for (const p of this.api.objects<Pod>('Pod')) {
      const rt = this.#pods.get(p.metadata.uid!);
      if (rt && (rt.stage === 'mounting' || rt.stage === 'configuring')) {
        rt.timer?.cancel();
        rt.timer = undefined;
        this.queue.add(objectKey(p.metadata.namespace, p.metadata.name!));
      }
    }
  }

  #nodeReady(name: string): boolean {
    return this.cluster.nodes().some((n) => n.name === name && n.ready);
  }

  #nodeIP(name: string): string {
    return this.cluster.nodes().find((n) => n.name === name)?.internalIP ?? '';
  }

  #allocateIP(node: string): string {
    const names = this.cluster.nodes().map((n) => n.name).sort();
    const block = 64 + ((names.indexOf(node) + 1) * 37) % 180;
    const n = (this.#ipCounters.get(node) ?? 0) + 1;
    this.#ipCounters.set(node, n);
    return `10.1.${block}.${((n - 1) % 250) + 2}`;
  }

  #later(rt: PodRuntime, key: string, ms: number, next: Stage): void {
    rt.timer?.cancel();
    rt.timer = this.clock.after(ms, () => {
      rt.timer = undefined;
      rt.stage = next;
      this.queue.add(key);
    });
  }

  #sync(key: string): void {
    const [namespace, name] = splitKey(key);
    const pod = this.api.tryGet<Pod>(resourceForKind('Pod'), namespace, name);
    if (!pod?.spec.nodeName) return;
    const node = pod.spec.nodeName;
    if (!this.#nodeReady(node)) return;
    let rt = this.#pods.get(pod.metadata.uid!);
    if (!rt) {
      rt = { uid: pod.metadata.uid!, stage: 'new', backoffMs: KUBELET_TIMING.backoffStartMs, logs: [], followers: new Set(), enders: new Set() };
      this.#pods.set(rt.uid, rt);
    }
    if (pod.metadata.deletionTimestamp) return this.#kill(pod, rt);
    if (rt.timer) return;
    switch (rt.stage) {
      case 'new':
        this.#setStatus(pod, { phase: 'Pending', waiting: { reason: 'ContainerCreating' } });
        rt.stage = 'mounting';
        return this.#later(rt, key, KUBELET_TIMING.sandboxMs, 'mounting');
      case 'mounting':
        return this.#mount(pod, rt, key);
      case 'pulling':
        return this.#pull(pod, rt, key);
      case 'configuring':
        return this.#configure(pod, rt, key);
      case 'running':
        return this.#ensureRunning(pod, rt);
      case 'killing':
        return;
    }
  }

  #mount(pod: Pod, rt: PodRuntime, key: string): void {
    for (const v of pod.spec.volumes ?? []) {
      const ref = v.configMap ? { kind: 'ConfigMap', name: v.configMap.name, optional: v.configMap.optional, what: 'configmap' } : v.secret ? { kind: 'Secret', name: v.secret.secretName, optional: v.secret.optional, what: 'secret' } : undefined;
      if (!ref || ref.optional) continue;
      if (!this.api.tryGet(resourceForKind(ref.kind), pod.metadata.namespace, ref.name)) {
        this.events.record(pod, 'Warning', 'FailedMount', `MountVolume.SetUp failed for volume "${v.name}" : ${ref.what} "${ref.name}" not found`, SOURCE(pod.spec.nodeName!));
        return this.#later(rt, key, KUBELET_TIMING.retryMs, 'mounting');
      }
    }
    rt.stage = 'pulling';
    this.#pull(pod, rt, key);
  }

  #pull(pod: Pod, rt: PodRuntime, key: string): void {
    const node = pod.spec.nodeName!;
    const images = this.#images.get(node) ?? new Set<string>();
    this.#images.set(node, images);
    for (const c of pod.spec.containers) {
      const ref = parseImage(c.image);
      const fieldPath = `spec.containers{${c.name}}`;
      const present = images.has(ref.full) && c.imagePullPolicy !== 'Always';
      if (present) continue;
      const size = imageSize(c.image);
      const status = pod.status?.containerStatuses?.find((s) => s.name === c.name);
      const waitingReason = (status?.state.waiting as { reason?: string } | undefined)?.reason;
      if (size === undefined) {
        if (waitingReason === 'ErrImagePull') {
          this.events.record(pod, 'Normal', 'BackOff', `Back-off pulling image "${c.image}"`, SOURCE(node), fieldPath);
          this.events.record(pod, 'Warning', 'Failed', 'Error: ImagePullBackOff', SOURCE(node), fieldPath);
          this.#setStatus(pod, { phase: 'Pending', waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${c.image}"` } });
          const wait = rt.backoffMs;
          rt.backoffMs = Math.min(rt.backoffMs * 2, KUBELET_TIMING.backoffMaxMs);
          return this.#later(rt, key, wait, 'pulling');
        }
        const err = `rpc error: code = NotFound desc = failed to pull and unpack image "${ref.full}": failed to resolve reference "${ref.full}": ${ref.full}: not found`;
        this.events.record(pod, 'Normal', 'Pulling', `Pulling image "${c.image}"`, SOURCE(node), fieldPath);
        this.events.record(pod, 'Warning', 'Failed', `Failed to pull image "${c.image}": ${err}`, SOURCE(node), fieldPath);
        this.events.record(pod, 'Warning', 'Failed', 'Error: ErrImagePull', SOURCE(node), fieldPath);
        this.#setStatus(pod, { phase: 'Pending', waiting: { reason: 'ErrImagePull', message: err } });
        return this.#later(rt, key, 1_000, 'pulling');
      }
      if (waitingReason !== 'Pulling') {
        this.events.record(pod, 'Normal', 'Pulling', `Pulling image "${c.image}"`, SOURCE(node), fieldPath);
        this.#setStatus(pod, { phase: 'Pending', waiting: { reason: 'ContainerCreating' }, pulling: c.name });
      }
      const ms = Math.round((size / KUBELET_TIMING.pullBytesPerSecond) * 1000);
      rt.timer = this.clock.after(ms, () => {
        rt.timer = undefined;
        images.add(ref.full);
        const secs = `${(ms / 1000).toFixed(ms < 1000 ? 3 : 1).replace(/\.?0+$/, '') || '0'}s`;
        this.events.record(pod, 'Normal', 'Pulled', `Successfully pulled image "${c.image}" in ${secs} (${secs} including waiting). Image size: ${size} bytes.`, SOURCE(node), fieldPath);
        this.queue.add(key);
      });
      return;
    }
    rt.stage = 'configuring';
    this.#configure(pod, rt, key);
  }

  #lookup(kind: 'ConfigMap' | 'Secret', namespace: string, name: string): KubeObject | undefined {
    return this.api.tryGet(resourceForKind(kind), namespace, name);
  }

  /** The first unresolvable env reference, in the kubelet's words. */
  #configError(pod: Pod): string | undefined {
    const ns = pod.metadata.namespace!;
    for (const c of pod.spec.containers) {
      for (const from of c.envFrom ?? []) {
        const ref = from.configMapRef ?? from.secretRef;
        const kind = from.configMapRef ? 'ConfigMap' : 'Secret';
        if (ref && !ref.optional && !this.#lookup(kind, ns, ref.name)) return `${kind === 'ConfigMap' ? 'configmap' : 'secret'} "${ref.name}" not found`;
      }
      for (const e of c.env ?? []) {
        const ref = e.valueFrom?.configMapKeyRef ?? e.valueFrom?.secretKeyRef;
        if (!ref || ref.optional) continue;
        const kind = e.valueFrom?.configMapKeyRef ? 'ConfigMap' : 'Secret';
        const o = this.#lookup(kind, ns, ref.name);
        if (!o) return `${kind === 'ConfigMap' ? 'configmap' : 'secret'} "${ref.name}" not found`;
        const data = { ...(o.data as Record<string, string> | undefined), ...(o.binaryData as Record<string, string> | undefined), ...(o.stringData as Record<string, string> | undefined) };
        if (!(ref.key in data)) return `couldn't find key ${ref.key} in ${kind} ${ns}/${ref.name}`;
      }
    }
    return undefined;
  }

  #configure(pod: Pod, rt: PodRuntime, key: string): void {
    const node = pod.spec.nodeName!;
    const err = this.#configError(pod);
    if (err) {
      const c = pod.spec.containers[0]!;
      this.events.record(pod, 'Normal', 'Pulled', `Container image "${c.image}" already present on machine`, SOURCE(node), `spec.containers{${c.name}}`);
      this.events.record(pod, 'Warning', 'Failed', `Error: ${err}`, SOURCE(node), `spec.containers{${c.name}}`);
      this.#setStatus(pod, { phase: 'Pending', waiting: { reason: 'CreateContainerConfigError', message: err } });
      return this.#later(rt, key, KUBELET_TIMING.retryMs, 'configuring');
    }
    rt.timer = this.clock.after(KUBELET_TIMING.startMs, () => {
      rt.timer = undefined;
      const current = this.api.tryGet<Pod>(resourceForKind('Pod'), pod.metadata.namespace, pod.metadata.name!);
      if (!current || current.metadata.uid !== rt.uid || current.metadata.deletionTimestamp) return this.queue.add(key);
      for (const c of current.spec.containers) {
        this.events.record(current, 'Normal', 'Created', `Created container: ${c.name}`, SOURCE(node), `spec.containers{${c.name}}`);
        this.events.record(current, 'Normal', 'Started', `Started container ${c.name}`, SOURCE(node), `spec.containers{${c.name}}`);
      }
      rt.ip ??= current.spec.hostNetwork ? this.#nodeIP(node) : this.#allocateIP(node);
      rt.stage = 'running';
      this.#startLogs(current, rt);
      this.#setStatus(current, { phase: 'Running', running: true, ip: rt.ip });
    });
  }

  /** After a node outage: report the containers ready again. */
  #ensureRunning(pod: Pod, rt: PodRuntime): void {
    const ready = pod.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
    if (!ready) this.#setStatus(pod, { phase: 'Running', running: true, ip: rt.ip });
  }

  #kill(pod: Pod, rt: PodRuntime): void {
    if (rt.stage === 'killing') return;
    const wasRunning = rt.stage === 'running';
    rt.timer?.cancel();
    rt.stage = 'killing';
    if (wasRunning) {
      for (const c of pod.spec.containers) this.events.record(pod, 'Normal', 'Killing', `Stopping container ${c.name}`, SOURCE(pod.spec.nodeName!), `spec.containers{${c.name}}`);
    }
    const grace = (pod.metadata.deletionGracePeriodSeconds ?? 30) * 1000;
    const stopMs = wasRunning ? Math.min(grace, KUBELET_TIMING.containerStopMs) : Math.min(grace, 200);
    rt.timer = this.clock.after(stopMs, () => {
      rt.timer = undefined;
      for (const end of rt.enders) end();
      const current = this.api.tryGet<Pod>(resourceForKind('Pod'), pod.metadata.namespace, pod.metadata.name!);
      if (current?.metadata.uid === rt.uid) {
        if (current.metadata.finalizers?.length) {
          this.#setStatus(current, { phase: 'Succeeded', terminated: true });
        } else this.api.forceRemove('Pod', pod.metadata.namespace, pod.metadata.name!);
      }
      this.#pods.delete(rt.uid);
    });
  }

  #setStatus(
    pod: Pod,
    s: { phase: string; waiting?: { reason: string; message?: string }; running?: boolean; terminated?: boolean; ip?: string; pulling?: string },
  ): void {
    const node = pod.spec.nodeName!;
    const now = this.api.timestamp();
    this.api.mutate<Pod>(
      'Pod',
      pod.metadata.namespace,
      pod.metadata.name!,
      (p) => {
        const old = p.status ?? {};
        const ready = !!s.running;
        const cond = (type: string, status: boolean, reason?: string, message?: string): Condition => {
          const prev = old.conditions?.find((c) => c.type === type);
          const st = status ? 'True' : 'False';
          const c: Condition = { type, status: st, lastProbeTime: null, lastTransitionTime: prev?.status === st ? prev.lastTransitionTime : now };
          if (!status && reason) Object.assign(c, { reason, message });
          return c;
        };
        const names = p.spec.containers.map((c) => c.name).join(' ');
        const started = !!s.running;
        p.status = {
          ...old,
          phase: s.phase,
          conditions: [
            cond('PodReadyToStartContainers', true),
            cond('Initialized', true),
            cond('Ready', ready, 'ContainersNotReady', `containers with unready status: [${names}]`),
            cond('ContainersReady', ready, 'ContainersNotReady', `containers with unready status: [${names}]`),
            cond('PodScheduled', true),
          ],
          hostIP: this.#nodeIP(node),
          hostIPs: [{ ip: this.#nodeIP(node) }],
          startTime: old.startTime ?? now,
          qosClass: qosClass(p),
          containerStatuses: p.spec.containers.map((c): ContainerStatus => {
            const prev = old.containerStatuses?.find((x) => x.name === c.name);
            const ref = parseImage(c.image);
            const status: ContainerStatus = {
              name: c.name,
              image: ref.full,
              imageID: started ? `${ref.repository}@sha256:${hex(ref.full)}` : '',
              ready,
              started,
              restartCount: prev?.restartCount ?? 0,
              state: s.terminated
                ? { terminated: { exitCode: 0, reason: 'Completed', startedAt: now, finishedAt: now } }
                : started
                  ? { running: { startedAt: (prev?.state.running as { startedAt?: string } | undefined)?.startedAt ?? now } }
                  : { waiting: s.waiting ? { ...s.waiting } : { reason: 'ContainerCreating' } },
              lastState: {},
            };
            if (started) status.containerID = `containerd://${hex(`${p.metadata.uid}/${c.name}`)}`;
            return status;
          }),
        };
        if (s.pulling) (p.status.containerStatuses!.find((c) => c.name === s.pulling)!.state.waiting as { reason: string }).reason = 'ContainerCreating';
        if (s.ip) {
          p.status.podIP = s.ip;
          p.status.podIPs = [{ ip: s.ip }];
        }
      },
      'status',
    );
  }

  // --- logs -------------------------------------------------------------------------------

  #startLogs(pod: Pod, rt: PodRuntime): void {
    const c = pod.spec.containers[0];
    if (!c || !parseImage(c.image).repository.endsWith('/nginx') || !hasEntrypointBanner(c.image)) return;
    const t = new Date(this.clock.wallNow());
    const stamp = `${t.getUTCFullYear()}/${pad(t.getUTCMonth() + 1)}/${pad(t.getUTCDate())} ${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())}`;
    const lines = [
      '/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration',
      '/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/',
      '/docker-entrypoint.sh: Launching /docker-entrypoint.d/10-listen-on-ipv6-by-default.sh',
      '10-listen-on-ipv6-by-default.sh: info: Getting the checksum of /etc/nginx/conf.d/default.conf',
      '10-listen-on-ipv6-by-default.sh: info: Enabled listen on IPv6 in /etc/nginx/conf.d/default.conf',
      '/docker-entrypoint.sh: Launching /docker-entrypoint.d/20-envsubst-on-templates.sh',
      '/docker-entrypoint.sh: Launching /docker-entrypoint.d/30-tune-worker-processes.sh',
      '/docker-entrypoint.sh: Configuration complete; ready for start up',
      `${stamp} [notice] 1#1: using the "epoll" event method`,
      `${stamp} [notice] 1#1: start worker processes`,
    ];
    for (const l of lines) this.#log(rt, l);
  }

  #log(rt: PodRuntime, line: string): void {
    rt.logs.push(line);
    if (rt.logs.length > 5000) rt.logs.splice(0, rt.logs.length - 5000);
    for (const f of rt.followers) f(line);
  }

  /** One nginx access-log line for a request from `clientIP` (combined format, as the image logs). */
  logRequest(pod: Pod, clientIP: string, path = '/', status = 200, bytes = 615): void {
    const rt = this.#pods.get(pod.metadata.uid!);
    if (!rt || rt.stage !== 'running') return;
    const t = new Date(this.clock.wallNow());
    const month = t.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
    const stamp = `${pad(t.getUTCDate())}/${month}/${t.getUTCFullYear()}:${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())} +0000`;
    this.#log(rt, `${clientIP} - - [${stamp}] "GET ${path} HTTP/1.1" ${status} ${bytes} "-" "curl/8.5.0" "-"`);
  }

  #runtimeOf(namespace: string, name: string): PodRuntime | undefined {
    const pod = this.api.tryGet<Pod>(resourceForKind('Pod'), namespace, name);
    return pod ? this.#pods.get(pod.metadata.uid!) : undefined;
  }

  read(namespace: string, pod: string, options: { tailLines?: number }): string {
    const lines = this.#runtimeOf(namespace, pod)?.logs ?? [];
    const shown = options.tailLines !== undefined ? lines.slice(Math.max(0, lines.length - options.tailLines)) : lines;
    return shown.map((l) => l + '\n').join('');
  }

  follow(namespace: string, pod: string, onLine: (line: string) => void, onEnd: () => void): () => void {
    const rt = this.#runtimeOf(namespace, pod);
    if (!rt) {
      onEnd();
      return () => {};
    }
    rt.followers.add(onLine);
    rt.enders.add(onEnd);
    return () => {
      rt.followers.delete(onLine);
      rt.enders.delete(onEnd);
    };
  }
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function qosClass(pod: Pod): string {
  let any = false;
  let guaranteed = true;
  for (const c of pod.spec.containers) {
    const r = c.resources?.requests ?? {};
    const l = c.resources?.limits ?? {};
    if (Object.keys(r).length || Object.keys(l).length) any = true;
    for (const res of ['cpu', 'memory']) {
      if (l[res] === undefined || (r[res] !== undefined && String(r[res]) !== String(l[res]))) guaranteed = false;
    }
  }
  return !any ? 'BestEffort' : guaranteed ? 'Guaranteed' : 'Burstable';
}
