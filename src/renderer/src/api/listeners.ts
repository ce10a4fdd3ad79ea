import type { EventName, EventPayload } from '../../../shared/contract';

type AnyListener = (payload: never) => void;

/**
 * Listeners per event name. A throwing listener is reported and skipped so that the
 * others (and the stream feeding them) keep running.
 */
export class ListenerRegistry {
  private readonly byEvent = new Map<EventName, Set<AnyListener>>();

  /** Adds a listener; returns the function that removes it. */
  add<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
    let set = this.byEvent.get(event);
    if (!set) {
      set = new Set();
      this.byEvent.set(event, set);
    }
    const entry = listener as AnyListener;
    set.add(entry);
    return () => {
      set.delete(entry);
    };
  }

  /** Calls every listener of `event` with `payload`. */
  emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    const set = this.byEvent.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        (listener as (p: EventPayload<E>) => void)(payload);
      } catch (error) {
        console.error(`A ${event} listener failed`, error);
      }
    }
  }
}
