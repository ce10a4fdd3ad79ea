import { randomUUID } from 'node:crypto';
import type { Incident, IncidentKind } from '../../shared/incident';
import type { HealthCheckResult } from '../../shared/status';
import type { Clock } from './clock';
import { fitIncident } from './incident-cap';
import { incidentLogs, incidentSummary } from './incident-facts';
import type { ProcessExit } from './launcher';
import type { LogStore } from './log-store';

/** Log lines kept in an incident. */
const INCIDENT_LOG_LINES = 50;
/**
 * Log lines searched for the failed process's own lines and its last stderr line: a
 * chatty supervisor or stdout can push that line out of the last 50.
 */
const INCIDENT_SCAN_LINES = 200;
/** Health probes kept for an incident (the newest). */
export const INCIDENT_PROBES = 10;

/** What is known of a failed process for its incident (null: there was no process). */
export interface FailureInfo {
  pid: number | null;
  exit: ProcessExit | null;
  /** How long it had run, ms (monotonic). */
  uptimeMs: number | null;
}

/** Where the restart policy stands when an incident is recorded. */
export interface RunContext {
  /** `firstSeq` of the last process spawned: an incident about a process keeps only its own lines. */
  spawnFirstSeq: number | null;
  /** Failures the policy counts in a row (0: none; the incident is then a run of one). */
  consecutiveFailures: number;
  /** Id of the failure run the policy is in, or null. */
  failureRun: string | null;
}

/**
 * Builds a service's incidents: keeps its newest {@link INCIDENT_PROBES} health probes,
 * and on a failure assembles the incident (summary from the process's last stderr line,
 * its own last 50 log lines, the probes, the run and attempt it belongs to, the policy's
 * action), logs its one-line summary and returns it cut to the incident size cap.
 */
export class IncidentRecorder {
  private readonly recentProbes: HealthCheckResult[] = [];

  /**
   * @param service the service's name, stamped on each incident.
   */
  constructor(
    private readonly service: string,
    private readonly logs: LogStore,
    private readonly clock: Clock,
  ) {}

  /** Keeps a copy of `probe` (its result fields only) among the newest; returns the copy. */
  rememberProbe(probe: HealthCheckResult): HealthCheckResult {
    const { at, ok, latency_ms, status_code, error } = probe;
    const kept = { at, ok, latency_ms, status_code, error };
    this.recentProbes.push(kept);
    if (this.recentProbes.length > INCIDENT_PROBES) this.recentProbes.shift();
    return kept;
  }

  /**
   * The incident of a failure of `kind`: `why` it happened, the failed process (`info`;
   * null when no process was involved), what the policy did (`action`), and where the
   * policy stands (`run`). Logged as `incident (<kind>): <summary>; <action>`.
   */
  record(kind: IncidentKind, why: string, info: FailureInfo | null, action: string, run: RunContext): Incident {
    // Only the failed process's own lines (from its spawn on); none: the supervisor's.
    const firstSeq = info?.pid != null ? run.spawnFirstSeq : null;
    const logs = incidentLogs(this.logs.tail(INCIDENT_SCAN_LINES), firstSeq, INCIDENT_LOG_LINES);
    const summary = incidentSummary(why, logs);
    // A failure the policy counts belongs to its run; any other incident is a run of one.
    const inRun = run.consecutiveFailures > 0 && run.failureRun !== null;
    const incident: Incident = {
      id: randomUUID(),
      service: this.service,
      at: this.clock.wallNow().toISOString(),
      kind,
      run_id: inRun ? (run.failureRun ?? randomUUID()) : randomUUID(),
      attempt: inRun ? run.consecutiveFailures : 1,
      summary,
      pid: info?.pid ?? null,
      exit: info?.exit ? { code: info.exit.code, signal: info.exit.signal } : null,
      uptime_ms: info?.uptimeMs === null || info?.uptimeMs === undefined ? null : Math.round(info.uptimeMs),
      action,
      logs,
      probes: [...this.recentProbes],
    };
    this.logs.append('supervisor', `incident (${kind}): ${summary}; ${action}`);
    // Cut to its size cap here, so the live event carries what the store keeps.
    return fitIncident(incident);
  }
}
