/**
 * READY, STATUS and RESTARTS of a pod exactly as `kubectl get pods` shows them: a port of
 * `printPod` in kubernetes `pkg/printers/internalversion/printers.go` (1.32), including init
 * containers (`Init:0/1`, `Init:ErrImagePull`), sidecars (restartable init containers),
 * waiting reasons (ContainerCreating, ErrImagePull, ImagePullBackOff, CrashLoopBackOff),
 * terminated reasons (Completed, Error, `ExitCode:1`, `Signal:9`), `NotReady`, `Terminating`
 * and `Unknown` (NodeLost).
 */

export interface ContainerStateJson {
  waiting?: { reason?: string; message?: string };
  running?: { startedAt?: string };
  terminated?: { reason?: string; message?: string; exitCode?: number; signal?: number; finishedAt?: string; startedAt?: string };
}

export interface ContainerStatusJson {
  name: string;
  image?: string;
  ready?: boolean;
  started?: boolean;
  restartCount?: number;
  state?: ContainerStateJson;
  lastState?: ContainerStateJson;
}

export interface PodJson {
  metadata: { name?: string; deletionTimestamp?: string };
  spec?: { containers?: { name: string; image?: string }[]; initContainers?: { name: string; restartPolicy?: string }[]; nodeName?: string };
  status?: {
    phase?: string;
    reason?: string;
    conditions?: { type: string; status: string; reason?: string }[];
    containerStatuses?: ContainerStatusJson[];
    initContainerStatuses?: ContainerStatusJson[];
  };
}

export interface PodDisplayStatus {
  status: string;
  ready: number;
  total: number;
  restarts: number;
  /** When the most recent restart counted in `restarts` ended (kubectl's `3 (2m ago)`). */
  lastRestartAt?: string;
}

const NODE_UNREACHABLE_REASON = 'NodeLost';

const later = (a: string | undefined, b: string | undefined) => (!a ? b : !b ? a : Date.parse(b) > Date.parse(a) ? b : a);

export function podDisplayStatus(pod: PodJson): PodDisplayStatus {
  const spec = pod.spec ?? {};
  const status = pod.status ?? {};
  let restarts = 0;
  let restartableInitRestarts = 0;
  let total = (spec.containers ?? []).length;
  let ready = 0;
  let lastRestart: string | undefined;
  let lastRestartableInitRestart: string | undefined;

  const phase = status.phase ?? '';
  let reason = status.reason || phase;
  if ((status.conditions ?? []).some((c) => c.type === 'PodScheduled' && c.reason === 'SchedulingGated')) reason = 'SchedulingGated';

  const restartable = new Set((spec.initContainers ?? []).filter((c) => c.restartPolicy === 'Always').map((c) => c.name));
  total += restartable.size;

  let initializing = false;
  const initStatuses = status.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const c = initStatuses[i]!;
    restarts += c.restartCount ?? 0;
    const lastTerminated = c.lastState?.terminated?.finishedAt;
    if (lastTerminated) lastRestart = later(lastRestart, lastTerminated);
    if (restartable.has(c.name)) {
      restartableInitRestarts += c.restartCount ?? 0;
      if (lastTerminated) lastRestartableInitRestart = later(lastRestartableInitRestart, lastTerminated);
    }
    const t = c.state?.terminated;
    const w = c.state?.waiting;
    if (t && (t.exitCode ?? 0) === 0) continue;
    if (restartable.has(c.name) && c.started) {
      if (c.ready) ready++;
      continue;
    }
    if (t) {
      if (!t.reason) reason = t.signal ? `Init:Signal:${t.signal}` : `Init:ExitCode:${t.exitCode ?? 0}`;
      else reason = `Init:${t.reason}`;
      initializing = true;
    } else if (w?.reason && w.reason !== 'PodInitializing') {
      reason = `Init:${w.reason}`;
      initializing = true;
    } else {
      reason = `Init:${i}/${(spec.initContainers ?? []).length}`;
      initializing = true;
    }
    break;
  }

  const initialized = (status.conditions ?? []).some((c) => c.type === 'Initialized' && c.status === 'True');
  if (!initializing || initialized) {
    restarts = restartableInitRestarts;
    lastRestart = lastRestartableInitRestart;
    let hasRunning = false;
    const statuses = status.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i]!;
      restarts += c.restartCount ?? 0;
      const lastTerminated = c.lastState?.terminated?.finishedAt;
      if (lastTerminated) lastRestart = later(lastRestart, lastTerminated);
      const w = c.state?.waiting;
      const t = c.state?.terminated;
      if (w?.reason) reason = w.reason;
      else if (t?.reason) reason = t.reason;
      else if (t) reason = t.signal ? `Signal:${t.signal}` : `ExitCode:${t.exitCode ?? 0}`;
      else if (c.ready && c.state?.running) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === 'Completed' && hasRunning) {
      reason = (status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True') ? 'Running' : 'NotReady';
    }
  }

  if (pod.metadata.deletionTimestamp && status.reason === NODE_UNREACHABLE_REASON) reason = 'Unknown';
  else if (pod.metadata.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';

  const out: PodDisplayStatus = { status: reason, ready, total, restarts };
  if (restarts !== 0 && lastRestart) out.lastRestartAt = lastRestart;
  return out;
}
