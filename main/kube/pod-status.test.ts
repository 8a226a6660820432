/**
 * READY / STATUS / RESTARTS as kubectl prints them, for the pod states the lessons meet and the
 * corner cases of upstream's printPod (init containers, sidecars, signals, NodeLost).
 */
import { describe, expect, it } from 'vitest';
import type { ContainerStatusJson, PodJson } from './pod-status';
import { podDisplayStatus } from './pod-status';

const T = '2026-08-21T10:00:00Z';

function pod(status: PodJson['status'], extra: Partial<PodJson> = {}): PodJson {
  return { metadata: { name: 'p', ...extra.metadata }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.14.2' }], ...extra.spec }, status };
}

const running: ContainerStatusJson = { name: 'nginx', ready: true, restartCount: 0, state: { running: { startedAt: T } } };
const waiting = (reason: string): ContainerStatusJson => ({ name: 'nginx', ready: false, restartCount: 0, state: { waiting: { reason } } });

describe('podDisplayStatus', () => {
  it.each([
    ['Running', pod({ phase: 'Running', containerStatuses: [running] }), { status: 'Running', ready: 1, total: 1, restarts: 0 }],
    ['Pending, not scheduled', pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }] }), { status: 'Pending', ready: 0, total: 1, restarts: 0 }],
    ['ContainerCreating', pod({ phase: 'Pending', containerStatuses: [waiting('ContainerCreating')] }), { status: 'ContainerCreating', ready: 0, total: 1, restarts: 0 }],
    ['ErrImagePull', pod({ phase: 'Pending', containerStatuses: [waiting('ErrImagePull')] }), { status: 'ErrImagePull', ready: 0, total: 1, restarts: 0 }],
    ['ImagePullBackOff', pod({ phase: 'Pending', containerStatuses: [waiting('ImagePullBackOff')] }), { status: 'ImagePullBackOff', ready: 0, total: 1, restarts: 0 }],
    ['SchedulingGated', pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] }), { status: 'SchedulingGated', ready: 0, total: 1, restarts: 0 }],
    ['Evicted', pod({ phase: 'Failed', reason: 'Evicted' }), { status: 'Evicted', ready: 0, total: 1, restarts: 0 }],
  ])('%s', (_name, p, expected) => {
    expect(podDisplayStatus(p)).toEqual(expected);
  });

  it('counts restarts and remembers the last one (CrashLoopBackOff)', () => {
    const s = podDisplayStatus(pod({ phase: 'Running', containerStatuses: [{ name: 'nginx', ready: false, restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: T } } }] }));
    expect(s).toEqual({ status: 'CrashLoopBackOff', ready: 0, total: 1, restarts: 4, lastRestartAt: T });
  });

  it('names terminated containers by reason, exit code or signal', () => {
    expect(podDisplayStatus(pod({ phase: 'Succeeded', containerStatuses: [{ name: 'nginx', state: { terminated: { exitCode: 0, reason: 'Completed' } } }] })).status).toBe('Completed');
    expect(podDisplayStatus(pod({ phase: 'Failed', containerStatuses: [{ name: 'nginx', state: { terminated: { exitCode: 1 } } }] })).status).toBe('ExitCode:1');
    expect(podDisplayStatus(pod({ phase: 'Failed', containerStatuses: [{ name: 'nginx', state: { terminated: { exitCode: 137, signal: 9 } } }] })).status).toBe('Signal:9');
  });

  it('shows init containers as Init:...', () => {
    const spec = { containers: [{ name: 'nginx' }], initContainers: [{ name: 'setup' }, { name: 'more' }] };
    const initWaiting = (reason: string): ContainerStatusJson => ({ name: 'setup', restartCount: 0, state: { waiting: { reason } } });
    expect(podDisplayStatus(pod({ phase: 'Pending', initContainerStatuses: [initWaiting('PodInitializing')], containerStatuses: [waiting('PodInitializing')] }, { spec })).status).toBe('Init:0/2');
    expect(podDisplayStatus(pod({ phase: 'Pending', initContainerStatuses: [initWaiting('ErrImagePull')] }, { spec })).status).toBe('Init:ErrImagePull');
    expect(podDisplayStatus(pod({ phase: 'Pending', initContainerStatuses: [{ name: 'setup', state: { terminated: { exitCode: 0 } } }, { name: 'more', restartCount: 2, state: { terminated: { exitCode: 3, reason: 'Error' } } }] }, { spec }))).toEqual({ status: 'Init:Error', ready: 0, total: 1, restarts: 2 });
  });

  it('counts a started sidecar (restartable init container) as a container', () => {
    const spec = { containers: [{ name: 'nginx' }], initContainers: [{ name: 'log', restartPolicy: 'Always' }] };
    const s = podDisplayStatus(pod({ phase: 'Running', conditions: [{ type: 'Initialized', status: 'True' }], initContainerStatuses: [{ name: 'log', started: true, ready: true, restartCount: 1, state: { running: {} } }], containerStatuses: [running] }, { spec }));
    expect(s).toEqual({ status: 'Running', ready: 2, total: 2, restarts: 1 });
  });

  it('says Running or NotReady when a completed container sits beside a running one', () => {
    const spec = { containers: [{ name: 'a' }, { name: 'nginx' }] };
    const done: ContainerStatusJson = { name: 'a', state: { terminated: { exitCode: 0, reason: 'Completed' } } };
    expect(podDisplayStatus(pod({ phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [done, running] }, { spec })).status).toBe('Running');
    expect(podDisplayStatus(pod({ phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }], containerStatuses: [done, running] }, { spec })).status).toBe('NotReady');
  });

  it('says Terminating while a pod is deleted, Unknown when its node is lost', () => {
    expect(podDisplayStatus(pod({ phase: 'Running', containerStatuses: [running] }, { metadata: { deletionTimestamp: T } })).status).toBe('Terminating');
    expect(podDisplayStatus(pod({ phase: 'Running', reason: 'NodeLost', containerStatuses: [running] }, { metadata: { deletionTimestamp: T } })).status).toBe('Unknown');
    expect(podDisplayStatus(pod({ phase: 'Succeeded', containerStatuses: [{ name: 'nginx', state: { terminated: { exitCode: 0, reason: 'Completed' } } }] }, { metadata: { deletionTimestamp: T } })).status).toBe('Completed');
  });
});
