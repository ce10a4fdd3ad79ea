import { z } from 'zod';
import { ACTORS, BACKEND_STATES } from './states';

/** Zod schema of a backend state name. */
export const BackendStateSchema = z.enum(BACKEND_STATES);
/** Zod schema of an actor name (who caused a change). */
export const ActorSchema = z.enum(ACTORS);

/**
 * One health probe's outcome. `at` is an RFC 3339 time; `latency_ms` is the time from
 * request to response headers in ms (null when no answer came); `status_code` is the
 * HTTP status (null on a network error or timeout); `error` says why a probe failed.
 */
export const HealthCheckResultSchema = z.object({
  at: z.string(),
  ok: z.boolean(),
  latency_ms: z.number().nullable(),
  status_code: z.number().int().nullable(),
  error: z.string().nullable(),
});
export type HealthCheckResult = z.infer<typeof HealthCheckResultSchema>;

/**
 * How the last backend process ended: exit code or signal name, and when (RFC 3339).
 * `expected` is true when the supervisor itself stopped it; then `stopped_by` names who
 * had it stopped (a person's channel, or `policy` for a failed start or a hang it killed)
 * and `stop_reason` says why, in words; both are null when it exited on its own.
 */
export const ExitInfoSchema = z.object({
  code: z.number().int().nullable(),
  signal: z.string().nullable(),
  at: z.string(),
  expected: z.boolean(),
  stopped_by: ActorSchema.nullable().default(null),
  stop_reason: z.string().nullable().default(null),
});
export type ExitInfo = z.infer<typeof ExitInfoSchema>;

/**
 * The startup probes of the process being started: how many failed so far and the last
 * one's outcome (null before the first answer or failure).
 */
export const StartupProbesSchema = z.object({
  probes: z.number().int().nonnegative(),
  last: HealthCheckResultSchema.nullable(),
});
export type StartupProbes = z.infer<typeof StartupProbesSchema>;

/**
 * The supervisor's status snapshot. The first six fields are the seed's
 * (`GET /api/v1/admin/backend/status`, seed 001); the rest are added. Every field that
 * describes a process describes the current one, or says there is none:
 * `uptime_secs` is whole seconds of the current process (0 when none; in remote mode,
 * how long the remote backend has answered, 0 while it does not);
 * `last_health_check` and `last_health` are the current process's last periodic probe
 * (`unknown` / null when no process runs or none was probed yet; in remote mode the last
 * probe of the remote backend);
 * `restart_count` counts every restart since the supervisor started (by a person or
 * the policy); `consecutive_failures` is the restart policy's counter;
 * `health_failures` counts the periodic probes failed in a row (0 after a pass);
 * `startup` is the current start's probes while `starting` a process, else null.
 * These and `stopped_by`/`stop_reason` default to "none" when absent: a dashboard reads a
 * supervisor older than them instead of refusing its whole status.
 */
export const BackendStatusSchema = z.object({
  status: BackendStateSchema,
  pid: z.number().int().nullable(),
  uptime_secs: z.number().int().nonnegative(),
  restart_count: z.number().int().nonnegative(),
  last_health_check: z.enum(['healthy', 'unhealthy', 'unknown']),
  is_running: z.boolean(),
  orchestrator_enabled: z.boolean(),
  backend_url: z.string(),
  consecutive_failures: z.number().int().nonnegative(),
  last_health: HealthCheckResultSchema.nullable(),
  last_exit: ExitInfoSchema.nullable(),
  last_error: z.string().nullable(),
  /** Why the state last changed, in words. */
  state_reason: z.string(),
  state_actor: ActorSchema,
  /** RFC 3339 time of the last state change. */
  state_since: z.string(),
  /** ms until the next automatic restart while in `backoff`, else null. */
  next_restart_in_ms: z.number().nullable(),
  health_failures: z.number().int().nonnegative().default(0),
  startup: StartupProbesSchema.nullable().default(null),
});
export type BackendStatus = z.infer<typeof BackendStatusSchema>;

/**
 * Answer of a start/stop/restart command (seed 001 fields `success`, `message`, `pid`,
 * `status`, `restart_count`).
 */
export const CommandResultSchema = z.object({
  success: z.boolean(),
  message: z.string(),
  pid: z.number().int().nullable(),
  status: BackendStateSchema,
  restart_count: z.number().int().nonnegative(),
});
export type CommandResult = z.infer<typeof CommandResultSchema>;

/** Event emitted on every state change. */
export const StateChangeEventSchema = z.object({
  /** The service whose state changed (absent from a supervisor before stacks: the `backend`). */
  service: z.string().optional(),
  from: BackendStateSchema,
  to: BackendStateSchema,
  actor: ActorSchema,
  reason: z.string(),
  at: z.string(),
  status: BackendStatusSchema,
});
export type StateChangeEvent = z.infer<typeof StateChangeEventSchema>;

/** The log streams: the backend's stdout and stderr, and the supervisor's own events. */
export const LogStreamSchema = z.enum(['stdout', 'stderr', 'supervisor']);
export type LogStream = z.infer<typeof LogStreamSchema>;

/**
 * One log line: `seq` increases by one per line for the supervisor's lifetime, `ts` is an
 * RFC 3339 time, `text` has no trailing newline (a cut line ends with a marker).
 */
export const LogLineSchema = z.object({
  seq: z.number().int().nonnegative(),
  ts: z.string(),
  stream: LogStreamSchema,
  text: z.string(),
  /** The service whose log it is (each service has its own `seq`); absent: the `backend`. */
  service: z.string().optional(),
});
export type LogLine = z.infer<typeof LogLineSchema>;

/**
 * One sample of the dashboard's charts (every 10 s, the last hour kept): the latest probe's
 * latency (ms) and result, the backend's resident memory (bytes) and CPU (% of one core).
 */
export const MetricsSampleSchema = z.object({
  at: z.string(),
  state: BackendStateSchema,
  health_latency_ms: z.number().nullable(),
  healthy: z.boolean().nullable(),
  rss_bytes: z.number().nullable(),
  cpu_percent: z.number().nullable(),
});
export type MetricsSample = z.infer<typeof MetricsSampleSchema>;
