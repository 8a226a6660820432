/**
 * What the preload exposes on `window.piWizard`: exactly two functions, invoke and subscribe.
 * The browser host's client implements the same shape over a WebSocket.
 */
import type { Envelope } from './contract/errors';

export interface WizardBridge {
  invoke(method: string, params: unknown): Promise<Envelope<unknown>>;
  /** Returns an unsubscribe function. */
  subscribe(listener: (name: string, payload: unknown) => void): () => void;
}

declare global {
  interface Window {
    piWizard?: WizardBridge;
  }
}
