/**
 * The practice journey through the app's router, for tests past the Plan step: a plan draft,
 * a prepared virtual card booted in a virtual Pi, discovery in the lab's subnet.
 */
import { expect } from 'vitest';
import type { Params } from '../../../preload/contract';
import { practiceLoopbackBase } from '../../practice/practice-service';
import type { TestApp } from './test-app';

type App = Pick<TestApp, 'app' | 'call' | 'dataDir'>;
export type PlanDraft = Params<'plan.save'>['draft'];

/** A DHCP Ethernet plan for `hostnames`; the ones in `controlPlanes` are control planes. */
export function practicePlanDraft(hostnames: readonly string[], controlPlanes: readonly string[] = ['pi-01'], clusterName = 'home-lab'): PlanDraft {
  return {
    clusterName,
    nodes: hostnames.map((hostname) => ({ hostname, role: controlPlanes.includes(hostname) ? 'control-plane' : 'worker' })),
    network: { kind: 'ethernet', mode: 'dhcp' },
    microk8sChannel: '1.32/stable',
    ubuntuRelease: '24.04',
    timezone: 'UTC',
  };
}

/** Turns practice mode on at a lab speed fast enough for tests. */
export async function practiceOn(t: App, speed = 2000): Promise<void> {
  await t.call('practice.setEnabled', { enabled: true });
  await t.app.feature('practice').setSpeed(speed);
}

/** Prepares a practice card for node pi-0n, plugs it into a new virtual Pi (pi-n) and powers it on. */
export async function bootPracticePi(t: App, n: number): Promise<void> {
  const card = (await t.call('practice.newCard', { content: 'ubuntu-24.04', sizeGB: 2 })).cards[n - 1]!;
  const device = (await t.call('practice.insertCard', { id: card.id, reader: 1 })).cards[n - 1]!.device!;
  const { jobId } = await t.call('cards.prepare', { hostname: `pi-0${n}`, device, confirmDevice: device });
  expect((await t.app.jobs.settled(jobId)).state).toBe('succeeded');
  await t.call('practice.addPi', {});
  await t.call('practice.plugCard', { id: card.id, pi: `pi-${n}` });
  await t.call('practice.power', { pi: `pi-${n}`, on: true });
}

/** Searches the practice network until `missing` is all that is left to find. */
export async function findPracticeNodes(t: App, missing: string[] = []): Promise<void> {
  await t.call('findNodes.start', { subnets: [`${practiceLoopbackBase(t.dataDir)}.0/24`] });
  await expect.poll(() => t.app.feature('findNodes').state().missing, { timeout: 60_000 }).toEqual(missing);
  await t.call('findNodes.stop', {});
}

/** Plan pi-01 (control plane; the first `controlPlanes` nodes are) ... pi-0n, one booted practice Pi each, all found. */
export async function practiceNodesFound(t: App, count: number, controlPlanes = 1): Promise<void> {
  const hostnames = Array.from({ length: count }, (_, i) => `pi-0${i + 1}`);
  await practiceOn(t);
  await t.call('plan.save', { draft: practicePlanDraft(hostnames, hostnames.slice(0, controlPlanes)) });
  for (let n = 1; n <= count; n++) await bootPracticePi(t, n);
  await findPracticeNodes(t);
}
