import { z } from 'zod';
import { HealthCheckResultSchema, LogLineSchema } from './status';

/**
 * What went wrong: an unexpected exit, a confirmed hang, a start that failed (exited, never
 * answered, answered 5xx), the port already held by another process, or an executable
 * that cannot run.
 */
export const INCIDENT_KINDS = ['crash', 'hang', 'failed-start', 'port-in-use', 'launch-error'] as const;
export const IncidentKindSchema = z.enum(INCIDENT_KINDS);
export type IncidentKind = z.infer<typeof IncidentKindSchema>;

/**
 * One recorded incident (architecture.md, "Logs, metrics, incidents"): when (RFC 3339),
 * what, the process's pid and how it ended, how long it had run (ms), the last 50 log
 * lines, the recent health probes, and what the restart policy did about it.
 */
export const IncidentSchema = z.object({
  id: z.string(),
  at: z.string(),
  kind: IncidentKindSchema,
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
