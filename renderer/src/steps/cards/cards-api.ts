/**
 * Typed calls for the "Prepare SD cards" step, checked against preload/contract/cards.ts.
 * Goes through the same bridge as api/client.ts; once the contract index includes the cards
 * methods and events, `call` / `onEvent` from api/client can replace these two functions.
 */
import type { z } from 'zod';
import type { cardsEvents, cardsMethods } from '../../../../preload/contract/cards';
import { CallError } from '../../api/client';
import { getBridge } from '../../api/transport';

type CardsMethods = typeof cardsMethods;
type CardsMethod = keyof CardsMethods;

export async function callCards<M extends CardsMethod>(method: M, params: z.input<CardsMethods[M]['params']>): Promise<z.output<CardsMethods[M]['result']>> {
  const envelope = await getBridge().invoke(method, params);
  if (envelope.ok) return envelope.result as z.output<CardsMethods[M]['result']>;
  throw new CallError(envelope.error.code, envelope.error.message, envelope.error.issues);
}

export function onDrivesChanged(listener: (payload: z.output<(typeof cardsEvents)['cards.drives']['payload']>) => void): () => void {
  return getBridge().subscribe((name, payload) => {
    if (name === 'cards.drives') listener(payload as z.output<(typeof cardsEvents)['cards.drives']['payload']>);
  });
}
