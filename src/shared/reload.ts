import { z } from 'zod';
import type { SupervisorConfig } from './config';
import { ServiceNameSchema, StackCommandResultSchema } from './services';

/**
 * Settings only a restart of the supervisor applies (a reload keeps their running values and
 * names them in `needs_supervisor_restart`); the Settings page says so beside these fields:
 * - the control server's address and tokens: the server listening, and the clients holding
 *   them, would be cut off in the middle of the reload's own answer;
 * - the data folder (only the environment and the command line set it, which a reload does
 *   not re-read): it holds the token files, the pid files and the control URL the
 *   command-line client finds the running supervisor by.
 *
 * The log folder, the log files' size and count and the in-memory log buffer apply in place
 * (each service's plan names them as an `update`). Remote mode (`orchestratorEnabled`)
 * restarts every service in the new mode (its process stopped and its remote watch begun, or
 * the other way round; the incident history kept in its file or in memory as at a start), and
 * on the default stack adds or removes the embedded database with it.
 */
export const SUPERVISOR_RESTART_KEYS = [
  'controlHost',
  'controlPort',
  'controlAllowRemote',
  'controlToken',
  'controlReadToken',
  'dataDir',
] as const satisfies readonly (keyof SupervisorConfig)[];

/** True when a change of settings key `key` waits for a restart of the supervisor. */
export function needsSupervisorRestart(key: string): boolean {
  return (SUPERVISOR_RESTART_KEYS as readonly string[]).includes(key);
}

/**
 * What a reload does to one service (README "Reloading the settings"):
 * - `restart`: its command, arguments, environment, working dir, user or kind changed, or
 *   remote mode was switched: it is stopped (its process, or its remote watch) and started
 *   again with them (only if it was wanted: a stopped one stays stopped);
 * - `update`: only settings that apply in place changed (probes, restart policy, stop signal
 *   and grace, dependencies, alerts, its log file's folder, size and count, its log buffer):
 *   its process is left running, its pid unchanged;
 * - `start`: new in the stack file: added and started;
 * - `stop`: gone from the stack file: stopped and removed;
 * - `unchanged`: nothing of it changed.
 */
export const RELOAD_ACTIONS = ['restart', 'update', 'start', 'stop', 'unchanged'] as const;
/** One of {@link RELOAD_ACTIONS}. */
export type ReloadAction = (typeof RELOAD_ACTIONS)[number];

/** One service in a reload's plan. */
export const ReloadServicePlanSchema = z.object({
  service: ServiceNameSchema,
  action: z.enum(RELOAD_ACTIONS),
  /** What changed, by the stack file's key names (`command`, `environment`, `health.interval`, …). */
  changes: z.array(z.string()),
});
export type ReloadServicePlan = z.infer<typeof ReloadServicePlanSchema>;

/**
 * What a reload would do (a dry run) or did: every service of the old and the new stack in
 * the new stack's order (removed ones last), and the settings that changed but apply only at
 * the next start of the supervisor (the control server's address and tokens, the data
 * folder, the primary service), by settings key.
 */
export const ReloadPlanSchema = z.object({
  /** The stack file read, or null when the environment and the settings define the stack. */
  file: z.string().nullable(),
  services: z.array(ReloadServicePlanSchema),
  /** Settings keys whose new values wait for a restart of the supervisor. */
  needs_supervisor_restart: z.array(z.string()),
});
export type ReloadPlan = z.infer<typeof ReloadPlanSchema>;

/** The answer of a reload: its plan, whether it was carried out, and the services' results when it was. */
export const ReloadResultSchema = ReloadPlanSchema.extend({
  /** False for a dry run (nothing changed), true once the plan was carried out. */
  applied: z.boolean(),
  /** The starts and stops it made (null for a dry run); `success` false when one of them failed. */
  result: StackCommandResultSchema.nullable(),
  /**
   * A digest of what the files gave this reload (sha256, hex): a dry run's, given back as
   * `expect`, applies exactly the plan that was shown.
   */
  fingerprint: z.string(),
});
export type ReloadResult = z.infer<typeof ReloadResultSchema>;

/**
 * The reload's options: `dryRun` answers the plan and changes nothing; `expect` (a dry run's
 * `fingerprint`) refuses with RELOAD_PLAN_CHANGED, changing nothing, when the files have
 * changed since that dry run (the plan confirmed is not the one that would be applied).
 */
export const ReloadOptionsSchema = z.strictObject({
  dryRun: z.boolean().optional(),
  expect: z.string().max(128).optional(),
});
export type ReloadOptions = z.infer<typeof ReloadOptionsSchema>;
