/**
 * The practice journey up to "every planned node found", through the app's router: plan, one
 * prepared virtual card per node, a virtual Pi booted from each, discovery in the lab's subnet.
 */
import { expect } from 'vitest';
import { practiceLoopbackBase } from '../../practice/practice-service';
import type { TestApp } from './test-app';

export interface PracticeNode {
  hostname: string;
  role: 'control-plane' | 'worker';
}

export async function practiceNodesFound(t: Pick<TestApp, 'app' | 'call' | 'dataDir'>, nodes: readonly PracticeNode[], options: { clusterName?: string; speed?: number } = {}): Promise<void> {
  await t.call('plan.save', {
    draft: { clusterName: options.clusterName ?? 'home-lab', nodes: [...nodes], network: { kind: 'ethernet', mode: 'dhcp' }, microk8sChannel: '1.32/stable', ubuntuRelease: '24.04', timezone: 'UTC' },
  });
  await t.call('practice.setEnabled', { enabled: true });
  await t.app.practice.setSpeed(options.speed ?? 2000);
  for (const [i, node] of nodes.entries()) {
    const card = (await t.call('practice.newCard', { content: 'ubuntu-24.04', sizeGB: 2 })).cards[i]!;
    const device = (await t.call('practice.insertCard', { id: card.id, reader: 1 })).cards[i]!.device!;
    const { jobId } = await t.call('cards.prepare', { hostname: node.hostname, device, confirmDevice: device });
    expect((await t.app.jobs.settled(jobId)).state).toBe('succeeded');
    await t.call('practice.addPi', {});
    await t.call('practice.plugCard', { id: card.id, pi: `pi-${i + 1}` });
    await t.call('practice.power', { pi: `pi-${i + 1}`, on: true });
  }
  await t.call('findNodes.start', { subnets: [`${practiceLoopbackBase(t.dataDir)}.0/24`] });
  await expect.poll(() => t.app.findNodes.state().missing, { timeout: 60_000 }).toEqual([]);
  await t.call('findNodes.stop', {});
}
