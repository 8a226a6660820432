/** Step 1, Plan: the cluster's plan in this world (see plan-service.ts). */
import { worldFeature } from '../app/feature-def';
import { PlanService, planSlice } from './plan-service';

declare module '../app/feature-def' {
  interface FeatureApis {
    plan: PlanService;
  }
}

export const feature = worldFeature('plan', (ctx) => {
  const plans = new PlanService(ctx.slice(planSlice), ctx.dir);
  plans.onChange(() => ctx.stepsChanged());
  return {
    api: plans,
    handlers: {
      'plan.get': () => plans.get(),
      'plan.save': ({ draft }) => plans.save(draft),
    },
    steps: {
      plan: () => ({ status: plans.stored() ? 'done' : ctx.store.recovery ? 'needs-attention' : ctx.store.state.preferences.currentStep === 'plan' ? 'in-progress' : 'not-started' }),
    },
  };
});
