import type { Incident } from '../../shared/incident';
import { CUT_MARKER } from './line-splitter';

/**
 * Largest incident kept, bytes of its JSON line (16 KiB). An incident holds the last 50
 * log lines: ~100-character lines make ~8 KiB, so a normal one is never touched, while 50
 * lines at the 16 KiB line cap would make 800 KiB each and 160 MB for the 200 kept.
 */
export const MAX_INCIDENT_BYTES = 16 * 1024;

/** Characters kept of each text of an oversized incident (a log line, the summary, a probe error) before lines are dropped. */
export const INCIDENT_TEXT_CHARS = 512;

/** Bytes of `incident` as one JSON line (without the newline). */
export function incidentBytes(incident: Incident): number {
  return Buffer.byteLength(JSON.stringify(incident), 'utf8');
}

function cut(text: string): string {
  return text.length > INCIDENT_TEXT_CHARS ? text.slice(0, INCIDENT_TEXT_CHARS) + CUT_MARKER : text;
}

/**
 * `incident` made to fit {@link MAX_INCIDENT_BYTES}: unchanged when it fits; otherwise each
 * text is cut to {@link INCIDENT_TEXT_CHARS} (marked ` …[cut]`), then the oldest log lines
 * and then the oldest probes are dropped until it fits. The newest lines, the kind, the
 * exit and the policy's action are what an incident is read for, so they stay.
 */
export function fitIncident(incident: Incident): Incident {
  if (incidentBytes(incident) <= MAX_INCIDENT_BYTES) return incident;
  const fitted: Incident = {
    ...incident,
    summary: cut(incident.summary),
    action: cut(incident.action),
    logs: incident.logs.map((line) => ({ ...line, text: cut(line.text) })),
    probes: incident.probes.map((p) => ({ ...p, error: p.error === null ? null : cut(p.error) })),
  };
  // Cut, each line is at most ~0.6 KiB: a few dozen cheap re-measures at worst.
  while (incidentBytes(fitted) > MAX_INCIDENT_BYTES && fitted.logs.length > 0) fitted.logs.shift();
  while (incidentBytes(fitted) > MAX_INCIDENT_BYTES && fitted.probes.length > 0) fitted.probes.shift();
  return fitted;
}
