/**
 * The plan of a reload: what changes between the stack that runs and the one the settings
 * and the stack file give now, service by service (README "Reloading the settings"). Pure:
 * reads two definitions, changes nothing.
 */
import type { SupervisorConfig } from '../../../shared/config';
import {
  SUPERVISOR_RESTART_KEYS,
  type ReloadAction,
  type ReloadPlan,
  type ReloadServicePlan,
} from '../../../shared/reload';
import type { ServiceDefinition, StackDefinition } from './service-definition';

export { SUPERVISOR_RESTART_KEYS };

/** A stack as it runs or as the files give it: the global config and the services. */
export interface StackSnapshot {
  config: SupervisorConfig;
  definition: StackDefinition;
}

/** The pseudo-key of the plan's `needs_supervisor_restart` when another service would be the primary. */
export const PRIMARY_KEY = 'primary';

/**
 * Config keys a process is spawned with: a change restarts the service. Named as in the stack
 * file; remote mode, a setting, by its settings key (a switch ends the old mode's process or
 * watch and begins the new one's).
 */
const RESTART_FIELDS: readonly [keyof SupervisorConfig, string][] = [
  ['orchestratorEnabled', 'orchestratorEnabled'],
  ['command', 'command'],
  ['args', 'args'],
  ['env', 'environment'],
  ['workingDir', 'working_dir'],
];

/** Config keys that apply in place (the next probe, failure or stop reads them). Named as in the stack file. */
const IN_PLACE_FIELDS: readonly [keyof SupervisorConfig, string][] = [
  ['healthCheckIntervalMs', 'health.interval'],
  ['healthCheckTimeoutMs', 'health.timeout'],
  ['healthFailureThreshold', 'health.retries'],
  ['healthConfirmDelayMs', 'health.confirm_delay'],
  ['startupTimeoutMs', 'health.startup_timeout'],
  ['autoRestart', 'restart'],
  ['maxRestartAttempts', 'restart.max_attempts'],
  ['restartDelayMs', 'restart.delay'],
  ['maxRestartDelayMs', 'restart.max_delay'],
  ['restartResetAfterMs', 'restart.reset_after'],
  ['stopTimeoutMs', 'stop_grace_period'],
  ['backendUrl', 'backend_url'],
  ['healthCheckPath', 'health_path'],
];

/** Keys of a definition compared by name below, or not compared (`name`; `hooks`: functions, which follow `kind` and the config). */
const DEFINITION_KEYS_SEEN = new Set<string>([
  'name',
  'primary',
  'config',
  'health',
  'restartPolicy',
  'stopSignal',
  'stopEscalation',
  'user',
  'dependsOn',
  'kind',
  'hooks',
]);

/** `value` as JSON with every object's keys sorted: a mapping written in another order (`environment`) is the same. */
export const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );

const same = (a: unknown, b: unknown): boolean => canonical(a) === canonical(b);

/**
 * What changed in one service, by the stack file's names, and whether its process must be
 * restarted for it. Keys of a definition this file does not know (added since, such as
 * `notify`) and config keys not listed apply in place: only what a process is spawned with
 * needs a new process.
 */
export function serviceChanges(
  before: ServiceDefinition,
  after: ServiceDefinition,
): { restart: string[]; inPlace: string[] } {
  const restart: string[] = [];
  const inPlace: string[] = [];
  for (const [key, name] of RESTART_FIELDS) if (!same(before.config[key], after.config[key])) restart.push(name);
  if (!same(before.user, after.user)) restart.push('user');
  if (before.kind !== after.kind) restart.push('kind');
  if (!same(before.health, after.health)) inPlace.push('health');
  for (const [key, name] of IN_PLACE_FIELDS) {
    if (!same(before.config[key], after.config[key]) && !inPlace.includes(name)) inPlace.push(name);
  }
  if (before.restartPolicy !== after.restartPolicy && !inPlace.includes('restart')) inPlace.push('restart');
  if (before.stopSignal !== after.stopSignal || !same(before.stopEscalation, after.stopEscalation)) {
    inPlace.push('stop_signal');
  }
  if (!same(before.dependsOn, after.dependsOn)) inPlace.push('depends_on');
  const listed = new Set<string>([...RESTART_FIELDS, ...IN_PLACE_FIELDS].map(([key]) => key));
  const restartKeys = new Set<string>(SUPERVISOR_RESTART_KEYS);
  for (const key of new Set([...Object.keys(before.config), ...Object.keys(after.config)])) {
    if (listed.has(key) || restartKeys.has(key)) continue;
    const k = key as keyof SupervisorConfig;
    if (!same(before.config[k], after.config[k])) inPlace.push(key);
  }
  const b = before as unknown as Record<string, unknown>;
  const a = after as unknown as Record<string, unknown>;
  for (const key of new Set([...Object.keys(b), ...Object.keys(a)])) {
    if (!DEFINITION_KEYS_SEEN.has(key) && !same(b[key], a[key])) inPlace.push(key);
  }
  return { restart, inPlace };
}

/** The primary service's name: the one marked, else the first (as Stack.primary). */
export function primaryOf(definition: StackDefinition): string | undefined {
  return (definition.services.find((s) => s.primary) ?? definition.services[0])?.name;
}

/**
 * `after` with the running values of the settings only a supervisor restart applies
 * ({@link SUPERVISOR_RESTART_KEYS}) in its config and in each service's, and with the
 * running primary service kept primary: a reload must not half-apply them.
 */
export function keepRunningValues(before: StackSnapshot, after: StackSnapshot): StackSnapshot {
  const kept = Object.fromEntries(SUPERVISOR_RESTART_KEYS.map((key) => [key, before.config[key]]));
  const keep = (config: SupervisorConfig): SupervisorConfig => {
    const next: Record<string, unknown> = { ...config };
    for (const [key, value] of Object.entries(kept)) {
      if (value === undefined) delete next[key];
      else next[key] = value;
    }
    return next as SupervisorConfig;
  };
  const primary = primaryOf(before.definition);
  const services = after.definition.services.map((s) => ({
    ...s,
    primary: s.name === primary,
    config: keep(s.config),
  }));
  return { config: keep(after.config), definition: { ...after.definition, services } };
}

/**
 * The plan from `before` (running) to `after` (read from the files, as given by
 * {@link keepRunningValues}'s input: the raw new values, so the keys that wait for a
 * supervisor restart are named): the new stack's services in its order, then the removed
 * ones.
 */
export function planReload(before: StackSnapshot, after: StackSnapshot): ReloadPlan {
  const old = new Map(before.definition.services.map((s) => [s.name, s]));
  const services: ReloadServicePlan[] = [];
  for (const next of after.definition.services) {
    const prev = old.get(next.name);
    if (!prev) {
      services.push({ service: next.name, action: 'start', changes: [] });
      continue;
    }
    const { restart, inPlace } = serviceChanges(prev, next);
    // Remote mode runs no process: what one would be spawned with applies in place too, unless
    // the mode itself switches (a process to stop or to spawn).
    const spawns = (prev.config.orchestratorEnabled || next.config.orchestratorEnabled) && restart.length > 0;
    const action: ReloadAction = spawns ? 'restart' : restart.length + inPlace.length > 0 ? 'update' : 'unchanged';
    services.push({ service: next.name, action, changes: [...restart, ...inPlace] });
  }
  const kept = new Set(after.definition.services.map((s) => s.name));
  for (const prev of before.definition.services) {
    if (!kept.has(prev.name)) services.push({ service: prev.name, action: 'stop', changes: [] });
  }
  const needs: string[] = SUPERVISOR_RESTART_KEYS.filter((key) => !same(before.config[key], after.config[key]));
  const primary = primaryOf(before.definition);
  if (primary !== primaryOf(after.definition) && kept.has(primary ?? '')) needs.push(PRIMARY_KEY);
  return { file: after.definition.file, services, needs_supervisor_restart: needs };
}
