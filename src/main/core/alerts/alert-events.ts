/**
 * What an alert is about (README "Alerts"): an unexpected exit, a confirmed hang, a start
 * that failed, or the restart policy giving up (the service is `crashed` and stays so
 * until a person starts it). One list: the stack file's `notify.events`, the payload's
 * `event` and the counts of suppressed alerts all take these names.
 */
export const ALERT_EVENTS = ['crash', 'hang', 'failed-start', 'give-up'] as const;

/** One of {@link ALERT_EVENTS}. */
export type AlertEvent = (typeof ALERT_EVENTS)[number];
