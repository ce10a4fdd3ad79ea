import { Notification } from 'electron';
import type { Incident, IncidentKind } from '../../shared/incident';
import { createTranslator, type Translate } from '../../shared/locales/translate';
import type { StateChangeEvent } from '../../shared/status';
/** What the notices listen to: a supervisor, or a stack (its events name the service). */
export interface FailureSource {
  on(event: 'incident', listener: (incident: Incident) => void): unknown;
  on(event: 'state', listener: (event: StateChangeEvent) => void): unknown;
  off(event: 'incident', listener: (incident: Incident) => void): unknown;
  off(event: 'state', listener: (event: StateChangeEvent) => void): unknown;
}

/** "db: " before a notice of a service other than the `backend` (a stack's). */
function servicePrefix(service: string | undefined): string {
  return service === undefined || service === 'backend' ? '' : `${service}: `;
}

/** A desktop notification's text. */
export interface NoticeText {
  title: string;
  body: string;
}

/** Options of {@link notifyOnFailures}. */
export interface FailureNoticeOptions {
  /** Shows one notification. */
  notify: (notice: NoticeText) => void;
  /** Milliseconds clock (injectable for tests). */
  now?: () => number;
  /**
   * Crash notices closer together than this are skipped (a backend that crashes every half
   * minute should not flood the desktop); a "gave up" notice always shows. Default 60 s.
   */
  minIntervalMs?: number;
  /**
   * The notices' language (the desktop entry passes the OS's); English by default. The
   * incident's summary and action are the supervisor's words and stay as they are.
   */
  translate?: Translate;
}

/** Each kind's notice title (a translation key). */
const TITLES: Record<IncidentKind, string> = {
  crash: 'notice.crash',
  hang: 'notice.hang',
  'failed-start': 'notice.failed-start',
  'port-in-use': 'notice.port-in-use',
  'launch-error': 'notice.launch-error',
  'remote-down': 'notice.remote-down',
};

/**
 * Shows a desktop notification when the backend crashes, hangs or fails to start (an
 * `incident` the restart policy handles), and one when the policy gives up (the state
 * becomes `crashed`). The supervisor records the incident right before it changes the
 * state, so an incident that ends in `crashed` gives one "gave up" notice, not two.
 * @returns a function that stops listening.
 */
export function notifyOnFailures(supervisor: FailureSource, options: FailureNoticeOptions): () => void {
  const now = options.now ?? Date.now;
  const minInterval = options.minIntervalMs ?? 60_000;
  const t = options.translate ?? createTranslator('en');
  let lastCrashNotice = Number.NEGATIVE_INFINITY;
  /** The incident each service just had, until its state change (or the next turn) decides. */
  const pending = new Map<string, Incident>();

  const onIncident = (incident: Incident): void => {
    const service = incident.service ?? 'backend';
    pending.set(service, incident);
    // Decided after the synchronous state change that may follow (crashed = gave up).
    queueMicrotask(() => {
      if (pending.get(service) !== incident) return;
      pending.delete(service);
      if (now() - lastCrashNotice < minInterval) return;
      lastCrashNotice = now();
      options.notify({
        title: t(TITLES[incident.kind]),
        body: `${servicePrefix(incident.service)}${incident.summary}; ${incident.action}`,
      });
    });
  };
  const onState = (event: StateChangeEvent): void => {
    if (event.to !== 'crashed') return;
    const service = event.service ?? 'backend';
    const incident = pending.get(service) ?? null;
    pending.delete(service);
    options.notify({
      title: t('notice.gaveUp'),
      body:
        servicePrefix(event.service) +
        t('notice.gaveUp.body', {
          what: incident ? `${t(TITLES[incident.kind])}: ${incident.summary}; ${incident.action}` : event.reason,
        }),
    });
  };
  supervisor.on('incident', onIncident);
  supervisor.on('state', onState);
  return () => {
    supervisor.off('incident', onIncident);
    supervisor.off('state', onState);
  };
}

/**
 * Shows an Electron desktop notification (where the platform has them); clicking it calls
 * `onClick` (open the dashboard). Each notification is kept referenced until it closes, so
 * it is not garbage-collected while still on screen (its click would be lost).
 */
export function desktopNotifier(onClick: () => void): (notice: NoticeText) => void {
  const live = new Set<Notification>();
  return ({ title, body }) => {
    if (!Notification.isSupported()) return;
    const notification = new Notification({ title, body });
    live.add(notification);
    notification.on('click', () => {
      live.delete(notification);
      onClick();
    });
    notification.on('close', () => live.delete(notification));
    notification.show();
  };
}
