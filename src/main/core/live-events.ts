import { EVENT_NAMES, type EventName, type EventPayload } from '../../shared/contract';
import type { LogStore } from './log-store';
import type { Supervisor } from './supervisor';

/** What the live events come from (a runtime has both). */
export interface LiveEventSources {
  supervisor: Supervisor;
  logs: LogStore;
}

/** Receives every live event: its contract name and its payload. */
export type LiveEventListener = <E extends EventName>(name: E, payload: EventPayload<E>) => void;

type Subscribe<E extends EventName> = (
  sources: LiveEventSources,
  send: (payload: EventPayload<E>) => void,
) => () => void;

/**
 * Where each contract event comes from. Typed over every EventName, so an event added to the
 * contract does not compile until it has a source here, and then reaches IPC and SSE alike.
 */
const SUBSCRIBERS: { readonly [E in EventName]: Subscribe<E> } = {
  'backend:state': ({ supervisor }, send) => {
    supervisor.on('state', send);
    return () => supervisor.off('state', send);
  },
  'backend:log': ({ logs }, send) => {
    logs.on('line', send);
    return () => logs.off('line', send);
  },
  'backend:incident': ({ supervisor }, send) => {
    supervisor.on('incident', send);
    return () => supervisor.off('incident', send);
  },
};

/**
 * Subscribes `listener` to every live event of the contract ({@link EVENT_NAMES}): the one
 * subscription the desktop's IPC forwarding and the headless event stream both use.
 * @returns the function that unsubscribes it from all of them.
 */
export function subscribeLiveEvents(sources: LiveEventSources, listener: LiveEventListener): () => void {
  const subscribe = <E extends EventName>(name: E): (() => void) =>
    (SUBSCRIBERS[name] as Subscribe<E>)(sources, (payload) => listener(name, payload));
  const offs = EVENT_NAMES.map((name) => subscribe(name));
  return () => {
    for (const off of offs) off();
  };
}
