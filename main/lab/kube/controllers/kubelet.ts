/**
 * The kubelets of the lab's nodes (one object serves every node). A bound pod on a Ready node
 * goes Pending/ContainerCreating (volumes mounted: ConfigMaps and Secrets must exist) -> image
 * pull (real nginx tags; unknown tags end in ErrImagePull / ImagePullBackOff) -> container
 * config (env from ConfigMaps/Secrets, else CreateContainerConfigError) -> containers started in
 * the lab's container runtime (runtime/pod-sandbox.ts): Running and Ready, or exited (Completed /
 * Error) and restarted per restartPolicy with CrashLoopBackOff's back-off. Mounted ConfigMaps and
 * Secrets reach running containers' files after the kubelet's sync delay; env vars never change.
 * Deleted pods stop their containers (Killing) and disappear within their grace period. Events,
 * reasons and messages are the kubelet's. Also the containers' logs and `kubectl exec` targets.
 */
import { createHash } from 'node:crypto';
import type { LabClock, LabTimer } from '../../lab-clock';
import type { LabClusterView } from '../../lab-cluster';
import type { KubeApi } from '../api/kube-api';
import { resourceForKind } from '../api/resource-registry';
import { StatusError, badRequest } from '../api/status-errors';
import type { Condition, ContainerStatus, KubeObject, Pod } from '../api/types';
import type { LogQuery } from '../runtime/container-logs';
import type { ContainerLog } from '../runtime/container-logs';
import { renderLines, selectLines } from '../runtime/container-logs';
import type { ContainerInstance } from '../runtime/pod-sandbox';
import { PodSandbox } from '../runtime/pod-sandbox';
import type { EventRecorder } from './event-recorder';
import { imageSize, parseImage } from './image-catalog';
import { DeferredWork, WorkQueue, objectKey, splitKey } from './work-queue';

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

type Stage = 'new' | 'mounting' | 'pulling' | 'configuring' | 'starting' | 'running' | 'killing';

/** A container's state as the kubelet reports it (containerStatuses). */
interface ContainerState {
  restartCount: number;
  state: 'running' | 'terminated' | 'waiting';
  startedAt?: string;
  finishedAt?: string;
  exitCode?: number;
  /** The terminated state's reason (Completed, Error). */
  reason?: string;
  /** The waiting state's reason (CrashLoopBackOff) and message. */
  waitingReason?: string;
  message?: string;
  last?: { exitCode: number; reason: string; startedAt: string; finishedAt: string; containerID: string };
  timer?: LabTimer;
}

interface PodRuntime {
  uid: string;
  stage: Stage;
  timer?: LabTimer;
  backoffMs: number;
  ip?: string;
  sandbox?: PodSandbox;
  containers: Map<string, ContainerState>;
  /** Volume refreshes waiting for the kubelet's sync (ConfigMap/Secret changed). */
  refresh?: LabTimer;
}

/** How `kubectl logs` asks for lines (PodLogOptions). */
export interface PodLogRequest extends LogQuery {
  container?: string;
  previous?: boolean;
  follow?: boolean;
}

export interface PodLogAnswer {
  text: string;
  /** With `follow`: stream later lines until the container stops; returns a stop function. */
  follow?: (onText: (text: string) => void, onEnd: () => void) => () => void;
}

/** A running container `kubectl exec` can enter. */
export interface ExecTarget {
  pod: Pod;
  sandbox: PodSandbox;
  instance: ContainerInstance;
}

/** Seconds of the kubelet's ConfigMap/Secret volume sync: sync period plus cache TTL (60-90 s). */
export const VOLUME_SYNC_MS = { min: 60_000, spread: 30_000 };

/** Go's time.Duration text for back-off messages (10s, 1m20s, 5m0s). */
function goDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${s % 60}s`;
}

const SOURCE = (host: string) => ({ component: 'kubelet', host });

const hexCache = new Map<string, string>();

/** Container and image ids from seeds (memoised: every status write rebuilds them). */
function hex(seed: string, n = 64): string {
  let full = hexCache.get(seed);
  if (full === undefined) {
    full = createHash('sha256').update(seed).digest('hex');
    if (hexCache.size > 20_000) hexCache.clear();
    hexCache.set(seed, full);
  }
  return full.slice(0, n);
}

export class Kubelet {
  readonly queue: WorkQueue;
  /** Container starts whose timer fell due, run in slices (pod-sandbox work is the kubelet's heaviest). */
  readonly #starts = new DeferredWork('kubelet');
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
      this.api.store.subscribe('core/configmaps', (e) => {
        this.#resyncWaiting();
        this.#scheduleVolumeRefresh('ConfigMap', e.object);
      }),
      this.api.store.subscribe('core/secrets', (e) => {
        this.#resyncWaiting();
        this.#scheduleVolumeRefresh('Secret', e.object);
      }),
    );
    this.cluster.on('change', this.#onCluster);
    this.#resyncAll();
  }

  stop(): void {
    for (const u of this.#unsubscribe) u();
    this.cluster.off('change', this.#onCluster);
    this.queue.stop();
    this.#starts.stop();
    for (const rt of this.#pods.values()) this.#release(rt);
  }

  #release(rt: PodRuntime): void {
    rt.timer?.cancel();
    rt.refresh?.cancel();
    for (const c of rt.containers.values()) c.timer?.cancel();
    rt.sandbox?.stop();
  }

  #forget(uid: string): void {
    const rt = this.#pods.get(uid);
    if (!rt) return;
    this.#release(rt);
    this.#pods.delete(uid);
  }

  /** A changed ConfigMap/Secret reaches the files of running pods that mount it after the sync delay. */
  #scheduleVolumeRefresh(kind: 'ConfigMap' | 'Secret', o: KubeObject): void {
    for (const p of this.api.objects<Pod>('Pod', o.metadata.namespace)) {
      const rt = this.#pods.get(p.metadata.uid!);
      if (!rt?.sandbox || rt.refresh) continue;
      const volumes = PodSandbox.volumesUsing(p, kind, o.metadata.name!);
      if (!volumes.size) continue;
      rt.refresh = this.clock.after(VOLUME_SYNC_MS.min + Math.random() * VOLUME_SYNC_MS.spread, () => {
        rt.refresh = undefined;
        const current = this.api.tryGet<Pod>(resourceForKind('Pod'), p.metadata.namespace, p.metadata.name!);
        if (current && current.metadata.uid === rt.uid) rt.sandbox?.refreshVolumes(current, new Set((current.spec.volumes ?? []).map((v) => v.name)));
      });
    }
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

  #blocks = new Map<string, number>();

  /** The node's pod address block (third octet of 10.1.x.0/24), fixed once the node is first seen. */
  #block(node: string): number {
    let block = this.#blocks.get(node);
    if (block === undefined) {
      const names = this.cluster.nodes().map((n) => n.name).sort();
      block = 64 + ((names.indexOf(node) + 1) * 37) % 180;
      while ([...this.#blocks.values()].includes(block)) block = 64 + ((block - 64 + 37) % 180);
      this.#blocks.set(node, block);
    }
    return block;
  }

  #allocateIP(node: string): string {
    const block = this.#block(node);
    const n = (this.#ipCounters.get(node) ?? 0) + 1;
    this.#ipCounters.set(node, n);
    return `10.1.${block}.${((n - 1) % 250) + 2}`;
  }

  /**
   * The address traffic from `node` to a pod carries after kube-proxy's SNAT (NodePort and
   * LoadBalancer traffic is masqueraded): the node's vxlan.calico tunnel address, 10.1.<block>.1.
   */
  nodeTunnelIP(node: string): string {
    return `10.1.${this.#block(node)}.1`;
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
    // Read-only (the stored object): every step writes through api.mutate.
    const pod = this.api.tryRead<Pod>(resourceForKind('Pod'), namespace, name);
    if (!pod?.spec.nodeName) return;
    const node = pod.spec.nodeName;
    if (!this.#nodeReady(node)) return;
    let rt = this.#pods.get(pod.metadata.uid!);
    if (!rt) {
      rt = { uid: pod.metadata.uid!, stage: 'new', backoffMs: KUBELET_TIMING.backoffStartMs, containers: new Map() };
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
      case 'starting':
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
    const start = () => {
      // A newer step (kill, a resync of waiting pods) replaced this timer while the start waited.
      if (rt.timer !== timer || this.#pods.get(rt.uid) !== rt || rt.stage !== 'configuring') return;
      rt.timer = undefined;
      const current = this.api.tryGet<Pod>(resourceForKind('Pod'), pod.metadata.namespace, pod.metadata.name!);
      if (!current || current.metadata.uid !== rt.uid || current.metadata.deletionTimestamp) return this.queue.add(key);
      rt.ip ??= current.spec.hostNetwork ? this.#nodeIP(node) : this.#allocateIP(node);
      rt.sandbox ??= new PodSandbox({ api: this.api, wallNow: () => this.clock.wallNow(), kernel: this.#kernel(node) }, rt.ip);
      rt.stage = 'starting';
      void this.#startAll(current, rt, key);
    };
    // The timer stays set until the start runs: #sync leaves the pod alone meanwhile, as before.
    const timer = this.clock.after(KUBELET_TIMING.startMs, () => this.#starts.run(start));
    rt.timer = timer;
  }

  #kernel(node: string): string {
    return this.cluster.nodes().find((n) => n.name === node)?.kernelVersion || '6.8.0-1012-raspi';
  }

  async #startAll(pod: Pod, rt: PodRuntime, key: string): Promise<void> {
    for (const c of pod.spec.containers) await this.#startContainer(pod, rt, c.name, false);
    if (rt.stage === 'starting') rt.stage = 'running';
    this.#report(pod, rt);
    this.queue.add(key);
  }

  /** Start (or restart) one container in the sandbox and record how it went. */
  async #startContainer(pod: Pod, rt: PodRuntime, name: string, restart: boolean): Promise<void> {
    const node = pod.spec.nodeName!;
    const c = pod.spec.containers.find((x) => x.name === name);
    if (!c || !rt.sandbox) return;
    const fieldPath = `spec.containers{${c.name}}`;
    if (restart) this.events.record(pod, 'Normal', 'Pulled', `Container image "${c.image}" already present on machine`, SOURCE(node), fieldPath);
    this.events.record(pod, 'Normal', 'Created', `Created container: ${c.name}`, SOURCE(node), fieldPath);
    this.events.record(pod, 'Normal', 'Started', `Started container ${c.name}`, SOURCE(node), fieldPath);
    const state = rt.containers.get(name) ?? { restartCount: 0, state: 'waiting' };
    rt.containers.set(name, state);
    const startedAt = this.api.timestamp();
    const outcome = await rt.sandbox.start(pod, c);
    const inst = rt.sandbox.containers.get(name);
    if (inst) inst.onExit = (code) => this.#exited(pod.metadata.namespace!, pod.metadata.name!, rt, name, code, 'Completed');
    if (outcome.running) {
      Object.assign(state, { state: 'running', startedAt, finishedAt: undefined, exitCode: undefined, reason: undefined, message: undefined });
      return;
    }
    Object.assign(state, { state: 'terminated', startedAt, finishedAt: this.api.timestamp(), exitCode: outcome.exitCode, reason: outcome.reason, message: undefined });
    this.#scheduleRestart(pod, rt, name);
  }

  /** A running container's process ended by itself (nginx -s stop). */
  #exited(namespace: string, podName: string, rt: PodRuntime, name: string, exitCode: number, reason: string): void {
    const state = rt.containers.get(name);
    const pod = this.api.tryGet<Pod>(resourceForKind('Pod'), namespace, podName);
    if (!state || !pod || pod.metadata.uid !== rt.uid) return;
    Object.assign(state, { state: 'terminated', finishedAt: this.api.timestamp(), exitCode, reason });
    this.#report(pod, rt);
    this.#scheduleRestart(pod, rt, name);
  }

  /** restartPolicy and CrashLoopBackOff: restart at once the first time, then after 10 s, 20 s, ... 5 min. */
  #scheduleRestart(pod: Pod, rt: PodRuntime, name: string): void {
    const state = rt.containers.get(name)!;
    const policy = String(pod.spec.restartPolicy ?? 'Always');
    if (policy === 'Never' || (policy === 'OnFailure' && state.exitCode === 0)) return;
    const node = pod.spec.nodeName!;
    const delay = state.restartCount === 0 ? 0 : Math.min(KUBELET_TIMING.backoffStartMs * 2 ** (state.restartCount - 1), KUBELET_TIMING.backoffMaxMs);
    const key = objectKey(pod.metadata.namespace, pod.metadata.name!);
    state.timer?.cancel();
    state.timer = this.clock.after(1_000, () => {
      state.timer = undefined;
      const current = this.api.tryGet<Pod>(resourceForKind('Pod'), pod.metadata.namespace, pod.metadata.name!);
      if (!current || current.metadata.uid !== rt.uid || current.metadata.deletionTimestamp || rt.stage === 'killing') return;
      const terminated = { exitCode: state.exitCode ?? 0, reason: state.reason ?? 'Error', startedAt: state.startedAt ?? '', finishedAt: state.finishedAt ?? '', containerID: `containerd://${hex(`${rt.uid}/${name}/${state.restartCount}`)}` };
      const restart = async () => {
        state.timer = undefined;
        const now = this.api.tryGet<Pod>(resourceForKind('Pod'), pod.metadata.namespace, pod.metadata.name!);
        if (!now || now.metadata.uid !== rt.uid || now.metadata.deletionTimestamp || rt.stage === 'killing') return;
        state.last = terminated;
        state.restartCount++;
        await this.#startContainer(now, rt, name, true);
        this.#report(now, rt);
        this.queue.add(key);
      };
      if (delay === 0) return void restart();
      Object.assign(state, {
        state: 'waiting',
        waitingReason: 'CrashLoopBackOff',
        message: `back-off ${goDuration(delay)} restarting failed container=${name} pod=${current.metadata.name}_${current.metadata.namespace}(${rt.uid})`,
        last: terminated,
      });
      this.events.record(current, 'Warning', 'BackOff', `Back-off restarting failed container ${name} in pod ${current.metadata.name}_${current.metadata.namespace}(${rt.uid})`, SOURCE(node), `spec.containers{${name}}`);
      this.#report(current, rt);
      state.timer = this.clock.after(delay, () => void restart());
    });
  }

  /** Write the pod's status from its containers' states. */
  #report(pod: Pod, rt: PodRuntime): void {
    const states = pod.spec.containers.map((c) => rt.containers.get(c.name));
    const allRunning = states.every((s) => s?.state === 'running');
    const policy = String(pod.spec.restartPolicy ?? 'Always');
    const allDone = states.every((s) => s?.state === 'terminated');
    let phase = 'Running';
    if (allDone && (policy === 'Never' || (policy === 'OnFailure' && states.every((s) => s?.exitCode === 0)))) phase = states.every((s) => s?.exitCode === 0) ? 'Succeeded' : 'Failed';
    this.#setStatus(pod, { phase, running: allRunning, ip: rt.ip, containers: rt.containers });
  }

  /** After a node outage: report the containers ready again. */
  #ensureRunning(pod: Pod, rt: PodRuntime): void {
    const ready = pod.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
    const allRunning = pod.spec.containers.every((c) => rt.containers.get(c.name)?.state === 'running');
    if (!ready && allRunning) this.#report(pod, rt);
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
    for (const c of rt.containers.values()) c.timer?.cancel();
    rt.timer = this.clock.after(stopMs, () => {
      rt.timer = undefined;
      rt.sandbox?.stop();
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
    s: { phase: string; waiting?: { reason: string; message?: string }; running?: boolean; terminated?: boolean; ip?: string; pulling?: string; containers?: Map<string, ContainerState> },
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
        const names = p.spec.containers.filter((c) => !s.containers || s.containers.get(c.name)?.state !== 'running').map((c) => c.name).join(' ');
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
            const cs = s.containers?.get(c.name);
            if (cs) {
              const id = `containerd://${hex(`${p.metadata.uid}/${c.name}/${cs.restartCount}`)}`;
              status.restartCount = cs.restartCount;
              status.imageID = `${ref.repository}@sha256:${hex(ref.full)}`;
              status.ready = cs.state === 'running';
              status.started = cs.state === 'running';
              if (cs.state === 'running') {
                status.state = { running: { startedAt: cs.startedAt } };
                status.containerID = id;
              } else if (cs.state === 'terminated') {
                status.state = { terminated: { exitCode: cs.exitCode, reason: cs.reason, startedAt: cs.startedAt, finishedAt: cs.finishedAt, containerID: id } };
                status.containerID = id;
              } else {
                status.state = { waiting: { reason: cs.waitingReason, message: cs.message } };
                delete status.containerID;
              }
              status.lastState = cs.last ? { terminated: cs.last } : {};
            }
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

  // --- logs, exec, connections ---------------------------------------------------------

  #runtimeOf(namespace: string, name: string): { pod: Pod; rt: PodRuntime | undefined } | undefined {
    const pod = this.api.tryGet<Pod>(resourceForKind('Pod'), namespace, name);
    return pod ? { pod, rt: this.#pods.get(pod.metadata.uid!) } : undefined;
  }

  /** The container `kubectl logs`/`exec` addresses (the named one, or the only one). */
  #containerName(pod: Pod, container: string | undefined): string {
    const names = pod.spec.containers.map((c) => c.name);
    if (container) {
      if (!names.includes(container)) throw badRequest(`container ${container} is not valid for pod ${pod.metadata.name}`);
      return container;
    }
    if (names.length === 1) return names[0]!;
    throw badRequest(`a container name must be specified for pod ${pod.metadata.name}, choose one of: [${names.join(' ')}]`);
  }

  /** `GET .../pods/<name>/log`: the container's lines, upstream's errors when there are none. */
  logs(namespace: string, podName: string, q: PodLogRequest): PodLogAnswer {
    const found = this.#runtimeOf(namespace, podName);
    if (!found) throw new StatusError(404, 'NotFound', `pods "${podName}" not found`, { name: podName, kind: 'pods' });
    const { pod, rt } = found;
    const name = this.#containerName(pod, q.container);
    const inst = rt?.sandbox?.containers.get(name);
    if (q.previous) {
      const prev = inst?.previousLog;
      if (!prev) throw badRequest(`previous terminated container "${name}" in pod "${podName}" not found`);
      return { text: renderLines(selectLines(prev.lines, q), q) };
    }
    if (!inst) {
      const waiting = (pod.status?.containerStatuses?.find((c) => c.name === name)?.state.waiting as { reason?: string } | undefined)?.reason ?? 'ContainerCreating';
      const why = waiting === 'ErrImagePull' || waiting === 'ImagePullBackOff' ? 'trying and failing to pull image' : waiting;
      throw badRequest(`container "${name}" in pod "${podName}" is waiting to start: ${why}`);
    }
    const log: ContainerLog = inst.log;
    const answer: PodLogAnswer = { text: renderLines(selectLines(log.lines, q), q) };
    if (q.follow && inst.running) {
      answer.follow = (onText, onEnd) => {
        let budget = q.limitBytes !== undefined ? q.limitBytes - Buffer.byteLength(answer.text) : Infinity;
        return log.follow(
          (line) => {
            if (q.stream === 'Stdout' && line.stream !== 'stdout') return;
            if (q.stream === 'Stderr' && line.stream !== 'stderr') return;
            if (budget <= 0) return;
            let text = renderLines([line], { timestamps: q.timestamps });
            if (Buffer.byteLength(text) > budget) text = Buffer.from(text).subarray(0, budget).toString('utf8');
            budget -= Buffer.byteLength(text);
            onText(text);
            if (budget <= 0) onEnd();
          },
          onEnd,
        );
      };
    }
    return answer;
  }

  /** The running container `kubectl exec` enters, or upstream's refusal. */
  execTarget(namespace: string, podName: string, container: string | undefined): ExecTarget {
    const found = this.#runtimeOf(namespace, podName);
    if (!found) throw new StatusError(404, 'NotFound', `pods "${podName}" not found`, { name: podName, kind: 'pods' });
    const { pod, rt } = found;
    const phase = pod.status?.phase ?? 'Pending';
    if (phase === 'Succeeded' || phase === 'Failed') throw badRequest(`cannot exec into a container in a completed pod; current phase is ${phase}`);
    const name = this.#containerName(pod, container);
    const inst = rt?.sandbox?.containers.get(name);
    if (!inst?.running || !rt?.sandbox) throw badRequest(`unable to upgrade connection: container not found ("${name}")`);
    return { pod, sandbox: rt.sandbox, instance: inst };
  }

  /**
   * The container serving TCP `port` at pod address `ip`, for the Service data plane: its nginx
   * process, or undefined when nothing listens there (the connection is refused).
   */
  serverAt(ip: string, port: number): { pod: Pod; instance: ContainerInstance } | undefined {
    for (const rt of this.#pods.values()) {
      if (rt.ip !== ip || rt.stage !== 'running' || !rt.sandbox) continue;
      for (const inst of rt.sandbox.containers.values()) {
        if (inst.running && inst.nginx?.ports().includes(port)) {
          const pod = this.api.objects<Pod>('Pod').find((p) => p.metadata.uid === rt.uid);
          if (pod) return { pod, instance: inst };
        }
      }
    }
    return undefined;
  }

  /** Simulated traffic (metrics-server load): one `GET /` answered by the pod's nginx, as a client at `clientIP` would get it. */
  logRequest(pod: Pod, clientIP: string): void {
    const rt = this.#pods.get(pod.metadata.uid!);
    if (!rt || rt.stage !== 'running' || !rt.sandbox) return;
    for (const inst of rt.sandbox.containers.values()) {
      const nginx = inst.running ? inst.nginx : undefined;
      const port = nginx?.ports()[0];
      if (!nginx || port === undefined) continue;
      nginx.handle({ method: 'GET', target: '/', version: 'HTTP/1.1', headers: [['host', rt.ip ?? ''], ['user-agent', 'hey/0.0.1']], body: Buffer.alloc(0) }, clientIP, port, nginx.nextConnection());
      return;
    }
  }
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
