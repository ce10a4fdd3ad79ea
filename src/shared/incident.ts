import { z } from 'zod';
import { HealthCheckResultSchema, LogLineSchema } from './status';

/**
 * What went wrong: an unexpected exit, a confirmed hang, a start that failed (exited, never
 * answered, answered 5xx), the port already held by another process, an executable
 * that cannot run, or (remote mode) an outage of the remote backend.
 */
export const INCIDENT_KINDS = ['crash', 'hang', 'failed-start', 'port-in-use', 'launch-error', 'remote-down'] as const;
export const IncidentKindSchema = z.enum(INCIDENT_KINDS);
export type IncidentKind = z.infer<typeof IncidentKindSchema>;

/**
 * One recorded incident (architecture.md, "Logs, metrics, incidents"): when (RFC 3339),
 * what, the process's pid and how it ended, how long it had run (ms), the process's own
 * last 50 log lines (the supervisor's lines when there was no process), the recent health
 * probes, and what the restart policy did about it.
 */
export const IncidentSchema = z.object({
  id: z.string(),
  /** The service it happened to; absent in incidents written before stacks (the `backend`). */
  service: z.string().optional(),
  at: z.string(),
  kind: IncidentKindSchema,
  /**
   * The failure run it belongs to: the restart policy's attempts after one failure share
   * it, the newest holding the final verdict. Absent in incidents written before runs
   * were recorded (each is then a run of its own).
   */
  run_id: z.string().optional(),
  /** Which failure of its run it is, from 1 (the policy's consecutive-failure count). */
  attempt: z.number().int().positive().optional(),
  /** What failed, then the process's last stderr line when it wrote one (` — stderr: …`). */
  summary: z.string(),
  pid: z.number().int().nullable(),
  exit: z.object({ code: z.number().int().nullable(), signal: z.string().nullable() }).nullable(),
  uptime_ms: z.number().nonnegative().nullable(),
  /** What the policy did: e.g. "restart attempt 2/3 in 1000 ms", "gave up after 3 …", "none: auto-restart is off". */
  action: z.string(),
  logs: z.array(LogLineSchema),
  probes: z.array(HealthCheckResultSchema),
});
export type Incident = z.infer<typeof IncidentSchema>;
