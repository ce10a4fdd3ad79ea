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

/** How long the object URL outlives the click, ms (the download reads it asynchronously). */
const REVOKE_AFTER_MS = 10_000;

/**
 * Saves `value` as a pretty-printed JSON file: a Blob behind an object URL, clicked through
 * a temporary `<a download>` (no new window; works in Chromium and in the Electron window,
 * whose CSP allows blob: downloads through an anchor).
 */
export function downloadJson(fileName: string, value: unknown): void {
  const blob = new Blob([toPrettyJson(value)], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = fileName;
  anchor.rel = 'noopener';
  anchor.style.display = 'none';
  document.body.append(anchor);
  try {
    anchor.click();
  } finally {
    anchor.remove();
    setTimeout(() => URL.revokeObjectURL(url), REVOKE_AFTER_MS);
  }
}
