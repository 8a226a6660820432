/**
 * Practice mode: the shelf of virtual SD cards, the practice card readers, the virtual Pis and
 * their lab, app-wide. Turning practice mode on or off switches the journey's world (create-app);
 * the practice world's environment (practice-environment.ts) runs on this lab.
 */
import { appFeature } from '../app/feature-def';
import { PracticeService, practiceSlice } from './practice-service';

declare module '../app/feature-def' {
  interface FeatureApis {
    practice: PracticeService;
  }
}

export const feature = appFeature('practice', (ctx) => {
  const practice = new PracticeService(ctx.store.slice(practiceSlice), ctx.dataDir, () => ctx.currentWorld() === 'practice', (view) => ctx.emit('practice.changed', view));
  return {
    api: practice,
    handlers: {
      'practice.get': () => practice.view(),
      'practice.setEnabled': async ({ enabled }) => {
        await ctx.switchWorld(enabled ? 'practice' : 'real');
        return practice.view();
      },
      'practice.newCard': ({ content, sizeGB }) => practice.newCard(content, sizeGB),
      'practice.insertCard': ({ id, reader }) => practice.insertCard(id, reader),
      'practice.ejectCard': ({ id }) => practice.ejectCard(id),
      'practice.lockCard': ({ id, locked }) => practice.lockCard(id, locked),
      'practice.deleteCard': ({ id }) => practice.deleteCard(id),
      'practice.addPi': () => practice.addPi(),
      'practice.plugCard': ({ id, pi }) => practice.plugCard(id, pi),
      'practice.unplugCard': ({ pi }) => practice.unplugCard(pi),
      'practice.power': ({ pi, on }) => practice.power(pi, on),
      'practice.setFault': ({ pi, fault, on }) => practice.setFault(pi, fault, on),
      'practice.setSpeed': ({ speed }) => practice.setSpeed(speed),
    },
    start: () => practice.restore(),
    close: () => practice.close(),
  };
});
