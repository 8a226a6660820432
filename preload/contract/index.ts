/**
 * The one contract between the window and main. Feature files declare their methods and events;
 * this index merges them. Main's router and the renderer's client are both typed from here.
 */
import type { z } from 'zod';
import { appEvents, appMethods } from './app';
import { cardsEvents, cardsMethods } from './cards';
import { clusterEvents, clusterMethods } from './cluster';
import { findNodesEvents, findNodesMethods } from './find-nodes';
import { haEvents, haMethods } from './ha';
import { imagingEvents, imagingMethods } from './imaging';
import { jobEvents, jobMethods } from './jobs';
import { lessonsEvents, lessonsMethods } from './lessons';
import { liveClusterEvents, liveClusterMethods } from './live-cluster';
import { planMethods } from './plan';
import { practiceEvents, practiceMethods } from './practice';

export const methods = {
  ...appMethods,
  ...planMethods,
  ...jobMethods,
  ...practiceMethods,
  ...cardsMethods,
  ...imagingMethods,
  ...findNodesMethods,
  ...clusterMethods,
  ...liveClusterMethods,
  ...lessonsMethods,
  ...haMethods,
};

export const events = {
  ...appEvents,
  ...jobEvents,
  ...practiceEvents,
  ...cardsEvents,
  ...imagingEvents,
  ...findNodesEvents,
  ...clusterEvents,
  ...liveClusterEvents,
  ...lessonsEvents,
  ...haEvents,
};

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export type Params<M extends MethodName> = z.input<Methods[M]['params']>;
export type ParsedParams<M extends MethodName> = z.output<Methods[M]['params']>;
export type Result<M extends MethodName> = z.output<Methods[M]['result']>;

export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<E extends EventName> = z.output<Events[E]['payload']>;

export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(methods, name);
}

export * from './channels';

export * from './errors';
