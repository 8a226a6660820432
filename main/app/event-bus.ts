/** Typed events from services to whichever host is serving the window. */
import { EventEmitter } from 'node:events';
import type { EventName, EventPayload } from '../../preload/contract';

export type EventListener = (name: EventName, payload: unknown) => void;

export class EventBus {
  readonly #emitter = new EventEmitter();

  constructor() {
    this.#emitter.setMaxListeners(100);
  }

  emit<E extends EventName>(name: E, payload: EventPayload<E>): void {
    this.#emitter.emit('event', name, payload);
  }

  subscribe(listener: EventListener): () => void {
    this.#emitter.on('event', listener);
    return () => this.#emitter.off('event', listener);
  }
}
