import type { LogStore } from '../log-store';
import type { NotifyTarget } from './notify-schema';
import { AlertDispatcher } from './alert-dispatcher';
import { ServiceAlerts, type AlertSource } from './service-alerts';

/** What {@link startStackAlerts} needs of each service: its name, `notify` targets, supervisor and log. */
export interface AlertedMember {
  definition: { name: string; notify?: readonly NotifyTarget[] };
  supervisor: AlertSource;
  logs: LogStore;
}

/** The alerts of a whole stack; `close` ends them (see {@link startStackAlerts}). */
export interface StackAlerts {
  /** Stops listening, drops held alerts, ends deliveries in flight. */
  close(): Promise<void>;
}

/**
 * Watches each service that has a `notify` list (README "Alerts"); services without one
 * cost nothing. All of them share one dispatcher, so its queue bounds the whole stack.
 * @param windowMs each service's rate-limit window, ms (tests shorten it).
 */
export function startStackAlerts(members: readonly AlertedMember[], windowMs?: number): StackAlerts {
  const watched = members.filter((m) => (m.definition.notify?.length ?? 0) > 0);
  if (watched.length === 0) return { close: () => Promise.resolve() };
  const dispatcher = new AlertDispatcher();
  const alerts = watched.map(
    (m) =>
      new ServiceAlerts({
        service: m.definition.name,
        source: m.supervisor,
        targets: m.definition.notify ?? [],
        dispatcher,
        logs: m.logs,
        ...(windowMs === undefined ? {} : { windowMs }),
      }),
  );
  return {
    async close() {
      for (const a of alerts) a.close();
      await dispatcher.close();
    },
  };
}
