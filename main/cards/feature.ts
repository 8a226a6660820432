/** Step 2, Prepare SD cards, in this world (see cards-handlers.ts). */
import { worldFeature } from '../app/feature-def';
import { CardsService, cardsSlice } from './cards-handlers';

declare module '../app/feature-def' {
  interface FeatureApis {
    cards: CardsService;
  }
}

export const feature = worldFeature('cards', (ctx) => {
  const cards = new CardsService({
    slice: ctx.slice(cardsSlice),
    jobs: ctx.jobs,
    plan: () => ctx.feature('plan').stored(),
    drives: ctx.env.drives,
    appPaths: ctx.appPaths,
    onDrives: (drives) => ctx.emit('cards.drives', { drives }),
    onReports: () => ctx.stepsChanged(),
    // The host key written to a card is pinned for its node at once, in the same world.
    pinHostKey: (hostname, publicKey) => ctx.feature('findNodes').pinPreparedKey(hostname, publicKey),
  });
  return {
    api: cards,
    handlers: cards.handlers(),
    steps: {
      cards: () => {
        const planned = ctx.feature('plan').stored()?.nodes ?? [];
        const done = planned.filter((n) => cards.reportFor(n.hostname)).length;
        return { status: planned.length > 0 && done === planned.length ? 'done' : done > 0 ? 'in-progress' : 'not-started' };
      },
    },
    start: () => {
      if (ctx.watchDrives) cards.start();
    },
    close: () => cards.stop(),
  };
});
