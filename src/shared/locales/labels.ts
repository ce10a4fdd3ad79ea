/**
 * The translation keys of the contract's closed sets (states, actors), one table each, written
 * out rather than built (`state.${s}`) so that the locale test finds every key in the code.
 */
import type { OrderStatus } from '../entities';
import type { IncidentKind } from '../incident';
import type { Actor, BackendState } from '../states';

/** Each backend state's label key (English: the state's name exactly). */
export const STATE_KEYS: Record<BackendState, string> = {
  stopped: 'state.stopped',
  starting: 'state.starting',
  running: 'state.running',
  unhealthy: 'state.unhealthy',
  stopping: 'state.stopping',
  backoff: 'state.backoff',
  crashed: 'state.crashed',
  waiting: 'state.waiting',
};

// Partial: an actor added to the contract later still shows, by its raw name.
/** Who changed a state, in words (`the restart policy`), by actor. */
export const ACTOR_KEYS: Partial<Record<Actor, string>> = {
  'user-ui': 'actor.user-ui',
  tray: 'actor.tray',
  rest: 'actor.rest',
  policy: 'actor.policy',
  health: 'actor.health',
  process: 'actor.process',
  'app-start': 'actor.app-start',
  'app-quit': 'actor.app-quit',
  dependency: 'actor.dependency',
  reload: 'actor.reload',
};

/** Each kind of incident's label key (English: the kind's name exactly). */
export const INCIDENT_KIND_KEYS: Record<IncidentKind, string> = {
  crash: 'incident.kind.crash',
  hang: 'incident.kind.hang',
  'failed-start': 'incident.kind.failed-start',
  'port-in-use': 'incident.kind.port-in-use',
  'launch-error': 'incident.kind.launch-error',
  'remote-down': 'incident.kind.remote-down',
};

/** The label key of each outcome of a service's last health check. */
export const HEALTH_KEYS: Record<'healthy' | 'unhealthy' | 'unknown', string> = {
  healthy: 'health.healthy',
  unhealthy: 'health.unhealthy',
  unknown: 'health.unknown',
};

/** Each order status's label key (English: the status name exactly). */
export const ORDER_STATUS_KEYS: Record<OrderStatus, string> = {
  pending: 'order.status.pending',
  confirmed: 'order.status.confirmed',
  preparing: 'order.status.preparing',
  ready: 'order.status.ready',
  delivered: 'order.status.delivered',
  cancelled: 'order.status.cancelled',
};
