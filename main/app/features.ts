/**
 * Every feature of main, found by its folder: `main/<folder>/feature.ts` (and each lesson's
 * `main/lessons/<step>/feature.ts`) exporting `feature`.
 * Adding a feature (a lesson, a step) needs no edit here or in create-app.ts.
 */
import type { FeatureDef } from './feature-def';

const modules = import.meta.glob<{ feature: FeatureDef }>(['../*/feature.ts', '../lessons/*/feature.ts'], { eager: true });

export function allFeatures(): FeatureDef[] {
  return Object.entries(modules)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([file, module]) => {
      if (!module.feature) throw new Error(`${file} does not export a feature.`);
      return module.feature;
    });
}
