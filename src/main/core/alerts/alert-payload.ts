import { hostname } from 'node:os';
import type { Incident } from '../../../shared/incident';
import { fitIncident } from '../incident-cap';
import type { AlertEvent } from './alert-events';

/** What the rate limit held back before this alert: how many, of which events, since when. */
export interface SuppressedCount {
  count: number;
  /** Per event, only those with at least one. */
  events: Partial<Record<AlertEvent, number>>;
  /** When the first of them happened (RFC 3339), or null when there were none. */
  since: string | null;
}

/**
 * The JSON an alert sends (a webhook's body, a command's stdin): the service, the event,
 * when it happened (the incident's time, RFC 3339), the host, the incident's summary, the
 * alerts the rate limit held back since the last one, and the whole incident (as the
 * incident store keeps it, at most 16 KiB).
 */
export interface AlertPayload {
  service: string;
  event: AlertEvent;
  at: string;
  host: string;
  summary: string;
  suppressed: SuppressedCount;
  incident: Incident;
}

/** The payload of `event` about `incident` of `service`. */
export function alertPayload(
  service: string,
  event: AlertEvent,
  incident: Incident,
  suppressed: SuppressedCount,
): AlertPayload {
  // The recorder already cut it to its cap; cut again so no caller can send more.
  const kept = fitIncident(incident);
  return { service, event, at: kept.at, host: hostname(), summary: kept.summary, suppressed, incident: kept };
}

/**
 * Variables a command target gets beside the JSON on stdin (over the supervisor's
 * environment), so a one-line script needs no JSON parser. An environment cannot hold a
 * NUL (spawn refuses it), and the summary holds the backend's last stderr line, binary
 * garbage included: each NUL becomes U+FFFD there (the JSON on stdin keeps the text whole).
 */
export function alertEnvironment(payload: AlertPayload): Record<string, string> {
  const text = (value: string): string => value.replaceAll('\0', '\uFFFD');
  return {
    SUPERVISOR_ALERT_SERVICE: text(payload.service),
    SUPERVISOR_ALERT_EVENT: payload.event,
    SUPERVISOR_ALERT_AT: text(payload.at),
    SUPERVISOR_ALERT_SUMMARY: text(payload.summary),
    SUPERVISOR_ALERT_SUPPRESSED: String(payload.suppressed.count),
  };
}
