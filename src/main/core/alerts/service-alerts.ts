import type { Incident, IncidentKind } from '../../../shared/incident';
import type { BackendState } from '../../../shared/states';
import type { Clock } from '../clock';
import type { AlertEvent } from './alert-events';
import { alertPayload, type AlertPayload } from './alert-payload';
import { AlertThrottle, ALERT_WINDOW_MS } from './alert-throttle';

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

/**
 * One service's alerts: each incident becomes an alert of its kind (`crash`, `hang`,
 * `failed-start`), or `give-up` when the policy gave up on it (the supervisor is `crashed`
 * right after recording it), through the service's rate limit ({@link AlertThrottle}) to
 * `send`. Nothing here waits: it runs on the supervisor's event and returns.
 */
export class ServiceAlerts {
  private readonly throttle: AlertThrottle<{ event: AlertEvent; at: string; incident: Incident }>;

  /**
   * @param send called with each payload the rate limit lets through; must not throw.
   * @param windowMs the rate limit's window, ms (default {@link ALERT_WINDOW_MS}).
   */
  constructor(
    private readonly service: string,
    send: (payload: AlertPayload) => void,
    clock: Clock,
    windowMs = ALERT_WINDOW_MS,
  ) {
    this.throttle = new AlertThrottle(
      clock,
      (alert, suppressed) => send(alertPayload(this.service, alert.event, alert.incident, suppressed)),
      windowMs,
    );
  }

  /**
   * Takes an incident of the service as the supervisor emits it; `state` reads the
   * supervisor's state. The supervisor records the incident, then sets its state: the state
   * is read once this turn's synchronous work is done, when a give-up is `crashed`.
   */
  incident(incident: Incident, state: () => BackendState): void {
    const kind = EVENT_OF[incident.kind];
    if (kind === undefined) return;
    queueMicrotask(() => {
      const event: AlertEvent = state() === 'crashed' ? 'give-up' : kind;
      this.throttle.offer({ event, at: incident.at, incident });
    });
  }

  /** Drops a held alert and sends nothing more. */
  close(): void {
    this.throttle.close();
  }
}
