import type { Incident, IncidentKind } from '../../../shared/incident';
import type { BackendState } from '../../../shared/states';
import { systemClock, type Clock } from '../clock';
import type { LogStore } from '../log-store';
import type { AlertEvent } from './alert-events';
import { alertPayload } from './alert-payload';
import { AlertThrottle, ALERT_WINDOW_MS } from './alert-throttle';
import type { AlertDispatcher } from './alert-dispatcher';
import type { NotifyTarget } from './notify-schema';

/** What the alerts need of a service's supervisor: its incidents and the state it is in. */
export interface AlertSource {
  on(event: 'incident', listener: (incident: Incident) => void): unknown;
  off(event: 'incident', listener: (incident: Incident) => void): unknown;
  readonly currentState: BackendState;
}

/**
 * The event of each incident kind alerted while the policy goes on; a taken port or an
 * executable that cannot run is a start that failed (and gives up at once). A remote
 * outage has no process to alert about.
 */
const EVENT_OF: Partial<Record<IncidentKind, AlertEvent>> = {
  crash: 'crash',
  hang: 'hang',
  'failed-start': 'failed-start',
  'port-in-use': 'failed-start',
  'launch-error': 'failed-start',
};

/** Options of {@link ServiceAlerts}. */
export interface ServiceAlertsOptions {
  service: string;
  source: AlertSource;
  targets: readonly NotifyTarget[];
  dispatcher: AlertDispatcher;
  /** The service's log: deliveries are said there as supervisor lines. */
  logs: LogStore;
  clock?: Clock;
  /** The rate limit's window, ms (default {@link ALERT_WINDOW_MS}). */
  windowMs?: number;
}

/**
 * One service's alerts: each incident becomes an alert of its kind (`crash`, `hang`,
 * `failed-start`), or `give-up` when the policy gave up on it (the supervisor is `crashed`
 * right after recording it; a taken port or an executable that cannot run gives up at
 * once), through the service's rate limit ({@link AlertThrottle}) to the dispatcher. It
 * only listens: nothing here runs inside the supervisor's command queue or waits.
 */
export class ServiceAlerts {
  private readonly throttle: AlertThrottle<{ event: AlertEvent; at: string; incident: Incident }>;
  private readonly onIncident = (incident: Incident): void => {
    const kind = EVENT_OF[incident.kind];
    if (kind === undefined) return;
    // The supervisor records the incident, then sets its state: a give-up is `crashed` once
    // this turn's synchronous work is done.
    queueMicrotask(() => {
      const event: AlertEvent = this.options.source.currentState === 'crashed' ? 'give-up' : kind;
      this.throttle.offer({ event, at: incident.at, incident });
    });
  };

  constructor(private readonly options: ServiceAlertsOptions) {
    const { service, targets, dispatcher, logs } = options;
    this.throttle = new AlertThrottle(
      options.clock ?? systemClock,
      (alert, suppressed) =>
        dispatcher.dispatch(alertPayload(service, alert.event, alert.incident, suppressed), targets, logs),
      options.windowMs ?? ALERT_WINDOW_MS,
    );
    options.source.on('incident', this.onIncident);
  }

  /** Stops listening and drops a held alert. */
  close(): void {
    this.options.source.off('incident', this.onIncident);
    this.throttle.close();
  }
}
