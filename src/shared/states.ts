/**
 * The closed set of backend lifecycle states (architecture.md, "The supervised process").
 * - `stopped`: no process; nothing will start it but a person.
 * - `starting`: spawned, probing health until healthy or the startup budget runs out.
 * - `running`: the last probe succeeded.
 * - `unhealthy`: alive, but a failed probe was confirmed (hang).
 * - `stopping`: SIGTERM sent to the process group, waiting for it to go (SIGKILL after the stop timeout).
 * - `backoff`: the process died; waiting for the restart policy's delay before the next start.
 * - `crashed`: the restart policy gave up (or auto-restart is off); stays until a person acts.
 * - `waiting`: wanted, but a `service_healthy` dependency is not healthy; no process. It
 *   starts once the dependency is healthy again, at no cost to its restart attempts.
 */
export const BACKEND_STATES = [
  'stopped',
  'starting',
  'running',
  'unhealthy',
  'stopping',
  'backoff',
  'crashed',
  'waiting',
] as const;

/** One of {@link BACKEND_STATES}. */
export type BackendState = (typeof BACKEND_STATES)[number];

/**
 * Who caused a state change: a person through the dashboard, the tray or the REST API,
 * the restart policy, the health loop, the app starting or quitting, the process itself
 * (exit), the stack following a dependency (`dependency`), or a reload of the settings and
 * the stack file (`reload`: SIGHUP, the Settings page's Save + Apply, `POST /api/v1/config/reload`).
 */
export const ACTORS = [
  'user-ui',
  'tray',
  'rest',
  'policy',
  'health',
  'process',
  'app-start',
  'app-quit',
  'dependency',
  'reload',
] as const;

/** One of {@link ACTORS}. */
export type Actor = (typeof ACTORS)[number];

/**
 * Numeric code of each state for the `backend_status` gauge. The seed (001) fixes
 * 0=stopped, 1=running, 2=unhealthy, 3=crashed; the other states follow.
 */
export const STATE_CODES: Record<BackendState, number> = {
  stopped: 0,
  running: 1,
  unhealthy: 2,
  crashed: 3,
  starting: 4,
  stopping: 5,
  backoff: 6,
  waiting: 7,
};

/**
 * The moves `setState` may make: from each state, the states it may go to (as supervisord's
 * `_assertInState` guards its transitions). Any other move is a defect and throws.
 * `stopped` and `waiting` are reachable from everywhere: a person's stop and a dependency
 * going down may come at any time.
 */
export const TRANSITIONS: Readonly<Record<BackendState, readonly BackendState[]>> = {
  stopped: ['starting', 'waiting', 'stopped'],
  starting: ['starting', 'running', 'unhealthy', 'stopping', 'backoff', 'crashed', 'stopped', 'waiting'],
  running: ['unhealthy', 'stopping', 'backoff', 'crashed', 'starting', 'stopped', 'waiting'],
  unhealthy: ['running', 'stopping', 'backoff', 'crashed', 'starting', 'stopped', 'waiting'],
  stopping: ['stopping', 'stopped', 'starting', 'backoff', 'crashed', 'waiting'],
  backoff: ['starting', 'stopped', 'waiting'],
  crashed: ['starting', 'stopped', 'waiting'],
  waiting: ['starting', 'stopped', 'waiting'],
};

/** True when `setState` may move from `from` to `to` ({@link TRANSITIONS}). */
export function canTransition(from: BackendState, to: BackendState): boolean {
  return TRANSITIONS[from].includes(to);
}

/** True for states in which a backend process may be alive. */
export function isLiveState(state: BackendState): boolean {
  return state === 'starting' || state === 'running' || state === 'unhealthy' || state === 'stopping';
}
