/**
 * The journey's step views, found by folder: `steps/<step id>/step.tsx` default-exports the
 * view, loaded when the user first opens the step (so a lesson's code and charts do not slow
 * the app's start), together with its texts. Adding a step's view needs no edit here or in the shell.
 */
import { lazy } from 'react';
import type { ComponentType, LazyExoticComponent } from 'react';
import type { StepId } from '../../../preload/contract/app';
import { loadStepTexts } from '../i18n/catalogues';

const loaders = import.meta.glob<{ default: ComponentType }>('./*/step.tsx');

const views = new Map<string, LazyExoticComponent<ComponentType>>();
for (const [file, load] of Object.entries(loaders)) {
  const id = /^\.\/([^/]+)\/step\.tsx$/.exec(file)?.[1];
  // A step's texts arrive with its view (the lessons' are not in the first bundle).
  if (id) views.set(id, lazy(async () => (await Promise.all([load(), loadStepTexts(id)]))[0]));
}

export function stepView(id: StepId): LazyExoticComponent<ComponentType> | undefined {
  return views.get(id);
}

export function stepsWithViews(): string[] {
  return [...views.keys()];
}
