import { stripVTControlCharacters } from 'node:util';
import type { LogLine } from '../../shared/status';
import { CUT_MARKER } from './line-splitter';

/**
 * Characters of the backend's last stderr line kept in an incident's summary. The line
 * a person needs first (`FATAL: cannot connect to database`) is short; a stack trace or
 * a JSON log line would bury the summary, and the whole line is in the incident's logs.
 */
export const SUMMARY_STDERR_CHARS = 240;

/** The `action` of a remote-mode outage: nothing is restarted from here. */
export const REMOTE_OUTAGE_ACTION = 'none: remote mode; watching until it answers again';

/**
 * The lines kept in an incident, oldest first, at most `max`: from `tail` (oldest first),
 * the lines from `firstSeq` on (the failed process's spawn: its output and the
 * supervisor's lines about it, never an earlier process's); with `firstSeq` null (no
 * process: a port held, a remote outage) only the supervisor's own lines.
 */
export function incidentLogs(tail: readonly LogLine[], firstSeq: number | null, max: number): LogLine[] {
  const own = tail.filter((line) => (firstSeq === null ? line.stream === 'supervisor' : line.seq >= firstSeq));
  return own.slice(-max);
}

/**
 * `why`, then the last stderr line among `logs` (cut to {@link SUMMARY_STDERR_CHARS},
 * marked ` …[cut]`): `exited unexpectedly (exited with code 1) — stderr: FATAL: …`.
 * Blank stderr lines are skipped; without a stderr line, `why` alone. Terminal escapes
 * (colours of a logger writing to a pipe as to a terminal) are dropped: the summary is read
 * as text on the Incidents page and in the log, where `\x1b[31m` is noise.
 */
export function incidentSummary(why: string, logs: readonly LogLine[]): string {
  const plain = (l: LogLine): string => stripVTControlCharacters(l.text).trim();
  const line = logs.findLast((l) => l.stream === 'stderr' && plain(l) !== '');
  if (!line) return why;
  const text = plain(line);
  const shown = text.length > SUMMARY_STDERR_CHARS ? text.slice(0, SUMMARY_STDERR_CHARS) + CUT_MARKER : text;
  return `${why} — stderr: ${shown}`;
}
