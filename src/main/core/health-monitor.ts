import type { SupervisorConfig } from '../../shared/config';
import type { HealthCheckResult } from '../../shared/status';
import type { Clock } from './clock';
import type { HealthProbe, ProbeOutcome } from './health-probe';
import type { LogStore } from './log-store';

/** Probe results kept for {@link HealthMonitor.successRate}. */
const PROBE_HISTORY = 100;

/** The health settings the monitor follows (from the supervisor's config), ms. */
export interface HealthMonitorSettings {
  /** Pause between periodic checks (HEALTH_CHECK_INTERVAL), ms. */
  intervalMs: number;
  /** Budget of one probe (HEALTH_CHECK_TIMEOUT), ms. */
  timeoutMs: number;
  /** Failed probes in a row that make a confirmed failure (HEALTH_FAILURE_THRESHOLD). */
  failureThreshold: number;
  /** Pause before each confirming re-probe (HEALTH_CONFIRM_DELAY), ms. */
  confirmDelayMs: number;
}

/** The monitor's settings from the supervisor's validated config. */
export function healthSettingsOf(config: SupervisorConfig): HealthMonitorSettings {
  return {
    intervalMs: config.healthCheckIntervalMs,
    timeoutMs: config.healthCheckTimeoutMs,
    failureThreshold: config.healthFailureThreshold,
    confirmDelayMs: config.healthConfirmDelayMs,
  };
}

/** What the monitor asks of, and tells, the service it watches (its supervisor). */
export interface HealthMonitorHost {
  /** True while `generation` is the watched process (or remote watch) and it is `running` or `unhealthy`. */
  isCurrent(generation: number): boolean;
  /** True while the service is `unhealthy` (an outage already confirmed). */
  isUnhealthy(): boolean;
  /** A probe succeeded while `unhealthy`. */
  recovered(): void;
  /**
   * A failure was confirmed (`why`: `health check failed 3 times in a row (…)`); the host
   * decides what follows and calls {@link HealthMonitor.schedule} to go on watching.
   */
  failed(generation: number, why: string): void;
  /** Every probe recorded (startup's healthy one included), as kept. */
  probed(probe: HealthCheckResult): void;
  /** The status's `last_error`, which a spell of `cannot-probe` takes over while it lasts. */
  getLastError(): string | null;
  setLastError(error: string | null): void;
}

/**
 * The periodic health loop of one service: every interval one probe; a failure is confirmed
 * by up to threshold − 1 quick re-probes (none while already `unhealthy`); a probe that
 * could not be made for want of the supervisor's own resources (`cannot-probe`) is no health
 * result ("blind": logged once per spell, `last_error` says so). Keeps the last probe, the
 * failures in a row and the success rate of the last 100 probes. Timers run on the injected
 * clock; one check is scheduled at a time.
 */
export class HealthMonitor {
  private timer: unknown = null;
  /** The generation the scheduled check is for (moved to a new interval by {@link reconfigure}). */
  private scheduledFor: number | null = null;
  private history: boolean[] = [];
  private last: HealthCheckResult | null = null;
  private failuresInRow = 0;
  /** Set while probes cannot be made: the `last_error` shown for it, and the one it hid. */
  private blind: { error: string; hidden: string | null } | null = null;

  constructor(
    private readonly clock: Clock,
    // Not readonly: a reload replaces them (see reconfigure).
    private prober: HealthProbe,
    /** What the periodic probes are given (the health URL, or the check's target). */
    private target: string,
    private settings: HealthMonitorSettings,
    private readonly logs: LogStore,
    private readonly host: HealthMonitorHost,
  ) {}

  /** The last probe recorded (its result fields only), or null since the last {@link reset}. */
  get lastHealth(): HealthCheckResult | null {
    return this.last;
  }

  /** Recorded probes failed in a row (status `health_failures`). */
  get failures(): number {
    return this.failuresInRow;
  }

  /** Fraction of successful probes among the last 100 (1 when none ran yet). */
  get successRate(): number {
    if (this.history.length === 0) return 1;
    return this.history.filter(Boolean).length / this.history.length;
  }

  /** A new process (or a new watch): the last one's probe and failures do not describe it. */
  reset(): void {
    this.last = null;
    this.failuresInRow = 0;
  }

  /** Records one probe: last probe, failures in a row, history; then tells the host. */
  record(probe: HealthCheckResult): void {
    const { at, ok, latency_ms, status_code, error } = probe;
    this.last = { at, ok, latency_ms, status_code, error };
    this.failuresInRow = ok ? 0 : this.failuresInRow + 1;
    this.history.push(ok);
    if (this.history.length > PROBE_HISTORY) this.history.shift();
    this.host.probed(this.last);
  }

  /** Schedules the next check of `generation` in `delayMs` (the interval by default), replacing any. */
  schedule(generation: number, delayMs = this.settings.intervalMs): void {
    this.cancel();
    this.scheduledFor = generation;
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      this.scheduledFor = null;
      void this.check(generation);
    }, delayMs);
  }

  /** Cancels the scheduled check, if any (a check under way ends at its next `isCurrent`). */
  cancel(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.scheduledFor = null;
  }

  /**
   * Takes a reload's probe, target and settings: the check under way finishes with the old
   * ones; a scheduled check is moved to the new interval (from now), so a shorter interval
   * does not wait out the old one. The history and the failures in a row are kept.
   */
  reconfigure(prober: HealthProbe, target: string, settings: HealthMonitorSettings): void {
    this.prober = prober;
    this.target = target;
    this.settings = settings;
    if (this.timer !== null && this.scheduledFor !== null) this.schedule(this.scheduledFor);
  }

  /**
   * True when `probe` could not be made for want of the supervisor's own resources
   * (`cannot-probe`: EMFILE and the like); logged once per spell, and once when probing
   * works again. Such a probe is no health result: it counts toward no threshold. While
   * it lasts, `last_error` says the backend is not monitored and since when: the state
   * (`running`) and the last real probe would otherwise look healthy for ever.
   */
  private cannotProbe(probe: ProbeOutcome): boolean {
    const blind = probe.failure === 'cannot-probe';
    if (blind && this.blind === null) {
      this.logs.append(
        'supervisor',
        `cannot probe the backend's health (${probe.error}): not counted as a failure; state kept, retrying every ${this.settings.intervalMs} ms`,
      );
      const error = `health not monitored since ${probe.at}: cannot probe (${probe.error})`;
      this.blind = { error, hidden: this.host.getLastError() };
      this.host.setLastError(error);
    } else if (!blind && this.blind !== null) {
      this.logs.append('supervisor', 'health probes can be made again');
      if (this.host.getLastError() === this.blind.error) this.host.setLastError(this.blind.hidden);
      this.blind = null;
    }
    return blind;
  }

  /** One periodic check: a failure is confirmed by up to threshold − 1 quick re-probes. */
  private async check(generation: number): Promise<void> {
    const { failureThreshold } = this.settings;
    let failures = 0;
    let last: ProbeOutcome | null = null;
    while (this.host.isCurrent(generation)) {
      last = await this.prober.probe(this.target, this.settings.timeoutMs);
      if (!this.host.isCurrent(generation)) return;
      if (this.cannotProbe(last)) {
        // Our side is out of sockets: says nothing about the backend. State kept; retry later.
        this.schedule(generation);
        return;
      }
      this.record(last);
      if (last.ok) break;
      failures++;
      // Already unhealthy: the outage is confirmed; one probe per interval, no re-probes.
      if (failures >= failureThreshold || this.host.isUnhealthy()) break;
      this.logs.append(
        'supervisor',
        `health probe failed (${last.error}); confirming (${failures}/${failureThreshold})`,
      );
      await new Promise<void>((resolve) => this.clock.setTimeout(resolve, this.settings.confirmDelayMs));
    }
    if (!this.host.isCurrent(generation) || last === null) return;
    if (last.ok) {
      if (this.host.isUnhealthy()) this.host.recovered();
      this.schedule(generation);
      return;
    }
    this.host.failed(
      generation,
      `health check failed ${failures} time${failures === 1 ? '' : 's'} in a row (${last.error})`,
    );
  }
}
