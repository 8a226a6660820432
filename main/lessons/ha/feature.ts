/** Step 12, High availability (see ha-lesson.ts and drill-recorder.ts). */
import { worldFeature } from '../../app/feature-def';
import type { HaState } from '../../../preload/contract/ha';
import { HaDrills, haActions } from './ha-lesson';

declare module '../../app/feature-def' {
  interface FeatureApis {
    haLesson: { state(): HaState; drills: HaDrills };
  }
}

/** Done: a node lost and its pods replaced, the control plane the kubeconfig names lost without losing the API, a drain undone. */
export const HA_DONE = ['worker-recovered', 'control-plane-survived', 'drained', 'uncordoned'] as const;

export const feature = worldFeature('haLesson', (ctx) => {
  let closed = false;
  const drills = new HaDrills({ real: () => Date.now(), cluster: () => ctx.env.pace.now() }, (state) => {
    if (closed) return;
    ctx.emit('ha.changed', state);
    const drill = state.drill;
    if (!drill) return;
    const seen = (kind: string) => drill.milestones.some((m) => m.kind === kind);
    const lessons = ctx.feature('lessons');
    if (drill.kind === 'worker' && seen('replacements-running')) void lessons.mark('ha', 'worker-recovered');
    if (drill.kind === 'control-plane' && seen('api-failover')) void lessons.mark('ha', 'control-plane-survived');
    if (drill.kind === 'quorum' && seen('api-lost')) void lessons.mark('ha', 'quorum-lost');
  });
  return {
    api: { state: () => drills.recorder.state(), drills },
    handlers: {
      'ha.state': () => drills.recorder.state(),
    },
    start: () => ctx.feature('lessons').register(haActions(drills) as never),
    close: () => {
      closed = true;
      drills.close();
    },
    steps: {
      ha: () => {
        if (!ctx.feature('cluster').built()) return { status: 'not-started', locked: 'needs-cluster' };
        const progress = ctx.feature('lessons').progress('ha');
        if (HA_DONE.every((f) => progress.includes(f))) return { status: 'done' };
        return { status: progress.length > 0 ? 'in-progress' : 'not-started' };
      },
    },
  };
});
