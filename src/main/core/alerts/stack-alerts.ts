import type { Incident } from '../../../shared/incident';
import type { BackendState } from '../../../shared/states';
import { systemClock, type Clock } from '../clock';
import type { LogStore } from '../log-store';
import { AlertDispatcher, type AlertOutcome } from './alert-dispatcher';
import type { AlertPayload } from './alert-payload';
import type { NotifyTarget } from './notify-schema';
import { ServiceAlerts } from './service-alerts';

/** What the alerts need of one service of the stack: its `notify` list, its state and its log. */
export interface AlertedMember {
  definition: { name: string; notify?: readonly NotifyTarget[] | undefined };
  supervisor: { readonly currentState: BackendState };
  logs: LogStore;
}

/** What the alerts need of the stack: its services' incidents and its services as they are now. */
export interface AlertedStack {
  on(event: 'incident', listener: (incident: Incident) => void): unknown;
  off(event: 'incident', listener: (incident: Incident) => void): unknown;
  readonly names: readonly string[];
  member(name: string): AlertedMember;
}

/** One delivery's end, as {@link StackAlerts.onOutcome} tells it. */
export interface AlertOutcomeEvent {
  service: string;
  target: NotifyTarget['kind'];
  outcome: AlertOutcome;
}

/** Options of {@link StackAlerts}. */
export interface StackAlertsOptions {
  clock?: Clock;
  /** Each service's rate-limit window, ms (tests shorten it). */
  windowMs?: number;
}

/**
 * The alerts of a whole stack (README "Alerts"): it follows the stack's incidents, and each
 * service's `notify` list as the stack holds it when the alert goes (so a reload that adds,
 * changes or drops a list applies to the next alert). Services without a list cost one
 * lookup per incident. Every service shares one {@link AlertDispatcher} (made on the first
 * alert), so its queue bounds the whole stack.
 */
export class StackAlerts {
  private readonly services = new Map<string, ServiceAlerts>();
  private dispatcher: AlertDispatcher | null = null;
  private closed = false;
  private readonly outcomeListeners = new Set<(event: AlertOutcomeEvent) => void>();
  private readonly onIncident = (incident: Incident): void => {
    const name = incident.service;
    const member = this.current(name);
    if (name === undefined || !member?.definition.notify?.length) return;
    let alerts = this.services.get(name);
    if (!alerts) {
      alerts = new ServiceAlerts(
        name,
        (payload) => this.send(name, payload),
        this.options.clock ?? systemClock,
        this.options.windowMs,
      );
      this.services.set(name, alerts);
    }
    alerts.incident(incident, () => member.supervisor.currentState);
  };

  constructor(
    private readonly stack: AlertedStack,
    private readonly options: StackAlertsOptions = {},
  ) {
    stack.on('incident', this.onIncident);
  }

  /** Calls `listener` as each delivery ends (the metrics count them); returns the unsubscribe. */
  onOutcome(listener: (event: AlertOutcomeEvent) => void): () => void {
    this.outcomeListeners.add(listener);
    return () => this.outcomeListeners.delete(listener);
  }

  /** Stops listening, drops held alerts, ends deliveries in flight (their commands killed). */
  async close(): Promise<void> {
    this.closed = true;
    this.stack.off('incident', this.onIncident);
    for (const alerts of this.services.values()) alerts.close();
    this.services.clear();
    await this.dispatcher?.close();
  }

  /** The service `name` as the stack holds it now, or null when it has none of that name. */
  private current(name: string | undefined): AlertedMember | null {
    return name !== undefined && this.stack.names.includes(name) ? this.stack.member(name) : null;
  }

  private send(name: string, payload: AlertPayload): void {
    const member = this.current(name);
    const targets = member?.definition.notify ?? [];
    if (this.closed || member === null || targets.length === 0) return;
    this.dispatcher ??= new AlertDispatcher();
    this.dispatcher.dispatch(payload, targets, member.logs, (target, outcome) => {
      for (const listener of this.outcomeListeners) listener({ service: name, target, outcome });
    });
  }
}
