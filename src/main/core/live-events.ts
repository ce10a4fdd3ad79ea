import { EVENT_NAMES, type EventName, type EventPayload } from '../../shared/contract';
import type { Stack } from './stack/stack';

/** What the live events come from: the stack, whose events carry each service's name (a runtime has it). */
export interface LiveEventSources {
  stack: Stack;
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
  'backend:state': ({ stack }, send) => {
    stack.on('state', send);
    return () => stack.off('state', send);
  },
  'backend:log': ({ stack }, send) => {
    stack.on('line', send);
    return () => stack.off('line', send);
  },
  'backend:incident': ({ stack }, send) => {
    stack.on('incident', send);
    return () => stack.off('incident', send);
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
