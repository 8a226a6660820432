/** Events list in the order they happened, as upstream's `<object>.<hex UnixNano>` names make them. */
import { afterEach, describe, expect, it } from 'vitest';
import { resourceForKind } from '../api/resource-registry';
import type { Deployment, EventObject } from '../api/types';
import { startControlPlane } from '../testing/control-plane-fixture';
import type { LabControlPlane } from './control-plane';
import { EventRecorder } from './event-recorder';

let plane: LabControlPlane | undefined;
afterEach(() => plane?.stop());

describe('event recorder', () => {
  it('names events of the same millisecond so that a list returns them in the order they were recorded', () => {
    const lab = startControlPlane([]);
    plane = lab.plane;
    const owner = lab.create<Deployment>({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default' },
      spec: { replicas: 0, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.14.2' }] } } },
    });
    const recorder = new EventRecorder(lab.plane.api);
    // Recorded back to back: most fall within one millisecond of the wall clock.
    const messages = Array.from({ length: 200 }, (_, i) => `step ${i}`);
    for (const m of messages) recorder.record(owner, 'Normal', 'ScalingReplicaSet', m, { component: 'deployment-controller' });
    const listed = (lab.plane.api.list(resourceForKind('Event'), 'default').items as EventObject[])
      .filter((e) => e.involvedObject.name === 'web' && e.reason === 'ScalingReplicaSet' && e.message?.startsWith('step '))
      .map((e) => e.message);
    expect(listed).toEqual(messages);
  });
});
