import { downloadText } from '../logs/download-text';
import type { Incident } from '../../../shared/incident';

/** Pretty-printed JSON, as the export files hold it. */
export function toPrettyJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/**
 * A file name safe on every system: `:` (in RFC 3339 times) is not allowed on Windows and
 * browsers would replace it anyway, so it becomes `-`; other unsafe characters become `_`.
 */
function safeFilePart(text: string): string {
  return text.replace(/:/g, '-').replace(/[^A-Za-z0-9._+-]/g, '_');
}

/** `incident-<at>-<kind>.json` for one incident (`2026-01-01T10-00-00.000Z` for the time). */
export function incidentFileName(incident: Pick<Incident, 'at' | 'kind'>): string {
  return `incident-${safeFilePart(incident.at)}-${safeFilePart(incident.kind)}.json`;
}

/** `incidents-<now>.json` for the whole list. */
export function allIncidentsFileName(now: Date = new Date()): string {
  return `incidents-${safeFilePart(now.toISOString())}.json`;
}

/**
 * Saves `value` as a pretty-printed JSON file (a Blob clicked through a temporary anchor;
 * no new window, works in Chromium and in the Electron window).
 */
export function downloadJson(fileName: string, value: unknown): void {
  downloadText(fileName, toPrettyJson(value), 'application/json');
}
