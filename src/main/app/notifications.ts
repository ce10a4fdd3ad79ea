import { Notification } from 'electron';
import type { Incident, IncidentKind } from '../../shared/incident';
import type { StateChangeEvent } from '../../shared/status';
import type { Supervisor } from '../core/supervisor';

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
}

const TITLES: Record<IncidentKind, string> = {
  crash: 'Backend crashed',
  hang: 'Backend stopped answering',
  'failed-start': 'Backend failed to start',
  'port-in-use': 'Backend port is taken',
  'launch-error': 'Backend cannot run',
  'remote-down': 'Remote backend is down',
};

/**
 * Shows a desktop notification when the backend crashes, hangs or fails to start (an
 * `incident` the restart policy handles), and one when the policy gives up (the state
 * becomes `crashed`). The supervisor records the incident right before it changes the
 * state, so an incident that ends in `crashed` gives one "gave up" notice, not two.
 * @returns a function that stops listening.
 */
export function notifyOnFailures(
  supervisor: Pick<Supervisor, 'on' | 'off'>,
  options: FailureNoticeOptions,
): () => void {
  const now = options.now ?? Date.now;
  const minInterval = options.minIntervalMs ?? 60_000;
  let lastCrashNotice = Number.NEGATIVE_INFINITY;
  let pending: Incident | null = null;

  const onIncident = (incident: Incident): void => {
    pending = incident;
    // Decided after the synchronous state change that may follow (crashed = gave up).
    queueMicrotask(() => {
      if (pending !== incident) return;
      pending = null;
      if (now() - lastCrashNotice < minInterval) return;
      lastCrashNotice = now();
      options.notify({ title: TITLES[incident.kind], body: `${incident.summary}; ${incident.action}` });
    });
  };
  const onState = (event: StateChangeEvent): void => {
    if (event.to !== 'crashed') return;
    const incident = pending;
    pending = null;
    options.notify({
      title: 'Backend Supervisor gave up',
      body: `${incident ? `${TITLES[incident.kind]}: ${incident.summary}; ${incident.action}` : event.reason}. Start it again from the tray or the dashboard.`,
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
